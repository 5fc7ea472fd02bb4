"""BandPower filters with dsp's streaming IIR filter: same output on a real EEG recording.

``../shared/data/eeg_motor_imagery_64ch.edf`` (PhysioNet EEGMMIDB, 64 channels at 128 Hz). The
references are computed here from scipy directly (``butter`` + ``sosfilt``, the moving mean by
convolution), not by the code under test.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from neurolink.decode import BandPower, cut_epochs
from neurolink.dsp import StreamingFilter, design_sos

mne = pytest.importorskip("mne")

BANDS = ((8.0, 12.0), (13.0, 30.0))
ORDER = 4


@pytest.fixture(scope="module")
def recording(shared_data: Path) -> tuple[np.ndarray, float, np.ndarray]:
    raw = mne.io.read_raw_edf(
        shared_data / "eeg_motor_imagery_64ch.edf", preload=True, verbose="error"
    )
    fs = float(raw.info["sfreq"])
    data = raw.get_data().T * 1e6  # (n_samples, n_channels), µV
    ann = raw.annotations
    onsets = np.round(ann.onset[np.isin(ann.description, ["T1", "T2"])] * fs).astype(int)
    return data, fs, onsets


def test_epochs_band_passed_by_bandpower_equal_the_dsp_filter_bit_for_bit(recording) -> None:
    data, fs, onsets = recording
    X = cut_epochs(data, onsets, round(-1.0 * fs), round(3.0 * fs))
    assert X.shape == (19, 512, 64) and fs == 128.0
    got = BandPower(fs, bands=BANDS, order=ORDER).filtered(X)
    for (lo, hi), F in zip(BANDS, got, strict=True):
        sos = design_sos("bandpass", fs, band=(lo, hi), order=ORDER)
        for k in (0, 7, 18):  # each epoch from rest, in uneven blocks
            filt = StreamingFilter(sos, 64, dtype=np.float64)
            blocks = [filt.step(X[k, a:b]) for a, b in ((0, 5), (5, 300), (300, 512))]
            np.testing.assert_array_equal(F[k], np.concatenate(blocks))
        butter = signal.butter(ORDER, (lo, hi), btype="bandpass", fs=fs, output="sos")
        np.testing.assert_array_equal(F, signal.sosfilt(butter, X, axis=1))


def test_streamed_band_power_is_log_moving_mean_of_the_dsp_filter_output(recording) -> None:
    data, fs, _ = recording
    x = data[:6000]
    node = BandPower(fs, bands=BANDS, window_s=0.5, order=ORDER)
    cuts = [0, 1, 33, 64, 1000, 1001, 4096, 6000]
    feats = np.concatenate([node.step(x[a:b]) for a, b in itertools.pairwise(cuts)])
    N = 64  # 0.5 s at 128 Hz
    counts = np.minimum(np.arange(1, len(x) + 1), N)[:, None]
    for b, (lo, hi) in enumerate(BANDS):
        sos = design_sos("bandpass", fs, band=(lo, hi), order=ORDER)
        filt = StreamingFilter(sos, x.shape[1], dtype=np.float64)
        F = np.concatenate([filt.step(x[a : a + 500]) for a in range(0, len(x), 500)])
        kernel = np.ones(N)
        sums = np.stack([np.convolve(F[:, c] ** 2, kernel)[: len(x)] for c in range(F.shape[1])], 1)
        expect = np.log(sums / counts + 1e-12)
        np.testing.assert_allclose(feats[:, b * 64 : (b + 1) * 64], expect, rtol=0, atol=1e-9)
    # the Block path of the same filter (float32 samples) agrees to float32 rounding
    sos = design_sos("bandpass", fs, band=BANDS[0], order=ORDER)
    f64 = StreamingFilter(sos, 64, dtype=np.float64).step(x)
    f32 = StreamingFilter(sos, 64).step(x.astype(np.float32))
    np.testing.assert_allclose(f32, f64, rtol=0, atol=1e-5 * np.abs(f64).max())
