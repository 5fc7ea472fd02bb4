"""Synapse layout shared by every profile: packing connections into flat arrays, and the
profile-agnostic numba kernel that sums the weights of the sources that spiked.

Layout
------
Sources are numbered in one space: input axons first (``n_in``), then every neuron. One row of
the connection table ``conn`` (int64, shape (n_conn, 9)) describes a connection; its columns are
named by the constants below (``SYN``: which synaptic current of the target it feeds). A dense
connection stores its truncated weights pre-major
(``w_dense[W_OFF + pre * n_post + post]``) so that one presynaptic spike adds one contiguous row;
a sparse one stores CSR by presynaptic index (``indptr`` per connection at ``PTR_OFF``, absolute
positions into ``post`` and ``w_sparse``). What happens to the sums (shifts, saturation) is the
profile's arithmetic, not this module's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = ["DENSE", "SPARSE", "PackedSynapses", "SynapseBlock", "accumulate", "pack"]

# Columns of the connection table.
SRC, N_PRE, DST, N_POST, EXP, KIND, W_OFF, PTR_OFF, SYN = range(9)
N_COLUMNS = 9
# Values of the KIND column.
DENSE, SPARSE = 0, 1


@dataclass(frozen=True)
class SynapseBlock:
    """One connection, already truncated, in source/neuron index space.

    Parameters
    ----------
    src0, n_pre : int
        First source index and number of presynaptic sources.
    dst0, n_post : int
        First neuron index and number of postsynaptic neurons.
    weight_exp : int
        Shift applied to the summed weights.
    dense_w : numpy.ndarray or None, shape (n_post, n_pre)
        Dense weights; ``None`` for a sparse block.
    pre, post, w : numpy.ndarray or None, shape (n_synapses,)
        Sparse synapses (local indices); ``None`` for a dense block.
    synapse : int
        Synaptic current of the target neurons that the block feeds (0 = ``u``).
    """

    src0: int
    n_pre: int
    dst0: int
    n_post: int
    weight_exp: int
    dense_w: np.ndarray | None = None
    pre: np.ndarray | None = None
    post: np.ndarray | None = None
    w: np.ndarray | None = None
    synapse: int = 0


@dataclass(frozen=True)
class PackedSynapses:
    """Flat arrays handed to the kernels (see the module docstring for the layout)."""

    conn: np.ndarray  # int64 (n_conn, N_COLUMNS)
    w_dense: np.ndarray  # weight dtype (Σ n_pre·n_post,)
    indptr: np.ndarray  # int64 (Σ n_pre + 1,)
    post: np.ndarray  # int32 (n_sparse_synapses,)
    w_sparse: np.ndarray  # weight dtype (n_sparse_synapses,)
    acc: np.ndarray  # int64 scratch (max n_post,)


def pack(blocks: Sequence[SynapseBlock], weight_dtype: type[np.integer]) -> PackedSynapses:
    """Pack connections into the flat layout.

    Parameters
    ----------
    blocks : sequence of SynapseBlock
        Connections with truncated integer weights.
    weight_dtype : numpy integer type
        Storage dtype of the weights (the profile's ``weight_dtype``).

    Returns
    -------
    PackedSynapses
    """
    conn = np.zeros((len(blocks), N_COLUMNS), dtype=np.int64)
    dense_parts: list[np.ndarray] = []
    ptr_parts: list[np.ndarray] = []
    post_parts: list[np.ndarray] = []
    w_parts: list[np.ndarray] = []
    w_off = ptr_off = syn_off = 0
    for c, b in enumerate(blocks):
        conn[c, [SRC, N_PRE, DST, N_POST, EXP]] = b.src0, b.n_pre, b.dst0, b.n_post, b.weight_exp
        conn[c, SYN] = b.synapse
        if b.dense_w is not None:
            conn[c, KIND], conn[c, W_OFF] = DENSE, w_off
            dense_parts.append(np.ascontiguousarray(b.dense_w.T).ravel())  # pre-major rows
            w_off += b.n_pre * b.n_post
        else:
            assert b.pre is not None and b.post is not None and b.w is not None
            order = np.argsort(b.pre, kind="stable")
            counts = np.bincount(b.pre, minlength=b.n_pre)
            indptr = np.concatenate([[0], np.cumsum(counts)]) + syn_off
            conn[c, KIND], conn[c, PTR_OFF] = SPARSE, ptr_off
            ptr_parts.append(indptr.astype(np.int64))
            post_parts.append(b.post[order].astype(np.int32))
            w_parts.append(b.w[order])
            ptr_off += b.n_pre + 1
            syn_off += b.pre.size

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.ascontiguousarray(np.concatenate(parts).astype(dtype) if parts else [], dtype)

    return PackedSynapses(
        conn=conn,
        w_dense=cat(dense_parts, weight_dtype),
        indptr=cat(ptr_parts, np.int64),
        post=cat(post_parts, np.int32),
        w_sparse=cat(w_parts, weight_dtype),
        acc=np.zeros(max([b.n_post for b in blocks], default=1), dtype=np.int64),
    )


@njit(nogil=True, cache=True)
def accumulate(c, src, conn, w_dense, indptr, post, w_sparse, acc):  # pragma: no cover - njit
    """Sum, per postsynaptic neuron, the weights of connection ``c`` whose source spiked.

    Writes ``acc[:n_post]`` (int64, exact: no width limit) and returns ``n_post``.
    """
    src0 = conn[c, SRC]
    n_pre = conn[c, N_PRE]
    n_post = conn[c, N_POST]
    out = acc[:n_post]  # views with offsets folded in: the inner loops index from 0, which
    out[:] = 0  # lets LLVM drop negative-index handling and vectorize
    spikes = src[src0 : src0 + n_pre]
    if conn[c, KIND] == DENSE:
        base = conn[c, W_OFF]
        for p in range(n_pre):
            if spikes[p]:
                row = w_dense[base + p * n_post : base + (p + 1) * n_post]
                for j in range(n_post):
                    out[j] += row[j]
    else:
        ptr = indptr[conn[c, PTR_OFF] : conn[c, PTR_OFF] + n_pre + 1]
        for p in range(n_pre):
            if spikes[p]:
                for k in range(ptr[p], ptr[p + 1]):
                    out[post[k]] += w_sparse[k]
    return n_post
