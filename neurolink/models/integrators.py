"""Integrators for the neuron models: fixed-step RK4 and exponential Euler, the names of the
adaptive ``scipy.integrate.solve_ivp`` methods, spike-time interpolation, and divergence checks.

The fixed-step functions are pure: they take the right-hand side ``f(t, y) -> dy/dt`` (and, for
exponential Euler, its diagonal Jacobian), the state ``y`` of shape ``(n_vars, n_units)`` and a
step ``h`` that may differ per unit (shape ``(n_units,)``; a unit with ``h = 0`` is held), and
return the new state. They never modify ``y``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

import numpy as np

from neurolink.errors import NeurolinkError

__all__ = [
    "ADAPTIVE_METHODS",
    "IntegrationError",
    "Method",
    "SpikeInterpolation",
    "check_state",
    "crossing_fraction",
    "exp_euler_step",
    "rk4_step",
]

#: Right-hand side: ``f(t, y) -> dy/dt`` with ``y`` of shape (n_vars, n_units).
Rhs = Callable[[float, np.ndarray], np.ndarray]


class Method(Enum):
    """Integration method of :meth:`NeuralDynamics.simulate`.

    ``RK4`` and ``EXP_EULER`` take fixed steps ``dt``; the others are ``solve_ivp`` methods that
    choose their own steps (``dt`` is then the output sampling interval). The strings
    ``"solve_ivp"`` and ``"adaptive"`` mean ``LSODA`` (switches between stiff and non-stiff).
    """

    RK4 = "rk4"
    EXP_EULER = "expeuler"
    RK45 = "RK45"
    LSODA = "LSODA"
    RADAU = "Radau"
    BDF = "BDF"

    @classmethod
    def _missing_(cls, value: object) -> Method | None:
        if isinstance(value, str):
            key = value.lower().replace("-", "_")
            aliases = {"solve_ivp": cls.LSODA, "adaptive": cls.LSODA, "exp_euler": cls.EXP_EULER}
            if key in aliases:
                return aliases[key]
            for m in cls:
                if m.value.lower() == key:
                    return m
        return None

    @property
    def adaptive(self) -> bool:
        """True for the ``solve_ivp`` methods."""
        return self in ADAPTIVE_METHODS


ADAPTIVE_METHODS = frozenset({Method.RK45, Method.LSODA, Method.RADAU, Method.BDF})


class SpikeInterpolation(Enum):
    """How a threshold crossing between two fixed steps is timed."""

    LINEAR = "linear"  # straight line between the two samples
    HERMITE = "hermite"  # cubic Hermite through both samples and both derivatives


class IntegrationError(NeurolinkError, ArithmeticError):
    """The state became NaN/infinite or left the model's bounds (an unstable step size).

    Attributes
    ----------
    step : int
        Index of the step that produced the bad value (0 = the first step).
    time : float
        Model time (ms) at the end of that step.
    variable : str
        Name of the offending state variable.
    unit : int
        Index of the offending unit.
    value : float
        The offending value.
    """

    def __init__(
        self, message: str, *, step: int, time: float, variable: str, unit: int, value: float
    ) -> None:
        super().__init__(message)
        self.step = step
        self.time = time
        self.variable = variable
        self.unit = unit
        self.value = value


def rk4_step(f: Rhs, t: float, y: np.ndarray, h: np.ndarray) -> np.ndarray:
    """One classical Runge–Kutta step of order 4.

    Parameters
    ----------
    f : callable
        ``f(t, y) -> dy/dt``, same shape as ``y`` (per ms).
    t : float
        Time (ms) at the start of the step.
    y : numpy.ndarray, shape (n_vars, n_units)
        State at ``t``.
    h : numpy.ndarray, shape (n_units,)
        Step per unit (ms). Stage times passed to ``f`` use the largest ``h``.

    Returns
    -------
    numpy.ndarray, shape (n_vars, n_units)
        State at ``t + h``.
    """
    hmax = float(np.max(h)) if h.size else 0.0
    k1 = f(t, y)
    k2 = f(t + 0.5 * hmax, y + (0.5 * h) * k1)
    k3 = f(t + 0.5 * hmax, y + (0.5 * h) * k2)
    k4 = f(t + hmax, y + h * k3)
    return y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def exp_euler_step(
    f: Rhs,
    jac_diag: Callable[[float, np.ndarray], np.ndarray],
    t: float,
    y: np.ndarray,
    h: np.ndarray,
) -> np.ndarray:
    """One exponential-Euler step with the diagonal of the Jacobian frozen over the step.

    Each variable is advanced as ``dy/dt = f(y_n) + b (y − y_n)`` with ``b = ∂f_i/∂y_i`` at the
    start of the step, solved exactly: ``y_{n+1} = y_n + h φ₁(b h) f(y_n)``, where
    ``φ₁(z) = (eᶻ − 1)/z``. This is exact for linear decay (LIF between spikes, Hodgkin–Huxley
    gates at fixed voltage) and stable for any step when ``b < 0``.

    Parameters
    ----------
    f : callable
        ``f(t, y) -> dy/dt`` (per ms).
    jac_diag : callable
        ``jac_diag(t, y) -> ∂f_i/∂y_i``, same shape as ``y`` (1/ms).
    t : float
        Time (ms) at the start of the step.
    y : numpy.ndarray, shape (n_vars, n_units)
        State at ``t``.
    h : numpy.ndarray, shape (n_units,)
        Step per unit (ms).

    Returns
    -------
    numpy.ndarray, shape (n_vars, n_units)
        State at ``t + h``.
    """
    z = jac_diag(t, y) * h
    small = np.abs(z) < 1e-8
    with np.errstate(divide="ignore", invalid="ignore"):
        phi1 = np.where(small, 1.0 + 0.5 * z, np.expm1(z) / np.where(small, 1.0, z))
    return y + h * phi1 * f(t, y)


def check_state(
    y: np.ndarray,
    names: tuple[str, ...],
    bound: float,
    *,
    step: int,
    time: float,
    method: str,
    dt: float,
) -> None:
    """Raise :class:`IntegrationError` if any value of ``y`` is NaN, infinite or beyond ``bound``.

    The message names the step index, the model time, the variable and the unit, and suggests a
    remedy (a smaller ``dt`` or an implicit method).
    """
    ok = np.abs(y) <= bound  # False for NaN too
    if ok.all():
        return
    var, unit = (int(i[0]) for i in np.nonzero(~ok))
    value = float(y[var, unit])
    what = "became NaN" if np.isnan(value) else f"diverged to {value:.6g} (bound ±{bound:g})"
    raise IntegrationError(
        f"integration {what}: variable {names[var]!r} of unit {unit} at step {step} "
        f"(t = {time:.6g} ms) with method {method!r}, dt = {dt:g} ms; the step is unstable: "
        "reduce dt or use an adaptive/implicit method ('LSODA', 'Radau', 'BDF')",
        step=step,
        time=time,
        variable=names[var],
        unit=unit,
        value=value,
    )


def crossing_fraction(
    v0: np.ndarray,
    v1: np.ndarray,
    threshold: float,
    how: SpikeInterpolation,
    h: np.ndarray | None = None,
    dv0: np.ndarray | None = None,
    dv1: np.ndarray | None = None,
) -> np.ndarray:
    """Fraction ``s`` in [0, 1] of a step at which ``v`` crosses ``threshold`` upwards.

    Parameters
    ----------
    v0, v1 : numpy.ndarray, shape (n,)
        Values at the start and end of the step, with ``v0 < threshold <= v1``.
    threshold : float
        Threshold (same unit as ``v``).
    how : SpikeInterpolation
        ``LINEAR`` or ``HERMITE`` (then ``h``, ``dv0``, ``dv1`` are required).
    h : numpy.ndarray, shape (n,), optional
        Step lengths (ms).
    dv0, dv1 : numpy.ndarray, shape (n,), optional
        Derivatives ``dv/dt`` at the start and end of the step (per ms).

    Returns
    -------
    numpy.ndarray, shape (n,)
        ``s`` such that the crossing time is ``t_start + s·h``.
    """
    s_lin = (threshold - v0) / (v1 - v0)
    if how is SpikeInterpolation.LINEAR:
        return np.clip(s_lin, 0.0, 1.0)
    if h is None or dv0 is None or dv1 is None:
        raise ValueError("Hermite interpolation needs h, dv0 and dv1")
    m0, m1 = dv0 * h, dv1 * h
    # p(s) = c0 + c1 s + c2 s² + c3 s³ − threshold, the cubic Hermite polynomial on [0, 1]
    c0 = v0 - threshold
    c1 = m0
    c2 = -3.0 * v0 - 2.0 * m0 + 3.0 * v1 - m1
    c3 = 2.0 * v0 + m0 - 2.0 * v1 + m1
    lo, hi = np.zeros_like(v0), np.ones_like(v0)  # p(lo) < 0 <= p(hi) keeps a root bracketed
    s = np.clip(s_lin, 0.0, 1.0)
    for _ in range(60):  # Newton steps, falling back to bisection when they leave the bracket
        p = c0 + s * (c1 + s * (c2 + s * c3))
        below = p < 0
        lo = np.where(below, s, lo)
        hi = np.where(below, hi, s)
        dp = c1 + s * (2.0 * c2 + 3.0 * s * c3)
        with np.errstate(divide="ignore", invalid="ignore"):
            s_new = s - p / dp
        bad = ~((s_new > lo) & (s_new < hi))
        s_new = np.where(bad, 0.5 * (lo + hi), s_new)
        if np.all(np.abs(s_new - s) < 1e-13):
            return s_new
        s = s_new
    return s
