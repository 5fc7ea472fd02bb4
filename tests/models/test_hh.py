"""Hodgkin–Huxley against published behaviour of the standard 1952 squid-axon model (6.3 °C).

Known results (rest at −65 mV):
* repetitive firing to a current step starts at I ≈ 6.26 µA/cm² (the saddle-node of limit
  cycles; Rinzel & Miller 1980; a subcritical Hopf follows at ≈ 9.8 µA/cm²). We find
  6.25 < I_rheo ≤ 6.26 and assert the literature range 6.0–7.0.
* type II excitability: the f–I curve jumps from 0 to ≈ 50 Hz at onset and then increases
  (Hodgkin's class II; Dayan & Abbott 2001, Fig. 5.11). We find ≈ 52 Hz at 6.3 µA/cm².
* action potentials ≈ 100 mV from trough to peak, 1–2 ms wide at half amplitude (we find
  1.5 ms at 10 µA/cm²).
"""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.models import HodgkinHuxley, IntegrationError, NeuralDynamics, Trajectory
from neurolink.models.dynamics import hh_rates, vtrap

SWEEP = np.array([5.0, 6.0, 6.1, 6.2, 6.3, 6.4, 6.6, 7.0, 8.0, 10.0, 20.0, 50.0])  # µA/cm²


@pytest.fixture(scope="module")
def sweep() -> Trajectory:
    """All step currents at once (one unit per current), 400 ms, RK4 at 0.02 ms."""
    return NeuralDynamics(HodgkinHuxley()).simulate(
        None, SWEEP, (0.0, 400.0), dt=0.02, method="rk4", record=["V"]
    )


def repetitive(traj: Trajectory) -> np.ndarray:
    """Units still firing after the onset transient (≥ 5 spikes in 150–400 ms)."""
    return traj.spike_counts(150.0, 400.0) >= 5


def test_rheobase_for_repetitive_firing(sweep: Trajectory) -> None:
    fires = repetitive(sweep)
    rheobase = SWEEP[np.argmax(fires)]
    assert fires[np.argmax(fires) :].all(), "once firing starts it continues for larger I"
    assert 6.0 <= rheobase <= 7.0  # literature ≈ 6.26 µA/cm²
    assert rheobase == pytest.approx(6.3)  # first swept value above 6.26
    assert sweep.spike_counts(0.0, 50.0)[SWEEP == 5.0] == 1  # below: one onset spike only


def test_fi_curve_is_type_ii(sweep: Trajectory) -> None:
    fires = repetitive(sweep)
    rates = np.array(
        [
            1e3 / np.mean(np.diff(s[s > 150.0])) if f else 0.0
            for s, f in zip(sweep.spike_times, fires, strict=True)
        ]
    )
    onset = rates[np.argmax(fires)]
    assert 40.0 <= onset <= 70.0  # abrupt onset near 50 Hz, no arbitrarily low rates
    on = rates[fires]
    assert np.all(np.diff(on) > 0), "rate increases with current"
    assert on[-1] > 100.0  # 50 µA/cm² drives > 100 Hz


def test_spike_shape() -> None:
    traj = NeuralDynamics(HodgkinHuxley()).simulate(None, 10.0, (0.0, 60.0), dt=0.005)
    v, t = traj["V"][:, 0], traj.times
    s = traj.spike_times[0]
    trough = v[(t > s[0]) & (t < s[1])].min()
    window = (t > s[1] - 4.0) & (t < s[1] + 4.0)
    peak = v[window].max()
    half = 0.5 * (trough + peak)
    above = t[window][v[window] > half]
    width = above[-1] - above[0]
    assert 90.0 < peak - trough < 115.0  # mV
    assert 20.0 < peak < 50.0 and -80.0 < trough < -70.0
    assert 1.0 <= width <= 2.0  # ms (found 1.5 ms)


def test_rest_is_a_fixed_point() -> None:
    hh = HodgkinHuxley()
    y = hh.initial_state()
    d = hh.derivatives(0.0, y, np.zeros(1))
    assert np.abs(d).max() < 1e-9  # gates at steady state, currents balance
    assert hh.resting_potential() == pytest.approx(-65.0, abs=0.01)  # E_L chosen for −65 mV


def test_rate_functions_at_removable_singularities() -> None:
    # α_m = 0.1 (V+40)/(1 − e^{−(V+40)/10}) → 0.1·10 = 1.0 at V = −40 mV;
    # α_n = 0.01 (V+55)/(1 − e^{−(V+55)/10}) → 0.01·10 = 0.1 at V = −55 mV.
    a_m = hh_rates(np.array([-40.0 - 1e-7, -40.0, -40.0 + 1e-7]))[0]
    a_n = hh_rates(np.array([-55.0 - 1e-7, -55.0, -55.0 + 1e-7]))[4]
    np.testing.assert_allclose(a_m, 1.0, rtol=1e-7)
    np.testing.assert_allclose(a_n, 0.1, rtol=1e-7)
    assert np.all(np.isfinite(vtrap(np.linspace(-1e-3, 1e-3, 101), 10.0)))
    # Away from the singularity: α_m(−65) = 0.1·25/(e^{2.5} − 1)
    assert hh_rates(np.array(-65.0))[0] == pytest.approx(2.5 / (np.exp(2.5) - 1.0), rel=1e-12)


def test_compiled_derivatives_match_the_formulas() -> None:
    hh = HodgkinHuxley(temperature=16.3)  # φ = 3
    rng = np.random.default_rng(0)
    y = np.vstack((rng.uniform(-90, 40, 50), rng.uniform(0, 1, (3, 50))))
    y[0, :2] = (-40.0, -55.0)  # the removable singularities
    i_ext = rng.uniform(-5, 20, 50)
    v, m, h, n = y
    a_m, b_m, a_h, b_h, a_n, b_n = hh_rates(v)
    i_ion = 120 * m**3 * h * (v - 50) + 36 * n**4 * (v + 77) + 0.3 * (v + 54.387)
    expected = np.vstack(
        (
            (i_ext - i_ion) / 1.0,
            3 * (a_m * (1 - m) - b_m * m),
            3 * (a_h * (1 - h) - b_h * h),
            3 * (a_n * (1 - n) - b_n * n),
        )
    )
    np.testing.assert_allclose(hh.derivatives(0.0, y, i_ext), expected, rtol=1e-12, atol=1e-9)


def test_adaptive_and_fixed_step_agree() -> None:
    dyn = NeuralDynamics(HodgkinHuxley())
    rk4 = dyn.simulate(None, 10.0, (0.0, 35.0), dt=0.01, method="rk4")
    lsoda = dyn.simulate(None, 10.0, (0.0, 35.0), dt=0.01, method="LSODA", rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(lsoda.spike_times[0], rk4.spike_times[0], atol=2e-3)
    # Exponential Euler is first order: halving dt halves the spike-time error.
    err = [
        np.abs(
            dyn.simulate(None, 10.0, (0.0, 35.0), dt=dt, method="expeuler").spike_times[0]
            - rk4.spike_times[0]
        ).max()
        for dt in (0.004, 0.002)
    ]
    assert err[0] < 0.15 and 1.6 < err[0] / err[1] < 2.4


def test_unstable_step_is_reported_with_step_and_variable() -> None:
    with pytest.raises(IntegrationError, match=r"variable 'V' of unit 0 at step \d+") as info:
        NeuralDynamics(HodgkinHuxley()).simulate(None, 10.0, (0.0, 50.0), dt=0.2, method="rk4")
    err = info.value
    assert err.variable == "V" and err.unit == 0
    assert err.time == pytest.approx((err.step + 1) * 0.2)
    assert "reduce dt" in str(err)
