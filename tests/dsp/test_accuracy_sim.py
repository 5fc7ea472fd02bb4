"""Detection accuracy against the simulated cortex's ground truth, and block-size invariance on it.

The evaluation is defined in :mod:`neurolink.dsp.evaluate`: ±0.4 ms around each true spike's
expected detection time (broadband trough + the unit's filter lag), a detection counts for a unit
on channels within ``RADIUS_UM`` of its best channel, maximum one-to-one matching, every unmatched
detection a false positive. SNR is the simulator's broadband SNR (the detection SNR is printed
alongside).

Measured with this code (``pytest -s`` prints the table; 60 units, SNR log-uniform 3–20, 15 s, seed
0, locally exclusive, threshold 5 × noise, otherwise ``detect_spikes`` defaults): units with SNR >=
5 pooled recall 0.991, precision 0.978. By SNR bin (recall, precision): 3–4: 0.21, 0.89; 4–5: 0.58,
0.96; 5–6: 0.92, 0.98; 6–8: 0.995, 0.97; 8–20: 1.000, 0.98. Over seeds 0–11 the pooled SNR >= 5
figures range over recall 0.979–0.994 and precision 0.971–0.984, and the 5–6 bin's recall over
0.87–0.95: the bound holds for units with SNR >= 5 as a population, not for a unit at exactly 5
(every unit at SNR 5: recall 0.81, precision 0.97; at SNR 6: 0.974, 0.977;
``benchmarks/dsp_accuracy.py``). The false positives left are background crossings (the hash of
distant units gives the noise a heavy tail: ~0.35 crossings per channel-second at 5 × MAD/0.6745 on
channels without a unit); the second troughs that a causal filter adds after large spikes are
removed by the refractory look-back.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import sosfilt

from neurolink.dsp import design_sos, detect_spikes
from neurolink.dsp.detect.noise import MAD_TO_SIGMA
from neurolink.dsp.evaluate import (
    DetectionScores,
    detection_snr,
    filtered_templates,
    score_detection,
    unit_neighbourhoods,
)
from neurolink.sim import CortexConfig, CortexSimulator

FS = 30_000.0
SECONDS = 15.0
BAND = (300.0, 5000.0)
ORDER = 2  # detect_spikes' default, stated so the lag below uses the same filter
#: 5 × noise, the operating point of the figures above (the loop's default 4.5 trades precision
#: for recall: SNR >= 5 precision 0.93 here, the threshold-crossing convention of decoding).
THRESHOLD = 5.0
SOS = design_sos("bandpass", FS, band=BAND, order=ORDER)
TOL = round(0.4e-3 * FS)  # ±0.4 ms = 12 samples
#: Exclusion and evaluation radius (µm): below the 400 µm Utah pitch, where a unit 20–60 µm from
#: its tip has ~2 % of its amplitude; a radius of one pitch would only let neighbouring units'
#: spikes suppress each other (measured: recall of SNR >= 5 units 0.98 -> 0.94).
RADIUS_UM = 100.0
SNR_BINS = [(3.0, 4.0), (4.0, 5.0), (5.0, 6.0), (6.0, 8.0), (8.0, 12.0), (12.0, 20.0)]


def _velocity(t: np.ndarray) -> np.ndarray:
    """Intended velocity sweeping all directions at a varying speed."""
    speed = 0.5 + 0.5 * np.sin(0.9 * t)
    return np.column_stack([speed * np.cos(1.3 * t), speed * np.sin(1.3 * t)])


@pytest.fixture(scope="module")
def recording() -> tuple[CortexSimulator, np.ndarray, np.ndarray]:
    sim = CortexSimulator(CortexConfig(snr_range=(3.0, 20.0)), seed=0)
    data, truth = sim.generate(int(SECONDS * FS), _velocity)
    return sim, data, truth


def _detect(
    sim: CortexSimulator, data: np.ndarray, method: str, block_size: int, **extra: object
) -> np.ndarray:
    params: dict = dict(extra)
    if method == "locally_exclusive":
        params.update(positions=sim.config.electrode_positions[:, :2], radius_um=RADIUS_UM)
    return detect_spikes(
        data,
        FS,
        band=BAND,
        filter_order=ORDER,
        threshold=THRESHOLD,
        method=method,
        block_size=block_size,
        **params,
    )


def _score(sim: CortexSimulator, truth: np.ndarray, spikes: np.ndarray) -> DetectionScores:
    units = sim.units
    _, lag, _ = filtered_templates(units.waveform, units.pre, SOS)
    hood = unit_neighbourhoods(units.best_channel, sim.config.electrode_positions, RADIUS_UM)
    # after the 0.5 s calibration; before the last 2 ms, which the detector (1 ms behind the
    # data) has not decided yet
    start, stop = round(0.5 * FS) + TOL, round((SECONDS - 2e-3) * FS)
    return score_detection(
        spikes, truth, neighbourhood=hood, amplitude=units.gain, tol_samples=TOL, lag=lag,
        start=start, stop=stop,
    )  # fmt: skip


def test_recall_and_precision_against_ground_truth(
    recording: tuple[CortexSimulator, np.ndarray, np.ndarray],
    record_property: pytest.RecordProperty,
) -> None:
    sim, data, truth = recording
    spikes = _detect(sim, data, "locally_exclusive", 4096)
    scores = _score(sim, truth, spikes)
    snr = sim.snr()
    _, _, depth = filtered_templates(sim.units.waveform, sim.units.pre, SOS)
    filt = sosfilt(SOS, data[round(0.5 * FS) :], axis=0)
    noise = np.median(np.abs(filt - np.median(filt, axis=0)), axis=0) / MAD_TO_SIGMA
    dsnr = detection_snr(sim.units.peak_amplitude, sim.units.best_channel, depth, noise)

    print("\nSNR bin   units  detection SNR  recall  precision")
    for lo, hi in SNR_BINS:
        sel = (snr >= lo) & (snr < hi)
        if sel.any():
            r, p = scores.recall(sel), scores.precision(sel)
            print(
                f"{lo:4.0f}-{hi:<4.0f} {sel.sum():5d}   {np.median(dsnr[sel]):5.1f}"
                f"        {r:6.3f}  {p:6.3f}"
            )
            record_property(f"recall_snr_{lo:g}_{hi:g}", round(r, 4))
            record_property(f"precision_snr_{lo:g}_{hi:g}", round(p, 4))
    good = snr >= 5.0
    r5, p5 = scores.recall(good), scores.precision(good)
    print(f"SNR >= 5  {good.sum():5d}                 {r5:6.3f}  {p5:6.3f}")
    print(f"overall precision {scores.precision():.3f} ({scores.fp_unattributed} FP off-unit)")
    record_property("recall_snr_ge_5", round(r5, 4))
    record_property("precision_snr_ge_5", round(p5, 4))
    assert good.sum() >= 30 and (~good).sum() >= 10  # both sides of the bound are populated
    assert r5 >= 0.95
    assert p5 >= 0.95
    # regression guards on the margins (see the module text for the measured figures)
    mid = (snr >= 5.0) & (snr < 8.0)
    assert scores.recall(mid) >= 0.9
    assert scores.precision() >= 0.92  # channels without a unit add background crossings only


@pytest.mark.parametrize("method", ["by_channel", "locally_exclusive"])
def test_block_size_invariance_on_simulated_data(
    recording: tuple[CortexSimulator, np.ndarray, np.ndarray], method: str
) -> None:
    sim, data, _ = recording
    part = data[: round(2.5 * FS)]  # 0.5 s calibration, then 2 s of detection
    whole, whole_w = _detect(sim, part, method, len(part), snippet=(10, 20))
    assert len(whole) > 1000
    for size in (30, 4097):
        got, got_w = _detect(sim, part, method, size, snippet=(10, 20))
        np.testing.assert_array_equal(got, whole)
        np.testing.assert_array_equal(got_w, whole_w)
    # one sample at a time over the calibration and the first 0.1 s of detection
    short = data[: round(0.6 * FS)]
    one = _detect(sim, short, method, 1)
    ref = _detect(sim, short, method, len(short))
    assert len(ref) > 30
    np.testing.assert_array_equal(one, ref)
