"""Spike detection on hand-built signals: exact indices, block edges, dead time, exclusivity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.dsp import (
    ByChannelDetector,
    LocallyExclusiveDetector,
    detect_spikes,
    make_detector,
)
from neurolink.streams import SPIKE_DTYPE, Block

from ._synth import make_signal, normalised, reference_peaks

FS = 10_000.0  # dead time 1 ms = 10 samples


def run_blocks(det, x: np.ndarray, size: int, start: int = 0) -> np.ndarray:
    """Feed ``x`` in blocks of ``size`` and concatenate the spikes (and waveforms)."""
    spikes, waves = [], []
    for i in range(0, len(x), size):
        spikes.append(det.step(x[i : i + size], start + i))
        if det.waveforms is not None:
            waves.append(det.waveforms)
    s = np.concatenate(spikes)
    return (s, np.concatenate(waves)) if waves else s


@pytest.mark.parametrize("size", [1, 7, 30, 64, 1000, 5000])
def test_exact_indices_including_block_edges(size: int) -> None:
    # spikes one before, on, and one after block edges (multiples of 30 and of 64 and 1000)
    times = [299, 300, 301, 640, 1000, 1023, 1999, 2000, 3001, 4200]
    spikes = [(t, i % 3, 20.0 + i) for i, t in enumerate(times)]
    x = make_signal(5000, 3, spikes, seed=1)
    det = ByChannelDetector(3, FS, noise=[1.0, 1.0, 1.0], noise_tau_s=None)
    got = run_blocks(det, x, size)
    assert got.dtype == SPIKE_DTYPE
    assert [(int(s["sample_index"]), int(s["channel"])) for s in got] == [
        (t, c) for t, c, _ in spikes
    ]
    np.testing.assert_array_equal(got["amplitude"], x[got["sample_index"], got["channel"]])
    assert np.all(got["unit"] == -1)
    assert det.complete_until == 5000 - det.delay


def test_dead_time_and_ties() -> None:
    spikes = [
        (1000, 0, 20.0), (1006, 0, 30.0),  # 6 apart: only the larger
        (2000, 0, 20.0), (2011, 0, 20.0),  # 11 apart: both
        (3000, 1, 20.0), (3006, 1, 20.0),  # equal, 6 apart: the earlier wins
    ]  # fmt: skip
    x = make_signal(4000, 2, spikes, sigma=0.0)
    # refractory 0: the symmetric ±dead window alone
    det = ByChannelDetector(2, FS, noise=[1.0, 1.0], noise_tau_s=None, refractory_ms=0.0)
    got = det.step(x)
    assert [(int(s["sample_index"]), int(s["channel"])) for s in got] == [
        (1006, 0), (2000, 0), (2011, 0), (3000, 1),
    ]  # fmt: skip
    d = np.diff(got["sample_index"][got["channel"] == 0])
    assert np.all(d > det.dead)


def test_refractory_look_back_drops_a_smaller_later_peak_without_delay() -> None:
    # dead 1 ms = 10 samples, refractory 1.5 ms = 15: a second trough 12 samples after a larger
    # one is dropped; a larger one 12 after, or a smaller one 18 after, is kept
    spikes = [
        (1000, 0, 30.0), (1012, 0, 12.0),  # smaller, 12 after: dropped
        (2000, 0, 20.0), (2012, 0, 30.0),  # larger, 12 after: both
        (3000, 0, 30.0), (3018, 0, 12.0),  # smaller, 18 after (its tail too): both
        (3500, 1, 12.0), (3512, 0, 30.0),  # another channel: no effect
    ]  # fmt: skip
    x = make_signal(4000, 2, spikes, sigma=0.0)
    det = ByChannelDetector(2, FS, noise=[1.0, 1.0], noise_tau_s=None, refractory_ms=1.5)
    assert (det.dead, det.back, det.delay) == (10, 15, 10)  # the look-back costs no latency
    got = run_blocks(det, x, 7)
    assert [(int(s["sample_index"]), int(s["channel"])) for s in got] == [
        (1000, 0), (2000, 0), (2012, 0), (3000, 0), (3018, 0), (3500, 1), (3512, 0),
    ]  # fmt: skip
    symmetric = ByChannelDetector(2, FS, noise=[1.0, 1.0], noise_tau_s=None, refractory_ms=0.0)
    assert (1012, 0) in [(int(s["sample_index"]), int(s["channel"])) for s in symmetric.step(x)]


def test_locally_exclusive_suppresses_near_keeps_far() -> None:
    positions = [[0.0, 0.0], [0.0, 20.0], [0.0, 500.0], [0.0, 40.0]]
    spikes = [
        (1000, 0, 20.0), (1002, 1, 8.0), (1000, 2, 15.0),  # ch1 loses to ch0, ch2 is far
        (2000, 0, 20.0), (2003, 1, 12.0),  # smaller, but relative to threshold ch1 wins
        (3000, 0, 20.0), (3000, 3, 20.0),  # 40 µm apart: both kept with radius 30
    ]  # fmt: skip
    x = make_signal(4000, 4, spikes, sigma=0.0)
    noise = [1.0, 0.5, 1.0, 1.0]  # thresholds 5, 2.5, 5, 5: ch1 at 2003 is 12 / 2.5 > 20 / 5
    le = LocallyExclusiveDetector(
        4, FS, positions=positions, radius_um=30.0, noise=noise, noise_tau_s=None
    )
    got = [(int(s["sample_index"]), int(s["channel"])) for s in le.step(x)]
    assert got == [(1000, 0), (1000, 2), (2003, 1), (3000, 0), (3000, 3)]
    bc = ByChannelDetector(4, FS, noise=noise, noise_tau_s=None)
    assert len(bc.step(x)) == 7
    # a larger radius makes ch3 a neighbour of ch0: the tie at 3000 goes to the lower channel
    le50 = LocallyExclusiveDetector(
        4, FS, positions=positions, radius_um=50.0, noise=noise, noise_tau_s=None
    )
    got50 = [(int(s["sample_index"]), int(s["channel"])) for s in le50.step(x)]
    assert (3000, 0) in got50 and (3000, 3) not in got50


METHODS = st.sampled_from(["by_channel", "locally_exclusive"])


@settings(max_examples=40, deadline=None)
@given(
    method=METHODS,
    sign=st.sampled_from(["neg", "pos", "both"]),
    sizes=st.lists(st.integers(1, 400), min_size=1, max_size=8),
    snippet=st.sampled_from([None, (5, 12), (20, 3)]),
    seed=st.integers(0, 2**31 - 1),
    calibrate=st.booleans(),
    refractory_ms=st.sampled_from([0.0, 1.5, 3.0]),
)
def test_block_split_invariance_and_reference_rule(
    method: str,
    sign: str,
    sizes: list[int],
    snippet: tuple[int, int] | None,
    seed: int,
    calibrate: bool,
    refractory_ms: float,
) -> None:
    rng = np.random.default_rng(seed)
    n, c = 3000, 4
    spikes = [
        (int(t), int(ch), float(a) * (1 if rng.random() < 0.7 else -1))
        for t, ch, a in zip(
            rng.integers(0, n, 40), rng.integers(0, c, 40), rng.uniform(4, 15, 40), strict=True
        )
    ]
    x = make_signal(n, c, spikes, seed=seed)
    positions = np.array([[0, 0], [0, 20], [20, 0], [200, 200]], float)
    params: dict = {
        "threshold": 4.0,
        "sign": sign,
        "snippet": snippet,
        "refractory_ms": refractory_ms,
    }
    if calibrate:
        params.update(calibration_s=0.05, noise_tau_s=0.05)
    else:
        params.update(noise=[1.0, 0.8, 1.2, 1.0], noise_tau_s=None)
    if method == "locally_exclusive":
        params.update(positions=positions, radius_um=30.0)
    whole = make_detector(method, c, FS, **params)
    ref = whole.step(x)
    waves_ref = whole.waveforms
    det = make_detector(method, c, FS, **params)
    parts, waves, pos, i = [], [], 0, 0
    while pos < n:
        size = sizes[i % len(sizes)]
        parts.append(det.step(x[pos : pos + size], start_index=pos))
        if snippet is not None:
            waves.append(det.waveforms)
        pos += size
        i += 1
    got = np.concatenate(parts)
    np.testing.assert_array_equal(got, ref)
    if snippet is not None:
        w = np.concatenate(waves)
        np.testing.assert_array_equal(w, waves_ref)
        assert w.shape == (len(got), sum(snippet), c)
        peak = w[np.arange(len(got)), snippet[0], got["channel"]]
        np.testing.assert_array_equal(peak, got["amplitude"])
    if not calibrate:  # fixed thresholds: the kernel implements the stated rule exactly
        z = normalised(x, np.array(params["noise"]), 4.0, sign)
        nbrs = None
        if method == "locally_exclusive":
            nbrs = [[1, 2], [0, 2], [0, 1], []]
        expect = reference_peaks(z, det.dead, det.detect_start, n - det.delay, nbrs, back=det.back)
        assert [(int(s["sample_index"]), int(s["channel"])) for s in got] == expect


def test_sorted_by_sample_then_channel() -> None:
    spikes = [(500, 2, 20.0), (500, 0, 20.0), (500, 1, 20.0), (800, 1, 20.0), (790, 2, 20.0)]
    x = make_signal(1000, 3, spikes, sigma=0.0)
    got = ByChannelDetector(3, FS, noise=[1, 1, 1], noise_tau_s=None).step(x)
    assert list(zip(got["sample_index"], got["channel"], strict=True)) == [
        (500, 0), (500, 1), (500, 2), (790, 2), (800, 1),
    ]  # fmt: skip


def test_nan_samples_are_skipped_and_counted() -> None:
    spikes = [(1000, 0, 20.0), (2000, 0, 20.0), (2015, 0, 20.0), (2040, 0, 20.0), (2000, 1, 20.0)]
    x = make_signal(3000, 2, spikes, seed=3)
    x[1990:2010, 0] = np.nan
    x[2500, 1] = np.inf
    for size in (1, 30, 3000):
        det = ByChannelDetector(2, FS, noise=[1.0, 1.0], noise_tau_s=None)
        got = run_blocks(det, x, size)
        # 2000/ch0 is NaN, 2015/ch0's window [2005, 2025] touches NaN; 2040 and ch1 survive
        assert [(int(s["sample_index"]), int(s["channel"])) for s in got] == [
            (1000, 0), (2000, 1), (2040, 0),
        ]  # fmt: skip
        assert det.n_invalid == 21


def test_gap_acts_as_nan_and_keeps_running_index() -> None:
    spikes = [(1000, 0, 20.0), (1995, 0, 20.0), (2100, 0, 20.0), (9000, 1, 20.0)]
    x = make_signal(10_000, 2, spikes, seed=4)
    for gap in (5, 3000):  # shorter and longer than the margin
        filled = x.copy()
        filled[2000 : 2000 + gap] = np.nan
        ref = ByChannelDetector(2, FS, noise=[1, 1], noise_tau_s=None).step(filled)
        det = ByChannelDetector(2, FS, noise=[1, 1], noise_tau_s=None)
        a = det.step(x[:2000])
        rest = x[2000 + gap :]
        b = det.step(Block(rest, np.zeros(len(rest)), 2000 + gap, FS, ("a", "b"), "s"))
        got = np.concatenate([a, b])
        np.testing.assert_array_equal(got, ref)
        assert det.n_invalid == 0


def test_calibration_then_detection() -> None:
    fs = 10_000.0
    spikes = [(500, 0, 100.0), (2500, 0, 60.0), (4000, 1, 60.0)]
    x = make_signal(6000, 2, spikes, sigma=3.0, seed=5)
    det = ByChannelDetector(2, fs, threshold=5.0, calibration_s=0.2, noise_tau_s=None)
    got = run_blocks(det, x, 37)
    assert det.detect_start == 2000
    assert [(int(s["sample_index"]), int(s["channel"])) for s in got] == [(2500, 0), (4000, 1)]
    np.testing.assert_allclose(det.noise, 3.0, rtol=0.06)
    np.testing.assert_allclose(det.thresholds, 15.0, rtol=0.06)


def test_noise_tracker_follows_a_step_with_its_time_constant() -> None:
    fs, tau = 10_000.0, 0.2
    rng = np.random.default_rng(6)
    x = rng.normal(0, 1.0, (40_000, 2)).astype(np.float32)
    x[10_000:] *= 2.0  # noise doubles at 1 s
    det = ByChannelDetector(2, fs, calibration_s=0.5, noise_tau_s=tau)
    fixed = ByChannelDetector(2, fs, calibration_s=0.5, noise_tau_s=None)
    trace = []
    for i in range(0, 40_000, 100):
        det.step(x[i : i + 100])
        fixed.step(x[i : i + 100])
        trace.append(det.noise.copy())
    trace = np.array(trace)
    np.testing.assert_allclose(trace[99], 1.0, rtol=0.1)  # before the step
    frac = np.log(trace[100 + 19]) / np.log(2.0)  # one tau (2000 samples) after the step
    assert np.all((frac > 0.45) & (frac < 0.8)), frac  # 1 - 1/e = 0.63
    np.testing.assert_allclose(trace[-1], 2.0, rtol=0.08)  # 15 tau later: followed
    np.testing.assert_allclose(fixed.noise, 1.0, rtol=0.1)  # frozen calibration


def test_inactive_flat_channel() -> None:
    x = make_signal(4000, 2, [(3000, 0, 30.0)], sigma=1.0, seed=7)
    x[:, 1] = 0.0
    det = ByChannelDetector(2, FS, calibration_s=0.1)
    got = det.step(x)
    assert det.noise[1] == 0.0
    assert [(int(s["sample_index"]), int(s["channel"])) for s in got] == [(3000, 0)]


def test_detect_spikes_offline_matches_streaming_and_keeps_input() -> None:
    spikes = [(t, t % 3, 40.0) for t in range(12_000, 30_000, 700)]
    x = make_signal(30_000, 3, spikes, sigma=2.0, seed=8) + 1000.0
    before = x.copy()
    s1, w1 = detect_spikes(x, 20_000.0, band=(300.0, 5000.0), snippet=(10, 20), block_size=30)
    s2, w2 = detect_spikes(x, 20_000.0, band=(300.0, 5000.0), snippet=(10, 20))
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_array_equal(w1, w2)
    assert len(s1) == len(spikes)
    s3 = detect_spikes(
        x, 20_000.0, reference="median", method="locally_exclusive",
        positions=[[0, 0], [0, 20], [0, 40]], radius_um=25.0,
    )  # fmt: skip
    assert s3.dtype == SPIKE_DTYPE and np.all(np.diff(s3["sample_index"]) >= 0)


def test_errors() -> None:
    with pytest.raises(ValueError, match="threshold k must be > 0"):
        ByChannelDetector(2, FS, threshold=0.0)
    with pytest.raises(ValueError, match="threshold k must be > 0"):
        LocallyExclusiveDetector(2, FS, positions=[[0, 0], [0, 1]], threshold=-1.0)
    det = ByChannelDetector(2, FS)
    with pytest.raises(ValueError, match="expected 2 channels, got 3"):
        det.step(np.zeros((10, 3), np.float32))
    det.step(np.zeros((10, 2), np.float32))
    with pytest.raises(ValueError, match="before the next expected sample 10"):
        det.step(np.zeros((10, 2), np.float32), start_index=5)
    with pytest.raises(ValueError, match="refractory_ms must be >= 0"):
        ByChannelDetector(2, FS, refractory_ms=-1.0)
    with pytest.raises(ValueError, match="sign"):
        ByChannelDetector(2, FS, sign="up")
    with pytest.raises(ValueError, match="noise must hold 2"):
        ByChannelDetector(2, FS, noise=[1.0, 0.0])
    with pytest.raises(ValueError, match="positions"):
        LocallyExclusiveDetector(2, FS, positions=[[0, 0]])
    with pytest.raises(ValueError, match="unknown detection method"):
        make_detector("global", 2, FS)
    with pytest.raises(ValueError, match="needs positions"):
        detect_spikes(np.zeros((10, 2)), FS, method="locally_exclusive")
