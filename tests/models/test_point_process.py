"""Refractory Poisson unit: hazard by hand, compensated mean rate, dead time, chunking, errors."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.models import ModelError, RefractoryPoisson
from neurolink.models.point_process import hazard_probability


def test_dead_samples_and_hazard_by_hand() -> None:
    unit = RefractoryPoisson(refractory_s=3e-3)
    assert unit.dead_samples(1000.0) == 2  # ceil(3 ms · 1 kHz) − 1
    assert unit.min_isi_samples(1000.0) == 3
    assert RefractoryPoisson(1.5e-3).min_isi_samples(30_000.0) == 45
    assert RefractoryPoisson(1e-3).dead_samples(1000.0) == 0  # plain Bernoulli per sample
    # x = r / fs; p = x / (1 − R·x): 100 Hz → 0.1 / 0.8; 400 Hz → 1 − 0.8 = 0.2 <= 0.4 → 1
    p = unit.hazard(np.array([0.0, 100.0, 250.0, 400.0]), 1000.0)
    np.testing.assert_allclose(p, [0.0, 0.125, 0.25 / 0.5, 1.0])
    np.testing.assert_allclose(hazard_probability(np.array([100.0]), 1000.0, 0), [0.1])


def test_mean_rate_is_the_given_rate_despite_the_dead_time() -> None:
    fs, rate, seconds = 10_000.0, 50.0, 200.0
    unit = RefractoryPoisson(refractory_s=2e-3)  # uncompensated: 50 / (1 + 0.1) = 45.5 Hz
    spikes = unit.sample(np.full((int(fs * seconds), 4), rate), fs, rng=1)
    realised = spikes.sum(axis=0) / seconds
    np.testing.assert_allclose(realised, rate, rtol=0.04)  # count sd ≈ 1 % of 10 000
    for i in range(4):
        isi = np.diff(np.flatnonzero(spikes[:, i]))
        assert isi.min() >= 20  # R + 1 = 20 samples
        np.testing.assert_allclose(isi.mean(), fs / rate, rtol=0.04)


def test_saturated_rate_fires_at_every_chance_and_zero_rate_never() -> None:
    rate = np.zeros((100, 2))
    rate[:, 0] = 1e6
    rate[:, 1] = -5.0
    spikes = RefractoryPoisson(3e-3).sample(rate, 1000.0, rng=0)
    assert np.flatnonzero(spikes[:, 0]).tolist() == list(range(0, 100, 3))
    assert not spikes[:, 1].any()


def test_chunks_with_carried_dead_time_equal_one_run() -> None:
    unit, fs = RefractoryPoisson(2e-3), 5000.0
    rate = np.random.default_rng(3).uniform(0, 300, (3000, 5))
    whole = unit.sample(rate, fs, rng=np.random.default_rng(9))
    rng, dead = np.random.default_rng(9), np.zeros(5, np.int64)
    parts = [
        unit.sample(rate[a:b], fs, rng, dead=dead) for a, b in ((0, 1), (1, 1234), (1234, 3000))
    ]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    assert whole.sum() > 300  # ~0.6 s × 150 Hz × 5 units: dead times cross the cuts


def test_bad_input_names_the_problem() -> None:
    with pytest.raises(ModelError, match="refractory_s must be > 0"):
        RefractoryPoisson(0.0)
    with pytest.raises(ModelError, match=r"shape \(n_samples, n_units\), got shape \(10,\)"):
        RefractoryPoisson().sample(np.ones(10), 1000.0)
    with pytest.raises(ModelError, match="dead must be int64 of shape"):
        RefractoryPoisson().sample(np.ones((10, 2)), 1000.0, dead=np.zeros(3, np.int64))
    with pytest.raises(ModelError, match="fs must be > 0"):
        RefractoryPoisson().dead_samples(0.0)
