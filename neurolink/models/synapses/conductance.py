"""Conductance-based synapse with an exponentially decaying conductance.

``I_syn = g(t) (V − E_rev)`` (pA for nS and mV; positive = outward, as a membrane current);
``dg/dt = −g/τ`` between spikes and ``g ← g + w`` at a presynaptic spike of weight ``w`` (nS).
Updates are event-driven and exact: ``g(t) = Σ_{t_s ≤ t} w_s exp(−(t − t_s)/τ)`` for any spike
times, also off the time grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.model import StateVar
from neurolink.models.dynamics.params import ModelError, check_finite, check_positive

__all__ = ["ConductanceSynapse", "spike_arrays"]


@dataclass(frozen=True)
class ConductanceSynapse:
    """Exponential conductance synapse.

    Parameters
    ----------
    tau : float
        Decay time constant (ms).
    e_rev : float
        Reversal potential (mV): 0 for AMPA, about −70 to −80 for GABA_A.
    """

    tau: float = 5.0
    e_rev: float = 0.0

    state = (StateVar("g", "nS", 0.0),)

    def __post_init__(self) -> None:
        check_positive(type(self).__name__, "tau", self.tau, "ms")
        check_finite(type(self).__name__, "e_rev", self.e_rev, "mV")

    def decay(self, g: np.ndarray, dt: float) -> np.ndarray:
        """Conductance (nS) after ``dt`` ms without spikes (exact)."""
        return g * np.exp(-dt / self.tau)

    def current(self, g: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Synaptic current ``g (V − E_rev)`` (pA for g in nS, V in mV)."""
        return g * (v - self.e_rev)

    def conductance(self, spike_times: ArrayLike, weights: ArrayLike, t: ArrayLike) -> np.ndarray:
        """Exact conductance (nS) at times ``t`` (ms) from spikes at ``spike_times`` (ms) with
        ``weights`` (nS, scalar or one per spike)."""
        ts, w = spike_arrays(type(self).__name__, spike_times, weights)
        t = np.asarray(t, dtype=np.float64)
        lag = t[..., None] - ts
        return np.sum(np.where(lag >= 0, w * np.exp(-np.maximum(lag, 0.0) / self.tau), 0.0), -1)

    def run(
        self, spike_times: ArrayLike, weights: ArrayLike, t_span: tuple[float, float], dt: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Conductance on the grid ``t_start + k·dt`` (step by step, exact between events).

        Each step decays ``g`` by ``exp(−dt/τ)`` and adds every spike in ``(t_k, t_{k+1}]``
        decayed from its own time, so the result equals :meth:`conductance` on the grid.

        Returns
        -------
        times : numpy.ndarray, shape (n_steps + 1,)
            Grid (ms).
        g : numpy.ndarray, shape (n_steps + 1,)
            Conductance (nS).
        """
        ts, w = spike_arrays(type(self).__name__, spike_times, weights)
        dt = check_positive(type(self).__name__, "dt", dt, "ms")
        n = round((t_span[1] - t_span[0]) / dt)
        times = t_span[0] + dt * np.arange(n + 1)
        g = np.zeros(n + 1)
        g[0] = np.sum(w[ts == times[0]])
        step = np.exp(-dt / self.tau)
        k_of = np.ceil((ts - times[0]) / dt - 1e-9).astype(np.int64)  # spike in (t_{k-1}, t_k]
        for k in range(1, n + 1):
            g[k] = g[k - 1] * step
            sel = k_of == k
            if sel.any():
                g[k] += np.sum(w[sel] * np.exp(-(times[k] - ts[sel]) / self.tau))
        return times, g


def spike_arrays(
    owner: str, spike_times: ArrayLike, weights: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted spike times (ms) and one weight per spike, validated."""
    ts = np.asarray(spike_times, dtype=np.float64).ravel()
    w = (
        np.broadcast_to(np.asarray(weights, dtype=np.float64), ts.shape)
        if np.ndim(weights) == 0
        else np.asarray(weights, dtype=np.float64).ravel()
    )
    if w.shape != ts.shape:
        raise ModelError(f"{owner}: {ts.size} spike times but {w.size} weights")
    if not (np.all(np.isfinite(ts)) and np.all(np.isfinite(w))):
        raise ModelError(f"{owner}: spike times and weights must be finite")
    order = np.argsort(ts, kind="stable")
    return ts[order], w[order]
