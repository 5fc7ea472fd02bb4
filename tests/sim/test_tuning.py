"""Firing rates follow the cosine tuning law; the refractory period holds."""

from __future__ import annotations

import numpy as np

from neurolink.sim import CortexConfig, CortexSimulator, grid_positions

FS = 30_000.0


def _fit_cosine(theta: np.ndarray, rate: np.ndarray, var: np.ndarray):
    """Least-squares ``b + a·cosθ + c·sinθ`` per unit, with the covariance of the estimates.

    theta (K,), rate (K, U), var (K, U) → beta (3, U), cov (U, 3, 3).
    """
    x = np.column_stack([np.ones_like(theta), np.cos(theta), np.sin(theta)])
    a = np.linalg.solve(x.T @ x, x.T)  # (3, K): beta = a @ rate
    beta = a @ rate
    cov = np.einsum("ik,ku,jk->uij", a, var, a)
    return beta, cov


def test_measured_rates_follow_the_tuning_law() -> None:
    n_units, seconds = 24, 4.0
    rng = np.random.default_rng(11)
    modulation = rng.uniform(6.0, 16.0, n_units)
    baseline = modulation + rng.uniform(2.0, 12.0, n_units)  # b > m: the law is never clipped
    cfg = CortexConfig(
        positions=grid_positions(4, 400.0),
        n_units=n_units,
        baseline=baseline,
        modulation=modulation,
        v_max=2.0,
    )
    sim = CortexSimulator(cfg, seed=5)
    theta = 2 * np.pi * np.arange(8) / 8
    block = int(seconds * FS)
    vel = np.repeat(2.0 * np.column_stack([np.cos(theta), np.sin(theta)]), block, axis=0)
    _, truth = sim.generate(vel.shape[0], vel)

    # A spike belongs to the block where it was decided: its onset is ``pre`` before the trough.
    blk = (truth["sample_index"] - sim.units.pre) // block
    counts = np.zeros((8, n_units))
    np.add.at(counts, (blk, truth["unit"]), 1)
    rate = counts / seconds

    # The Poisson variance of a count is its mean (dead time only lowers it: conservative).
    true_rate = sim.rates(vel[::block])  # (8, U)
    np.testing.assert_allclose(
        true_rate,
        baseline + modulation * np.cos(theta[:, None] - sim.units.preferred_direction),
    )
    beta, cov = _fit_cosine(theta, rate, true_rate / seconds)
    pd = sim.units.preferred_direction
    m_hat = np.hypot(beta[1], beta[2])
    pd_hat = np.arctan2(beta[2], beta[1])
    # Delta method at the true values: the modulation moves along pd, the direction across it.
    g_m = np.stack([np.zeros(n_units), np.cos(pd), np.sin(pd)], axis=1)
    g_pd = np.stack([np.zeros(n_units), -np.sin(pd), np.cos(pd)], axis=1) / modulation[:, None]
    sd_m = np.sqrt(np.einsum("ui,uij,uj->u", g_m, cov, g_m))
    sd_pd = np.sqrt(np.einsum("ui,uij,uj->u", g_pd, cov, g_pd))
    sd_b = np.sqrt(cov[:, 0, 0])

    z_m = (m_hat - modulation) / sd_m
    z_pd = np.angle(np.exp(1j * (pd_hat - pd))) / sd_pd
    z_b = (beta[0] - baseline) / sd_b
    z = np.concatenate([z_m, z_pd, z_b])
    # 72 estimates; |z| > 4.5 has probability 6.8e-6 each under the bound (family-wise < 1e-3).
    assert np.all(np.abs(z) < 4.5), z
    # And the bound is not vacuous: the errors are of the size the Poisson model predicts.
    assert 0.4 < np.sqrt(np.mean(z**2)) < 1.5
    # Preferred directions are spread over the circle: every octant holds one.
    assert len(np.unique((pd // (np.pi / 4)).astype(int))) == 8


def test_rates_are_clipped_at_zero_and_scale_with_speed() -> None:
    cfg = CortexConfig(
        positions=grid_positions(4, 400.0),
        n_units=3,
        baseline=[5.0, 10.0, 20.0],
        modulation=[20.0, 10.0, 5.0],
        preferred_direction=[0.0, np.pi / 2, np.pi],
    )
    sim = CortexSimulator(cfg, seed=0)
    np.testing.assert_allclose(sim.rates((1.0, 0.0)), [25.0, 10.0, 15.0])
    np.testing.assert_allclose(sim.rates((-1.0, 0.0)), [0.0, 10.0, 25.0])
    np.testing.assert_allclose(sim.rates([[0.0, -0.5]]), [[5.0, 5.0, 20.0]], atol=1e-12)


def test_refractory_period_holds_and_dead_time_is_compensated() -> None:
    rate, seconds, n_units = 150.0, 4.0, 8
    cfg = CortexConfig(
        positions=grid_positions(4, 400.0),
        n_units=n_units,
        baseline=[rate] * n_units,
        modulation=[0.0] * n_units,
        refractory_s=1.5e-3,
    )
    sim = CortexSimulator(cfg, seed=9)
    assert sim.min_isi_samples == 45  # 1.5 ms at 30 kHz
    # Many small chunks: the refractory state must survive chunk edges.
    rng = np.random.default_rng(0)
    truths, total = [], int(seconds * FS)
    while sim.n_generated < total:
        n = min(int(rng.integers(1, 400)), total - sim.n_generated)
        truths.append(sim.step(n)[1])
    truth = np.concatenate(truths)
    for u in range(n_units):
        s = truth["sample_index"][truth["unit"] == u]
        isi = np.diff(s)
        assert isi.min() >= sim.min_isi_samples
        # Without compensation the rate would be r/(1 + r·τ) = 122 Hz; with it, 150 Hz.
        # Poisson bound on the count (dead time lowers the variance): 4.5·sqrt(r·T).
        assert abs(s.size - rate * seconds) < 4.5 * np.sqrt(rate * seconds)
    all_isi = np.concatenate([np.diff(truth["sample_index"][truth["unit"] == u]) for u in range(8)])
    assert all_isi.min() == sim.min_isi_samples  # the bound is reached, not just respected
