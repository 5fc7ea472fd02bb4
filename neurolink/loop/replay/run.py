"""Replay (DESIGN.md §6): the same graph driven from a recording, by sample index, as fast as
possible; the decoded outputs and commands reproduced exactly, or a changed config compared.

:func:`replay` reads the recording (:func:`~neurolink.loop.replay.source.load_run`), builds
the graph of the config (the recorded one by default) with the recorded device limits, and runs
the live engine on a :class:`~neurolink.loop.replay.source.RecordingSource` (the recorded blocks,
first indices and time stamps) with sinks that write nothing
(:mod:`neurolink.loop.replay.engine`). Whatever the live run decided that is not a function of
the samples comes from the recording: where catch-ups ended, which commands a sink refused, the
calibration labels (the intent at its push times), the fitted decoder (the model saved at fit
time; refitted when the config changes what it was fitted on). Networks configured for the
neuromorphic board run on the host ``fixed`` backend, bit-exact with the chip.

The result holds the replayed outputs and a comparison with the recording
(:mod:`neurolink.loop.replay.compare`); with the recorded config every compared stream must be
identical (:attr:`ReplayResult.identical`). Sweeps read a recording once (:func:`load_run`) and
call :func:`replay_run` once per config.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neurolink.hal.safety import AuditLog, EStop
from neurolink.loop.core.graph import Graph
from neurolink.loop.core.open import open_graph
from neurolink.loop.core.record import LoopRecorder
from neurolink.loop.core.settings import EngineSettings
from neurolink.loop.nodes.decode import DecodeNode, make_decoder
from neurolink.loop.replay.compare import (
    StreamDiff,
    compare_streams,
    decoder_r2,
    intent_agreement,
    max_velocity_change,
    recorded_commands,
)
from neurolink.loop.replay.engine import (
    RecordedPauses,
    ReplayCalibration,
    ReplayEngine,
    ReplayRecorder,
    ReplaySink,
)
from neurolink.loop.replay.report import (
    build_replay_summary,
    closed_loop_from,
    config_changes,
    format_replay,
)
from neurolink.loop.replay.source import RecordedRun, RecordingSource, ReplayError, load_run
from neurolink.loop.session.config import Config, config_to_dict, load_config
from neurolink.snn import make_backend

__all__ = [
    "DecodedTrace",
    "RecordedRun",
    "ReplayError",
    "ReplayResult",
    "format_replay",
    "load_run",
    "replay",
    "replay_run",
]

_NEVER = 1 << 62  # tolerances a replay never reaches: the live run already decided


@dataclass(frozen=True, eq=False)
class DecodedTrace:
    """The first decode node's output, one row per chunk that completed a bin (as recorded).

    Attributes
    ----------
    dims : tuple of str
    index : numpy.ndarray of int64, shape (n,)
        Newest sample index of the chunk.
    t : numpy.ndarray of float64, shape (n,)
        Its time stamp (s).
    values : numpy.ndarray of float64, shape (n, n_dims)
    """

    dims: tuple[str, ...]
    index: np.ndarray
    t: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class ReplayResult:
    """A replay's outputs, its comparison with the recording and its summary.

    Attributes
    ----------
    recording : pathlib.Path
    config : Config
        The config replayed.
    same_config : bool
        The recorded ``[loop]`` (recording settings aside).
    changes : list of str
        What the config changed (``key: old -> new``).
    decoded : DecodedTrace
    commands : list of dict
        Every command the sinks took, as :func:`~neurolink.hal.commands.command_to_dict`
        with ``sink``, in order.
    spikes : numpy.ndarray of float64, shape (n_spikes, 4)
        Detected spikes (``sample_index, channel, amplitude, unit``).
    events : list of dict
        The replay's ``loop`` events (``caught_up``, ``fit``, ``unsent`` …).
    streams : dict of str to StreamDiff
        Stream by stream comparison with the recording.
    summary : dict
        JSON-ready: figures, comparison, the engine's summary (``engine``).
    """

    recording: Path
    config: Config
    same_config: bool
    changes: list[str]
    decoded: DecodedTrace
    commands: list[dict[str, Any]]
    spikes: np.ndarray
    events: list[dict[str, Any]]
    streams: dict[str, StreamDiff]
    summary: dict[str, Any]

    @property
    def identical(self) -> bool:
        """Every compared stream identical to the recording."""
        return all(d.identical for d in self.streams.values())


def _host_board(url: str) -> tuple[Any, Callable[[], None]]:
    """Networks meant for the neuromorphic board run on the host (bit-exact) backend."""
    return make_backend("fixed"), lambda: None


def _given(config: Config | str | os.PathLike[str] | None) -> Config | None:
    if config is None or isinstance(config, Config):
        return config
    return load_config(config)


def _loop_plain(cfg: Config) -> dict[str, Any]:
    loop = dict(config_to_dict(cfg)["loop"])
    loop.pop("recording", None)
    return loop


def replay(
    recording_path: str | os.PathLike[str],
    config: Config | str | os.PathLike[str] | None = None,
    *,
    out: str | os.PathLike[str] | None = None,
    refit: bool | None = None,
) -> ReplayResult:
    """Replay a recording through the graph of ``config`` (default: the recorded one).

    Parameters
    ----------
    recording_path : str or path-like
        The ``.xdf`` recording (made with raw samples: ``[loop.recording] raw = true``).
    config : Config or path, optional
        Another config (a TOML file or a Config) to compare with the live run.
    out : str or path-like, optional
        Write the replay's streams to this new recording (no raw samples).
    refit : bool, optional
        Fit the calibrated decoder again instead of loading the model saved at fit time
        (default: only when the config changes what it was fitted on, or no model was saved).

    Returns
    -------
    ReplayResult

    Raises
    ------
    ReplayError
        The recording lacks what a replay needs (raw samples, block boundaries, a config).
    FileFormatError, ConfigError
        An unreadable recording; a config that does not build.
    """
    cfg = _given(config)
    return replay_run(load_run(recording_path, cfg), cfg, out=out, refit=refit)


def replay_run(
    run: RecordedRun,
    config: Config | str | os.PathLike[str] | None = None,
    *,
    out: str | os.PathLike[str] | None = None,
    refit: bool | None = None,
) -> ReplayResult:
    """:func:`replay` of a recording already read (:func:`load_run`): read once, replay many
    configs (a sweep)."""
    cfg = _given(config) or run.config
    same = _loop_plain(cfg) == _loop_plain(run.config)
    loop = cfg.loop
    limits = {sc.input: run.limits[sc.name] for sc in loop.sinks if sc.name in run.limits}
    parts = open_graph(
        loop, channels=run.channels, fs=run.rate, limits=limits, open_board=_host_board
    )
    graph = parts.graph
    hooks: list[Any] = _calibration(cfg, run, graph, refit)
    hooks.append(
        RecordedPauses([(int(e["index"]), str(e.get("label", ""))) for e in run.of_event("pause")])
    )
    source = RecordingSource(run)
    recorder = ReplayRecorder(run.path, _out_recorder(out, run, cfg, graph))
    settings = EngineSettings.for_duration(
        run.seconds,
        deadline_s=loop.deadline_ms * 1e-3,
        max_consecutive_misses=_NEVER,
        max_gap_samples=_NEVER,
        max_invalid=_NEVER,
        poll_s=loop.poll_ms * 1e-3,
        max_chunk=loop.max_chunk,
    )
    engine = ReplayEngine(
        source,
        graph,
        _sinks(cfg, run),
        estop=EStop(AuditLog()),
        settings=settings,
        recorder=recorder,  # type: ignore[arg-type]  # the recorder's interface, collected
        hooks=hooks,
        status_out=None,
        clock=source.clock,
        caught_up=[int(e["index"]) for e in run.of_event("caught_up")],
        hold=same,
    )
    recorder.tick = engine.tick
    source.on_exhausted = lambda: engine.request_stop("end of the recording")
    t0 = time.perf_counter()
    try:
        with source:
            engine_summary = engine.run(None)
    finally:
        for close in parts.closers:
            close()
    wall = time.perf_counter() - t0
    return _result(run, cfg, same, graph, recorder, engine_summary, wall, out)


def _sinks(cfg: Config, run: RecordedRun) -> list[ReplaySink]:
    """One sink per configured sink, refusing again what the live one did not write."""
    refused: dict[str, dict[int, tuple[str, Any]]] = {sc.name: {} for sc in cfg.loop.sinks}
    for e in run.of_event("unsent"):
        live = (str(e.get("reason", "")), e.get("command"))
        refused.setdefault(str(e.get("sink")), {})[int(e["index"])] = live
    return [ReplaySink(sc.name, sc.device, sc.input, refused[sc.name]) for sc in cfg.loop.sinks]


def _calibration(
    cfg: Config, run: RecordedRun, graph: Graph, refit: bool | None
) -> list[ReplayCalibration]:
    """The decoder calibration hook, as the live session set it up (after the warm-up)."""
    task = cfg.loop.task
    if task is None or not task.decoder or task.calibration_s <= 0:
        return []
    node = graph[task.decoder]
    if not isinstance(node, DecodeNode):
        return []
    node_cfg = cfg.loop.node(node.name)
    bin_s = graph[graph.input_of(node.name)].width / run.rate  # type: ignore[attr-defined]
    live = run.config.loop
    upstream = [n.name for n in cfg.loop.nodes[: cfg.loop.nodes.index(node_cfg) + 1]]
    unchanged = (
        live.task is not None
        and live.task.calibration_s == task.calibration_s
        and live.task.decoder == task.decoder
        and list(live.nodes[: len(upstream)]) == list(cfg.loop.nodes[: len(upstream)])
    )
    model = run.model_path(node.name)
    use_model = model is not None and model.exists() and refit is not True and unchanged
    return [
        ReplayCalibration(
            node,
            run.intents(),
            task.calibration_s,
            model=model if use_model else None,
            make_decoder=lambda: make_decoder(node_cfg.params, bin_s),
            channels=run.channels,
        )
    ]


def _out_recorder(
    out: str | os.PathLike[str] | None, run: RecordedRun, cfg: Config, graph: Graph
) -> LoopRecorder | None:
    if out is None:
        return None
    decoders = graph.of_kind("decode")
    return LoopRecorder(
        Path(out),
        {"config": config_to_dict(cfg), "replay_of": str(run.path)},
        run.channels,
        run.rate,
        record_raw=False,
        decoded_dims=decoders[0].dims if decoders else (),  # type: ignore[attr-defined]
    )


def _result(
    run: RecordedRun,
    cfg: Config,
    same: bool,
    graph: Graph,
    rec: ReplayRecorder,
    engine_summary: dict[str, Any],
    wall: float,
    out: str | os.PathLike[str] | None,
) -> ReplayResult:
    decoders = graph.of_kind("decode")
    dims = tuple(decoders[0].dims) if decoders else ()  # type: ignore[attr-defined]
    n_dims = len(dims) or 1
    decoded = DecodedTrace(
        dims,
        np.asarray(rec.decoded_index, np.int64),
        np.asarray(rec.decoded_t, np.float64),
        np.asarray(rec.decoded, np.float64).reshape(-1, n_dims),
    )
    spikes = np.concatenate(rec.spike_rows) if rec.spike_rows else np.zeros((0, 4))
    spike_t = np.concatenate(rec.spike_t) if rec.spike_t else np.zeros(0)
    snn = np.concatenate(rec.snn_rows) if rec.snn_rows else np.zeros((0, 2))
    replayed = {
        "events": (spikes, spike_t, spikes[:, 0].astype(np.int64)),
        "decoded": (decoded.values, decoded.t, decoded.index),
        "snn_spikes": (
            snn,
            np.asarray(rec.snn_t, np.float64),
            np.asarray(rec.snn_index, np.int64),
        ),
    }
    unsent = [e for e in rec.events if e["event"] == "unsent"]
    streams = compare_streams(run, replayed, rec.commands, unsent)
    changes = [] if same else config_changes(run.config, cfg)
    t_from = closed_loop_from(run, rec.events)
    intents = run.intents()
    rec_t, rec_values = _recorded_decoded(run)
    live_cmds = recorded_commands(run)
    offline = {
        "closed_loop_from_s": None if np.isinf(t_from) else t_from - float(run.raw.timestamps[0]),
        "decoder_r2": {
            "live": decoder_r2(rec_t, rec_values, intents, dims, t_from),
            "replay": decoder_r2(decoded.t, decoded.values, intents, dims, t_from),
        },
        "intent_agreement": {
            "live": intent_agreement(live_cmds, intents, t_from),
            "replay": intent_agreement(rec.commands, intents, t_from),
        },
        "max_velocity_change": max_velocity_change(live_cmds, rec.commands),
    }
    summary = build_replay_summary(
        run,
        same=same,
        changes=changes,
        streams=streams,
        wall_s=wall,
        out=None if out is None else str(out),
        # latencies and wall time ran on the replay's clock (sample time): not figures
        engine={k: v for k, v in engine_summary.items() if k not in ("latency", "wall_s")},
        offline=offline,
    )
    return ReplayResult(
        run.path, cfg, same, changes, decoded, rec.commands, spikes, rec.events, streams, summary
    )


def _recorded_decoded(run: RecordedRun) -> tuple[np.ndarray, np.ndarray]:
    if "decoded" not in run.session:
        return np.zeros(0), np.zeros((0, 1))
    s = run.session["decoded"]
    return s.timestamps, np.asarray(s.data, np.float64)
