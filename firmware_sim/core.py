"""One neuromorphic core: its neurons' state, its synapse memory, its per-step counters.

A step on a core has two phases, separated by the router:

1. :meth:`NeuroCore.update_neurons` — every neuron takes the synaptic input ``a`` summed in
   the previous step (the one-step synaptic delay buffer ``a_buf``), runs the CUBA LIF update
   of the profile and reports which neurons spiked;
2. :meth:`NeuroCore.receive` — the packets routed to this core this step (spikes of this step,
   from any core or from the host) are looked up in synapse memory by input axon and summed,
   per slot, into ``a_buf`` for the next step.
"""

from __future__ import annotations

import numba
import numpy as np

from firmware_sim import profile_loihi as pl
from firmware_sim.synapses import SynapseSlot


@numba.njit(cache=True)
def _count_active(a: np.ndarray, u: np.ndarray, v: np.ndarray, bias: np.ndarray) -> int:
    """Neurons with any non-zero input, state or bias (the rest update as 'inactive')."""
    n = 0
    for i in range(a.size):
        if a[i] != 0 or u[i] != 0 or v[i] != 0 or bias[i] != 0:
            n += 1
    return n


class NeuroCore:
    """A core with ``n`` neurons and a list of synapse slots.

    Parameters
    ----------
    index : int
        Core number on the chip.
    params : profile_loihi.NeuronParams
        Per-neuron constants, shape (n,) each.
    u_init, v_init : ndarray of int64, shape (n,)
        State restored by :meth:`reset`.
    slots : list of SynapseSlot
        Synapse memory; slot ``i`` owns input axons ``axon_base[i] : axon_base[i] + n_axons``.
    """

    def __init__(
        self,
        index: int,
        params: pl.NeuronParams,
        u_init: np.ndarray,
        v_init: np.ndarray,
        slots: list[SynapseSlot],
    ) -> None:
        self.index = index
        self.params = params
        self.n = int(u_init.size)
        self.u_init = u_init.astype(np.int64)
        self.v_init = v_init.astype(np.int64)
        self.slots = slots
        sizes = [s.n_axons for s in slots]
        self.axon_base = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        self.n_axons = int(self.axon_base[-1])
        # int64 storage; declared widths live in the profile. u is 24-bit (profile_loihi.U) but
        # kept in int64 because one wrap step leaves it outside 24 bits when |a << 6| > 2**24.
        self.u = np.zeros(self.n, dtype=np.int64)  # synaptic current, 24-bit, wraps once
        self.v = np.zeros(self.n, dtype=np.int64)  # membrane voltage, 24-bit, saturates
        self.a_buf = np.zeros(self.n, dtype=np.int64)  # dendritic sum for next step, unbounded
        self.spikes = np.zeros(self.n, dtype=bool)  # spikes of the last step
        self.synops = 0  # counters of the last step
        self.active_updates = 0
        self.packets_in = 0
        self.reset()

    def reset(self) -> None:
        """Restore the initial state and clear the delay buffer and counters."""
        self.u[:] = self.u_init
        self.v[:] = self.v_init
        self.a_buf[:] = 0
        self.spikes[:] = False
        self.synops = self.active_updates = self.packets_in = 0

    def update_neurons(self) -> np.ndarray:
        """Phase 1: update every neuron with last step's dendritic sum.

        Returns
        -------
        ndarray of int64, shape (k,)
            Core-local indices of the neurons that spiked.
        """
        a = self.a_buf
        self.active_updates = _count_active(a, self.u, self.v, self.params.bias)
        self.spikes = pl.lif_step(self.u, self.v, a, self.params)
        self.a_buf = np.zeros(self.n, dtype=np.int64)  # the next step's sum starts at zero
        self.synops = self.packets_in = 0
        return np.flatnonzero(self.spikes)

    def receive(self, axons: np.ndarray) -> None:
        """Phase 2: accumulate this step's incoming packets into ``a_buf``.

        Parameters
        ----------
        axons : ndarray of int, shape (k,)
            Core input axons named by the packets routed here this step (distinct).
        """
        axons = np.sort(np.asarray(axons, dtype=np.int64))
        self.packets_in += int(axons.size)
        bounds = np.searchsorted(axons, self.axon_base)  # packets per slot, slots in axon order
        for i, slot in enumerate(self.slots):
            lo, hi = bounds[i], bounds[i + 1]
            if lo == hi:
                continue
            acc, synops = slot.accumulate(axons[lo:hi] - self.axon_base[i])
            self.a_buf[slot.post_offset : slot.post_offset + slot.n_post] += acc
            self.synops += synops

    def state(self) -> dict[str, np.ndarray]:
        """Copies of ``u``, ``v`` and ``a_buf`` (int64, shape (n,))."""
        return {"u": self.u.copy(), "v": self.v.copy(), "a_buf": self.a_buf.copy()}
