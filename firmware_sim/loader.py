"""Turn a validated network and its placement into core images and a routing table.

This is what a host-side loader writes into the chip's memories: for each core, the neuron
parameters of the slices it holds and one synapse slot per (connection, core); for the mesh,
the fan-out edges of every spike source.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from firmware_sim import profile_loihi as pl
from firmware_sim.core import NeuroCore
from firmware_sim.mapper import Placement, Slice, Slot
from firmware_sim.network import ConnectionSpec, NetworkSpec
from firmware_sim.router import Router
from firmware_sim.synapses import DenseSynapses, SparseSynapses, SynapseSlot


@dataclass(frozen=True)
class ChipImage:
    """Everything loaded: cores, router, and where each population and port lives.

    Attributes
    ----------
    cores : list of NeuroCore
        Cores holding at least one neuron, index = core number.
    router : Router
    source_base : dict of str to int
        First global source id of each population and input port.
    slices : dict of str to list of Slice
        Where each population's neurons are.
    core_sources : list of ndarray of int64, shape (n,) each
        Global source id of every neuron of each core.
    """

    cores: list[NeuroCore]
    router: Router
    source_base: dict[str, int]
    slices: dict[str, list[Slice]]
    core_sources: list[np.ndarray]


def _slot_memory(conn: ConnectionSpec, slot: Slot, offset: int) -> SynapseSlot:
    if conn.dense:
        w = conn.weight.reshape(conn.n_post, conn.n_pre)[slot.post_start : slot.post_stop]
        return DenseSynapses(conn.name, w.T, offset, conn.weight_exp)  # rows = pre axons
    here = (conn.post_idx >= slot.post_start) & (conn.post_idx < slot.post_stop)
    axon = np.searchsorted(slot.pre_axons, conn.pre_idx[here])  # sorted: spec lists by pre
    return SparseSynapses(
        conn.name,
        axon_of_synapse=axon,
        target=conn.post_idx[here] - slot.post_start,
        weight=conn.weight[here],
        n_axons=slot.pre_axons.size,
        n_post=slot.post_stop - slot.post_start,
        post_offset=offset,
        weight_exp=conn.weight_exp,
    )


def build_image(spec: NetworkSpec, placement: Placement, limits: pl.CoreLimits) -> ChipImage:
    """Build core images and the routing table.

    Parameters
    ----------
    spec : NetworkSpec
    placement : Placement
        From :func:`firmware_sim.mapper.map_network`.
    limits : CoreLimits

    Returns
    -------
    ChipImage
    """
    source_base: dict[str, int] = {}
    n_sources = 0
    for item in (*spec.populations, *spec.inputs):
        source_base[item.name] = n_sources
        n_sources += item.size
    src_core = np.full(n_sources, -1, dtype=np.int64)
    slices: dict[str, list[Slice]] = {p.name: [] for p in spec.populations}
    for s in placement.slices:
        slices[s.population].append(s)
        base = source_base[s.population]
        src_core[base + s.start : base + s.stop] = s.core

    cores: list[NeuroCore] = []
    core_sources: list[np.ndarray] = []
    edges_src, edges_core, edges_axon = [], [], []
    for usage in placement.cores:
        mine = sorted((s for s in placement.slices if s.core == usage.core), key=lambda s: s.offset)
        fields = {}
        for key in ("du", "dv", "vth", "bias_mant", "bias_exp", "u_init", "v_init"):
            fields[key] = np.concatenate(
                [getattr(spec.population(s.population), key)[s.start : s.stop] for s in mine]
            )
        core_sources.append(
            np.concatenate(
                [source_base[s.population] + np.arange(s.start, s.stop) for s in mine]
            ).astype(np.int64)
        )
        params = pl.NeuronParams.from_fields(
            fields["du"], fields["dv"], fields["vth"], fields["bias_mant"], fields["bias_exp"]
        )
        memories: list[SynapseSlot] = []
        axon_base = 0
        for slot in (s for s in placement.slots if s.core == usage.core):
            conn = spec.connections[slot.conn]
            offset = next(s.offset for s in mine if s.population == conn.post)
            memories.append(_slot_memory(conn, slot, offset))
            n = slot.pre_axons.size
            edges_src.append(source_base[conn.pre] + slot.pre_axons)
            edges_core.append(np.full(n, usage.core, dtype=np.int64))
            edges_axon.append(axon_base + np.arange(n, dtype=np.int64))
            axon_base += n
        cores.append(NeuroCore(usage.core, params, fields["u_init"], fields["v_init"], memories))

    def cat(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    router = Router(n_sources, cat(edges_src), cat(edges_core), cat(edges_axon), src_core, limits)
    return ChipImage(
        cores=cores,
        router=router,
        source_base=source_base,
        slices=slices,
        core_sources=core_sources,
    )
