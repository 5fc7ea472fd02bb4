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

from neurolink.clock import now
from neurolink.loop.core.config import LoopConfig
from neurolink.loop.core.graph import Graph, Node
from neurolink.loop.core.registry import BoardOpener, BuildContext, DeviceLimits, node_kinds
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.decode import DecodeNode
from neurolink.loop.nodes.detect import DetectNode

__all__ = ["BoardOpener", "DeviceLimits", "GraphParts", "build_graph", "warm_up"]


@dataclass
class GraphParts:
    """A built graph, what must be closed with it, and the seconds its warm-up took
    (:func:`warm_up`'s ``graph`` and ``decoder_fit``; empty when not warmed)."""

    graph: Graph
    closers: list[Callable[[], None]] = field(default_factory=list)
    warm_s: dict[str, float] = field(default_factory=dict)


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
) -> dict[str, float]:
    """Run the graph on noise with spikes (compiling every kernel), then reset every node.

    The noise runs ``seconds`` (at least as long as the detectors' noise calibration), then
    0.3 s more in chunks of ``chunk`` samples with a spike every 5 ms on a random channel,
    then 0.1 s in 1 ms chunks, so that the kernels see blocks with many spikes, one spike
    and none (numba compiles one version per array layout). Decode nodes that are not fitted
    label the noise with zeros meanwhile, and their fit is warmed on synthetic counts
    (:func:`~neurolink.loop.warm.decoder.warm_decoder`): the calibration's fit then compiles
    nothing inside the loop. Commands are dropped. Call before the first real block.

    Returns
    -------
    dict of str to float
        Seconds spent: ``graph`` (running it) and ``decoder_fit``.
    """
    from neurolink.loop.warm.decoder import warm_decoder

    t0 = now()
    rng = np.random.default_rng(seed)
    tick = Tick(rate=fs, stream="warm-up")
    stage = np.zeros(8)
    undo = []
    for node in graph.nodes:
        if isinstance(node, DecodeNode) and not node.decoder.is_fitted and not node.calibrating:
            zeros = (0.0,) * len(node.dims)
            node.start_calibration(lambda t, z=zeros: z)
            undo.append(node)
    onset = max(
        [seconds]
        + [n.detector.n_calibration / fs for n in graph.nodes if isinstance(n, DetectNode)]
    )
    small = max(1, min(chunk, round(1e-3 * fs)))
    passes = [
        (round(onset * fs), chunk, 0),
        (round(0.3 * fs), chunk, 1),
        (round(0.1 * fs), small, 1),
    ]
    a = 0
    for n_samples, size, spiky in passes:
        end = a + n_samples
        while a < end:
            b = min(end, a + size)
            x = _noise(rng, b - a, n_channels, fs, spikes=spiky)
            tick.set(a, b, b / fs)
            graph.process(x, tick, stage)
            a = b
    for node in undo:
        node.stop_calibration()
    t_graph = now() - t0
    t_fit = sum(warm_decoder(node, seed) for node in undo)
    graph.reset()
    graph.node_seconds[:] = 0.0
    return {"graph": round(t_graph, 3), "decoder_fit": round(t_fit, 3)}


def _noise(
    rng: np.random.Generator, n: int, n_channels: int, fs: float, *, spikes: bool
) -> np.ndarray:
    """Gaussian noise (10 µV rms), float32 (n, n_channels), with a 0.3 ms −150 µV trough every
    5 ms (on average) on a random channel when ``spikes``."""
    x = rng.normal(0.0, 10.0, (n, n_channels)).astype(np.float32)
    if spikes:
        width = max(2, round(3e-4 * fs))
        shape = (-150.0 * np.hanning(width + 2)[1:-1]).astype(np.float32)
        for t in np.flatnonzero(rng.random(n) < 1.0 / (5e-3 * fs)):
            seg = x[t : t + width, rng.integers(n_channels)]
            seg += shape[: seg.shape[0]]
    return x
