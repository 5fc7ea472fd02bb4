"""Detection and decoding in two processes (``neurolink node``) on the simulated subject: the
decoded outputs equal one process's, bit for bit, and the last process reports the latency
across both."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neurolink.decode import BayesianDecoder
from neurolink.loop.core.ports import Port
from neurolink.loop.core.tick import Tick
from neurolink.loop.session.config import load_config, parse_config
from neurolink.loop.stages.graph import build_stage, parse_stage, plan_stage
from neurolink.loop.stages.inlet import PortInlet
from neurolink.sim.streamer import CortexStreamer
from tests.loop.test_engine_support import FS, small_cortex

pytestmark = pytest.mark.slow

SEED = 5
HEAD = """
[source]
kind = "simulated"

[loop]
max_chunk = 256

[[loop.nodes]]
name = "highpass"
kind = "filter"

[[loop.nodes]]
name = "car"
kind = "reref"

[[loop.nodes]]
name = "spikes"
kind = "detect"
detect.threshold = 4.0
detect.calibration_s = 0.2

[[loop.nodes]]
name = "counts"
kind = "bin"
bin.width_ms = 20.0
"""
DECODER = """
[[loop.nodes]]
name = "decoder"
kind = "decode"
decode.model = "{model}"
"""


def _intent(n: int, seed: int) -> np.ndarray:
    """A velocity that changes direction every 0.25 s, (n, 2)."""
    rng = np.random.default_rng(seed)
    k = -(-n // 7500)
    angles = rng.uniform(0, 2 * np.pi, k)
    v = np.column_stack([np.cos(angles), np.sin(angles)]) * rng.uniform(0.3, 1.0, (k, 1))
    return np.repeat(v, 7500, axis=0)[:n]


def _bins(stage, data: np.ndarray, block: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Counts of every bin and its centre sample, running the stage over ``data``."""
    tick, X, centres = Tick(rate=FS, stream="fit"), [], []
    for a in range(0, data.shape[0], block):
        tick.set(a, a + block, a / FS)
        bins = stage.step(data[a : a + block], tick, time.perf_counter)
        X.extend(bins.counts.copy())
        centres.extend((bins.edges[:-1] + bins.edges[1:]) // 2)
    return np.array(X, np.float64), np.array(centres)


@pytest.fixture(scope="module")
def config_path(tmp_path_factory) -> Path:
    """A config whose decoder was fitted on 8 s of the same simulated cortex."""
    folder = tmp_path_factory.mktemp("node")
    head = parse_config(HEAD)
    plan = plan_stage(head.loop, parse_stage("highpass..counts", head.loop))
    sim = small_cortex(SEED)
    stage = build_stage(head.loop, plan, channels=sim.channel_names, fs=FS, warm=False)
    n = round(8 * FS)
    intent = _intent(n, 1)
    data, _ = sim.generate(n, intent)
    X, centres = _bins(stage, data)
    dec = BayesianDecoder(bin_s=0.02, grid_shape=15, prior="continuity")
    dec.fit(X, intent[centres], channels=sim.channel_names)
    model = dec.save(folder / "decoder.npz")
    path = folder / "two.toml"
    path.write_text(HEAD + DECODER.format(model=model.as_posix()))
    return path


def _node(
    cfg: Path, stage: str, src: str, out: str, summary: Path, *extra: str
) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "neurolink.cli", "node", str(cfg), "--stage", stage]
    cmd += ["--input", src, "--output", out, "--summary-json", str(summary), "--quiet", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _one_process(cfg: Path, raw: np.ndarray, first: int, ticks: list[tuple[int, int]]) -> list:
    """The whole chain in this process: blocks of 30 samples, except the producer's ``ticks``
    (the blocks that completed bins in process A) taken whole."""
    config = load_config(cfg)
    plan = plan_stage(config.loop, parse_stage("highpass..decoder", config.loop))
    channels = small_cortex(SEED).channel_names
    stage = build_stage(config.loop, plan, channels=channels, fs=FS)
    whole = dict(ticks)
    starts = sorted(whole)
    tick, out, a, k = Tick(rate=FS, stream="ref"), [], first, 0
    while a < ticks[-1][1]:
        while k < len(starts) and starts[k] < a:
            k += 1
        b = whole.get(a) or min(a + 30, starts[k] if k < len(starts) else a + 30)
        tick.set(a, b, 0.0)
        v = stage.step(raw[a - first : b - first], tick, time.perf_counter)
        if v.fresh:
            out.append((a, b, v.index, v.value.copy()))
        a = b
    return out


def test_detection_and_decoding_in_two_processes_equal_one_process(
    config_path, tmp_path, unique_name
) -> None:
    counts, decoded = f"{unique_name}-counts", f"{unique_name}-decoded"
    sa, sb = tmp_path / "a.json", tmp_path / "b.json"
    streamer = CortexStreamer(
        small_cortex(SEED), unique_name, publish_truth=False, listen_control=False, duration=120
    ).start()
    procs = []
    try:
        procs.append(_node(config_path, "decoder", counts, decoded, sb))
        procs.append(
            _node(config_path, "highpass..counts", unique_name, counts, sa, "--duration", "4")
        )
        inlet = PortInlet(decoded, port=Port.STATE, node="decoder", resolve_timeout=60.0)
        inlet.open()
        rows, rng, deadline = [], np.random.default_rng(2), time.monotonic() + 60
        next_turn = 0.0
        while not inlet.ended and time.monotonic() < deadline:
            if time.monotonic() > next_turn:  # the subject changes its mind every 0.3 s
                streamer.set_velocity(*rng.uniform(-1, 1, 2))
                next_turn = time.monotonic() + 0.3
            m = inlet.read(0.05)
            if m is not None and m.fresh:
                v = m.value
                rows.append(
                    (
                        m.first_index,
                        m.stop_index,
                        v.index,
                        v.value.copy(),
                        m.t_received - m.t_origin,
                    )
                )
        inlet.close()
        outs = [p.communicate(timeout=30)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        streamer.stop()
    assert [p.returncode for p in procs] == [0, 0], outs
    a, b = json.loads(sa.read_text()), json.loads(sb.read_text())
    assert a["stop_reason"] == "duration" and b["stop_reason"] == "input ended"

    # the samples process A read, regenerated: the simulator replays its stream exactly
    first = a["input"]["first_index"]
    s0 = streamer.first_index + round(
        (a["input"]["first_producer_time"] - streamer.start_time) * FS
    )
    stop = rows[-1][1]
    n = s0 + stop - first
    data, _ = small_cortex(SEED).generate(n, streamer.velocity_history(n))
    ref = _one_process(config_path, data[s0:], first, [r[:2] for r in rows])

    assert len(rows) > 100  # ~4 s of 20 ms bins after the detector's calibration
    assert [r[:3] for r in ref] == [r[:3] for r in rows]
    np.testing.assert_array_equal(np.array([r[3] for r in ref]), np.array([r[3] for r in rows]))
    assert np.ptp(np.array([r[3] for r in rows]), axis=0).min() > 0.1  # it decodes something

    # latency across both processes: measured by the last one, and seen here
    lat = b["latency_ms"]
    assert lat["n"] == len(rows) and 0 < lat["median"] < 500, lat
    assert b["transport_ms"]["n"] == len(rows)
    assert 0 < a["latency_ms"]["median"] < 500
    here = np.array([r[4] for r in rows])
    assert np.all(here > 0) and np.median(here) < 0.5  # t_received - t_sample in this process
