"""Pair-based spike-timing-dependent plasticity with exponential traces.

Window (``Δt = t_post − t_pre``, ms): ``ΔW = A₊ exp(−Δt/τ₊)`` for ``Δt > 0`` and
``ΔW = −A₋ exp(Δt/τ₋)`` for ``Δt < 0``; simultaneous spikes (``Δt = 0``) do not change ``W``.

Implemented with one trace per presynaptic neuron (``τ₊``) and per postsynaptic neuron
(``τ₋``), decayed exactly between events (Morrison, Diesmann & Gerstner 2008):

* all-to-all: a spike adds 1 to its trace, so every pre/post pair contributes;
* nearest-neighbour (symmetric): a spike sets its trace to 1, so each postsynaptic spike pairs
  only with the latest presynaptic spike before it, and vice versa.

At a postsynaptic spike of neuron ``i``: ``W[i, :] += A₊ · pre_trace``; at a presynaptic spike of
``j``: ``W[:, j] −= A₋ · post_trace``. Weights are ``W[post, pre]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import check_nonnegative, check_positive

__all__ = ["STDP", "Pairing", "STDPTraces"]


class Pairing(Enum):
    """Which spike pairs an STDP rule sums over."""

    ALL_TO_ALL = "all_to_all"
    NEAREST = "nearest"


@dataclass
class STDPTraces:
    """Mutable trace state of an STDP rule at time ``t`` (ms)."""

    pre: np.ndarray  # (n_pre,)
    post: np.ndarray  # (n_post,)
    t: float = 0.0


@dataclass(frozen=True)
class STDP:
    """Pair-based STDP.

    Parameters
    ----------
    a_plus, a_minus : float
        Amplitudes of potentiation and depression (weight units per pair).
    tau_plus, tau_minus : float
        Time constants of the potentiation and depression windows (ms).
    pairing : Pairing or str
        ``"all_to_all"`` or ``"nearest"``.
    """

    a_plus: float = 0.01
    a_minus: float = 0.0105
    tau_plus: float = 20.0
    tau_minus: float = 20.0
    pairing: Pairing = field(default=Pairing.ALL_TO_ALL)

    def __post_init__(self) -> None:
        name = type(self).__name__
        check_nonnegative(name, "a_plus", self.a_plus)
        check_nonnegative(name, "a_minus", self.a_minus)
        check_positive(name, "tau_plus", self.tau_plus, "ms")
        check_positive(name, "tau_minus", self.tau_minus, "ms")
        object.__setattr__(self, "pairing", Pairing(self.pairing))

    def window(self, delta_t: ArrayLike) -> np.ndarray:
        """Weight change of one pair at ``Δt = t_post − t_pre`` (ms)."""
        d = np.asarray(delta_t, dtype=np.float64)
        return np.where(
            d > 0,
            self.a_plus * np.exp(-np.abs(d) / self.tau_plus),
            np.where(d < 0, -self.a_minus * np.exp(-np.abs(d) / self.tau_minus), 0.0),
        )

    def traces(self, n_post: int, n_pre: int, t: float = 0.0) -> STDPTraces:
        """Fresh (zero) traces."""
        return STDPTraces(np.zeros(n_pre), np.zeros(n_post), t)

    def advance(self, tr: STDPTraces, t: float) -> None:
        """Decay the traces exactly from ``tr.t`` to ``t`` (ms), in place."""
        dt = t - tr.t
        if dt:
            tr.pre *= np.exp(-dt / self.tau_plus)
            tr.post *= np.exp(-dt / self.tau_minus)
            tr.t = t

    def changes(self, tr: STDPTraces) -> tuple[np.ndarray, np.ndarray]:
        """Proposed changes for spikes at ``tr.t``, from the traces before those spikes.

        Returns
        -------
        depression : numpy.ndarray, shape (n_post,)
            ``−A₋ · post_trace``: added to column ``j`` of ``W`` at a presynaptic spike of ``j``.
        potentiation : numpy.ndarray, shape (n_pre,)
            ``A₊ · pre_trace``: added to row ``i`` of ``W`` at a postsynaptic spike of ``i``.
        """
        return -self.a_minus * tr.post, self.a_plus * tr.pre

    def register(self, tr: STDPTraces, pre_idx: np.ndarray, post_idx: np.ndarray) -> None:
        """Add the spikes at ``tr.t`` to the traces, in place."""
        if self.pairing is Pairing.ALL_TO_ALL:
            np.add.at(tr.pre, pre_idx, 1.0)
            np.add.at(tr.post, post_idx, 1.0)
        else:
            tr.pre[pre_idx] = 1.0
            tr.post[post_idx] = 1.0
