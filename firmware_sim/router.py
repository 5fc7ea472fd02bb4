"""Address-event routing: a spiking source becomes packets ``(core, axon)``.

Every spike source has a global id: the neurons of all populations first (in spec order), then
the axons of the host input ports. The routing table lists, for each source, its destinations
``(core, axon)`` (one per synapse slot it feeds: a core-to-core fan-out edge). Host input spikes
enter the mesh the same way, as packets from the host link. The table also holds the tile hops
of each edge, for the energy estimate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from firmware_sim.profile_loihi import CoreLimits

#: An AER packet: destination core and input axon of that core (Loihi's spike messages are
#: 32 bits; the emulator keeps two int32 fields).
PACKET = np.dtype([("core", np.int32), ("axon", np.int32)])


@dataclass(frozen=True)
class RouteResult:
    """The packets of one step and their tile hops (east-west, north-south)."""

    packets: np.ndarray
    host_packets: int
    hops_ew: int
    hops_ns: int


def tile_xy(core: np.ndarray, limits: CoreLimits) -> tuple[np.ndarray, np.ndarray]:
    """Mesh coordinates of the tile holding each core (assumed layout, see the profile)."""
    tile = np.asarray(core, dtype=np.int64) // limits.cores_per_tile
    return tile % limits.mesh_width_tiles, tile // limits.mesh_width_tiles


class Router:
    """Routing table in CSR form over source ids.

    Parameters
    ----------
    n_sources : int
        Number of source ids.
    src, core, axon : ndarray of int64, shape (n_edges,)
        One fan-out edge per entry: source ``src[i]`` sends to ``(core[i], axon[i])``.
    src_core : ndarray of int64, shape (n_sources,)
        Core of each source; -1 for host inputs (which enter at tile 0, an assumption).
        Host input sources must come after all neuron sources.
    limits : CoreLimits
        For the tile layout.
    """

    def __init__(
        self,
        n_sources: int,
        src: np.ndarray,
        core: np.ndarray,
        axon: np.ndarray,
        src_core: np.ndarray,
        limits: CoreLimits,
    ) -> None:
        order = np.lexsort((axon, core, src))
        src, core, axon = src[order], core[order], axon[order]
        counts = np.bincount(src, minlength=n_sources)
        self.ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self.core = core.astype(np.int32)
        self.axon = axon.astype(np.int32)
        sx, sy = tile_xy(np.maximum(src_core[src], 0), limits)
        dx, dy = tile_xy(core, limits)
        self.hops_ew = np.abs(dx - sx)  # per edge, for the energy estimate
        self.hops_ns = np.abs(dy - sy)
        self.n_sources = n_sources
        host = np.flatnonzero(src_core < 0)
        self.first_host_source = int(host[0]) if host.size else n_sources

    def route(self, sources: np.ndarray) -> RouteResult:
        """Packets of the spiking ``sources`` (global ids, distinct).

        Parameters
        ----------
        sources : ndarray of int64, shape (k,)

        Returns
        -------
        RouteResult
            ``packets``: structured array of :data:`PACKET`, sorted by source.
        """
        starts = self.ptr[sources]
        counts = self.ptr[sources + 1] - starts
        total = int(counts.sum())
        packets = np.empty(total, dtype=PACKET)
        if total == 0:
            return RouteResult(packets, 0, 0, 0)
        # edge indices of every spiking source, source after source
        idx = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        idx += np.arange(total, dtype=np.int64)
        packets["core"] = self.core[idx]
        packets["axon"] = self.axon[idx]
        host = int(counts[sources >= self.first_host_source].sum())
        return RouteResult(
            packets, host, int(self.hops_ew[idx].sum()), int(self.hops_ns[idx].sum())
        )

    @staticmethod
    def deliver(packets: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """Split packets by destination core: yields ``(core, axons)``, cores ascending."""
        if packets.size == 0:
            return
        order = np.argsort(packets["core"], kind="stable")
        cores = packets["core"][order]
        axons = packets["axon"][order].astype(np.int64)
        edges = np.flatnonzero(np.diff(cores)) + 1
        for chunk_cores, chunk in zip(np.split(cores, edges), np.split(axons, edges), strict=True):
            yield int(chunk_cores[0]), chunk
