"""End to end on emulated hardware: the simulated subject in its own process on LSL, the
emulated prosthesis on a pty, spike → detect → Bayesian decode → SNN → prosthesis, calibrated
and then closed, scored on the center-out task (about 20 s of data; the run is the shared
``center_out_run`` of ``tests/loop/conftest.py``, with the stimulator on its own pty beside)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np

from neurolink.cli.demo import demo_config
from neurolink.decode import BayesianDecoder
from neurolink.loop.core.ports import Vector
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.velocity import VelocityMapper
from neurolink.loop.recording import read_session
from neurolink.loop.session.run import Session
from neurolink.sim.task import CenterOutParams, CenterOutTask

GAIN = 0.8
TASK = {"radius": 0.5, "target_radius": 0.15, "hold_s": 0.05, "timeout_s": 3.0, "slow_radius": 0.2}


def offline_closed_loop(
    decoder, X: np.ndarray, Y: np.ndarray, params: CenterOutParams, seconds: float, seed: int = 0
) -> float:
    """The task's success rate when ``decoder`` drives the cursor and the subject is replayed:
    each 20 ms bin the counts are one of the calibration bins recorded with the intent closest
    to the present one. The same mapping (gain, speed and acceleration shaping) as live."""
    rng = np.random.default_rng(seed)
    task = CenterOutTask(params, seed=seed)
    mapper = VelocityMapper("v", 2, 30000.0, gain=GAIN, max_speed=1.0, max_accel=4.0)
    decoder.reset()
    vec, tick, pos = Vector.zeros(("vx", "vy")), Tick(rate=30000.0), np.zeros(2)
    for k in range(round(seconds / 0.02)):
        intent = task.update(k * 0.02, pos)
        near = np.argsort(np.hypot(*(Y - intent).T))[:5]
        vec.value[:] = decoder.step(X[rng.choice(near)].astype(np.float64))
        vec.index = k
        tick.set(600 * k, 600 * (k + 1), k * 0.02)
        for cmd in mapper.step(vec, tick):
            pos = np.clip(pos + np.array(cmd.velocity) * 0.02, -1.0, 1.0)
    return task.score.success_rate if task.score.trials else 0.0


def closed_loop_bins(rec, n_channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts per 20 ms and the intent at each bin's centre, from the recording, over the closed
    loop (from 0.5 s after the decoder was fitted): data the control decoder never saw."""
    fitted = next(
        float(t)
        for t, m in zip(rec["markers"].timestamps, rec["markers"].data, strict=True)
        if m[0].startswith("decoder fitted")
    )
    ev, intent = rec["events"], rec["intent"]
    edges = np.arange(fitted + 0.5, ev.timestamps[-1], 0.02)
    b = np.searchsorted(edges, ev.timestamps) - 1
    ok = (b >= 0) & (b < len(edges) - 1)
    counts = np.zeros((len(edges) - 1, n_channels))
    np.add.at(counts, (b[ok], ev.data[ok, 1].astype(int)), 1)
    k = np.searchsorted(intent.timestamps, edges[:-1] + 0.01) - 1
    return counts, intent.data[np.clip(k, 0, None)]


def shuffled_chance(node, rec, task: dict, seeds: int = 8) -> tuple[float, list[float]]:
    """Control for a closed-loop score: the float Bayesian decoder fitted on the calibration
    bins with shuffled labels (one shuffle per seed) drives the cursor offline on closed-loop
    counts it was not fitted on; the mean success rate over shuffles, and each rate."""
    X, Y = node.calibration_data()
    C, intent = closed_loop_bins(rec, X.shape[1])
    params = CenterOutParams(**task["params"], slow_radius=TASK["slow_radius"])
    rates = [
        offline_closed_loop(
            BayesianDecoder(bin_s=0.02, grid_shape=25, prior="continuity").fit(
                X, Y[np.random.default_rng(seed).permutation(len(Y))]
            ),
            C,
            intent,
            params,
            40.0,
            seed,
        )
        for seed in range(seeds)
    ]
    return float(np.mean(rates)), rates


def demo_on(decoder_on: str, path, duration: float = 20.0):
    """The ``duration`` s demo (8 s calibration, seed 3) with the decoder on ``decoder_on``,
    recorded with its raw samples at ``path``; (session, summary) after a clean end."""
    cfg = demo_config(
        duration=duration,
        calibration=8.0,
        seed=3,
        gain=GAIN,
        task=TASK,
        decoder_on=decoder_on,
        record_raw=True,
    )
    session = Session(cfg, status_out=None, recording=path)
    summary = session.run()
    assert summary["stop_reason"] == "duration" and not summary["faults"], summary["faults"]
    return session, summary


def assert_solved_against_controls(session, summary, path) -> None:
    """The closed-loop task was run and solved far above what shuffled-label decoders reach."""
    task = summary["task"]
    assert task["phase"] == "closed_loop" and task["trials"] >= 4
    chance, rates = shuffled_chance(session.engine.graph["decoder"], read_session(path), task)
    assert task["success_rate"] >= max(0.7, chance + 0.4), (task, rates)


def test_center_out_is_solved_in_closed_loop_on_emulated_hardware(center_out_run) -> None:
    session, summary, path = center_out_run
    assert not summary["estop"]["tripped"]

    # Commands reached the prosthesis (and the stimulator beside it), and it moved the cursor.
    cursor = summary["sinks"]["cursor"]
    assert cursor["acked"] == cursor["sent"] > 500
    assert summary["commands"]["sent"] == sum(s["sent"] for s in summary["sinks"].values())
    rec = read_session(path)
    assert np.ptp(rec["cursor"].data, axis=0).min() > 0.5

    # Every command's latency was recorded.
    n = summary["commands"]["sent"]
    assert summary["latency"]["commands"]["n"] == n == len(rec["latencies"].timestamps)
    assert 0 < summary["latency"]["commands"]["median_ms"] < 50
    assert summary["source"]["samples_lost"] == 0

    # The task is solved, far above what a decoder that learned nothing reaches.
    task = summary["task"]
    assert task["calibration"]["bins"] >= 300 and task["phase"] == "closed_loop"
    assert task["trials"] >= 4
    # Control: the same decoder fitted on shuffled calibration labels (8 shuffles) and the real
    # one, each driving the cursor offline on closed-loop counts they were not fitted on. A
    # shuffled decoder is a random linear read-out of the intent: it succeeds by luck when its
    # rotation happens to be small, hence the mean over shuffles.
    node = session.engine.graph["decoder"]
    X, Y = node.calibration_data()
    C, intent = closed_loop_bins(rec, X.shape[1])
    params = CenterOutParams(**task["params"], slow_radius=TASK["slow_radius"])
    rates = []
    for seed in range(8):
        shuffled = BayesianDecoder(bin_s=0.02, grid_shape=25, prior="continuity").fit(
            X, Y[np.random.default_rng(seed).permutation(len(Y))]
        )
        rates.append(offline_closed_loop(shuffled, C, intent, params, 40.0, seed))
    chance = float(np.mean(rates))
    replayed = offline_closed_loop(node.decoder, C, intent, params, 40.0)
    assert chance <= 0.3 and replayed >= 0.8, (rates, replayed)
    assert task["success_rate"] >= max(0.7, chance + 0.4), (task, rates)
    assert task["time_to_target_s_median"] < params.timeout_s
    assert 0.5 < task["path_efficiency_median"] <= 1.0


def test_sigterm_to_the_demo_process_stops_everything_and_reports(tmp_path) -> None:
    out = tmp_path / "summary.json"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "neurolink.cli",
            "demo",
            "--duration",
            "60",
            "--calibration",
            "30",
            "--summary-json",
            str(out),
            "--record",
            str(tmp_path / "d.xdf"),
            "--no-report",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.stderr is not None
        t0 = time.monotonic()
        for line in proc.stderr:  # the status line: the loop is running
            if "] calibration |" in line or time.monotonic() - t0 > 60:
                break
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        stdout, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, stdout
    summary = json.loads(out.read_text())
    assert summary["stop_reason"] == "signal" and "SIGTERM" in summary["why"]
    assert summary["estop"]["tripped"] and summary["estop"]["source"] == "shutdown"
    assert "stopped: signal" in stdout
    rec = read_session(tmp_path / "d.xdf")
    assert rec.sidecar["summary"]["stop_reason"] == "signal"
    assert len(rec["events"].timestamps) > 0


def test_demo_with_the_stimulator_and_the_neuromorphic_board(center_out_run) -> None:
    _, summary, path = center_out_run
    assert summary["stop_reason"] == "duration", summary["faults"]
    stim = summary["sinks"]["stimulator"]
    assert stim["emulated"] and stim["acked"] >= 1 and stim["refused"] == stim["nacked"] == 0
    assert summary["sinks"]["cursor"]["acked"] > 50
    # ACKs are collected off the engine thread unless a sink says otherwise
    assert {s["ack"] for s in (stim, summary["sinks"]["cursor"])} == {"async"}
    rec = read_session(path)
    assert {"StimCommand", "ProsthesisCommand"} <= {
        json.loads(c[0])["type"] for c in rec["commands"].data
    }
    assert rec["snn_spikes"].data.shape[0] > 0  # the board's output spikes
