"""``neurolink demo --channels N`` and ``--source inprocess``: the chain follows the array.

The geometry checks use the public facts of the arrays (Utah: 400 µm pitch; Neuropixels 1.0:
two sites per 20 µm row, 32 µm apart, every other row shifted by 16 µm, four columns at
x = 11, 27, 43, 59 µm), written out here, not computed by the code under test.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from neurolink.cli.demo import CHANNEL_COUNTS, demo_config
from neurolink.dsp.detect import ByChannelDetector, LocallyExclusiveDetector
from neurolink.loop.core.build import build_graph
from neurolink.loop.recording import read_session
from neurolink.loop.session.run import Session
from neurolink.sim.arrays import SUPPORTED_CHANNELS, array_layout
from neurolink.sim.cortex import CortexSimulator
from neurolink.sim.source_config import CHANNEL_CHOICES

TASK = {"radius": 0.5, "target_radius": 0.15, "hold_s": 0.05, "timeout_s": 3.0, "slow_radius": 0.2}


def test_one_list_of_supported_channel_counts() -> None:
    assert CHANNEL_COUNTS == SUPPORTED_CHANNELS == CHANNEL_CHOICES == (96, 128, 256, 384)


@pytest.mark.parametrize("n", [96, 128, 256])
def test_utah_like_grids_at_400_um(n: int) -> None:
    layout = array_layout(n)
    pos = layout.plane_positions()
    d = np.hypot(*(pos[:, None, :] - pos[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    assert pos.shape == (n, 2) and np.allclose(d.min(axis=1), 400.0)  # every site's nearest
    assert np.all(layout.positions[:, 2] == 0.0)  # a flat array, tips at z = 0
    assert layout.detect_method == "by_channel"


def test_neuropixels_like_shank_at_384() -> None:
    layout = array_layout(384)
    x, y, z = layout.positions.T
    assert np.all(y == 0.0)
    assert sorted(set(x.tolist())) == [11.0, 27.0, 43.0, 59.0]  # four columns 16 µm apart
    assert sorted(set(z.tolist())) == [20.0 * r for r in range(192)]  # 192 rows of two sites
    # rows alternate between the (11, 43) and (27, 59) pairs: staggered by 16 µm
    assert x[:4].tolist() == [11.0, 43.0, 27.0, 59.0] and z[:4].tolist() == [0, 0, 20, 20]
    assert layout.detect_method == "locally_exclusive" and layout.radius_um == 50.0
    np.testing.assert_array_equal(layout.plane_positions(), np.column_stack([x, z]))


@pytest.mark.parametrize("n", CHANNEL_COUNTS)
def test_channels_build_a_consistent_chain(n: int) -> None:
    cfg = demo_config(channels=n, source="inprocess")
    src = cfg.source
    assert src.kind == "simulated_inprocess" and src.channels == n
    sim = CortexSimulator(src.cortex_config(), seed=src.seed)
    assert sim.channel_names == src.channel_names() and sim.n_channels == n
    np.testing.assert_array_equal(sim.config.electrode_positions, array_layout(n).positions)
    graph = build_graph(cfg.loop, channels=src.channel_names(), fs=src.fs, limits={}).graph
    det = graph["spikes"].detector
    assert det.n_channels == n
    if n == 384:
        assert isinstance(det, LocallyExclusiveDetector) and det.radius_um == 50.0
        np.testing.assert_allclose(det.positions, array_layout(384).plane_positions())
    else:
        assert isinstance(det, ByChannelDetector)
    # The detector's spikes feed a binner of n columns, and the decoder takes n inputs.
    assert graph["counts"].n_units == n and graph["decoder"].n_units == n


def test_unsupported_channel_count_is_refused_naming_the_supported_ones() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "neurolink.cli", "demo", "--channels", "100", "--no-record"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "100" in proc.stderr and "96, 128, 256, 384" in proc.stderr, proc.stderr


def test_demo_closes_the_loop_on_the_inprocess_subject(tmp_path) -> None:
    cfg = demo_config(duration=9.0, calibration=5.0, seed=3, task=TASK, source="inprocess")
    summary = Session(cfg, status_out=None, recording=tmp_path / "inproc.xdf").run()
    assert summary["stop_reason"] == "duration" and not summary["faults"], summary["faults"]
    assert summary["source"]["kind"] == "simulated_inprocess"
    assert summary["source"]["channels"] == 96 and summary["source"]["samples_lost"] == 0
    # Commands went to the prosthesis in the closed loop, and the task ran on them.
    closed = summary["latency"]["phases"]["closed_loop"]["commands"]
    assert closed["n"] > 100, closed
    cursor = summary["sinks"]["cursor"]
    assert cursor["acked"] == cursor["sent"] == summary["commands"]["sent"]
    task = summary["task"]
    assert task["phase"] == "closed_loop" and task["calibration"]["bins"] >= 200
    assert task["trials"] + task["calibration"]["autopilot"]["trials"] >= 1
    # The subject followed the intents the task pushed (its intent history moved).
    rec = read_session(tmp_path / "inproc.xdf")
    assert np.ptp(rec["intent"].data, axis=0).min() > 0.3 and np.ptp(rec["cursor"].data) > 0.2


def test_384_channels_detect_on_the_whole_probe_and_decode(tmp_path) -> None:
    cfg = demo_config(
        duration=8.0, calibration=4.0, seed=2, task=TASK, channels=384, source="inprocess"
    )
    session = Session(cfg, status_out=None, recording=tmp_path / "np.xdf")
    summary = session.run()
    assert summary["stop_reason"] == "duration" and not summary["faults"], summary["faults"]
    assert summary["source"]["channels"] == 384 and summary["source"]["kind"] == (
        "simulated_inprocess"
    )
    rec = read_session(tmp_path / "np.xdf")
    channels = rec["events"].data[:, 1].astype(int)
    assert channels.size > 500 and channels.min() >= 0 and channels.max() < 384
    assert np.unique(channels).size > 96  # spikes across the probe, not only its first sites
    assert channels.max() >= 300
    # The decoder was fitted on 384 count columns and decoded the closed loop.
    X, _ = session.engine.graph["decoder"].calibration_data()
    assert X.shape[1] == 384 and X.shape[0] >= 100
    decoded = rec["decoded"].data
    assert decoded.shape[1] == 2 and len(decoded) > 100 and np.ptp(decoded[-100:], axis=0).max() > 0
