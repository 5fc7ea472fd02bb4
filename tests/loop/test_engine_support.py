"""Shared pieces of the engine and fault tests (no tests here).

:class:`ScriptedSource` is a :class:`~neurolink.streams.source.Source` that serves a simulated
cortex block by block, as fast as it is read, each block stamped as if its newest sample had
just arrived, with faults injected at given block numbers: a stall (raises
``StreamStalledError`` as a real source does after its timeout), NaN values, a gap. Tests drive
it by block number, never by wall-clock luck.
"""

from __future__ import annotations

import numpy as np

from neurolink.clock import now
from neurolink.errors import StreamStalledError
from neurolink.hal.safety import AuditLog, EStop
from neurolink.loop.core.graph import Graph
from neurolink.loop.nodes.bin import BinNode
from neurolink.loop.nodes.burst import BurstNode
from neurolink.loop.nodes.decode import DecodeNode
from neurolink.loop.nodes.detect import DetectNode
from neurolink.loop.nodes.filter import FilterNode
from neurolink.loop.nodes.relay import SNNNode
from neurolink.loop.nodes.reref import RerefNode
from neurolink.loop.nodes.stim import StimMapper
from neurolink.loop.nodes.velocity import VelocityMapper
from neurolink.sim import CortexConfig, CortexSimulator, grid_positions
from neurolink.snn import make_backend
from neurolink.streams.block import Block, count_invalid
from neurolink.streams.events import empty_markers
from neurolink.streams.source import SourceStats

FS = 30_000.0
BLOCK = 30  # 1 ms


def small_cortex(seed: int = 0, n_channels: int = 16) -> CortexSimulator:
    """A 16-channel, 12-unit cortex (fast) at 30 kHz."""
    cfg = CortexConfig(
        fs=FS, positions=grid_positions(n_channels, 400.0), n_units=12, hash_units_per_channel=50
    )
    return CortexSimulator(cfg, seed=seed)


class ScriptedSource:
    """Blocks of a simulated cortex, served on demand, with scripted faults.

    Parameters
    ----------
    sim : CortexSimulator
    block : int
        Samples per block.
    velocity : callable, optional
        ``velocity(block_number) -> (vx, vy)``: the subject's intent.
    stall_at, nan_at, gap_at : int, optional
        Block number at which to stall (every read from then on raises), to put NaNs in the
        block, or to drop ``gap`` samples before it.
    gap : int
        Samples dropped at ``gap_at``.
    """

    def __init__(
        self,
        sim: CortexSimulator,
        *,
        block: int = BLOCK,
        velocity=None,
        stall_at: int | None = None,
        nan_at: int | None = None,
        gap_at: int | None = None,
        gap: int = 90,
    ) -> None:
        self.sim, self.block = sim, block
        self.name = "scripted-cortex"
        self.rate = sim.fs
        self.channels = tuple(sim.channel_names)
        self.stats = SourceStats()
        self.velocity = velocity or (lambda k: (0.0, 0.0))
        self.stall_at, self.nan_at, self.gap_at, self.gap = stall_at, nan_at, gap_at, gap
        self.k = 0
        self.next_index = 0
        self.opened = self.closed = False

    def open(self) -> None:
        self.opened = True

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> ScriptedSource:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_markers(self) -> np.ndarray:
        return empty_markers()

    def read(self, timeout: float = 0.0) -> Block | None:
        if self.stall_at is not None and self.k >= self.stall_at:
            raise StreamStalledError(f"scripted source {self.name!r} stalled at block {self.k}")
        gap = 0
        if self.gap_at is not None and self.k == self.gap_at:
            self.sim.step(self.gap, self.velocity(self.k))  # generated, never delivered
            gap = self.gap
            self.next_index += gap
        data, _ = self.sim.step(self.block, self.velocity(self.k))
        data = np.ascontiguousarray(data, np.float32)
        if self.nan_at is not None and self.k == self.nan_at:
            data[5:15, :3] = np.nan
        t = now()
        ts = t - (self.block - 1 - np.arange(self.block)) / self.rate
        blk = Block(
            data,
            ts,
            self.next_index,
            self.rate,
            self.channels,
            self.name,
            gap=gap,
            n_invalid=count_invalid(data),
        )
        self.next_index += self.block
        self.k += 1
        self.stats.n_samples += self.block
        self.stats.n_blocks += 1
        self.stats.n_gaps += gap > 0
        self.stats.gap_samples += gap
        self.stats.n_invalid += blk.n_invalid
        return blk


def spike_graph(
    n_channels: int, *, decoder=None, stim: bool = False, n_coincident: int = 3, extra=None
) -> Graph:
    """filter → CAR → detect → bin (→ decode → snn → velocity) (→ burst → stim)."""
    nodes = [
        FilterNode("hp", n_channels, FS),
        RerefNode("car", n_channels),
        DetectNode("spikes", n_channels, FS, threshold=4.0, calibration_s=0.1),
        BinNode("counts", n_channels, 600),
    ]
    inputs = ["source", "hp", "car", "spikes"]
    if decoder is not None:
        nodes += [
            DecodeNode("decoder", decoder, ("vx", "vy"), n_channels),
            SNNNode("chip", make_backend("fixed"), ("vx", "vy"), FS),
            VelocityMapper("velocity", 2, FS, gain=0.5),
        ]
        inputs += ["counts", "decoder", "chip"]
    if stim:
        nodes += [
            BurstNode(
                "bursts",
                make_backend("fixed"),
                n_channels,
                FS,
                n_coincident=n_coincident,
                leak_ms=5.0,
            ),
            StimMapper("trains", FS, refractory_ms=20.0),
        ]
        inputs += ["spikes", "bursts"]
    for node, src in extra or ():
        nodes.append(node)
        inputs.append(src)
    return Graph(nodes, inputs)


def session_estop() -> EStop:
    """A fresh e-stop with its audit log."""
    return EStop(AuditLog())
