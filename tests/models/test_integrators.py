"""Integrators, spike interpolation and the simulator's handling of bad input."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from neurolink.models import (
    LIF,
    FitzHughNagumo,
    HodgkinHuxley,
    IntegrationError,
    Method,
    ModelError,
    NeuralDynamics,
    NeuronModel,
    SpikeInterpolation,
    StateVar,
)
from neurolink.models.integrators import crossing_fraction, exp_euler_step, rk4_step


def test_rk4_is_fourth_order() -> None:
    # dy/dt = −y from 1 to t = 1: error of RK4 scales as h⁴.
    def f(t: float, y: np.ndarray) -> np.ndarray:
        return -y

    errors = []
    for n in (10, 20):
        y = np.ones((1, 1))
        for _ in range(n):
            y = rk4_step(f, 0.0, y, np.array([1.0 / n]))
        errors.append(abs(y[0, 0] - np.exp(-1.0)))
    assert 14.0 < errors[0] / errors[1] < 18.0  # ≈ 2⁴


def test_exponential_euler_exact_for_linear_decay_and_per_unit_steps() -> None:
    y = np.array([[2.0, 2.0, 2.0]])
    h = np.array([0.5, 0.0, 3.0])  # a unit with h = 0 is held
    out = exp_euler_step(
        lambda t, yy: 1.0 - yy / 4.0, lambda t, yy: np.full_like(yy, -0.25), 0.0, y, h
    )
    expected = 4.0 + (2.0 - 4.0) * np.exp(-h / 4.0)  # y∞ = 4, τ = 4
    np.testing.assert_allclose(out[0], expected, rtol=1e-14)


def test_hermite_crossing_recovers_a_cubic_exactly() -> None:
    # v(t) = t³ on [0.5, 1.5] crosses 1 at t = 1: fraction 0.5 of the step.
    v0, v1, h = np.array([0.125]), np.array([3.375]), np.array([1.0])
    s = crossing_fraction(
        v0, v1, 1.0, SpikeInterpolation.HERMITE, h, np.array([0.75]), np.array([6.75])
    )
    assert s[0] == pytest.approx(0.5, abs=1e-12)
    s_lin = crossing_fraction(v0, v1, 1.0, SpikeInterpolation.LINEAR)
    assert s_lin[0] == pytest.approx(0.875 / 3.25)


def test_method_names_and_aliases() -> None:
    assert Method("solve_ivp") is Method.LSODA
    assert Method("adaptive") is Method.LSODA
    assert Method("radau") is Method.RADAU
    assert Method("expeuler") is Method.EXP_EULER
    with pytest.raises(ModelError, match="unknown method 'euler'"):
        NeuralDynamics(LIF()).simulate(None, 3.0, (0.0, 10.0), dt=0.1, method="euler")


@pytest.mark.parametrize("method", ["Radau", "BDF", "RK45"])
def test_stiff_and_explicit_adaptive_methods(method: str) -> None:
    lif = LIF()
    traj = NeuralDynamics(lif).simulate(
        None, 3.0, (0.0, 100.0), dt=0.5, method=method, rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(
        1e3 / np.diff(traj.spike_times[0]).mean(), lif.analytic_rate(3.0), rtol=1e-4
    )


def test_sampled_and_callable_inputs() -> None:
    lif = LIF()
    n_steps = 1000
    rows = np.zeros((n_steps, 2))
    rows[500:, 0] = 3.0  # unit 0: step on at 50 ms
    rows[:, 1] = 3.0
    a = NeuralDynamics(lif).simulate(None, rows, (0.0, 100.0), dt=0.1)
    b = NeuralDynamics(lif).simulate(
        None, lambda t: np.array([3.0 * (t >= 50.0), 3.0]), (0.0, 100.0), dt=0.1
    )
    assert a.spike_times[0][0] == pytest.approx(50.0 + 10.0 * np.log(3.0), abs=1e-6)
    np.testing.assert_allclose(a.spike_times[1], b.spike_times[1])


def test_record_subset_and_thinning() -> None:
    traj = NeuralDynamics(HodgkinHuxley()).simulate(
        None, 0.0, (0.0, 1.0), dt=0.01, record=["V"], record_every=10
    )
    assert set(traj.states) == {"V"} and traj["V"].shape == (11, 1)
    np.testing.assert_allclose(traj.times, np.linspace(0.0, 1.0, 11))
    with pytest.raises(ModelError, match="no variable 'm'"):
        traj["m"]


def test_divergence_names_step_time_variable() -> None:
    # FitzHugh–Nagumo with a huge step: V³ overflows in a few steps.
    with pytest.raises(IntegrationError) as info:
        NeuralDynamics(FitzHughNagumo()).simulate([3.0, 0.0], 0.0, (0.0, 100.0), dt=2.0)
    err = info.value
    assert err.variable == "V" and err.step < 5
    assert f"at step {err.step} (t = {err.time:g} ms)" in str(err)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"initial_state": np.zeros((1, 3)), "inputs": np.ones(4)}, "inconsistent shapes"),
        ({"initial_state": np.zeros((2, 3))}, r"initial_state must have shape \(1,\)"),
        ({"inputs": np.ones((7, 2))}, r"sampled inputs must have shape"),
        ({"inputs": np.ones((2, 2, 2))}, "must be a scalar or shape"),
        ({"inputs": [1.0, np.nan]}, "NaN"),
        ({"t_span": (0.0, 10.05)}, "not a multiple of dt"),
        ({"t_span": (5.0, 1.0)}, "t_span must increase"),
        ({"dt": -0.1}, r"dt must be > 0 ms, got -0.1"),
        ({"record": ["X"]}, "no state variable 'X'"),
        ({"record_every": 3}, "record_every"),
    ],
)
def test_bad_simulation_input(kwargs: dict, message: str) -> None:
    args = {"initial_state": None, "inputs": 3.0, "t_span": (0.0, 10.0), "dt": 0.1} | kwargs
    with pytest.raises(ModelError, match=message):
        NeuralDynamics(LIF()).simulate(**args)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: LIF(tau_m=-5.0), r"LIF: tau_m must be > 0 ms, got -5.0"),
        (lambda: LIF(t_ref=-1.0), "t_ref must be >= 0 ms"),
        (lambda: LIF(v_reset=25.0), "v_reset"),
        (lambda: HodgkinHuxley(c_m=0.0), "c_m must be > 0"),
        (lambda: HodgkinHuxley(g_na=-1.0), "g_na must be >= 0"),
        (lambda: FitzHughNagumo(epsilon=-0.1), "epsilon must be > 0"),
        (lambda: LIF(tau_m=float("nan")), "tau_m must be finite"),
    ],
)
def test_bad_parameters(make, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        make()


def test_model_error_is_a_value_error() -> None:
    assert issubclass(ModelError, ValueError)
    with pytest.raises(ModelError, match="needs a NeuronModel"):
        NeuralDynamics("LIF")  # type: ignore[arg-type]


def test_user_model_with_default_jacobian() -> None:
    # A model that only declares state and derivatives: dx/dt = (I − x)/5 → exact relaxation
    # under exponential Euler, whose diagonal Jacobian (−1/5) is found by finite differences.
    @dataclass(frozen=True)
    class Relax(NeuronModel):
        tau: float = 5.0
        state = (StateVar("x", "1", 0.0),)
        input_unit = "1"

        def derivatives(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
            return (inputs - y) / self.tau

    traj = NeuralDynamics(Relax()).simulate(
        None, [1.0, 2.0], (0.0, 10.0), dt=1.0, method="expeuler"
    )
    expected = np.array([1.0, 2.0]) * (1 - np.exp(-traj.times[:, None] / 5.0))
    np.testing.assert_allclose(traj["x"], expected, rtol=1e-8)
    assert traj.spike_counts().tolist() == [0, 0]
