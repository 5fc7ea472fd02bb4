"""Spike-train statistics and distances against Poisson/regular references and hand results."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.models.analysis import (
    binned_counts,
    fano_factor,
    firing_rates,
    golomb_synchrony,
    isi_cv,
    population_spectrum,
    spike_train_spectrum,
    van_rossum_distance,
    victor_purpura_distance,
)
from neurolink.models.dynamics.params import ModelError


def _poisson(rate_hz: float, t_stop_ms: float, rng: np.random.Generator) -> np.ndarray:
    """Homogeneous Poisson train from exponential intervals (ms)."""
    n = int(rate_hz * t_stop_ms * 1e-3 * 1.5) + 50
    t = np.cumsum(rng.exponential(1000.0 / rate_hz, n))
    assert t[-1] > t_stop_ms
    return t[t < t_stop_ms]


def test_poisson_trains_have_unit_cv_and_fano() -> None:
    rng = np.random.default_rng(0)
    trains = [_poisson(20.0, 20_000.0, rng) for _ in range(40)]
    np.testing.assert_allclose(firing_rates(trains, 0.0, 20_000.0).mean(), 20.0, rtol=0.03)
    assert np.mean(isi_cv(trains)) == pytest.approx(1.0, abs=0.03)
    assert np.mean(fano_factor(trains, 0.0, 20_000.0, 100.0)) == pytest.approx(1.0, abs=0.05)


def test_regular_train_has_zero_cv_and_fano() -> None:
    train = np.arange(5.0, 10_000.0, 25.0)  # 40 Hz, one spike in every 25 ms window
    assert isi_cv([train])[0] == pytest.approx(0.0, abs=1e-12)
    assert fano_factor([train], 0.0, 10_000.0, 25.0)[0] == 0.0
    assert firing_rates([train], 0.0, 10_000.0)[0] == 40.0
    assert np.isnan(isi_cv([np.array([1.0, 2.0])])[0])  # one interval: undefined
    assert binned_counts([train], 0.0, 100.0, 25.0).tolist() == [[1, 1, 1, 1]]


def test_golomb_synchrony_identical_vs_independent() -> None:
    rng = np.random.default_rng(1)
    one = _poisson(20.0, 10_000.0, rng)
    assert golomb_synchrony([one] * 10, 0.0, 10_000.0) == pytest.approx(1.0, abs=1e-12)
    independent = [_poisson(20.0, 10_000.0, rng) for _ in range(50)]
    chi = golomb_synchrony(independent, 0.0, 10_000.0)
    assert chi == pytest.approx(1 / np.sqrt(50), rel=0.3)  # χ ≈ 1/√N for independent units
    # A shared 40 Hz rhythm with jitter: in between.
    jittered = [np.arange(0, 10_000.0, 25.0) + rng.normal(0, 2.0, 400) for _ in range(50)]
    assert chi < golomb_synchrony(jittered, 100.0, 9900.0) < 1.0


def test_spectra_of_poisson_and_periodic_trains() -> None:
    rng = np.random.default_rng(2)
    rate = 30.0
    trains = [_poisson(rate, 60_000.0, rng) for _ in range(5)]
    freqs, psd = spike_train_spectrum(trains, 0.0, 60_000.0, bin_ms=1.0, segment_ms=1000.0)
    # Binned Poisson rate x_k = n_k / Δ has variance ν/Δ and is white: one-sided PSD 2ν.
    band = (freqs > 10) & (freqs < 400)
    assert psd[:, band].mean() == pytest.approx(2 * rate, rel=0.05)
    periodic = [np.arange(0.0, 10_000.0, 25.0) + rng.normal(0, 1.0, 400) for _ in range(20)]
    f_pop, p_pop = population_spectrum(periodic, 0.0, 10_000.0, bin_ms=1.0, segment_ms=1000.0)
    assert f_pop[np.argmax(p_pop[1:]) + 1] == pytest.approx(40.0)


def test_van_rossum_distance_analytic_cases() -> None:
    tau = 10.0
    a = np.array([5.0, 30.0, 100.0])
    assert van_rossum_distance(a, a, tau) == 0.0
    # One extra isolated spike: f − g = e^{−t/τ}, so D² = (1/τ) ∫₀^∞ e^{−2t/τ} dt = 1/2.
    assert van_rossum_distance(a, np.append(a, 500.0), tau) == pytest.approx(np.sqrt(0.5))
    # One spike shifted by Δ: D² = ½ (1 + 1 − 2 e^{−Δ/τ}) = 1 − e^{−Δ/τ}.
    assert van_rossum_distance([0.0], [7.0], tau) == pytest.approx(np.sqrt(1 - np.exp(-0.7)))
    assert van_rossum_distance([], [0.0, 1000.0], tau) == pytest.approx(1.0)


def test_van_rossum_matches_numerical_integral() -> None:
    rng = np.random.default_rng(3)
    a, b = np.sort(rng.uniform(0, 200, 12)), np.sort(rng.uniform(0, 200, 9))
    tau, dt = 8.0, 0.001
    t = np.arange(0.0, 200.0 + 20 * tau, dt)

    def trace(s: np.ndarray) -> np.ndarray:
        return sum(np.where(t >= si, np.exp(-(t - si) / tau), 0.0) for si in s)

    numeric = np.sqrt(np.sum((trace(a) - trace(b)) ** 2) * dt / tau)
    assert van_rossum_distance(a, b, tau) == pytest.approx(numeric, rel=1e-3)


def test_victor_purpura_small_cases() -> None:
    q = 0.1  # per ms: shifting by more than 2/q = 20 ms costs more than delete + insert
    assert victor_purpura_distance([], [1.0, 2.0, 3.0], q) == 3.0  # three insertions
    assert victor_purpura_distance([0.0], [5.0], q) == pytest.approx(0.5)  # shift 5 ms
    assert victor_purpura_distance([0.0], [30.0], q) == 2.0  # delete + insert beats 3.0
    # {0, 10} → {1, 30}: shift 0 → 1 (0.1), delete 10 and insert 30 (2) = 2.1.
    assert victor_purpura_distance([0.0, 10.0], [1.0, 30.0], q) == pytest.approx(2.1)
    assert victor_purpura_distance([0.0, 10.0], [1.0, 30.0, 50.0], 0.0) == 1.0  # count difference
    assert victor_purpura_distance([3.0, 1.0], [1.0, 3.0], q) == 0.0  # order does not matter


def test_activity_rejects_bad_input() -> None:
    with pytest.raises(ModelError, match="t_stop > t_start"):
        firing_rates([np.array([1.0])], 10.0, 5.0)
    with pytest.raises(ModelError, match="NaN"):
        isi_cv([np.array([1.0, np.nan, 3.0])])
    with pytest.raises(ModelError, match="sequence of spike trains"):
        isi_cv(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ModelError, match="tau must be > 0"):
        van_rossum_distance([1.0], [2.0], -1.0)
    with pytest.raises(ModelError, match="q must be >= 0"):
        victor_purpura_distance([1.0], [2.0], -0.1)
    with pytest.raises(ModelError, match="1-D array of spike times"):
        victor_purpura_distance([[1.0]], [2.0], 0.1)
