"""Session report: figures and summary of a synthetic recording with known numbers, missing
streams, the CLI and its errors."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from neurolink import cli
from neurolink.errors import FileFormatError
from neurolink.hal.commands import ProsthesisCommand, StimStop, command_to_dict
from neurolink.loop.recording import (
    SessionRecorder,
    acks_layout,
    commands_layout,
    decoded_layout,
    events_layout,
    latencies_layout,
    markers_layout,
    raw_layout,
    read_session,
    snn_spikes_layout,
    to_json,
)
from neurolink.loop.report import FIGURES, compute_stats, find_streams, make_report, raster

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
T0 = 1000.0  # host-clock start of the synthetic session (s)
FIGURE_NAMES = [name for name, _ in FIGURES]
#: The figure of a decoder on the chip, skipped (with this reason) when it ran on the host.
CHIP, HOST_ONLY = "decoder_on_chip.png", "no 'decoded_host' stream (the decoder ran on the host)"
HOST_FIGURES = [name for name in FIGURE_NAMES if name != CHIP]


@dataclass(frozen=True)
class Truth:
    """What the synthetic session holds, for the test to compute expected figures from."""

    latencies: np.ndarray  # (n, 4): total, acquire, decode, wire (s)
    deadline: float
    spike_channels: np.ndarray
    decoded: np.ndarray  # (n_bins, 2) vx, vy
    intent: np.ndarray
    success: list[bool]
    time_to_target: list[float | None]
    path_efficiency: list[float]


def _write_session(path: Path, rng: np.random.Generator) -> Truth:
    """Every stream the report reads, with numbers the test knows."""
    # 2 s of 4-channel raw at 1 kHz
    raw_ts = T0 + np.arange(2000) / 1000.0
    # detected spikes: channel c fires 10·(c + 1) times → channel 5 busiest (60), channel 0 (10)
    chans = rng.permutation(np.repeat(np.arange(6), 10 * np.arange(1, 7)))
    ev_ts = np.sort(rng.uniform(T0, T0 + 2.0, len(chans)))
    events = np.column_stack(
        [(ev_ts - T0) * 30000, chans, -50.0 * np.ones(len(chans)), -np.ones(len(chans))]
    )
    # decoded vs intended velocity, 50 Hz bins, equal time stamps
    bin_ts = T0 + 0.02 * np.arange(1, 101)
    phase = 2 * np.pi * 0.5 * (bin_ts - T0)
    intent = np.column_stack([np.cos(phase), np.sin(phase)]) * 0.1
    decoded = intent + rng.normal(0, 0.03, intent.shape)
    cursor = np.cumsum(intent * 0.02, axis=0)
    # 5 trials: success pattern, times to target (None on a miss), path efficiencies
    success = [True, True, False, True, False]
    ttt = [0.31, 0.42, None, 0.27, None]
    eff = [0.9, 0.75, 0.3, 0.85, 0.2]
    task_labels, task_ts = ["session start"], [T0]  # a plain marker: ignored, counted
    for k in range(5):
        angle = 2 * np.pi * k / 8
        start = {"event": "trial_start", "trial": k, "target": [np.cos(angle), np.sin(angle)]}
        end = {
            "event": "trial_end",
            "trial": k,
            "success": success[k],
            "time_to_target": ttt[k],
            "path_efficiency": eff[k],
        }
        task_labels += [to_json(start), to_json(end)]
        task_ts += [T0 + 0.4 * k, T0 + 0.4 * k + 0.35]
    # 100 prosthesis commands and 2 stops; 97 OK, 1 DUPLICATE, 2 OUT_OF_LIMITS, 2 DEVICE_LOST
    cmds = [command_to_dict(ProsthesisCommand((float(v[0]), float(v[1])))) for v in decoded]
    cmds += [command_to_dict(StimStop(reason="end")), command_to_dict(StimStop())]
    cmd_ts = np.concatenate([bin_ts + 3e-4, [T0 + 2.01, T0 + 2.02]])
    statuses = ["OK"] * 97 + ["DUPLICATE"] + ["OUT_OF_LIMITS"] * 2 + ["DEVICE_LOST"] * 2
    acks = [{"seq": i, "status": s} for i, s in enumerate(statuses)]
    # latencies: total then three stages, a NaN in one stage value
    lat = rng.lognormal(np.log(6e-4), 0.4, (102, 4))
    lat[7, 2] = np.nan
    deadline = 1e-3
    sidecar = {"seeds": {"subject": 7}, "config": {"loop": {"block_ms": 1.0}, "decoder": {}}}
    with SessionRecorder(path, sidecar) as rec:
        h = rec.add_layout("raw", raw_layout(["a", "b", "c", "d"], 1000.0), "t-raw")
        rec.write(h, rng.standard_normal((2000, 4)).astype(np.float32), raw_ts)
        h = rec.add_layout("events", events_layout(), "t-ev")
        rec.write(h, events, ev_ts)
        h = rec.add_layout("snn_spikes", snn_spikes_layout(), "t-snn")
        rec.write(h, [[1, 0], [2, 3], [5, 3]], [T0 + 0.1, T0 + 0.2, T0 + 0.5])
        h = rec.add_layout("decoded", decoded_layout(["vx", "vy"], 50.0), "t-dec")
        rec.write(h, decoded, bin_ts)
        h = rec.add_layout("intent", decoded_layout(["vx", "vy"], 50.0), "t-int")
        rec.write(h, intent, bin_ts)
        h = rec.add_layout("cursor", decoded_layout(["x", "y"], 50.0), "t-cur")
        rec.write(h, cursor, bin_ts)
        h = rec.add_layout("task", markers_layout(), "t-task")
        rec.write_markers(h, task_labels, task_ts)
        h = rec.add_layout("commands", commands_layout(), "t-cmd")
        rec.write_json(h, cmds, cmd_ts)
        h = rec.add_layout("acks", acks_layout(), "t-ack")
        rec.write_json(h, acks, cmd_ts + 1e-4)
        h = rec.add_layout("latencies", latencies_layout(["acquire", "decode", "wire"]), "t-lat")
        rec.write(h, lat, cmd_ts)
        rec.set_summary({"deadline_s": deadline, "stopped_by": "duration"})
    return Truth(lat, deadline, chans, decoded, intent, success, ttt, eff)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Truth]:
    path = tmp_path_factory.mktemp("report") / "session.xdf"
    return path, _write_session(path, np.random.default_rng(11))


def _assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 200
    assert img[..., :3].std() > 0.01  # something is drawn


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"


def test_summary_states_the_known_numbers(session: tuple[Path, Truth], tmp_path: Path) -> None:
    path, truth = session
    result = make_report(path, tmp_path / "out")
    lines = result.text.splitlines()
    assert result.summary_path.read_text(encoding="utf-8") == result.text
    # session info from the sidecar
    side = json.loads(path.with_suffix(".json").read_text())
    assert f"session id: {side['session_id']}" in lines and "status: closed" in lines
    assert 'seeds: {"subject": 7}' in lines and "config sections: decoder, loop" in lines
    assert "stopped_by: duration" in lines
    # per-stream counts and rates
    assert "raw (raw): 2000 samples, nominal 1000 Hz, measured 1000.000 Hz" in lines
    assert "events (events): 210 samples, nominal irregular, measured " in result.text
    assert "task (markers): 11 samples, nominal irregular" in result.text
    # latency: median, p99, max, misses, stage medians (NaN ignored); no phases recorded
    total = truth.latencies[:, 0]
    misses = int((total > truth.deadline).sum())
    assert 0 < misses < len(total)
    stages = [np.median(truth.latencies[:, 1]), np.nanmedian(truth.latencies[:, 2])]
    stages.append(np.median(truth.latencies[:, 3]))
    for line in (
        "command latency t_wire − t_sample over commands, whole run: "
        f"median {_ms(np.median(total))}, p99 {_ms(np.percentile(total, 99))}, "
        f"max {_ms(total.max())}, n 102",
        "median stage latency over commands, whole run: "
        + ", ".join(
            f"{k} {_ms(v)}" for k, v in zip(("acquire", "decode", "wire"), stages, strict=True)
        ),
        f"deadline misses (> 1 ms) over commands, whole run: count {misses} of 102 "
        f"({100 * misses / len(total):.2f} %)",
        "missing: no engine summary with block latencies in the sidecar",
    ):
        assert line in lines, line
    # spikes per channel, busiest first
    span = max(T0 + 2.02 + 1e-4, T0 + 1.999) - T0  # last ack − first raw sample
    top = [i for i, x in enumerate(lines) if x.startswith("channel ")]
    assert lines[top[0]] == f"channel 5: 60 spikes ({60 / span:.3f} /s)"
    assert [lines[i].split(":")[0] for i in top] == [f"channel {c}" for c in (5, 4, 3, 2, 1, 0)]
    assert "spikes: 210" in result.text and "active channels: 6" in lines
    assert "active neurons: 2" in lines and "neuron 3: 2 spikes" in result.text
    # decoder R² against the intended velocity, computed here independently
    r2 = []
    for j in range(2):
        want, got = truth.intent[:, j], truth.decoded[:, j]
        r2.append(1 - np.sum((want - got) ** 2) / np.sum((want - want.mean()) ** 2))
    assert (
        f"R² decoded vs intent over bins, whole run: vx {r2[0]:.4f}, vy {r2[1]:.4f}, "
        f"mean {np.mean(r2):.4f}, n 100"
    ) in lines
    # task performance over successful trials (trial_end records are the closed loop's)
    wins = [k for k, s in enumerate(truth.success) if s]
    ttt = [truth.time_to_target[k] for k in wins]
    eff = [truth.path_efficiency[k] for k in wins]
    for line in (
        "task success over trials, closed loop: rate 60.0 %, successes 3, trials 5",
        "time to target over successful trials, closed loop: "
        f"median {np.median(ttt):.3f} s, mean {np.mean(ttt):.3f} s, n 3",
        "path efficiency over successful trials, closed loop: "
        f"median {np.median(eff):.3f}, mean {np.mean(eff):.3f}, n 3",
        "non-JSON task samples ignored: 1",
        "missing: no 'loop' stream (device faults are recorded there)",
    ):
        assert line in lines, line
    # commands by type, ACK/NACK
    for line in (
        "command ProsthesisCommand: 100",
        "command StimStop: 2",
        "ACK: 98",
        "NACK: 2",
        "unacknowledged: 2",
        "status OUT_OF_LIMITS: 2",
        "status DUPLICATE: 1",
    ):
        assert line in lines, line
    # the JSON twin carries the exact values
    data = json.loads(result.json_path.read_text())
    assert data["latency"]["median"] == float(np.median(total))
    assert data["task"]["n_success"] == 3 and data["skipped"] == {CHIP: HOST_ONLY}


def test_every_figure_is_a_real_png_and_deterministic(
    session: tuple[Path, Truth], tmp_path: Path
) -> None:
    path, _ = session
    first = make_report(path, tmp_path / "a")
    assert list(first.figures) == HOST_FIGURES and first.skipped == {CHIP: HOST_ONLY}
    for name in HOST_FIGURES:
        _assert_png(tmp_path / "a" / name)
        assert f"{name}: written" in first.text
    make_report(path, tmp_path / "b")
    for name in HOST_FIGURES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_missing_streams_are_reported_not_crashed(tmp_path: Path) -> None:
    path = tmp_path / "sparse.xdf"
    with SessionRecorder(path) as rec:
        h = rec.add_layout("raw", raw_layout(["a"], 500.0), "sp-raw")
        rec.write(h, np.zeros((500, 1), np.float32), T0 + np.arange(500) / 500.0)
        rec.add_layout("events", events_layout(), "sp-ev")  # declared, never written
        h = rec.add_layout("decoded", decoded_layout(["left", "right"]), "sp-dec")
        rec.write(h, [[0.2, 0.8], [0.7, 0.3]], [T0 + 0.5, T0 + 0.9])
        h = rec.add_layout("intent", decoded_layout(["vx"]), "sp-int")
        rec.write(h, [[0.1]], [T0 + 0.5])
        h = rec.add_layout("latencies", latencies_layout(), "sp-lat")
        rec.write(h, [[4e-4], [6e-4], [5e-4]], [T0 + 0.5, T0 + 0.7, T0 + 0.9])
    out = tmp_path / "out"
    out.mkdir()
    (out / "task.png").write_bytes(b"stale")  # an older report's figure goes away
    result = make_report(path, out)
    assert list(result.figures) == ["latency.png", "trajectory.png"]
    assert result.skipped == {
        "raster.png": "streams ['events'] hold no spike",
        "task.png": "no 'task' stream",
        CHIP: HOST_ONLY,
    }
    assert not (out / "task.png").exists()
    for name in result.figures:
        _assert_png(out / name)
    lines = result.text.splitlines()
    for line in (
        "command latency t_wire − t_sample over commands, whole run: median 0.500 ms, "
        "p99 0.598 ms, max 0.600 ms, n 3",
        "deadline misses: n/a (no deadline known)",
        "spikes: 0 (0.000 /s)",
        "missing: no snn_spikes stream",
        "missing: no channel in common between 'decoded' ['left', 'right'] and 'intent' ['vx']",
        "missing: no 'task' stream",
        "missing: no commands or acks stream",
        "raster.png: skipped (streams ['events'] hold no spike)",
        "task.png: skipped (no 'task' stream)",
        "status: closed",
    ):
        assert line in lines, line
    # a deadline given by the caller counts misses
    assert (
        "deadline misses (> 0.55 ms) over commands, whole run: count 1 of 3 (33.33 %)"
        in make_report(path, out, deadline_s=5.5e-4).text
    )


def test_session_without_streams_skips_every_figure(tmp_path: Path) -> None:
    path = tmp_path / "empty.xdf"
    SessionRecorder(path).close()
    path.with_suffix(".json").unlink()
    result = make_report(path, tmp_path / "out")
    assert result.figures == {} and list(result.skipped) == FIGURE_NAMES
    assert "sidecar: none" in result.text.splitlines()
    assert "missing: no latencies stream" in result.text
    assert "missing: no 'decoded' and no 'intent' stream" in result.text


def test_long_raster_shows_its_first_spikes(
    session: tuple[Path, Truth], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = session
    rs = find_streams(read_session(path))
    monkeypatch.setattr(raster, "MAX_SPIKES", 50)
    fig = raster.raster_figure(rs, compute_stats(rs, None))
    events_ax, rate_ax = fig.axes[:2]
    assert events_ax.lines[0].get_xdata().size == 50  # the first 50 spikes
    assert rs.events is not None
    t = rs.events.timestamps
    assert events_ax.get_title().endswith(
        f"210 spikes (first {t[49] - t[0]:.2f} s of {t[-1] - t[0]:.2f} s)"
    )
    assert rate_ax.get_legend() is not None  # the shown window is shaded on the whole session


def test_message_counts_by_type_and_status(tmp_path: Path) -> None:
    path = tmp_path / "msgs.xdf"
    with SessionRecorder(path) as rec:
        h = rec.add_layout("acks", acks_layout(), "m-ack")
        rec.write_json(
            h, [{"ok": True}, {"ok": False}, {"seq": 3}, {"status": "BUSY"}], [1, 2, 3, 4]
        )
        h = rec.add_layout("commands", commands_layout(), "m-cmd")
        rec.write_json(h, [{"velocity": [0.0]}, "text"], [1, 2])
    msg = make_report(path, tmp_path / "out").stats.messages
    assert msg is not None
    assert msg.commands == {"unknown": 2}
    assert (msg.n_ack, msg.n_nack, msg.n_other) == (1, 2, 1)
    assert msg.acks == {"BUSY": 1, "NACK": 1, "OK": 1, "none": 1}


def _main(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """``neurolink …`` through the real entry point."""
    return cli.main(argv)


def test_cli_writes_and_says_where(
    session: tuple[Path, Truth],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, _ = session
    out = tmp_path / "cli"
    assert _main(["report", str(path), "--out", str(out), "--deadline-ms", "0.5"], monkeypatch) == 0
    stdout = capsys.readouterr().out
    assert f"report written to {out}" in stdout
    assert all(name in stdout for name in [*FIGURE_NAMES, "summary.txt"])
    _assert_png(out / "latency.png")
    text = (out / "summary.txt").read_text(encoding="utf-8")
    assert "deadline misses (> 0.5 ms) over commands, whole run: count " in text


def test_cli_default_out_dir_beside_the_recording(
    session: tuple[Path, Truth], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    path, _ = session
    assert _main(["report", str(path)], monkeypatch) == 0
    out = path.with_name("session_report")
    assert f"report written to {out}" in capsys.readouterr().out
    assert (out / "summary.txt").is_file()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("absent.xdf", None, "no such recording"),
        ("notes.txt", b"hello", "not an XDF recording (expected .xdf or .xdfz)"),
        ("fake.xdf", b"hello, not XDF at all", "not an XDF file"),
    ],
)
def test_bad_recording_is_a_one_line_error(
    name: str,
    content: bytes | None,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(FileFormatError, match=re.escape(message)):
        make_report(path, tmp_path / "out")
    assert _main(["report", str(path)], monkeypatch) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("neurolink report: error: ")
    assert message in err and str(path) in err


def test_phases_split_latency_r2_task_and_device_faults(tmp_path: Path) -> None:
    """A recording with its phases: figures per phase, R² over the closed-loop bins only (the
    calibration's apart), n/a for a constant intent, device faults by phase."""
    path = tmp_path / "phases.xdf"
    rng = np.random.default_rng(5)
    t_switch = T0 + 1.01  # between bins 50 and 51
    bin_ts = T0 + 0.02 * np.arange(1, 101)  # 50 bins of calibration, 50 of closed loop
    intent = np.column_stack([np.sin(bin_ts - T0), np.full(100, 0.1)])  # vy constant
    decoded = intent + rng.normal(0, 0.05, intent.shape)
    decoded[:50] = intent[:50]  # calibrating: the output is the intent itself
    lat = rng.lognormal(np.log(6e-4), 0.5, (100, 2))

    def fault(code: str) -> dict:
        return {"event": "device_fault", "index": 9, "sink": "arm", "fault": code}

    events = [
        ({"event": "phase", "index": 0, "phase": "calibration"}, T0),
        (fault("STALE_COMMAND"), T0 + 0.5),
        ({"event": "phase", "index": 30000, "phase": "closed_loop"}, t_switch),
        (fault("STALE_COMMAND"), T0 + 1.5),
        (fault("WORKSPACE_LIMIT"), T0 + 1.6),
    ]
    task = [
        ({"event": "calibration_trial_end", "success": True, "time_to_target": 0.5}, T0 + 0.5),
        ({"event": "trial_end", "success": True, "time_to_target": 0.4}, T0 + 1.4),
        ({"event": "trial_end", "success": True, "time_to_target": 0.2}, T0 + 1.7),
        ({"event": "trial_end", "success": False, "time_to_target": None}, T0 + 1.9),
    ]
    with SessionRecorder(path) as rec:
        h = rec.add_layout("loop", markers_layout(), "ph-loop")
        rec.write_markers(h, [to_json(e) for e, _ in events], [t for _, t in events])
        for name, values in (("decoded", decoded), ("intent", intent)):
            h = rec.add_layout(name, decoded_layout(["vx", "vy"], 50.0), f"ph-{name}")
            rec.write(h, values, bin_ts)
        h = rec.add_layout("task", markers_layout(), "ph-task")
        rec.write_markers(h, [to_json(e) for e, _ in task], [t for _, t in task])
        h = rec.add_layout("latencies", latencies_layout(["wire"]), "ph-lat")
        rec.write(h, lat, bin_ts + 1e-4)
    lines = make_report(path, tmp_path / "out", deadline_s=1e-3).text.splitlines()
    for phase, rows in (("calibration", lat[:50]), ("closed loop", lat[50:]), ("whole run", lat)):
        total = rows[:, 0]
        assert (
            f"command latency t_wire − t_sample over commands, {phase}: "
            f"median {_ms(np.median(total))}, p99 {_ms(np.percentile(total, 99))}, "
            f"max {_ms(total.max())}, n {len(rows)}"
        ) in lines, phase
        stage = f"median stage latency over commands, {phase}: wire {_ms(np.median(rows[:, 1]))}"
        assert stage in lines
        n = int((total > 1e-3).sum())
        assert (
            f"deadline misses (> 1 ms) over commands, {phase}: count {n} of {len(rows)} "
            f"({100 * n / len(rows):.2f} %)"
        ) in lines
    want, got = intent[50:, 0], decoded[50:, 0]
    r2 = 1 - np.sum((want - got) ** 2) / np.sum((want - want.mean()) ** 2)
    assert (
        f"R² decoded vs intent over bins, closed loop: vx {r2:.4f}, "
        f"vy n/a (constant intent), mean {r2:.4f}, n 50"
    ) in lines
    assert (
        "R² decoded vs intent over bins, calibration: vx 1.0000, vy n/a (constant intent), "
        "mean 1.0000, n 50"
    ) in lines
    for line in (
        "task success over trials, calibration: rate 100.0 %, successes 1, trials 1",
        "task success over trials, closed loop: rate 66.7 %, successes 2, trials 3",
        "time to target over successful trials, closed loop: median 0.300 s, mean 0.300 s, n 2",
        "device faults (not latching) over FAULT reports, calibration: arm STALE_COMMAND 1",
        "device faults (not latching) over FAULT reports, closed loop: arm STALE_COMMAND 1, "
        "arm WORKSPACE_LIMIT 1",
    ):
        assert line in lines, line
