"""Sparse synaptic connectivity in compressed sparse row (CSR) form, rows = presynaptic neurons.

Event-driven propagation needs, for a neuron that spiked, the list of its targets and weights:
with rows indexed by the presynaptic neuron, that is one contiguous slice
``indices[indptr[pre]:indptr[pre + 1]]`` (postsynaptic neurons) and the matching ``weights``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import ModelError, as_float_array

__all__ = ["SparseConnectivity"]


@dataclass(frozen=True, eq=False)
class SparseConnectivity:
    """Synapses from ``n_pre`` to ``n_post`` neurons, CSR by presynaptic neuron.

    Parameters
    ----------
    n_pre, n_post : int
        Number of presynaptic and postsynaptic neurons.
    indptr : numpy.ndarray, int64, shape (n_pre + 1,)
        Synapses of presynaptic neuron ``j`` are ``indptr[j]:indptr[j + 1]``.
    indices : numpy.ndarray, int32, shape (n_synapses,)
        Postsynaptic neuron of each synapse.
    weights : numpy.ndarray, float64, shape (n_synapses,)
        Weight of each synapse (in the input unit of the postsynaptic population).
    """

    n_pre: int
    n_post: int
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray

    def __post_init__(self) -> None:
        indptr = np.ascontiguousarray(self.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(self.indices, dtype=np.int32)
        weights = as_float_array("SparseConnectivity", "weights", self.weights, ndim=1)
        if self.n_pre < 0 or self.n_post < 0:
            raise ModelError(
                f"SparseConnectivity: sizes must be >= 0, got ({self.n_pre}, {self.n_post})"
            )
        if indptr.shape != (self.n_pre + 1,) or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
            raise ModelError(
                f"SparseConnectivity: indptr must be non-decreasing from 0 with shape "
                f"({self.n_pre + 1},), got shape {indptr.shape}"
            )
        if indices.shape != (indptr[-1],) or weights.shape != indices.shape:
            raise ModelError(
                f"SparseConnectivity: indices and weights must have shape ({indptr[-1]},), got "
                f"{indices.shape} and {weights.shape}"
            )
        if indices.size and (indices.min() < 0 or indices.max() >= self.n_post):
            raise ModelError(
                f"SparseConnectivity: postsynaptic indices must be in [0, {self.n_post})"
            )
        for name, arr in (("indptr", indptr), ("indices", indices), ("weights", weights)):
            arr = np.array(arr, copy=True, order="C")
            arr.flags.writeable = False  # shared by networks and their cached merged table
            object.__setattr__(self, name, arr)

    @property
    def n_synapses(self) -> int:
        """Number of synapses."""
        return int(self.indices.size)

    @classmethod
    def from_edges(
        cls, pre: ArrayLike, post: ArrayLike, weights: ArrayLike | float, n_pre: int, n_post: int
    ) -> SparseConnectivity:
        """From edge lists ``pre[k] → post[k]`` with ``weights[k]`` (or one weight for all)."""
        pre_a = np.asarray(pre, dtype=np.int64).ravel()
        post_a = np.asarray(post, dtype=np.int64).ravel()
        if pre_a.shape != post_a.shape:
            raise ModelError(
                f"SparseConnectivity.from_edges: pre and post differ in length "
                f"({pre_a.size} vs {post_a.size})"
            )
        w = np.broadcast_to(np.asarray(weights, dtype=np.float64), pre_a.shape)
        if pre_a.size and (pre_a.min() < 0 or pre_a.max() >= n_pre):
            raise ModelError(
                f"SparseConnectivity.from_edges: presynaptic indices must be in [0, {n_pre})"
            )
        order = np.lexsort((post_a, pre_a))
        indptr = np.zeros(n_pre + 1, dtype=np.int64)
        np.cumsum(np.bincount(pre_a, minlength=n_pre), out=indptr[1:])
        return cls(n_pre, n_post, indptr, post_a[order], np.array(w[order]))

    @classmethod
    def from_dense(cls, w: ArrayLike) -> SparseConnectivity:
        """From a dense matrix ``w[post, pre]``; zero entries are not synapses."""
        dense = as_float_array("SparseConnectivity.from_dense", "w", w, ndim=2)
        post, pre = np.nonzero(dense)
        return cls.from_edges(pre, post, dense[post, pre], dense.shape[1], dense.shape[0])

    @classmethod
    def random(
        cls,
        n_pre: int,
        n_post: int,
        p: float,
        weight: float,
        rng: int | np.random.Generator | None = None,
        autapses: bool = True,
    ) -> SparseConnectivity:
        """Each pair connected independently with probability ``p`` (Erdős–Rényi), weight fixed.

        ``autapses=False`` removes ``j → j`` (use it for a population connected to itself);
        ``rng`` seeds the draw.
        Memory is proportional to the number of synapses, not to ``n_pre · n_post``.
        """
        if not 0 <= p <= 1:
            raise ModelError(f"SparseConnectivity.random: p must be in [0, 1], got {p}")
        gen = np.random.default_rng(rng)
        counts = gen.binomial(n_post, p, size=n_pre)
        pre = np.repeat(np.arange(n_pre, dtype=np.int64), counts)
        # Targets of one presynaptic neuron without repetition: sample per row.
        post = np.empty(pre.size, dtype=np.int64)
        start = 0
        for c in counts:
            post[start : start + c] = np.sort(gen.choice(n_post, size=c, replace=False))
            start += c
        if not autapses:
            keep = pre != post
            pre, post = pre[keep], post[keep]
        return cls.from_edges(pre, post, weight, n_pre, n_post)

    def to_dense(self) -> np.ndarray:
        """Dense ``w[post, pre]``, shape (n_post, n_pre) (repeated synapses are summed)."""
        w = np.zeros((self.n_post, self.n_pre))
        pre = np.repeat(np.arange(self.n_pre), np.diff(self.indptr))
        np.add.at(w, (self.indices, pre), self.weights)
        return w

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(pre, post, weights)`` arrays of the synapses, shape (n_synapses,) each."""
        pre = np.repeat(np.arange(self.n_pre, dtype=np.int64), np.diff(self.indptr))
        return pre, self.indices.astype(np.int64), self.weights.copy()
