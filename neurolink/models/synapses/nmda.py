"""NMDA receptor synapse: dual-exponential conductance with voltage-dependent Mg²⁺ block.

``I_NMDA = g(t) B(V) (V − E_rev)`` with the block of Jahr & Stevens (1990),
``B(V) = 1 / (1 + [Mg²⁺]/3.57 mM · exp(−0.062 V))`` (V in mV), and
``g(t) = Σ_s w_s N (exp(−(t − t_s)/τ_decay) − exp(−(t − t_s)/τ_rise))`` where the factor ``N``
makes the peak of one spike's conductance equal to its weight ``w`` (nS). Two exponential
states (``s_rise``, ``s_decay``) jump by ``w N`` at a spike and decay exactly between spikes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.model import StateVar
from neurolink.models.dynamics.params import (
    ModelError,
    check_finite,
    check_nonnegative,
    check_positive,
)
from neurolink.models.synapses.conductance import spike_arrays

__all__ = ["NMDASynapse", "mg_block"]


def mg_block(v: ArrayLike, mg: float = 1.0) -> np.ndarray:
    """Fraction of NMDA conductance not blocked by Mg²⁺ (Jahr & Stevens 1990).

    Parameters
    ----------
    v : array_like
        Membrane potential (mV).
    mg : float
        Extracellular Mg²⁺ concentration (mM).
    """
    return 1.0 / (1.0 + (mg / 3.57) * np.exp(-0.062 * np.asarray(v, dtype=np.float64)))


@dataclass(frozen=True)
class NMDASynapse:
    """NMDA synapse.

    Parameters
    ----------
    tau_rise, tau_decay : float
        Rise and decay time constants (ms), ``tau_rise < tau_decay``.
    e_rev : float
        Reversal potential (mV).
    mg : float
        Extracellular Mg²⁺ (mM).
    """

    tau_rise: float = 2.0
    tau_decay: float = 100.0
    e_rev: float = 0.0
    mg: float = 1.0

    state = (StateVar("s_rise", "nS", 0.0), StateVar("s_decay", "nS", 0.0))

    def __post_init__(self) -> None:
        name = type(self).__name__
        check_positive(name, "tau_rise", self.tau_rise, "ms")
        check_positive(name, "tau_decay", self.tau_decay, "ms")
        if not self.tau_rise < self.tau_decay:
            raise ModelError(
                f"{name}: tau_rise ({self.tau_rise} ms) must be < tau_decay ({self.tau_decay} ms)"
            )
        check_finite(name, "e_rev", self.e_rev, "mV")
        check_nonnegative(name, "mg", self.mg, "mM")

    @property
    def t_peak(self) -> float:
        """Time (ms) from a spike to its conductance peak."""
        tr, td = self.tau_rise, self.tau_decay
        return tr * td / (td - tr) * np.log(td / tr)

    @property
    def norm(self) -> float:
        """``N`` = 1 / (e^{−t_peak/τ_decay} − e^{−t_peak/τ_rise})."""
        tp = self.t_peak
        return 1.0 / (np.exp(-tp / self.tau_decay) - np.exp(-tp / self.tau_rise))

    def block(self, v: ArrayLike) -> np.ndarray:
        """Unblocked fraction ``B(V)`` at this synapse's Mg²⁺."""
        return mg_block(v, self.mg)

    def decay(self, s: np.ndarray, dt: float) -> np.ndarray:
        """States (rows ``s_rise``, ``s_decay``) after ``dt`` ms without spikes (exact)."""
        return s * np.exp(-dt / np.array([self.tau_rise, self.tau_decay])).reshape(
            (2,) + (1,) * (np.ndim(s) - 1)
        )

    def on_spike(self, s: np.ndarray, w: ArrayLike) -> np.ndarray:
        """States after a spike of weight ``w`` (nS peak conductance)."""
        return s + self.norm * np.asarray(w, dtype=np.float64)

    @staticmethod
    def conductance_of(s: np.ndarray) -> np.ndarray:
        """Conductance ``s_decay − s_rise`` (nS)."""
        return s[1] - s[0]

    def current(self, s: np.ndarray, v: ArrayLike) -> np.ndarray:
        """``g B(V) (V − E_rev)`` (pA)."""
        v = np.asarray(v, dtype=np.float64)
        return self.conductance_of(s) * self.block(v) * (v - self.e_rev)

    def conductance(self, spike_times: ArrayLike, weights: ArrayLike, t: ArrayLike) -> np.ndarray:
        """Exact conductance (nS) at times ``t`` (ms) from spikes at ``spike_times`` (ms)."""
        ts, w = spike_arrays(type(self).__name__, spike_times, weights)
        lag = np.asarray(t, dtype=np.float64)[..., None] - ts
        pos = np.maximum(lag, 0.0)
        k = np.exp(-pos / self.tau_decay) - np.exp(-pos / self.tau_rise)
        return np.sum(np.where(lag >= 0, w * self.norm * k, 0.0), axis=-1)
