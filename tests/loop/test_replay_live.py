"""Live against replay on the demo's closed loop: the simulated subject in its own process, the
emulated prosthesis on a pty, calibration, a decoder fitted between blocks, the closed loop;
then the recording replayed exactly, with the decoder fitted again, and with a changed config;
and a session killed with SIGKILL replayed up to its last flushed chunk."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neurolink.cli.demo import demo_config
from neurolink.loop.replay.run import format_replay, replay
from neurolink.loop.replay.source import load_run
from neurolink.loop.session.config import config_from_dict, config_to_dict
from neurolink.loop.session.run import Session

REPO = Path(__file__).resolve().parents[2]
_STATUS = re.compile(r"\[\s*([0-9.]+) s\]")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "live.xdf"
    cfg = demo_config(duration=9.0, calibration=4.0, seed=2, record_raw=True, stim=True)
    summary = Session(cfg, status_out=None, recording=path).run()
    assert summary["stop_reason"] == "duration" and not summary["faults"], summary["faults"]
    return path, summary


def test_the_closed_loop_is_reproduced_exactly(live) -> None:
    path, summary = live
    result = replay(path)
    assert result.same_config and result.identical, format_replay(result.summary)
    s = result.streams
    assert s["commands"].recorded == s["commands"].replayed == summary["commands"]["sent"] > 100
    assert s["decoded"].replayed > 200 and s["events"].replayed > 1000
    assert s["snn_spikes"].replayed > 0  # the burst detector's spikes (--stim)
    cal = result.summary["calibration"]
    assert cal["model"] == "recorded model live.decoder.npz"
    assert cal["bins"] == summary["task"]["calibration"]["bins"] >= 150
    held = result.summary["held_while_catching_up"]
    assert held["live"] == held["replay"] == summary["commands"]["held_while_catching_up"]
    run = load_run(path)
    assert [int(e["index"]) for e in run.of_event("fit")] == [
        int(e["index"]) for e in result.events if e["event"] == "fit"
    ]
    # Fitting the decoder again on the replayed calibration bins, labelled with the recorded
    # intent, gives the same model: the outputs stay identical.
    again = replay(path, refit=True)
    assert again.summary["calibration"]["model"] == "fitted again"
    assert again.identical, format_replay(again.summary)
    np.testing.assert_array_equal(again.decoded.values, result.decoded.values)


@pytest.mark.filterwarnings("ignore::neurolink.decode.errors.DroppedUnitsWarning")
def test_a_changed_decoder_is_compared_with_the_live_one(live) -> None:
    path, _ = live
    data = config_to_dict(load_run(path).config)
    for node in data["loop"]["nodes"]:
        if node["name"] == "decoder":
            node["decode"]["prior"] = "uniform"
    result = replay(path, config_from_dict(data))
    assert result.changes == ["loop.nodes.decoder.decode.prior: 'continuity' -> 'uniform'"]
    assert result.summary["calibration"]["model"] == "fitted again"
    s = result.streams
    assert s["events"].identical  # upstream of the decoder: unchanged
    assert s["decoded"].differ > 0 and s["commands"].differ > 0
    r2 = result.summary["decoder_r2"]
    assert set(r2["live"]) == set(r2["replay"]) == {"vx", "vy", "mean"}
    assert result.summary["max_velocity_change"] > 0


def test_a_session_killed_with_sigkill_replays_up_to_its_last_flushed_chunk(tmp_path) -> None:
    path = tmp_path / "killed.xdf"
    cmd = [sys.executable, "-m", "neurolink.cli", "demo", "--duration", "60"]
    cmd += ["--calibration", "2", "--record-raw", "--record", str(path), "--no-report"]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        start_new_session=True,  # its emulator and subject go down with it below
    )
    try:
        assert proc.stderr is not None
        t_end, seen = time.monotonic() + 60, 0.0
        for line in proc.stderr:
            m = _STATUS.search(line)
            seen = float(m.group(1)) if m else seen
            if seen >= 5.5 or time.monotonic() > t_end:
                break
        assert seen >= 5.5, "the demo did not run"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)
    result = replay(path)
    s = result.summary
    assert not s["complete"] and s["compared_until_s"] > 3.0
    assert s["data_s"] >= s["compared_until_s"] - 0.01
    assert result.identical, format_replay(s)
    assert result.streams["commands"].replayed > 100
    assert s["calibration"]["model"] == "recorded model killed.decoder.npz"
    assert "cut short" in format_replay(s)
