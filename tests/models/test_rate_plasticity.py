"""Rate-based plasticity: Hebbian with decay, Oja, synaptic scaling — against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.models import IntegrationError, ModelError
from neurolink.models.plasticity import (
    Hebbian,
    Oja,
    SoftBounds,
    SynapticPlasticity,
    SynapticScaling,
)
from neurolink.models.synapses import TsodyksMarkram


def test_hebbian_with_decay_relaxes_exponentially() -> None:
    # dW/dt = η (r_post r_preᵀ − α W) with constant rates:
    # W(t) = W* + (W0 − W*) e^{−ηαt}, W* = r_post r_preᵀ / α.
    eta, alpha = 1e-5, 100.0
    r_pre, r_post = np.array([5.0, 10.0, 20.0]), np.array([2.0, 8.0])
    w0 = np.full((2, 3), 0.1)
    res = SynapticPlasticity([Hebbian(eta, alpha)]).run_rates(
        w0, r_pre, (0.0, 2000.0), dt=5.0, r_post=r_post, record_every=40
    )
    w_star = np.outer(r_post, r_pre) / alpha
    decay = np.exp(-eta * alpha * res.times)[:, None, None]
    np.testing.assert_allclose(res.weights, w_star + (w0 - w_star) * decay, rtol=1e-8)


def test_oja_finds_the_principal_component_with_unit_norm() -> None:
    # Inputs cycle through ±3u and ±1v (u ⟂ v): zero mean, covariance with top eigenvector u.
    angle = 0.4
    u = np.array([np.cos(angle), np.sin(angle)])
    v = np.array([-np.sin(angle), np.cos(angle)])
    pattern = np.array([3 * u, -3 * u, v, -v])
    x = np.tile(pattern, (2000, 1))  # 8000 steps
    res = SynapticPlasticity([Oja(eta=2e-3)]).run_rates(
        np.array([[0.3, -0.2]]), x, (0.0, 8000.0), dt=1.0, record_every=8000
    )
    w = res.final[0]
    assert np.linalg.norm(w) == pytest.approx(1.0, abs=0.02)
    assert abs(w @ u) == pytest.approx(1.0, abs=1e-3)


def test_synaptic_scaling_reaches_target_and_keeps_ratios() -> None:
    # Linear neuron r = W x: dr/dt = r (r_t − r)/(τ r_t) → logistic
    # r(t) = r_t / (1 + (r_t/r0 − 1) e^{−t/τ}); every row is scaled by one common factor.
    x = np.array([10.0, 20.0, 5.0])
    w0 = np.array([[0.1, 0.3, 0.2], [0.5, 0.5, 1.0]])
    target, tau = 5.0, 200.0
    res = SynapticPlasticity([SynapticScaling(target, tau)]).run_rates(
        w0, x, (0.0, 1000.0), dt=1.0, record_every=100
    )
    r0 = w0 @ x
    expected = target / (1 + (target / r0 - 1) * np.exp(-res.times[:, None] / tau))
    np.testing.assert_allclose(res.post_rates, expected, rtol=1e-6)
    ratios = res.weights / w0
    np.testing.assert_allclose(ratios, ratios[:, :, :1] * np.ones((1, 1, 3)), rtol=1e-12)


def test_soft_bounds_in_rate_mode_keep_weights_inside() -> None:
    res = SynapticPlasticity([Hebbian(eta=1e-3)], bounds=SoftBounds(0.0, 1.0)).run_rates(
        np.full((1, 1), 0.5), np.array([10.0]), (0.0, 500.0), dt=1.0, r_post=np.array([10.0])
    )
    w = res.weights[:, 0, 0]
    # dw/dt = η r² (1 − w) → 1 − w = 0.5 e^{−0.1 t}
    np.testing.assert_allclose(1 - w, 0.5 * np.exp(-0.1 * res.times), rtol=1e-4, atol=1e-12)
    assert w.max() < 1.0


def test_short_term_depression_hook_in_rate_mode() -> None:
    # Drive = W (r_pre · E(r_pre)) with the Tsodyks mean-field efficacy
    # E = U / (1 + U r τ_rec) (no facilitation).
    tm = TsodyksMarkram(U=0.5, tau_rec=500.0)
    r_pre = np.array([1.0, 10.0, 50.0])
    w0 = np.ones((1, 3))
    res = SynapticPlasticity([Hebbian(eta=1e-12)], short_term=tm).run_rates(
        w0, r_pre, (0.0, 1.0), dt=1.0
    )
    eff = 0.5 / (1 + 0.5 * r_pre * 1e-3 * 500.0)
    assert res.post_rates[0, 0] == pytest.approx(np.sum(r_pre * eff))


def test_bad_rate_input() -> None:
    sim = SynapticPlasticity([Hebbian()])
    with pytest.raises(ModelError, match=r"r_pre must have shape \(3,\) or \(10, 3\)"):
        sim.run_rates(np.zeros((2, 3)), np.ones(4), (0.0, 10.0), dt=1.0)
    with pytest.raises(ModelError, match=r"r_post must have shape"):
        sim.run_rates(np.zeros((2, 3)), np.ones(3), (0.0, 10.0), dt=1.0, r_post=np.ones(5))
    with pytest.raises(ModelError, match="eta must be > 0"):
        Hebbian(eta=-1.0)
    with pytest.raises(ModelError, match="target_rate must be > 0 Hz"):
        SynapticScaling(target_rate=0.0)
    with pytest.raises(IntegrationError, match=r"weight W\[0, 0\] became (nan|inf) at step \d+"):
        # Oja with η x² dt ≫ 1 is an unstable step: the weight oscillates and overflows.
        SynapticPlasticity([Oja(eta=1.0)]).run_rates(
            np.full((1, 1), 0.5), np.array([10.0]), (0.0, 100.0), dt=1.0
        )
