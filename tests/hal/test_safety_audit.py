"""Audit log: complete in memory; JSON lines on disk written by a background writer (at its
interval, on flush, on close, on SIGTERM; a SIGKILL loses at most the last interval) and
readable back; the per-command path records the command object and computes nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from neurolink.hal.commands import Origin, ProsthesisCommand, StimCommand, command_from_dict
from neurolink.hal.safety import AuditLog, AuditRecord, Event, Outcome

CMD = StimCommand(2, 30.0, 100.0, 50.0, pulse_count=5, origin=Origin("cortex", 99, 1.5))


def test_in_memory_records() -> None:
    log = AuditLog(clock=lambda: 3.0)
    a = log.record_command(CMD, Outcome.ACCEPTED)
    b = log.record_command(CMD, "ACK", status="OK", ref=a.index, detail={"seq": 17})
    e = log.record_event(Event.ESTOP_TRIP, "button", time=4.0, detail={"source": "operator"})
    assert [r.index for r in log] == [0, 1, 2] and len(log) == 3
    assert a.time == 3.0 and e.time == 4.0
    assert b.outcome is Outcome.ACK and b.ref == 0 and b.detail == {"seq": 17}
    assert command_from_dict(a.command or {}) == CMD
    assert log.select(outcome="ACK") == [b]
    assert log.select(event=Event.ESTOP_TRIP) == [e]
    with pytest.raises(ValueError, match="use record_event"):
        log.record_command(CMD, Outcome.EVENT)
    with pytest.raises(ValueError):
        log.record_command(CMD, "MAYBE")


def test_jsonl_file_round_trip_and_flush(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, clock=lambda: 1.25)
    log.record_command(CMD, Outcome.REFUSED, reason="channel 2: amplitude 30 µA exceeds …")
    log.record_command(
        ProsthesisCommand((0.1, -0.2), grip=0.5),
        Outcome.ACCEPTED,
        detail={"requested_velocity": (0.3, -0.2)},
    )
    log.record_event(Event.LIMIT_RAISED, "IRB", detail={"name": "max_amplitude_ua"})
    log.flush()  # without waiting for the writer's interval: readable while still open
    assert AuditLog.read(path) == list(log.records)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and "µA" in lines[0]  # UTF-8, not escaped
    assert json.loads(lines[1])["detail"] == {"requested_velocity": [0.3, -0.2]}
    log.close()
    with pytest.raises(ValueError, match="is closed"):
        log.record_event(Event.ESTOP_REARM, "x")
    # reopening appends and continues the indices
    with AuditLog(path) as log2:
        r = log2.record_event(Event.ESTOP_REARM, "next session")
    assert r.index == 3
    assert [x.index for x in AuditLog.read(path)] == [0, 1, 2, 3]


def test_read_reports_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = AuditRecord(0, 1.0, Outcome.EVENT, event="ESTOP_TRIP").to_dict()
    path.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not an audit record"):
        AuditLog.read(path)


def test_detail_must_be_jsonable() -> None:
    with pytest.raises(TypeError, match="not JSON-able"):
        AuditLog().record_event(Event.ESTOP_TRIP, "x", detail={"obj": object()})


def test_thread_safe_indices(tmp_path: Path) -> None:
    path = tmp_path / "mt.jsonl"
    log = AuditLog(path)

    def worker() -> None:
        for _ in range(200):
            log.record_command(CMD, Outcome.ACCEPTED)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    log.close()
    back = AuditLog.read(path)
    assert [r.index for r in back] == list(range(800))
    assert back == list(log.records)


def test_note_command_keeps_the_object_and_the_writer_computes_the_detail(tmp_path: Path) -> None:
    calls: list[int] = []

    def detail_of(arg: int) -> dict[str, int]:
        calls.append(threading.get_ident())
        return {"seq": arg}

    log = AuditLog(tmp_path / "a.jsonl", flush_interval_s=30.0)
    i = log.note_command(CMD, Outcome.ACCEPTED, 2.5)
    j = log.note_command(
        CMD, Outcome.ACK, 2.75, status="OK", ref=i, detail_of=detail_of, detail_arg=9
    )
    assert (i, j) == (0, 1) and calls == []  # nothing computed on the caller's thread yet
    assert AuditLog.read(tmp_path / "a.jsonl") == []  # nor written
    log.close()
    back = AuditLog.read(tmp_path / "a.jsonl")
    assert [(r.index, r.time, r.outcome, r.ref) for r in back] == [
        (0, 2.5, Outcome.ACCEPTED, None),
        (1, 2.75, Outcome.ACK, 0),
    ]
    assert back[1].detail == {"seq": 9} and command_from_dict(back[0].command or {}) == CMD


def test_background_writer_flushes_at_its_interval(tmp_path: Path) -> None:
    path = tmp_path / "bg.jsonl"
    log = AuditLog(path, flush_interval_s=0.02)
    for k in range(50):
        log.note_command(CMD, Outcome.ACCEPTED, float(k))
    deadline = time.monotonic() + 10.0
    while len(AuditLog.read(path)) < 50 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [r.time for r in AuditLog.read(path)] == [float(k) for k in range(50)]
    log.close()


def test_a_record_still_being_written_is_not_read_yet(tmp_path: Path) -> None:
    """A reader may catch the writer mid-line (a flush of several records goes out in pieces):
    the unterminated last line is left out, every complete one read; a complete line that is
    not a record is still an error naming its line."""
    path = tmp_path / "live.jsonl"
    with AuditLog(path) as log:
        for k in range(3):
            log.note_command(CMD, Outcome.ACCEPTED, float(k))
    whole = path.read_text()
    lines = whole.splitlines(keepends=True)
    path.write_text("".join(lines[:2]) + lines[2][: len(lines[2]) // 2])
    assert [r.time for r in AuditLog.read(path)] == [0.0, 1.0]
    path.write_text(whole)
    assert [r.time for r in AuditLog.read(path)] == [0.0, 1.0, 2.0]
    path.write_text(lines[0] + lines[1][:20] + "\n" + lines[2])
    with pytest.raises(ValueError, match=r"live.jsonl:2: not an audit record"):
        AuditLog.read(path)


def test_reopening_after_a_kill_mid_record_starts_a_clean_line(tmp_path: Path, caplog) -> None:
    path = tmp_path / "cut.jsonl"
    with AuditLog(path) as log:
        for k in range(2):
            log.note_command(CMD, Outcome.ACCEPTED, float(k))
    whole = path.read_text()
    path.write_text(whole + whole.splitlines()[0][:30])  # the writer killed mid-line
    with caplog.at_level("WARNING"), AuditLog(path) as log:
        r = log.record_event(Event.ESTOP_REARM, "next session")
    assert r.index == 2 and "unfinished record" in caplog.text
    assert [(x.index, x.event) for x in AuditLog.read(path)] == [
        (0, ""),
        (1, ""),
        (2, "ESTOP_REARM"),
    ]


def test_a_full_ring_is_drained_never_dropped(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "full.jsonl", capacity=8, flush_interval_s=60.0)
    for k in range(100):
        log.note_command(CMD, Outcome.ACCEPTED, float(k))
    log.close()
    assert [r.index for r in AuditLog.read(tmp_path / "full.jsonl")] == list(range(100))


_CHILD = textwrap.dedent(
    """
    import sys, time
    from neurolink.hal.commands import StimCommand
    from neurolink.hal.safety import AuditLog, Outcome
    n, interval = int(sys.argv[2]), float(sys.argv[3])
    log = AuditLog(sys.argv[1], flush_interval_s=interval)
    cmd = StimCommand(2, 30.0, 100.0, 50.0)
    for k in range(n):
        i = log.note_command(cmd, Outcome.ACCEPTED, float(k))
        log.note_command(cmd, Outcome.ACK, float(k), status="OK", ref=i)
    print("sent", n, flush=True)
    time.sleep(120)
    """
)


def _child(path: Path, n: int, interval: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), str(n), str(interval)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().split() == ["sent", str(n)]
    return proc


def _commands_and_replies(path: Path) -> tuple[int, int]:
    recs = AuditLog.read(path)
    assert [r.index for r in recs] == list(range(len(recs)))
    acks = [r for r in recs if r.outcome is Outcome.ACK]
    assert all(r.ref == r.index - 1 for r in acks)
    return sum(r.outcome is Outcome.ACCEPTED for r in recs), len(acks)


def test_sigterm_loses_nothing(tmp_path: Path) -> None:
    """A writer interval far longer than the test: only the SIGTERM handler can write them."""
    path = tmp_path / "term.jsonl"
    proc = _child(path, 3000, 600.0)
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(30) == -signal.SIGTERM  # still dies of SIGTERM, as it would have
    assert _commands_and_replies(path) == (3000, 3000)


def test_sigkill_loses_at_most_the_last_interval(tmp_path: Path) -> None:
    path = tmp_path / "kill.jsonl"
    proc = _child(path, 3000, 0.05)
    time.sleep(1.0)  # many intervals after the last record
    proc.kill()
    assert proc.wait(30) == -signal.SIGKILL
    assert _commands_and_replies(path) == (3000, 3000)
    path2 = tmp_path / "kill_early.jsonl"
    proc = _child(path2, 3000, 600.0)
    proc.kill()  # before the first interval: the records were in memory only
    proc.wait(30)
    assert _commands_and_replies(path2) == (0, 0)
