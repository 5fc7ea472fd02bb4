"""Hodgkin–Huxley (1952) squid giant axon: Na⁺, K⁺ and leak channels.

``C dV/dt = −ḡ_Na m³h (V − E_Na) − ḡ_K n⁴ (V − E_K) − g_L (V − E_L) + I_ext``,
``dx/dt = φ (α_x(V)(1 − x) − β_x(V) x)`` for the gates x ∈ {m, h, n}.

Voltages follow the modern convention with the resting potential at −65 mV (Hodgkin & Huxley
measured depolarisation from rest, with inverted sign). Rate functions (1/ms, V in mV), as in
Dayan & Abbott (2001) and Gerstner et al. (2014), Table 2.1:

* ``α_n = 0.01 (V + 55) / (1 − exp(−(V + 55)/10))``, ``β_n = 0.125 exp(−(V + 65)/80)``
* ``α_m = 0.1 (V + 40) / (1 − exp(−(V + 40)/10))``,  ``β_m = 4 exp(−(V + 65)/18)``
* ``α_h = 0.07 exp(−(V + 65)/20)``,                  ``β_h = 1 / (1 + exp(−(V + 35)/10))``

``α_n`` and ``α_m`` have removable singularities (0/0 at V = −55 and −40 mV); :func:`vtrap`
evaluates ``x / (1 − exp(−x/k))`` with its limit ``k`` there. The temperature factor
``φ = Q10^((T − 6.3 °C)/10)`` with Q10 = 3 is 1 at the original 6.3 °C.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy import optimize

from neurolink.models.dynamics.model import NeuronModel, SpikeRule, StateVar
from neurolink.models.dynamics.params import check_finite, check_nonnegative, check_positive

__all__ = ["HodgkinHuxley", "hh_rates", "vtrap"]


def vtrap(x: np.ndarray, k: float) -> np.ndarray:
    """``x / (1 − exp(−x/k))``, continuous at ``x = 0`` (value ``k``; series ``k + x/2``)."""
    x = np.asarray(x, dtype=np.float64)
    small = np.abs(x) < 1e-6 * k
    den = np.where(small, 1.0, -np.expm1(-x / k))  # never 0 where it is used
    return np.where(small, k + 0.5 * x, x / den)


def hh_rates(v: np.ndarray) -> tuple[np.ndarray, ...]:
    """Opening and closing rates (1/ms) at 6.3 °C: ``(α_m, β_m, α_h, β_h, α_n, β_n)``.

    Parameters
    ----------
    v : numpy.ndarray
        Membrane potential (mV, rest at −65 mV).
    """
    a_m = 0.1 * vtrap(v + 40.0, 10.0)
    b_m = 4.0 * np.exp(-(v + 65.0) / 18.0)
    a_h = 0.07 * np.exp(-(v + 65.0) / 20.0)
    b_h = 1.0 / (1.0 + np.exp(-(v + 35.0) / 10.0))
    a_n = 0.01 * vtrap(v + 55.0, 10.0)
    b_n = 0.125 * np.exp(-(v + 65.0) / 80.0)
    return a_m, b_m, a_h, b_h, a_n, b_n


@dataclass(frozen=True)
class HodgkinHuxley(NeuronModel):
    """Hodgkin–Huxley point neuron (per unit membrane area).

    Parameters
    ----------
    c_m : float
        Membrane capacitance (µF/cm²).
    g_na, g_k, g_l : float
        Maximal conductances (mS/cm²).
    e_na, e_k, e_l : float
        Reversal potentials (mV).
    temperature : float
        Temperature (°C); rates scale by ``3^((T − 6.3)/10)``.
    spike_threshold : float
        Upward crossing (mV) recorded as a spike (the model itself has no reset).

    Notes
    -----
    State: ``V`` (mV), ``m``, ``h``, ``n`` (dimensionless); input ``I_ext`` in µA/cm².
    Defaults are the 1952 squid-axon values with ``E_L`` = −54.387 mV, which puts the resting
    potential at −65 mV.
    """

    c_m: float = 1.0
    g_na: float = 120.0
    g_k: float = 36.0
    g_l: float = 0.3
    e_na: float = 50.0
    e_k: float = -77.0
    e_l: float = -54.387
    temperature: float = 6.3
    spike_threshold: float = 0.0

    state = (
        StateVar("V", "mV", -65.0),
        StateVar("m", "1", 0.05),
        StateVar("h", "1", 0.6),
        StateVar("n", "1", 0.32),
    )
    input_unit = "µA/cm²"
    bound = 1e4  # mV (and far beyond any gate value): larger means a diverging step

    def __post_init__(self) -> None:
        name = type(self).__name__
        check_positive(name, "c_m", self.c_m, "µF/cm²")
        for g in ("g_na", "g_k", "g_l"):
            check_nonnegative(name, g, getattr(self, g), "mS/cm²")
        for e in ("e_na", "e_k", "e_l", "temperature", "spike_threshold"):
            check_finite(name, e, getattr(self, e))

    @property
    def phi(self) -> float:
        """Temperature factor of the rates, ``3^((T − 6.3)/10)``."""
        return 3.0 ** ((self.temperature - 6.3) / 10.0)

    @property
    def spike_rule(self) -> SpikeRule:
        return SpikeRule("V", self.spike_threshold, resets=False)

    def gates_at(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Steady-state gates ``(m∞, h∞, n∞)`` at potential ``v`` (mV)."""
        a_m, b_m, a_h, b_h, a_n, b_n = hh_rates(np.asarray(v, dtype=np.float64))
        return a_m / (a_m + b_m), a_h / (a_h + b_h), a_n / (a_n + b_n)

    def resting_potential(self) -> float:
        """Potential (mV) where the steady-state currents cancel without input (≈ −65 mV for
        the defaults), searched in [−100, −30] mV."""

        def net(v: float) -> float:
            m, h, n = self.gates_at(np.array(v))
            return float(sum(self.currents(np.array([v, m, h, n]))))

        return float(optimize.brentq(net, -100.0, -30.0, xtol=1e-12))

    def resting_value(self, name: str) -> float:
        """The state starts at rest: ``V`` at the resting potential, gates at steady state."""
        v = self.resting_potential()
        if name == "V":
            return v
        return float(dict(zip("mhn", self.gates_at(np.array(v)), strict=True))[name])

    def currents(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ionic currents ``(I_Na, I_K, I_L)`` (µA/cm², outward positive), each (n_units,)."""
        v, m, h, n = y
        return (
            self.g_na * m**3 * h * (v - self.e_na),
            self.g_k * n**4 * (v - self.e_k),
            self.g_l * (v - self.e_l),
        )

    def derivatives(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        out = np.empty_like(y)
        _hh_rhs(
            np.ascontiguousarray(y),
            np.ascontiguousarray(inputs, dtype=np.float64),
            self.c_m,
            self.g_na,
            self.g_k,
            self.g_l,
            self.e_na,
            self.e_k,
            self.e_l,
            self.phi,
            out,
        )
        return out

    def jacobian_diagonal(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        v, m, h, n = y
        a_m, b_m, a_h, b_h, a_n, b_n = hh_rates(v)
        g_total = self.g_na * m**3 * h + self.g_k * n**4 + self.g_l
        phi = self.phi
        return np.stack(
            (-g_total / self.c_m, -phi * (a_m + b_m), -phi * (a_h + b_h), -phi * (a_n + b_n))
        )


@njit(cache=True, nogil=True)
def _vtrap1(x: float, k: float) -> float:
    if abs(x) < 1e-6 * k:
        return k + 0.5 * x
    return x / -np.expm1(-x / k)


@njit(cache=True, nogil=True)
def _hh_rhs(y, inputs, c_m, g_na, g_k, g_l, e_na, e_k, e_l, phi, out):  # pragma: no cover
    """``HodgkinHuxley.derivatives`` unit by unit (the same formulas as :func:`hh_rates`)."""
    for j in range(y.shape[1]):
        v, m, h, n = y[0, j], y[1, j], y[2, j], y[3, j]
        a_m = 0.1 * _vtrap1(v + 40.0, 10.0)
        b_m = 4.0 * np.exp(-(v + 65.0) / 18.0)
        a_h = 0.07 * np.exp(-(v + 65.0) / 20.0)
        b_h = 1.0 / (1.0 + np.exp(-(v + 35.0) / 10.0))
        a_n = 0.01 * _vtrap1(v + 55.0, 10.0)
        b_n = 0.125 * np.exp(-(v + 65.0) / 80.0)
        i_ion = (
            g_na * m * m * m * h * (v - e_na) + g_k * n * n * n * n * (v - e_k) + g_l * (v - e_l)
        )
        out[0, j] = (inputs[j] - i_ion) / c_m
        out[1, j] = phi * (a_m * (1.0 - m) - b_m * m)
        out[2, j] = phi * (a_h * (1.0 - h) - b_h * h)
        out[3, j] = phi * (a_n * (1.0 - n) - b_n * n)
