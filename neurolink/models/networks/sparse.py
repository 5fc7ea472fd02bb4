"""Sparse synaptic connectivity in compressed sparse row (CSR) form, rows = presynaptic neurons.

Event-driven propagation needs, for a neuron that spiked, the list of its targets and weights:
with rows indexed by the presynaptic neuron, that is one contiguous slice
``indices[indptr[pre]:indptr[pre + 1]]`` (postsynaptic neurons) and the matching ``weights``.

This is the float CSR of a model network: one matrix per block of synapses, in the postsynaptic
population's physical input unit, merged by :class:`~neurolink.models.networks.SpikingNetwork`
and read by :mod:`~neurolink.models.analysis`. The chip's CSR (:mod:`neurolink.snn.synapses`) is
another layout with another job: integer weights truncated by a profile, every connection of a
network packed into flat arrays with one table of offsets, so that one kernel serves every
profile and the emulator can check it bit for bit. They share the idea (rows = presynaptic
neuron), not code: a model network is not bound by a chip's weight widths.
"""

from __future__ import annotations

from collections.abc import Sequence
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
        # One copy of each array (the caller keeps its own), then read-only.
        indptr = np.array(self.indptr, dtype=np.int64, order="C")
        indices = np.array(self.indices, dtype=np.int32, order="C")
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
        _freeze(self, indptr, indices, weights)

    @classmethod
    def _wrap(
        cls, n_pre: int, n_post: int, indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray
    ) -> SparseConnectivity:
        """A table around arrays built here (valid, owned, int64/int32/float64): no copies."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "n_pre", n_pre)
        object.__setattr__(obj, "n_post", n_post)
        _freeze(obj, indptr, indices, weights)
        return obj

    @property
    def n_synapses(self) -> int:
        """Number of synapses."""
        return int(self.indices.size)

    @classmethod
    def from_edges(
        cls, pre: ArrayLike, post: ArrayLike, weights: ArrayLike | float, n_pre: int, n_post: int
    ) -> SparseConnectivity:
        """From edge lists ``pre[k] → post[k]`` with ``weights[k]`` (or one weight for all).

        Synapses are ordered by presynaptic, then postsynaptic neuron; repeated pairs keep the
        order of the edge list. The inputs are not modified or kept; the temporaries are
        about one sort key and one sort order (12 to 16 bytes per synapse).
        """
        if n_pre < 0 or n_post < 0:
            raise ModelError(f"SparseConnectivity: sizes must be >= 0, got ({n_pre}, {n_post})")
        pre_a = _index_array(pre)
        post_a = _index_array(post)
        if pre_a.shape != post_a.shape:
            raise ModelError(
                f"SparseConnectivity.from_edges: pre and post differ in length "
                f"({pre_a.size} vs {post_a.size})"
            )
        w = np.asarray(weights, dtype=np.float64)
        if not np.all(np.isfinite(w)):
            raise ModelError("SparseConnectivity: weights contains NaN or infinite values")
        w = np.broadcast_to(w, pre_a.shape)
        if pre_a.size and (pre_a.min() < 0 or pre_a.max() >= n_pre):
            raise ModelError(
                f"SparseConnectivity.from_edges: presynaptic indices must be in [0, {n_pre})"
            )
        if post_a.size and (post_a.min() < 0 or post_a.max() >= n_post):
            raise ModelError(f"SparseConnectivity: postsynaptic indices must be in [0, {n_post})")
        if n_post > np.iinfo(np.int32).max:
            raise ModelError(
                f"SparseConnectivity: n_post must be < 2**31 (int32 indices), got {n_post}"
            )
        indptr = np.zeros(n_pre + 1, dtype=np.int64)
        np.cumsum(np.bincount(pre_a, minlength=n_pre), out=indptr[1:])
        order = _csr_order(pre_a, post_a, n_pre, n_post)
        # Gathers straight into the final arrays (mode="wrap": no buffered copy of `out`).
        indices = np.empty(order.size, dtype=np.int32)
        np.take(post_a.astype(np.int32, copy=False), order, out=indices, mode="wrap")
        weights_out = np.empty(order.size, dtype=np.float64)
        np.take(w, order, out=weights_out, mode="wrap")
        return cls._wrap(n_pre, n_post, indptr, indices, weights_out)

    @classmethod
    def _combine(
        cls, blocks: Sequence[tuple[int, int, SparseConnectivity]], n_pre: int, n_post: int
    ) -> SparseConnectivity:
        """One ``n_pre → n_post`` table from ``(first pre, first post, table)`` blocks.

        The result equals :meth:`from_edges` on the blocks' edges (shifted by the offsets)
        concatenated in the given order. A single block covering everything is returned as is.
        When blocks that share presynaptic rows have disjoint postsynaptic ranges (projections
        between distinct population pairs) the rows are stitched together block by block with
        small temporaries; otherwise the edges are sorted again.
        """
        blocks = [b for b in blocks if b[2].n_synapses]
        if len(blocks) == 1 and blocks[0][:2] == (0, 0):
            table = blocks[0][2]
            if (table.n_pre, table.n_post) == (n_pre, n_post):
                return table
        if not _disjoint(blocks):
            return cls._resort(blocks, n_pre, n_post)
        counts = np.zeros(n_pre, dtype=np.int64)
        for r0, _, b in blocks:
            counts[r0 : r0 + b.n_pre] += np.diff(b.indptr)
        indptr = np.zeros(n_pre + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        del counts
        indices = np.empty(indptr[-1], dtype=np.int32)
        weights = np.empty(indptr[-1], dtype=np.float64)
        fill = indptr[:-1].copy()  # next free slot of each row
        for r0, c0, b in sorted(blocks, key=lambda blk: blk[1]):  # rows sorted by post
            rows = slice(r0, r0 + b.n_pre)
            lens = np.diff(b.indptr)
            shift = fill[rows] - b.indptr[:-1]  # synapse k of row r goes to k + shift[r]
            if np.all(shift == shift[0]):  # the block's rows land back to back
                start, stop = int(shift[0]), int(shift[0]) + b.n_synapses
                np.add(b.indices, c0, out=indices[start:stop])
                weights[start:stop] = b.weights
            else:
                ra = 0
                while ra < b.n_pre:  # chunks of whole rows with about _CHUNK synapses
                    k0 = b.indptr[ra]
                    rb = int(np.searchsorted(b.indptr, k0 + _CHUNK, side="right")) - 1
                    rb = min(max(rb, ra + 1), b.n_pre)
                    k1 = b.indptr[rb]
                    dest = np.repeat(shift[ra:rb], lens[ra:rb])
                    dest += np.arange(k0, k1)
                    indices[dest] = b.indices[k0:k1] + np.int32(c0)
                    weights[dest] = b.weights[k0:k1]
                    ra = rb
            fill[rows] += lens
        return cls._wrap(n_pre, n_post, indptr, indices, weights)

    @classmethod
    def _resort(
        cls, blocks: Sequence[tuple[int, int, SparseConnectivity]], n_pre: int, n_post: int
    ) -> SparseConnectivity:
        """:meth:`_combine` for overlapping blocks: the shifted edge list, sorted."""
        total = sum(b.n_synapses for _, _, b in blocks)
        pre_dtype = np.int32 if n_pre <= np.iinfo(np.int32).max else np.int64
        pre = np.empty(total, dtype=pre_dtype)
        post = np.empty(total, dtype=np.int32)
        w = np.empty(total, dtype=np.float64)
        at = 0
        for r0, c0, b in blocks:
            k = b.n_synapses
            rows = np.arange(r0, r0 + b.n_pre, dtype=pre_dtype)
            pre[at : at + k] = np.repeat(rows, np.diff(b.indptr))
            np.add(b.indices, c0, out=post[at : at + k])
            w[at : at + k] = b.weights
            at += k
        return cls.from_edges(pre, post, w, n_pre, n_post)

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


# Synapses per chunk when stitching blocks (temporaries of about 20 bytes per synapse).
_CHUNK = 1 << 16


def _freeze(table: SparseConnectivity, *arrays: np.ndarray) -> None:
    """Make ``indptr``, ``indices``, ``weights`` read-only and store them on ``table``."""
    for name, arr in zip(("indptr", "indices", "weights"), arrays, strict=True):
        arr.flags.writeable = False  # shared by networks and the tables merged from them
        object.__setattr__(table, name, arr)


def _index_array(value: ArrayLike) -> np.ndarray:
    """Neuron indices as a flat int32 or int64 array, without a copy when they already are."""
    arr = np.asarray(value)
    if arr.dtype not in (np.int32, np.int64):
        arr = arr.astype(np.int64)
    return arr.ravel()


def _csr_order(pre: np.ndarray, post: np.ndarray, n_pre: int, n_post: int) -> np.ndarray:
    """Stable order by ``(pre, post)``: one argsort of the key ``pre · n_post + post``."""
    span = int(n_pre) * int(n_post)
    if span > np.iinfo(np.int64).max:
        return np.lexsort((post, pre))
    key_dtype = np.int32 if span <= np.iinfo(np.int32).max + 1 else np.int64
    key = np.multiply(pre, n_post, dtype=key_dtype)
    np.add(key, post, out=key, casting="unsafe")  # post < n_post: the sum fits
    return np.argsort(key, kind="stable")


def _disjoint(blocks: Sequence[tuple[int, int, SparseConnectivity]]) -> bool:
    """Whether blocks that share presynaptic rows have disjoint postsynaptic ranges."""
    spans = [(r0, r0 + b.n_pre, c0, c0 + b.n_post) for r0, c0, b in blocks]
    for i, (a0, a1, b0, b1) in enumerate(spans):
        for c0, c1, d0, d1 in spans[:i]:
            if a0 < c1 and c0 < a1 and b0 < d1 and d0 < b1:
                return False
    return True
