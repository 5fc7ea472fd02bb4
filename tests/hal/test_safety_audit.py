"""Audit log: complete in memory, JSON lines on disk flushed per line and readable back."""

from __future__ import annotations

import json
import threading
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
    # flushed per line: readable while the log is still open
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
