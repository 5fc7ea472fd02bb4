"""FitzHugh–Nagumo: fixed point from the cubic, Hopf onset at the analytic current.

Model: dV/dt = V − V³/3 − w + I, dw/dt = ε(bV − w + a), here a = 0.875, b = 1.25, ε = 0.064.
Fixed point: w* = bV* + a and −V*³/3 + (1 − b)V* + (I − a) = 0.
Jacobian: [[1 − V*², −1], [εb, −ε]]; trace = 1 − V*² − ε, det = ε(b − 1 + V*²).
Hopf: trace = 0 with det > 0 → V*² = 1 − ε, i.e. on the left branch V_H = −√(1 − ε), and
I_H = a + V_H³/3 − (1 − b)V_H (≈ 0.3313; FitzHugh's classic value in the other scaling).
"""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.models import FitzHughNagumo, NeuralDynamics

A, B, EPS = 0.875, 1.25, 0.064


def hopf_current() -> float:
    v_h = -np.sqrt(1.0 - EPS)
    assert EPS * (B - 1.0 + v_h**2) > 0  # det > 0: a Hopf point, not a saddle
    return A + v_h**3 / 3.0 - (1.0 - B) * v_h


def fixed_point(i: float) -> tuple[float, float]:
    roots = np.roots([-1.0 / 3.0, 0.0, 1.0 - B, i - A])
    v = roots[np.abs(roots.imag) < 1e-12].real
    assert v.size == 1  # b ≥ 1: a single fixed point
    return float(v[0]), float(B * v[0] + A)


def test_hopf_current_value() -> None:
    assert hopf_current() == pytest.approx(0.33128, abs=1e-5)


def test_fixed_points_match_the_cubic() -> None:
    fhn = FitzHughNagumo(a=A, b=B, epsilon=EPS)
    for i in (0.0, 0.2, 0.5):
        np.testing.assert_allclose(fhn.fixed_points(i)[0], fixed_point(i), atol=1e-12)


def test_decay_below_and_oscillation_above_hopf() -> None:
    fhn = FitzHughNagumo(a=A, b=B, epsilon=EPS)
    i_h = hopf_current()
    currents = np.array([i_h - 0.01, i_h + 0.01])
    fps = np.array([fixed_point(i) for i in currents])  # (2, 2): V*, w* per current
    y0 = fps.T + np.array([[1e-3], [0.0]])  # a small kick off each fixed point
    traj = NeuralDynamics(fhn).simulate(y0, currents, (0.0, 1500.0), dt=0.1, method="rk4")
    late = traj.times > 1200.0
    amp = np.ptp(traj["V"][late], axis=0)
    assert amp[0] < 1e-4  # below: the kick decays (rate |trace|/2 ≈ 0.008 per unit time)
    np.testing.assert_allclose(traj["V"][-1, 0], fps[0, 0], atol=1e-4)
    np.testing.assert_allclose(traj["w"][-1, 0], fps[0, 1], atol=1e-4)
    assert amp[1] > 3.0  # above: a full relaxation oscillation (V from ≈ −2 to ≈ +2)
    assert traj.spike_counts(1200.0, 1500.0)[1] >= 5
