"""Tsodyks–Markram short-term depression and facilitation (event-driven, exact).

Resources ``x`` (fraction available) and utilisation ``u``. Between spikes
``dx/dt = (1 − x)/τ_rec`` and ``du/dt = −u/τ_facil``; at a spike ``u ← u + U(1 − u)``, then a
fraction ``u x`` is released (the synaptic efficacy) and ``x ← x − u x``. With ``τ_facil = 0``
there is no facilitation and ``u = U`` at every spike. Between two spikes ``Δ`` apart the
solution is exact: ``x ← 1 − (1 − x) e^{−Δ/τ_rec}``, ``u ← u e^{−Δ/τ_facil}`` (Tsodyks,
Pawelzik & Markram 1998; the same update as NEST's ``tsodyks2_synapse``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.model import StateVar
from neurolink.models.dynamics.params import check_nonnegative, check_positive, check_range

__all__ = ["TsodyksMarkram"]


@dataclass(frozen=True)
class TsodyksMarkram:
    """Short-term plasticity of one or many synapses (arrays broadcast).

    Parameters
    ----------
    U : float
        Utilisation increment (release probability of a rested synapse), in (0, 1].
    tau_rec : float
        Recovery time constant of resources (ms).
    tau_facil : float
        Decay time constant of facilitation (ms); 0 = no facilitation.
    """

    U: float = 0.5
    tau_rec: float = 800.0
    tau_facil: float = 0.0

    state = (StateVar("u", "1", 0.0), StateVar("x", "1", 1.0))

    def __post_init__(self) -> None:
        name = type(self).__name__
        check_range(name, "U", self.U, 0.0, 1.0)
        if self.U == 0.0:
            check_positive(name, "U", self.U)
        check_positive(name, "tau_rec", self.tau_rec, "ms")
        check_nonnegative(name, "tau_facil", self.tau_facil, "ms")

    def recover(self, u: np.ndarray, x: np.ndarray, dt: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """``(u, x)`` after ``dt`` ms (scalar or per synapse) without spikes (exact)."""
        dt = np.asarray(dt, dtype=np.float64)
        x = 1.0 - (1.0 - x) * np.exp(-dt / self.tau_rec)
        u = u * np.exp(-dt / self.tau_facil) if self.tau_facil > 0 else np.zeros_like(u * dt)
        return u, x

    def spike(self, u: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A presynaptic spike: ``(u⁺, x⁺, release)`` with ``release = u⁺ x⁻``."""
        u_plus = u + self.U * (1.0 - u)
        release = u_plus * x
        return u_plus, x - release, release

    def efficacies(self, spike_times: ArrayLike) -> np.ndarray:
        """Release ``u⁺ x⁻`` at each spike of one train (times in ms, sorted here), starting
        from a rested synapse (``u = 0``, ``x = 1``)."""
        ts = np.sort(np.asarray(spike_times, dtype=np.float64).ravel())
        out = np.empty(ts.size)
        u, x = np.float64(0.0), np.float64(1.0)
        for i, t in enumerate(ts):
            if i:
                u, x = self.recover(u, x, t - ts[i - 1])
            u, x, out[i] = self.spike(u, x)
        return out

    def mean_field_efficacy(self, rate: ArrayLike) -> np.ndarray:
        """Mean release per spike ``⟨u⟩⟨x⟩`` for Poisson input at ``rate`` (Hz), the
        mean-field approximation of Tsodyks, Pawelzik & Markram (1998):
        ``u = U (1 + r τ_f) / (1 + U r τ_f)``, ``x = 1 / (1 + u r τ_rec)``."""
        r = np.asarray(rate, dtype=np.float64) * 1e-3  # per ms
        u = self.U * (1.0 + r * self.tau_facil) / (1.0 + self.U * r * self.tau_facil)
        return u / (1.0 + u * r * self.tau_rec)
