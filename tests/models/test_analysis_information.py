"""Mutual information, bias corrections, transfer entropy and neural codes vs known values."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.models.analysis import (
    Correction,
    coding_efficiency,
    decoding_information,
    entropy,
    gaussian_mutual_information,
    ksg_mutual_information,
    labels,
    mutual_information,
    panzeri_treves_bias,
    phase_code_information,
    quantize,
    rate_code_information,
    temporal_code_information,
    transfer_entropy,
)
from neurolink.models.dynamics.params import ModelError

# --- continuous MI: the Gaussian channel ---------------------------------------------------------


@pytest.mark.parametrize("snr", [1.0, 3.0, 10.0])
def test_gaussian_channel_mi_matches_shannon(snr: float) -> None:
    # Y = X + N with X ~ N(0, 1), N ~ N(0, 1/SNR): I(X; Y) = ½ log₂(1 + SNR) bits.
    rng = np.random.default_rng(int(snr * 10))
    x = rng.standard_normal(20_000)
    y = x + rng.standard_normal(x.size) / np.sqrt(snr)
    truth = 0.5 * np.log2(1 + snr)
    assert gaussian_mutual_information(x, y) == pytest.approx(truth, abs=0.02)
    assert ksg_mutual_information(x, y, k=4) == pytest.approx(truth, abs=0.05)


def test_gaussian_mi_multivariate() -> None:
    # Two independent channels: the information adds.
    rng = np.random.default_rng(7)
    x = rng.standard_normal((20_000, 2))
    y = x + rng.standard_normal(x.shape) * np.sqrt([1 / 3, 1.0])
    truth = 0.5 * np.log2(1 + 3) + 0.5 * np.log2(1 + 1)
    assert gaussian_mutual_information(x, y) == pytest.approx(truth, abs=0.03)
    assert ksg_mutual_information(x, y) == pytest.approx(truth, abs=0.08)


# --- discrete MI and bias correction -------------------------------------------------------------


def test_panzeri_treves_removes_bias_of_independent_small_samples() -> None:
    # S and R independent, 4 values each, N = 100 trials: the truth is 0 but the plug-in value is
    # biased up by about [Σ_s (R_s − 1) − (R − 1)] / (2 N ln 2) = (4·3 − 3) / (200 ln 2) ≈ 0.065.
    rng = np.random.default_rng(0)
    naive, corrected = [], []
    for _ in range(300):
        s, r = rng.integers(0, 4, 100), rng.integers(0, 4, 100)
        res = mutual_information(s, r, Correction.PANZERI_TREVES)
        naive.append(res.naive)
        corrected.append(res.mi)
    assert np.mean(naive) == pytest.approx(9 / (200 * np.log(2)), rel=0.15)
    assert abs(np.mean(corrected)) < 0.006  # < 10 % of the bias


def test_shuffle_correction_is_unbiased_and_calibrated_for_independent_data() -> None:
    # Independent S (4 values) and R (6 values), 60 trials: the plug-in estimate is clearly
    # positive, the shuffle-corrected one is 0 on average, and p < 0.05 in about 5 % of samples.
    rng = np.random.default_rng(1)
    naive, corrected, p = [], [], []
    for _ in range(100):
        res = mutual_information(
            rng.integers(0, 4, 60), rng.integers(0, 6, 60), "shuffle", n_shuffles=100, rng=rng
        )
        naive.append(res.naive)
        corrected.append(res.mi)
        p.append(res.p_value)
    assert np.mean(naive) > 0.15
    assert abs(np.mean(corrected)) < 0.1 * np.mean(naive)
    assert np.mean(np.array(p) < 0.05) <= 0.12


def test_bias_correction_moves_estimate_towards_known_mi() -> None:
    # S uniform on 4, R = S with probability 1 − e, otherwise one of the 3 others uniformly:
    # I = 2 − H₂(e) − e log₂ 3 bits.
    e = 0.3
    truth = 2 + e * np.log2(e) + (1 - e) * np.log2(1 - e) - e * np.log2(3)
    rng = np.random.default_rng(2)
    naive, pt, sh = [], [], []
    for _ in range(40):
        s = rng.integers(0, 4, 80)
        r = np.where(rng.random(80) < e, (s + rng.integers(1, 4, 80)) % 4, s)
        naive.append(mutual_information(s, r, "none").mi)
        pt.append(mutual_information(s, r).mi)
        sh.append(mutual_information(s, r, "shuffle", n_shuffles=50).mi)
    assert np.mean(naive) - truth > 0.03
    assert abs(np.mean(pt) - truth) < 0.3 * (np.mean(naive) - truth)
    assert abs(np.mean(sh) - truth) < np.mean(naive) - truth


def test_entropy_coding_efficiency_and_labels() -> None:
    rng = np.random.default_rng(3)
    symbols = rng.integers(0, 8, 50_000)
    assert entropy(symbols) == pytest.approx(3.0, abs=0.002)
    assert entropy(symbols[:64], miller_madow=True) > entropy(symbols[:64])
    s = rng.integers(0, 4, 2000)
    assert coding_efficiency(s, s) == pytest.approx(1.0, abs=0.02)  # all response entropy is MI
    assert abs(coding_efficiency(s, rng.integers(0, 4, 2000))) < 0.01
    words = np.array([[0, 1], [1, 0], [0, 1], [1, 1]])
    assert labels(words).tolist() == [0, 1, 0, 2]
    assert np.bincount(quantize(rng.standard_normal(1000), 4)).tolist() == [250] * 4
    # Equal-width bins [0, 1), [1, 2), [2, 3), [3, 4] between the min and the max.
    equal_width = quantize([0.0, 0.9, 1.1, 2.0, 3.0, 4.0], 4, equal_populated=False)
    assert equal_width.tolist() == [0, 0, 1, 2, 3, 3]
    # One stimulus with a single response value, the other with two: (1 + 0) − (2 − 1) = 0.
    assert panzeri_treves_bias([0, 0, 1, 1], [0, 0, 0, 1]) == 0.0


def test_information_rejects_bad_input() -> None:
    with pytest.raises(ModelError, match="differ in number of trials"):
        mutual_information([0, 1, 0], [0, 1])
    with pytest.raises(ModelError, match="unknown correction"):
        mutual_information([0, 1], [0, 1], "jackknife")
    with pytest.raises(ModelError, match="NaN"):
        gaussian_mutual_information([0.0, np.nan, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ModelError, match="differ in length"):
        ksg_mutual_information(np.arange(10.0), np.arange(9.0))
    with pytest.raises(ModelError, match="n_bins"):
        quantize([1.0, 2.0], 1)


# --- transfer entropy ----------------------------------------------------------------------------


def _coupled_ar(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """x_t = 0.5 x_{t−1} + ε, y_t = 0.5 y_{t−1} + 0.6 x_{t−1} + η: X drives Y, not the reverse."""
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((2, n))
    x, y = np.zeros(n), np.zeros(n)
    for t in range(1, n):
        x[t] = 0.5 * x[t - 1] + e[0, t]
        y[t] = 0.5 * y[t - 1] + 0.6 * x[t - 1] + e[1, t]
    return x, y


def test_transfer_entropy_points_from_driver_to_driven() -> None:
    x, y = _coupled_ar(10_000, seed=11)
    qx, qy = quantize(x, 3), quantize(y, 3)
    # A target history of 2 covers most of the binned target's memory (see the module notes).
    forward = transfer_entropy(qx, qy, target_history=2, n_surrogates=100, rng=1)
    backward = transfer_entropy(qy, qx, target_history=2, n_surrogates=100, rng=2)
    assert forward.p_value <= 0.01 and forward.effective > 0.1
    assert backward.p_value > 0.01
    assert abs(backward.effective) < 0.01
    assert forward.effective > 20 * abs(backward.effective)


def test_transfer_entropy_of_a_copy_with_delay() -> None:
    # Y_{t+1} = X_t for i.i.d. fair bits X: TE(X→Y) = H(Y_{t+1} | Y_t) = 1 bit, TE(Y→X) = 0.
    rng = np.random.default_rng(4)
    x = rng.integers(0, 2, 20_000)
    y = np.concatenate([[0], x[:-1]])
    assert transfer_entropy(x, y, n_surrogates=0).te == pytest.approx(1.0, abs=0.005)
    assert transfer_entropy(y, x, n_surrogates=20).effective == pytest.approx(0.0, abs=0.005)
    with pytest.raises(ModelError, match="differ in length"):
        transfer_entropy(x, y[:-1])
    with pytest.raises(ModelError, match="history lengths"):
        transfer_entropy(x, y, target_history=0)


# --- rate, temporal, phase codes and population decoding -----------------------------------------


def test_latency_code_is_temporal_not_rate() -> None:
    # Each trial has one spike, at a stimulus-specific latency (10, 30, 50, 70 ms ± 2 ms): the
    # count carries nothing, the 20-ms-bin word carries log₂ 4 = 2 bits.
    rng = np.random.default_rng(5)
    stimuli = np.repeat(np.arange(4), 50)
    trials = [np.array([10 + 20 * s + rng.uniform(-2, 2)]) for s in stimuli]
    rate = rate_code_information(trials, stimuli, (0.0, 80.0))
    temporal = temporal_code_information(trials, stimuli, (0.0, 80.0), bin_ms=20.0)
    assert rate.naive == 0.0 and abs(rate.mi) < 1e-12
    assert temporal.mi == pytest.approx(2.0, abs=0.1)


def test_phase_of_firing_code() -> None:
    # Two spikes per trial at a stimulus-specific phase of an oscillation: rate code empty, phase
    # code log₂ 4 = 2 bits with 4 phase bins.
    rng = np.random.default_rng(6)
    stimuli = np.repeat(np.arange(4), 50)
    phases = [
        (np.pi / 4 + s * np.pi / 2 + rng.uniform(-0.3, 0.3, 2)) % (2 * np.pi) for s in stimuli
    ]
    assert phase_code_information(phases, stimuli).mi == pytest.approx(2.0, abs=0.1)
    counts = rate_code_information([np.zeros(2)] * 200, stimuli, (-1.0, 1.0))
    assert counts.mi == pytest.approx(0.0, abs=1e-12)


def test_population_decoding_information() -> None:
    # 4 stimuli, 10 Poisson neurons with distinct tuning: near-perfect decoding → ≈ 2 bits;
    # untuned neurons → ≈ 0 bits.
    rng = np.random.default_rng(7)
    stimuli = np.repeat(np.arange(4), 60)
    tuning = 2.0 + 30.0 * (rng.random((4, 10)) > 0.5)
    tuned = rng.poisson(tuning[stimuli])
    res = decoding_information(tuned, stimuli)
    assert res.accuracy > 0.95
    assert res.information.mi == pytest.approx(2.0, abs=0.15)
    assert res.confusion.sum() == 240 and np.trace(res.confusion) == round(240 * res.accuracy)
    flat = decoding_information(rng.poisson(10.0, (240, 10)), stimuli)
    assert abs(flat.information.mi) < 0.1
    with pytest.raises(ModelError, match="at least n_folds trials"):
        decoding_information(tuned[::40], stimuli[::40], n_folds=5)
    with pytest.raises(ModelError, match="non-negative"):
        decoding_information(-tuned, stimuli)
