"""Detection on the real locust tetrode recordings (../shared/data, 15 kHz, 4 channels).

Measured with this code (300–5000 Hz causal Butterworth order 3, 5 × MAD/0.6745, neg, 1 ms dead
time, 1.5 ms refractory look-back, 0.5 s calibration): by channel 29.9 and 34.7 peaks/s (trials
01, 02); locally exclusive over the whole tetrode 22.3 and 25.7 peaks/s (without the look-back:
30.5, 35.7, 22.9, 26.5). The data README gives roughly 27–30 peaks/s.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurolink.dsp import StreamingFilter, design_sos, make_detector

FS = 15_000.0
TETRODE = np.array([[0.0, 0.0], [0.0, 25.0], [25.0, 0.0], [25.0, 25.0]])  # µm, all within 50


def load(shared_data: Path, trial: str) -> np.ndarray:
    return np.fromfile(shared_data / f"locust_trial_{trial}.raw", dtype="<i2").reshape(-1, 4)


def stream(raw: np.ndarray, size: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Filter and detect block by block; spikes and snippets."""
    filt = StreamingFilter(design_sos("bandpass", FS, band=(300.0, 5000.0), order=3), 4)
    params: dict = {"threshold": 5.0, "sign": "neg", "snippet": (10, 20)}
    if method == "locally_exclusive":
        params.update(positions=TETRODE, radius_um=50.0)
    det = make_detector(method, 4, FS, **params)
    spikes, waves = [], []
    buf = np.empty((size, 4), np.float32)
    for i in range(0, len(raw), size):
        x = raw[i : i + size].astype(np.float32)
        spikes.append(det.step(filt.step(x, out=buf[: len(x)]), start_index=i))
        waves.append(det.waveforms)
    return np.concatenate(spikes), np.concatenate(waves)


@pytest.fixture(scope="module", params=["01", "02"])
def trial(request: pytest.FixtureRequest, shared_data: Path) -> np.ndarray:
    return load(shared_data, request.param)


@pytest.mark.parametrize("method", ["by_channel", "locally_exclusive"])
def test_block_size_invariance(trial: np.ndarray, method: str) -> None:
    ref, ref_w = stream(trial, len(trial), method)
    assert len(ref) > 500
    for size in (7, 30, 1000):
        got, got_w = stream(trial, size, method)
        np.testing.assert_array_equal(got, ref)
        np.testing.assert_array_equal(got_w, ref_w)
    # one sample at a time on the first 1.5 s (calibration 0.5 s, then 1 s of detection)
    part = trial[: int(1.5 * FS)]
    one, one_w = stream(part, 1, method)
    whole, whole_w = stream(part, len(part), method)
    assert len(whole) > 10
    np.testing.assert_array_equal(one, whole)
    np.testing.assert_array_equal(one_w, whole_w)


@pytest.mark.parametrize(
    ("method", "lo", "hi"), [("by_channel", 20, 40), ("locally_exclusive", 20, 40)]
)
def test_detected_rate_is_plausible(trial: np.ndarray, method: str, lo: float, hi: float) -> None:
    spikes, waves = stream(trial, 4096, method)
    rate = len(spikes) / (len(trial) / FS)
    assert lo <= rate <= hi, rate
    # every detection is a negative peak beyond its channel's threshold
    assert np.all(spikes["amplitude"] < 0)
    np.testing.assert_array_equal(
        waves[np.arange(len(spikes)), 10, spikes["channel"]], spikes["amplitude"]
    )
