"""Leaky integrate-and-fire neuron with an absolute refractory period.

``τ_m dV/dt = −(V − V_rest) + R_m I``; when ``V`` reaches ``V_th`` a spike is emitted, ``V`` is
set to ``V_reset`` and held there for ``t_ref``. With constant input, ``V_rest = V_reset = 0``
and ``R_m I > V_th`` the firing rate is ``1 / (t_ref + τ_m ln(R_m I / (R_m I − V_th)))``
(:meth:`LIF.analytic_rate`). Exponential Euler integrates the subthreshold dynamics exactly.

The package has three LIFs, one per job, deliberately separate because their arithmetic differs:

- this :class:`LIF`, a continuous-time model for :class:`~neurolink.models.NeuralDynamics`
  (float64, mV and ms, any integrator, spike times interpolated between grid points and
  refractory periods ending between them) — for single-neuron analysis;
- :class:`~neurolink.models.networks.LIFPopulation`, the same equation stepped on a fixed grid in
  the numba kernel of a sparse network (spikes and refractory periods on whole steps) — for
  networks of thousands of neurons;
- the chip profiles' integer LIFs (:mod:`neurolink.snn.profiles`, e.g. Loihi's CUBA LIF:
  integer current and voltage, decays as 12-bit fractions, unitless, bit-exact with Lava's Loihi
  model) — what the neuromorphic back end computes. Their float tier
  (``snn.backends.floating``) follows the chip's equations, not this one's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolink.models.dynamics.model import NeuronModel, SpikeRule, StateVar
from neurolink.models.dynamics.params import (
    ModelError,
    check_finite,
    check_nonnegative,
    check_positive,
)

__all__ = ["LIF"]


@dataclass(frozen=True)
class LIF(NeuronModel):
    """Leaky integrate-and-fire neuron.

    Parameters
    ----------
    tau_m : float
        Membrane time constant (ms).
    r_m : float
        Membrane resistance (MΩ); ``R_m I`` is in mV for I in nA.
    v_rest, v_reset, v_th : float
        Resting, reset and threshold potentials (mV); ``v_reset < v_th``.
    t_ref : float
        Absolute refractory period (ms).
    """

    tau_m: float = 10.0
    r_m: float = 10.0
    v_rest: float = 0.0
    v_reset: float = 0.0
    v_th: float = 20.0
    t_ref: float = 2.0

    state = (StateVar("V", "mV", 0.0),)
    input_unit = "nA"

    def __post_init__(self) -> None:
        name = type(self).__name__
        check_positive(name, "tau_m", self.tau_m, "ms")
        check_positive(name, "r_m", self.r_m, "MΩ")
        for p in ("v_rest", "v_reset", "v_th"):
            check_finite(name, p, getattr(self, p), "mV")
        check_nonnegative(name, "t_ref", self.t_ref, "ms")
        if not self.v_reset < self.v_th:
            raise ModelError(
                f"{name}: v_reset ({self.v_reset} mV) must be below v_th ({self.v_th} mV)"
            )

    @property
    def spike_rule(self) -> SpikeRule:
        return SpikeRule("V", self.v_th, resets=True, refractory=self.t_ref)

    def resting_value(self, name: str) -> float:
        return self.v_rest if name == "V" else super().resting_value(name)

    def derivatives(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        return (-(y - self.v_rest) + self.r_m * inputs) / self.tau_m

    def jacobian_diagonal(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        return np.full_like(y, -1.0 / self.tau_m)

    def reset(self, y: np.ndarray) -> np.ndarray:
        return np.full_like(y, self.v_reset)

    def analytic_rate(self, current: np.ndarray) -> np.ndarray:
        """Stationary firing rate (Hz) for constant ``current`` (nA), any rest/reset.

        ``T = t_ref + τ_m ln((V_∞ − V_reset)/(V_∞ − V_th))`` with ``V_∞ = V_rest + R_m I``;
        zero where ``V_∞ <= V_th``.
        """
        v_inf = self.v_rest + self.r_m * np.asarray(current, dtype=np.float64)
        out = np.zeros_like(v_inf)
        on = v_inf > self.v_th
        period = self.t_ref + self.tau_m * np.log(
            (v_inf[on] - self.v_reset) / (v_inf[on] - self.v_th)
        )
        out[on] = 1e3 / period
        return out
