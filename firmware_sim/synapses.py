"""Synapse memory of one core: one slot per (connection, core), addressed by input axon.

Two formats, both keyed by the slot's local input axon (the axon a packet names):

* :class:`DenseSynapses` — one row of weights per axon over a contiguous range of post neurons
  (a matrix ``(n_axons, n_post)``), for connections given as a weight matrix;
* :class:`SparseSynapses` — a fan-out list per axon (CSR: ``ptr``, ``target``, ``weight``), for
  connections given as ``(pre, post, weight)`` triples.

``accumulate`` sums the stored weights of the axons that received a spike this step into one
``int64`` value per post neuron of the slot (the dendritic sum), and counts synaptic operations:
a synaptic op is one synapse with a non-zero stored weight reached by an incoming spike.
"""

from __future__ import annotations

import numba
import numpy as np

from firmware_sim import profile_loihi as pl


@numba.njit(cache=True)
def _sum_fan_out_lists(
    axons: np.ndarray, ptr: np.ndarray, target: np.ndarray, weight: np.ndarray, acc: np.ndarray
) -> int:
    """Add the weights of every spiking axon's list into ``acc``; return synapses visited."""
    visited = 0
    for ax in axons:
        for k in range(ptr[ax], ptr[ax + 1]):
            acc[target[k]] += weight[k]
        visited += ptr[ax + 1] - ptr[ax]
    return visited


class DenseSynapses:
    """Dense slot: ``weights[axon, post]``, int16 (9-bit signed weights, already truncated).

    Parameters
    ----------
    name : str
        Connection name (for reports).
    weights : ndarray of int16, shape (n_axons, n_post)
        Row ``k`` = the weights from pre axon ``k`` onto the slot's post neurons.
    post_offset : int
        Core-local index of the slot's first post neuron.
    weight_exp : int
        The connection's weight exponent.
    """

    def __init__(self, name: str, weights: np.ndarray, post_offset: int, weight_exp: int) -> None:
        self.name = name
        self.weights = np.ascontiguousarray(weights, dtype=np.int16)  # 9-bit signed weights
        self.n_axons, self.n_post = self.weights.shape
        self.post_offset = post_offset
        self.weight_exp = weight_exp
        self.nonzero_per_axon = np.count_nonzero(self.weights, axis=1).astype(np.int64)

    def accumulate(self, axons: np.ndarray) -> tuple[np.ndarray, int]:
        """Dendritic sum of the spiking axons.

        Parameters
        ----------
        axons : ndarray of int64, shape (k,)
            Slot-local axons that received a spike (distinct).

        Returns
        -------
        acc : ndarray of int64, shape (n_post,)
            ``sum(weights[axons], axis=0)`` scaled by ``weight_exp``.
        synops : int
            Non-zero synapses reached.
        """
        acc = self.weights[axons].sum(axis=0, dtype=np.int64)
        return pl.scale_dendritic_sum(acc, self.weight_exp), int(self.nonzero_per_axon[axons].sum())


class SparseSynapses:
    """Sparse slot: a fan-out list per axon.

    Parameters
    ----------
    name : str
        Connection name (for reports).
    axon_of_synapse : ndarray of int64, shape (n_syn,)
        Slot-local axon of each synapse, sorted ascending.
    target : ndarray of int64, shape (n_syn,)
        Post neuron of each synapse, relative to the slot's first post neuron.
    weight : ndarray of int16, shape (n_syn,)
        Stored (truncated) weights.
    n_axons, n_post : int
        Axons and post neurons of the slot.
    post_offset : int
        Core-local index of the slot's first post neuron.
    weight_exp : int
        The connection's weight exponent.
    """

    def __init__(
        self,
        name: str,
        axon_of_synapse: np.ndarray,
        target: np.ndarray,
        weight: np.ndarray,
        n_axons: int,
        n_post: int,
        post_offset: int,
        weight_exp: int,
    ) -> None:
        self.name = name
        self.n_axons, self.n_post = n_axons, n_post
        self.post_offset = post_offset
        self.weight_exp = weight_exp
        counts = np.bincount(axon_of_synapse, minlength=n_axons)
        self.ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)  # CSR row pointers
        self.target = target.astype(np.int64)
        self.weight = weight.astype(np.int64)  # int16 values held in int64 for the sums
        nz = weight != 0
        self.nonzero_per_axon = np.bincount(axon_of_synapse[nz], minlength=n_axons).astype(np.int64)

    def accumulate(self, axons: np.ndarray) -> tuple[np.ndarray, int]:
        """Dendritic sum of the spiking axons (see :meth:`DenseSynapses.accumulate`)."""
        acc = np.zeros(self.n_post, dtype=np.int64)
        _sum_fan_out_lists(axons, self.ptr, self.target, self.weight, acc)
        return pl.scale_dendritic_sum(acc, self.weight_exp), int(self.nonzero_per_axon[axons].sum())


SynapseSlot = DenseSynapses | SparseSynapses
