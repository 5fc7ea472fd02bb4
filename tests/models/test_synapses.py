"""Synapses: exponential conductance (exact decay), NMDA Mg²⁺ block, Tsodyks–Markram."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurolink.models import ModelError
from neurolink.models.synapses import ConductanceSynapse, NMDASynapse, TsodyksMarkram, mg_block


def test_conductance_decays_exactly_and_jumps_at_spikes() -> None:
    syn = ConductanceSynapse(tau=5.0, e_rev=0.0)
    spikes, w = np.array([1.05, 3.3, 3.3, 7.0]), np.array([1.0, 2.0, 0.5, 0.25])  # ms, nS
    times, g = syn.run(spikes, w, (0.0, 20.0), dt=0.1)
    # g(t) = Σ_{t_s ≤ t} w_s e^{−(t − t_s)/τ}, written out:
    expected = sum(
        ws * np.exp(-(times - ts) / 5.0) * (times >= ts) for ts, ws in zip(spikes, w, strict=True)
    )
    np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(syn.conductance(spikes, w, times), expected, rtol=1e-12)
    assert syn.decay(np.array([2.0]), 5.0)[0] == pytest.approx(2.0 / math.e)
    # I = g (V − E_rev): 2 nS at −70 mV with E_rev = 0 → −140 pA (inward)
    assert syn.current(np.array(2.0), np.array(-70.0)) == pytest.approx(-140.0)


def test_inhibitory_synapse_current_reverses_at_e_rev() -> None:
    gaba = ConductanceSynapse(tau=8.0, e_rev=-75.0)
    v = np.array([-80.0, -75.0, -60.0])
    np.testing.assert_allclose(gaba.current(1.0, v), [-5.0, 0.0, 15.0])


def test_mg_block_values() -> None:
    # Jahr & Stevens (1990): B(V) = 1 / (1 + [Mg]/3.57 · exp(−0.062 V)), [Mg] = 1 mM:
    #   V = −60: e^{3.72} = 41.264 → B = 1 / (1 + 11.559) = 0.07963
    #   V =   0: B = 1 / (1 + 0.28011) = 0.78118
    #   V = +40: e^{−2.48} = 0.08374 → B = 1 / (1 + 0.023457) = 0.97708
    np.testing.assert_allclose(mg_block([-60.0, 0.0, 40.0]), [0.07963, 0.78118, 0.97708], atol=5e-5)
    assert mg_block(-60.0, mg=0.0) == 1.0  # no Mg²⁺, no block
    assert mg_block(-60.0, mg=2.0) < mg_block(-60.0, mg=1.0)


def test_nmda_conductance_peak_and_current() -> None:
    nmda = NMDASynapse(tau_rise=2.0, tau_decay=100.0)
    t_peak = 2.0 * 100.0 / 98.0 * math.log(50.0)  # τr τd/(τd − τr) ln(τd/τr) = 7.983 ms
    assert nmda.t_peak == pytest.approx(t_peak)
    t = np.linspace(0.0, 50.0, 50_001)
    g = nmda.conductance([0.0], [1.5], t)
    assert t[np.argmax(g)] == pytest.approx(t_peak, abs=1e-3)
    assert g.max() == pytest.approx(1.5, rel=1e-9)  # the weight is the peak conductance
    s = nmda.decay(nmda.on_spike(np.zeros(2), 1.5), t_peak)
    assert nmda.conductance_of(s) == pytest.approx(1.5)
    assert nmda.current(s, -60.0) == pytest.approx(1.5 * 0.0796264 * -60.0, rel=1e-5)


def test_tsodyks_markram_steady_state_depression() -> None:
    # Depression only (τ_f = 0, u = U at every spike), regular train with interval Δ:
    # x⁻_{n+1} = 1 − (1 − (1 − U) x⁻_n) e^{−Δ/τ_rec}; stationary
    # x* = (1 − e^{−Δ/τ_rec}) / (1 − (1 − U) e^{−Δ/τ_rec}); efficacy U x*.
    U, tau_rec, rate = 0.5, 800.0, 20.0
    delta = 1e3 / rate
    e = math.exp(-delta / tau_rec)
    x_star = (1 - e) / (1 - (1 - U) * e)
    eff = TsodyksMarkram(U=U, tau_rec=tau_rec).efficacies(np.arange(300) * delta)
    assert eff[0] == pytest.approx(U)
    assert eff[-1] == pytest.approx(U * x_star, rel=1e-12)  # = 0.05713
    assert U * x_star == pytest.approx(0.05713, abs=1e-5)


def test_tsodyks_markram_steady_state_with_facilitation() -> None:
    # u decays to 0 (τ_f) and jumps u⁺ = u⁻ + U(1 − u⁻): u⁺* = U / (1 − (1 − U) e^{−Δ/τ_f});
    # then x* = (1 − e_r) / (1 − (1 − u⁺*) e_r) and the efficacy is u⁺* x*.
    U, tau_rec, tau_f, delta = 0.1, 100.0, 500.0, 50.0
    e_f, e_r = math.exp(-delta / tau_f), math.exp(-delta / tau_rec)
    u_star = U / (1 - (1 - U) * e_f)
    x_star = (1 - e_r) / (1 - (1 - u_star) * e_r)
    eff = TsodyksMarkram(U=U, tau_rec=tau_rec, tau_facil=tau_f).efficacies(np.arange(400) * delta)
    assert eff[1] > eff[0]  # facilitating at first
    assert eff[-1] == pytest.approx(u_star * x_star, rel=1e-12)


def test_tsodyks_markram_mean_field() -> None:
    tm = TsodyksMarkram(U=0.2, tau_rec=500.0, tau_facil=200.0)
    r = 10.0  # Hz → 0.01 per ms
    u = 0.2 * (1 + 0.01 * 200.0) / (1 + 0.2 * 0.01 * 200.0)
    assert tm.mean_field_efficacy(r) == pytest.approx(u / (1 + u * 0.01 * 500.0))
    assert tm.mean_field_efficacy(0.0) == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ConductanceSynapse(tau=-1.0), "tau must be > 0 ms"),
        (lambda: NMDASynapse(tau_rise=50.0, tau_decay=10.0), "tau_rise"),
        (lambda: NMDASynapse(mg=-1.0), "mg must be >= 0"),
        (lambda: TsodyksMarkram(U=1.5), r"U must be in \[0.0, 1.0\]"),
        (lambda: TsodyksMarkram(U=0.0), "U must be > 0"),
        (lambda: TsodyksMarkram(tau_rec=-800.0), "tau_rec must be > 0"),
        (
            lambda: ConductanceSynapse().run([1.0, 2.0], [1.0, 2.0, 3.0], (0, 5), 0.1),
            "2 spike times but 3 weights",
        ),
    ],
)
def test_bad_synapse_parameters(make, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        make()
