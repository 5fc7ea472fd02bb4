"""Pair-based STDP: the measured weight change equals the window formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.models import ModelError
from neurolink.models.plasticity import (
    STDP,
    HardBounds,
    Pairing,
    SoftBounds,
    SynapticPlasticity,
    SynapticScaling,
)
from neurolink.models.synapses import TsodyksMarkram

A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS = 0.01, 0.012, 16.8, 33.7  # Bi & Poo-like asymmetry


def window(dt: float) -> float:
    """ΔW for Δt = t_post − t_pre: A₊e^{−Δt/τ₊} (Δt > 0), −A₋e^{Δt/τ₋} (Δt < 0), 0 at 0."""
    if dt > 0:
        return A_PLUS * math.exp(-dt / TAU_PLUS)
    if dt < 0:
        return -A_MINUS * math.exp(dt / TAU_MINUS)
    return 0.0


@pytest.mark.parametrize("pairing", ["all_to_all", "nearest"])
def test_pairing_protocol_measures_the_window(pairing: str) -> None:
    # 60 pairings at 1 Hz for each Δt; spikes of neighbouring pairs, ≥ 940 ms apart, add at most
    # 60·A₋·e^{−940/33.7} < 1e-12 (all-to-all and nearest alike).
    rule = STDP(A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS, pairing=Pairing(pairing))
    deltas = [-60.0, -25.0, -10.0, -2.5, 0.0, 2.5, 10.0, 25.0, 60.0]
    n = len(deltas)
    base = 100.0 + 1000.0 * np.arange(60)
    pre = [base + 0.37 for _ in deltas]  # off the ms grid on purpose
    post = [base + 0.37 + d for d in deltas]
    res = SynapticPlasticity([rule]).run_spikes(np.zeros((n, n)), pre, post, 61_000.0)
    measured = np.diag(res.final)  # synapse i: pre i → post i
    expected = [60 * window(d) for d in deltas]
    np.testing.assert_allclose(measured, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(rule.window(deltas), [window(d) for d in deltas], rtol=1e-12)


def test_all_to_all_and_nearest_differ_as_defined() -> None:
    # Pre at 0 and 10 ms, post at 20 ms:
    #   all-to-all: A₊ (e^{−20/τ₊} + e^{−10/τ₊});  nearest: A₊ e^{−10/τ₊} (latest pre only).
    pre, post = [np.array([0.0, 10.0])], [np.array([20.0])]
    w = {}
    for pairing in Pairing:
        rule = STDP(A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS, pairing=pairing)
        w[pairing] = (
            SynapticPlasticity([rule]).run_spikes(np.zeros((1, 1)), pre, post, 50.0).final[0, 0]
        )
    e = math.exp
    assert w[Pairing.ALL_TO_ALL] == pytest.approx(A_PLUS * (e(-20 / TAU_PLUS) + e(-10 / TAU_PLUS)))
    assert w[Pairing.NEAREST] == pytest.approx(A_PLUS * e(-10 / TAU_PLUS))


def test_bounds() -> None:
    rule = STDP(0.3, 0.3, 20.0, 20.0)
    pre = [np.arange(20) * 1000.0]
    post = [np.arange(20) * 1000.0 + 1.0]  # strong potentiation: 0.3·e^{−1/20} per pair
    hard = SynapticPlasticity([rule], bounds=HardBounds(0.0, 1.0)).run_spikes(
        np.full((1, 1), 0.5), pre, post, 20_000.0
    )
    assert hard.final[0, 0] == 1.0
    soft = SynapticPlasticity([rule], bounds=SoftBounds(0.0, 1.0)).run_spikes(
        np.full((1, 1), 0.5), pre, post, 20_000.0, record_every=1000.0
    )
    # Soft: w ← w + A(1 − w) each pair → 1 − w_n = (1 − w_0)(1 − A)^n with A = 0.3 e^{−1/20}
    a = 0.3 * math.exp(-1 / 20)
    assert 1 - soft.final[0, 0] == pytest.approx(0.5 * (1 - a) ** 20, rel=1e-9)
    assert np.all(np.diff(soft.weights[:, 0, 0]) >= 0) and soft.final[0, 0] < 1.0


def test_combined_spike_run_with_scaling_and_short_term_plasticity() -> None:
    rng = np.random.default_rng(1)
    n_pre, n_post, t_end = 20, 5, 5000.0
    pre = [np.sort(rng.uniform(0, t_end, rng.poisson(20 * t_end / 1e3))) for _ in range(n_pre)]
    post = [np.sort(rng.uniform(0, t_end, rng.poisson(10 * t_end / 1e3))) for _ in range(n_post)]
    tm = TsodyksMarkram(U=0.4, tau_rec=300.0)
    sim = SynapticPlasticity(
        [STDP(0.005, 0.006), SynapticScaling(5.0, tau=2e4)],
        bounds=HardBounds(0.0, 1.0),
        short_term=tm,
    )
    res = sim.run_spikes(
        rng.uniform(0.2, 0.8, (n_post, n_pre)),
        pre,
        post,
        t_end,
        dt=10.0,
        rate_tau=500.0,
        record_every=500.0,
    )
    assert res.weights.shape == (11, n_post, n_pre)
    np.testing.assert_allclose(res.times, np.arange(0.0, 5001.0, 500.0))
    assert res.weights.min() >= 0.0 and res.weights.max() <= 1.0
    assert res.release is not None
    for j in range(n_pre):
        np.testing.assert_allclose(res.release[j], tm.efficacies(pre[j]), rtol=1e-12)
    # post rates (≈ 10 Hz) above target (5 Hz): scaling pulls weights down on average
    assert res.final.mean() < res.weights[0].mean()


def test_bad_plasticity_input() -> None:
    with pytest.raises(ModelError, match="tau_plus must be > 0 ms"):
        STDP(tau_plus=-20.0)
    sim = SynapticPlasticity([STDP()])
    with pytest.raises(ModelError, match="pre_spikes has 1 spike trains, expected 2"):
        sim.run_spikes(np.zeros((1, 2)), [np.array([1.0])], [np.array([2.0])], 10.0)
    with pytest.raises(ModelError, match="w0 must be 2-D"):
        sim.run_spikes(np.zeros(3), [[1.0]] * 3, [[2.0]], 10.0)
    with pytest.raises(ModelError, match="NaN or infinite spike times"):
        sim.run_spikes(np.zeros((1, 1)), [[np.nan]], [[2.0]], 10.0)
    with pytest.raises(ModelError, match="w_min < w_max"):
        HardBounds(1.0, 0.0)
    with pytest.raises(ModelError, match="at least one rule"):
        SynapticPlasticity([])
    with pytest.raises(ModelError, match="unknown rule type"):
        SynapticPlasticity(["stdp"])  # type: ignore[list-item]


spike_train = st.lists(
    st.floats(0.0, 200.0, allow_nan=False).map(lambda t: round(t, 3)), max_size=8, unique=True
)


@settings(max_examples=60, deadline=None)
@given(pre=spike_train, post=spike_train)
def test_all_to_all_traces_equal_the_sum_over_all_pairs(pre: list, post: list) -> None:
    # Without bounds, all-to-all STDP is exactly Σ over every (pre, post) pair of the window.
    rule = STDP(A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS)
    w = SynapticPlasticity([rule]).run_spikes(np.zeros((1, 1)), [pre], [post], 250.0).final
    expected = sum(window(tp - tq) for tq in pre for tp in post)
    assert w[0, 0] == pytest.approx(expected, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(pre=spike_train, post=spike_train)
def test_nearest_pairs_each_spike_with_the_latest_partner(pre: list, post: list) -> None:
    # Symmetric nearest-spike: each post spike pairs with the latest earlier pre spike, each
    # pre spike with the latest earlier post spike.
    rule = STDP(A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS, pairing=Pairing.NEAREST)
    w = SynapticPlasticity([rule]).run_spikes(np.zeros((1, 1)), [pre], [post], 250.0).final
    expected = 0.0
    for tp in post:
        earlier = [tq for tq in pre if tq < tp]
        expected += window(tp - max(earlier)) if earlier else 0.0
    for tq in pre:
        earlier = [tp for tp in post if tp < tq]
        expected += window(max(earlier) - tq) if earlier else 0.0
    assert w[0, 0] == pytest.approx(expected, abs=1e-12)
