"""Build a :class:`~neurolink.loop.core.graph.Graph` from ``[loop]`` (validated by the config).

The config has already checked names, wiring and port types (with file and line). What only
shows once the source and the devices are known — a decoded vector that does not match the
prosthesis's degrees of freedom, a model fitted on other channels — raises a
:class:`~neurolink.errors.ConfigError` naming the node and the key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neurolink.decode import BayesianDecoder, Decoder, KalmanDecoder, WienerFilter, load_decoder
from neurolink.decode.errors import DecoderError
from neurolink.errors import ConfigError
from neurolink.loop.core.config import LoopConfig, NodeConfig
from neurolink.loop.core.graph import Graph, Node
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.decode import ClassifyNode, DecodeNode, FeaturesNode
from neurolink.loop.nodes.dsp import BinNode, DetectNode, FilterNode, RerefNode
from neurolink.loop.nodes.mapping import DiscreteMapper, StimMapper, VelocityMapper
from neurolink.loop.nodes.snn import BurstNode, SNNNode, StepBackend, WTANode
from neurolink.snn import make_backend

__all__ = ["DeviceLimits", "GraphParts", "build_graph", "make_decoder", "warm_up"]

#: Opens a neuromorphic board at a URL (``"emulate"`` starts its emulator); returns the driver
#: and a function that closes it.
BoardOpener = Callable[[str], tuple[StepBackend, Callable[[], None]]]


@dataclass(frozen=True)
class DeviceLimits:
    """What a mapper must respect of the device it feeds."""

    n_dof: int
    max_speed: float
    max_accel: float


@dataclass
class GraphParts:
    """A built graph and what must be closed with it."""

    graph: Graph
    closers: list[Callable[[], None]] = field(default_factory=list)


def _err(node: NodeConfig, key: str, message: str) -> ConfigError:
    return ConfigError(
        f"`loop.nodes` node {node.name!r} ({node.kind}): `{node.kind}.{key}`: {message}"
    )


def make_decoder(node: NodeConfig, bin_s: float) -> Decoder:
    """A new (unfitted) decoder as node ``node``'s parameters say."""
    p = node.decode
    assert p is not None
    if p.method == "bayes":
        return BayesianDecoder(bin_s=bin_s, grid_shape=p.grid, prior=p.prior, estimate=p.estimate)
    if p.method == "kalman":
        return KalmanDecoder(kinematics="velocity")
    return WienerFilter()


def _backend(
    kind: str, url: str, open_board: BoardOpener | None, closers: list[Callable[[], None]]
) -> StepBackend:
    if kind == "fixed":
        return make_backend("fixed")  # type: ignore[return-value]
    if open_board is None:
        raise ConfigError("a neuroboard backend needs a board opener")
    board, close = open_board(url)
    closers.append(close)
    return board


def build_graph(
    cfg: LoopConfig,
    *,
    channels: Sequence[str],
    fs: float,
    limits: dict[str, DeviceLimits],
    open_board: BoardOpener | None = None,
) -> GraphParts:
    """Make every node of ``cfg.nodes``.

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
        Opens a neuromorphic board for ``backend = "neuroboard"`` nodes.

    Returns
    -------
    GraphParts
    """
    n_ch, chunk = len(channels), cfg.max_chunk
    made: dict[str, Node] = {}
    closers: list[Callable[[], None]] = []
    width: dict[str, int] = {}
    for n in cfg.nodes:
        p: Any = n.params
        src = made.get(n.input or "")
        if n.kind == "filter":
            node: Node = FilterNode(
                n.name,
                n_ch,
                fs,
                kind=p.type,
                band=p.band,
                cutoff=p.cutoff,
                freq=p.freq,
                order=p.order,
                init=p.init,
                max_samples=chunk,
            )
        elif n.kind == "reref":
            node = RerefNode(n.name, n_ch, method=p.method, exclude=p.exclude, max_samples=chunk)
        elif n.kind == "detect":
            node = DetectNode(
                n.name,
                n_ch,
                fs,
                method=p.method,
                threshold=p.threshold,
                sign=p.sign,
                dead_time_ms=p.dead_time_ms,
                refractory_ms=p.refractory_ms,
                calibration_s=p.calibration_s,
                noise_tau_s=p.noise_tau_s,
            )
        elif n.kind == "bin":
            w = max(1, round(p.width_ms * 1e-3 * fs))
            node = BinNode(n.name, n_ch, w, max_samples=chunk)
            width[n.name] = w
        elif n.kind == "decode":
            bin_s = width[n.input or ""] / fs
            dec = _bin_model(n, channels) if p.model is not None else make_decoder(n, bin_s)
            node = DecodeNode(n.name, dec, p.dims, n_ch)
        elif n.kind == "features":
            node = FeaturesNode(n.name, fs, n_ch, bands=p.bands, window_s=p.window_s, order=p.order)
        elif n.kind == "classify":
            try:
                dec = load_decoder(p.model, channels)
            except DecoderError as exc:
                raise _err(n, "model", str(exc)) from None
            if not hasattr(dec, "classes_"):
                raise _err(
                    n, "model", f"{p.model} holds a {type(dec).__name__}, not a class decoder"
                )
            _check_rate(n, p.model, dec, fs)
            node = ClassifyNode(n.name, dec)
        elif n.kind == "snn":
            labels = _labels(src)
            node = SNNNode(
                n.name,
                _backend(p.backend, p.url, open_board, closers),
                labels,
                fs,
                scale=p.scale,
                dt_ms=p.dt_ms,
                tau_ms=p.tau_ms,
                max_samples=chunk,
            )
        elif n.kind == "burst":
            node = BurstNode(
                n.name,
                _backend(p.backend, p.url, open_board, closers),
                n_ch,
                fs,
                n_coincident=p.n_coincident,
                leak_ms=p.leak_ms,
                dt_ms=p.dt_ms,
                max_samples=chunk,
            )
        elif n.kind == "wta":
            k = len(_labels(src))
            node = WTANode(
                n.name,
                _backend(p.backend, p.url, open_board, closers),
                k,
                fs,
                evidence_spikes=p.evidence_spikes,
                leak=p.leak,
                dt_ms=p.dt_ms,
                refractory_steps=round(p.refractory_ms / p.dt_ms),
                max_samples=chunk,
            )
        else:
            node = _mapper(n, p, fs, limits.get(n.name), src)
        made[n.name] = node
    graph = Graph(list(made.values()), [n.input or "source" for n in cfg.nodes])
    return GraphParts(graph, closers)


def _bin_model(n: NodeConfig, channels: Sequence[str]) -> Decoder:
    """The decode node's model file: a bin decoder for these channels and the node's ``dims``."""
    p = n.decode
    assert p is not None and p.model is not None
    try:
        dec = load_decoder(p.model, channels)
    except DecoderError as exc:
        raise _err(n, "model", str(exc)) from None
    if not isinstance(dec, BayesianDecoder | KalmanDecoder | WienerFilter):
        raise _err(
            n, "model", f"{p.model} holds a {type(dec).__name__}, not a bin decoder "
            "(bayes, kalman, wiener)",
        )  # fmt: skip
    width = np.asarray(dec.step(np.zeros(len(channels)))).size
    dec.reset()
    if width != len(p.dims):
        raise _err(
            n, "dims", f"the model {p.model} decodes {width} values, the node names "
            f"{len(p.dims)} ({', '.join(p.dims)})",
        )  # fmt: skip
    return dec


def _check_rate(n: NodeConfig, model: Path, dec: Decoder, fs: float) -> None:
    """Refuse a model ``model`` fitted at another sampling rate than the source's ``fs``: its
    filters and windows hold for the rate it was fitted at."""
    model_fs = getattr(dec, "fs", None)
    if model_fs is not None and not math.isclose(float(model_fs), fs, rel_tol=1e-9):
        raise _err(
            n, "model", f"{model} was fitted at {float(model_fs):g} Hz, the source "
            f"runs at {fs:g} Hz; calibrate a model at this rate",
        )  # fmt: skip


def _labels(src: Node | None) -> tuple[str, ...]:
    """Labels of the vector a node outputs (decode dims, classes, features)."""
    return tuple(getattr(src, "labels", ()))


def _mapper(n: NodeConfig, p: Any, fs: float, lim: DeviceLimits | None, src: Node | None) -> Node:
    if n.kind == "stim":
        return StimMapper(
            n.name,
            fs,
            channel=p.channel,
            amplitude_ua=p.amplitude_ua,
            phase_width_us=p.phase_width_us,
            interphase_gap_us=p.interphase_gap_us,
            frequency_hz=p.frequency_hz,
            pulse_count=p.pulse_count,
            refractory_ms=p.refractory_ms,
        )
    speed = min(x for x in (p.max_speed, lim.max_speed if lim else None, 1e9) if x is not None)
    accel = min(x for x in (p.max_accel, lim.max_accel if lim else None, 1e9) if x is not None)
    if n.kind == "velocity":
        dims = _labels(src)
        n_dof = lim.n_dof if lim else len(dims)
        if len(dims) != n_dof:
            raise _err(
                n,
                "input",
                f"its input gives {len(dims)} values ({', '.join(dims)}), the "
                f"device it drives has {n_dof} degrees of freedom",
            )
        return VelocityMapper(
            n.name,
            n_dof,
            fs,
            interval_ms=p.interval_ms,
            gain=p.gain,
            deadband=p.deadband,
            max_speed=speed,
            max_accel=accel,
            accel_margin=p.accel_margin,
        )
    if lim is not None and any(len(v) != lim.n_dof for v in p.velocities):
        raise _err(
            n,
            "velocities",
            f"every velocity needs {lim.n_dof} values (the device's degrees of freedom)",
        )
    return DiscreteMapper(
        n.name,
        fs,
        p.velocities,
        hold_ms=p.hold_ms,
        interval_ms=p.interval_ms,
        max_speed=speed,
        max_accel=accel,
        accel_margin=p.accel_margin,
    )


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
