"""LIF against its analytic firing rate; Izhikevich regular spiking; population rate model."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.models import (
    LIF,
    Izhikevich,
    ModelError,
    NeuralDynamics,
    PopulationRate,
    Sigmoid,
    ThresholdLinear,
)

TAU, R, V_TH, T_REF = 10.0, 10.0, 20.0, 2.0  # ms, MΩ, mV, ms
CURRENTS = np.array([2.05, 2.2, 2.5, 3.0, 4.0, 8.0])  # nA → R·I = 20.5 … 80 mV


def analytic_rate(i: np.ndarray) -> np.ndarray:
    """Rest 0, reset 0: V(t) = R I (1 − e^{−t/τ}) reaches V_th after τ ln(RI/(RI − V_th));
    the period adds t_ref. Rate in Hz."""
    ri = R * i
    return 1e3 / (T_REF + TAU * np.log(ri / (ri - V_TH)))


def measured_rate(spikes: np.ndarray) -> float:
    return 1e3 / np.mean(np.diff(spikes))


@pytest.mark.parametrize(
    ("method", "interpolation", "rtol"),
    [
        ("expeuler", "hermite", 1e-6),
        ("rk4", "hermite", 1e-6),
        ("rk4", "linear", 1e-3),
        ("expeuler", "linear", 1e-3),
        ("LSODA", "hermite", 1e-3),
    ],
)
def test_lif_rate_matches_analytic(method: str, interpolation: str, rtol: float) -> None:
    lif = LIF(tau_m=TAU, r_m=R, v_rest=0.0, v_reset=0.0, v_th=V_TH, t_ref=T_REF)
    traj = NeuralDynamics(lif).simulate(
        None, CURRENTS, (0.0, 1000.0), dt=0.1, method=method, interpolation=interpolation
    )
    rates = np.array([measured_rate(s) for s in traj.spike_times])
    np.testing.assert_allclose(rates, analytic_rate(CURRENTS), rtol=rtol)
    np.testing.assert_allclose(lif.analytic_rate(CURRENTS), analytic_rate(CURRENTS), rtol=1e-12)


def test_lif_first_spike_time_and_refractory_hold() -> None:
    lif = LIF(tau_m=TAU, r_m=R, v_th=V_TH, t_ref=T_REF)
    traj = NeuralDynamics(lif).simulate(None, 3.0, (0.0, 30.0), dt=0.05, method="expeuler")
    t1 = TAU * np.log(30.0 / 10.0)  # R I = 30 mV reaches 20 mV at τ ln 3 = 10.986 ms
    assert traj.spike_times[0][0] == pytest.approx(t1, abs=1e-8)
    held = (traj.times > t1 + 0.05) & (traj.times < t1 + T_REF - 0.05)
    assert np.all(traj["V"][held, 0] == 0.0)  # clamped at reset during t_ref


def test_lif_below_threshold_never_fires() -> None:
    traj = NeuralDynamics(LIF()).simulate(None, 1.99, (0.0, 500.0), dt=0.1)
    assert traj.spike_counts()[0] == 0
    assert traj["V"][-1, 0] == pytest.approx(19.9, abs=1e-6)  # → R I


def test_izhikevich_regular_spiking_is_tonic_with_adaptation() -> None:
    # Izhikevich (2003), Fig. 2 "regular spiking": a step of I = 10 gives tonic firing whose
    # first interval is shortest (spike-frequency adaptation), settling to tens of Hz.
    traj = NeuralDynamics(Izhikevich.preset("RS")).simulate(None, 10.0, (0.0, 1000.0), dt=0.1)
    isi = traj.interspike_intervals(0)
    steady = 1e3 / isi[-5:].mean()
    assert 10.0 <= steady <= 40.0  # Hz (found 22.3 Hz)
    assert isi[0] < 0.75 * isi[-1]
    assert np.ptp(isi[-5:]) < 0.01 * isi[-1]  # tonic: constant late intervals
    fs = NeuralDynamics(Izhikevich.preset("FS")).simulate(None, 10.0, (0.0, 1000.0), dt=0.1)
    assert fs.spike_counts()[0] > 2 * traj.spike_counts()[0]  # fast spiking fires faster
    assert traj["v"].max() < 30.0 + 1e-9  # reset at the 30 mV peak, never above


def test_izhikevich_unknown_preset() -> None:
    with pytest.raises(ModelError, match="unknown preset 'XX'"):
        Izhikevich.preset("XX")


def test_rate_model_relaxes_to_transfer_function() -> None:
    # τ dr/dt = −r + f(I): from r = 0, r(t) = f(I)(1 − e^{−t/τ}) (exact for exponential Euler).
    f = ThresholdLinear(gain=2.0, threshold=1.0)
    pop = PopulationRate(tau=10.0, transfer=f)
    i_ext = np.array([0.5, 3.0, 6.0])
    traj = NeuralDynamics(pop).simulate(None, i_ext, (0.0, 50.0), dt=0.5, method="expeuler")
    expected = np.maximum(2.0 * (i_ext - 1.0), 0.0) * (1 - np.exp(-traj.times[:, None] / 10.0))
    np.testing.assert_allclose(traj["r"], expected, atol=1e-12)


def test_rate_model_with_self_coupling_fixed_point() -> None:
    # r* = g (w r* + I − θ) → r* = g (I − θ) / (1 − g w) for g w < 1.
    pop = PopulationRate(tau=5.0, w=0.3, transfer=ThresholdLinear(gain=2.0, threshold=1.0))
    traj = NeuralDynamics(pop).simulate(None, 4.0, (0.0, 500.0), dt=0.1)
    assert traj["r"][-1, 0] == pytest.approx(2.0 * 3.0 / (1 - 0.6), rel=1e-9)
    sig = Sigmoid(gain=1.5, threshold=2.0, r_max=50.0)
    traj = NeuralDynamics(PopulationRate(tau=5.0, transfer=sig)).simulate(
        None, 3.0, (0.0, 200.0), dt=0.1
    )
    assert traj["r"][-1, 0] == pytest.approx(50.0 / (1 + np.exp(-1.5)), rel=1e-9)
