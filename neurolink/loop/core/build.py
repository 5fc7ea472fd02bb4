"""Build a :class:`~neurolink.loop.core.graph.Graph` from ``[loop]`` (validated by the config).

Each node is made by its registered class (:mod:`neurolink.loop.core.registry`) from its config
entry. The config has already checked names, wiring and port types (with file and line). What
only shows once the source and the devices are known — a decoded vector that does not match the
prosthesis's degrees of freedom, a model fitted on other channels — raises a
:class:`~neurolink.errors.ConfigError` naming the node and the key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from neurolink.loop.core.config import LoopConfig
from neurolink.loop.core.graph import Graph, Node
from neurolink.loop.core.registry import BoardOpener, BuildContext, DeviceLimits, node_kinds
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.decode import DecodeNode

__all__ = ["BoardOpener", "DeviceLimits", "GraphParts", "build_graph", "warm_up"]


@dataclass
class GraphParts:
    """A built graph and what must be closed with it."""

    graph: Graph
    closers: list[Callable[[], None]] = field(default_factory=list)


def build_graph(
    cfg: LoopConfig,
    *,
    channels: Sequence[str],
    fs: float,
    limits: dict[str, DeviceLimits],
    open_board: BoardOpener | None = None,
) -> GraphParts:
    """Make every node of ``cfg.nodes`` with its registered class.

    Parameters
    ----------
    cfg : LoopConfig
        Validated.
    channels : sequence of str
        The source's channel labels.
    fs : float
        The source's rate (Hz).
    limits : dict of str to DeviceLimits
        For each mapper node, the limits of the device its sink drives.
    open_board : callable, optional
        Opens a neuromorphic board for networks placed on the board.

    Returns
    -------
    GraphParts
    """
    kinds = node_kinds()
    made: dict[str, Node] = {}
    closers: list[Callable[[], None]] = []
    for n in cfg.nodes:
        ctx = BuildContext(
            node=n,
            channels=tuple(channels),
            fs=fs,
            max_samples=cfg.max_chunk,
            source=made.get(n.input or ""),
            limits=limits.get(n.name),
            open_board=open_board,
            closers=closers,
        )
        made[n.name] = kinds[n.kind].from_config(ctx)
    graph = Graph(list(made.values()), [n.input or "source" for n in cfg.nodes])
    return GraphParts(graph, closers)


def warm_up(
    graph: Graph,
    n_channels: int,
    fs: float,
    *,
    seconds: float = 0.6,
    chunk: int = 1024,
    seed: int = 0,
) -> None:
    """Run the graph on noise (compiling every kernel), then reset every node.

    Decode nodes that are not fitted label the noise with zeros meanwhile; commands are
    dropped. Call before the first real block, so the loop does not start late.
    """
    rng = np.random.default_rng(seed)
    tick = Tick(rate=fs, stream="warm-up")
    stage = np.zeros(8)
    undo = []
    for node in graph.nodes:
        if isinstance(node, DecodeNode) and not node.decoder.is_fitted and not node.calibrating:
            zeros = (0.0,) * len(node.dims)
            node.start_calibration(lambda t, z=zeros: z)
            undo.append(node)
    n_total = round(seconds * fs)
    for a in range(0, n_total, chunk):
        b = min(n_total, a + chunk)
        x = rng.normal(0.0, 10.0, (b - a, n_channels)).astype(np.float32)
        tick.set(a, b, b / fs)
        graph.process(x, tick, stage)
    for node in undo:
        node.stop_calibration()
    graph.reset()
    graph.node_seconds[:] = 0.0
