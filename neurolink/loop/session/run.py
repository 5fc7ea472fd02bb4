"""One run of the loop from a config: set everything up, run the engine, take it all down.

Set-up order: the simulated subject (its own process) when the source is ``simulated`` (it
streams from the loop's first sample on: the loop's sample indices are the simulator's), and
then, for both kinds of simulated subject (``simulated``, ``simulated_inprocess``), every
kernel of the graph compiled on the subject's channels
(:func:`~neurolink.loop.warm.kernels.warm_kernels`: a copy of the graph warmed, decoder fits
included, before any device is armed and before the source is read, so that no watchdog runs
through a cold compilation and no data queue up meanwhile); the sinks' devices (emulators
started for ``url = "emulate"``), stimulators first so that their e-stop callbacks run first;
the source; the graph (with the devices' limits), warmed (in a fraction of a second after the
first warm-up; the only warm-up for other sources); the recording; the task.
Tear-down, whatever happened: the engine has already put the devices to rest and closed the
recording; then devices and emulators are closed, the source, the subject. Research use only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from neurolink import __version__
from neurolink.errors import ConfigError
from neurolink.hal.drivers import NeuroboardDriver, ProsthesisDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.safety import AuditLog, EStop
from neurolink.loop.core.build import DeviceLimits
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.open import open_graph
from neurolink.loop.core.record import LoopRecorder, raw_stream_args
from neurolink.loop.core.settings import EngineSettings
from neurolink.loop.core.sinks import EMULATE, DeviceSink, open_device, stop_rank
from neurolink.loop.nodes.decode import DecodeNode, make_decoder
from neurolink.loop.session.closed_loop import CenterOutHook
from neurolink.loop.session.config import Config, config_to_dict
from neurolink.loop.session.files import AuditHook, PathsHook, SessionFiles, plan_files
from neurolink.loop.warm.kernels import warm_kernels
from neurolink.sim.source_config import InProcessConfig, SimulatedConfig, SubjectConfig
from neurolink.sim.subject import ControlOutlet, IntentControl, SimulatedSubject
from neurolink.sim.task import CenterOutParams, CenterOutTask
from neurolink.streams.factory import source_from_config
from neurolink.streams.source import Source

__all__ = ["Session", "open_board"]


def open_board(url: str) -> tuple[NeuroboardDriver, Callable[[], None]]:
    """Open a neuromorphic board (starting its emulator for ``"emulate"``) and a closer."""
    emu = Emulator("neuroboard").start() if url == EMULATE else None
    board = NeuroboardDriver(emu.port if emu else url)
    try:
        board.open()
        board.identify()
    except BaseException:
        board.close()
        if emu is not None:
            emu.stop()
        raise

    def close() -> None:
        try:
            board.close()
        finally:
            if emu is not None:
                emu.stop()

    return board, close


class Session:
    """A configured run.

    Parameters
    ----------
    config : Config
        Validated config (``[source]``, ``[session]``, ``[loop]``).
    duration : float, optional
        Seconds of data to run (default ``session.duration``; None runs until stopped).
    status_out : TextIO, optional
        Where the status line goes (None: nowhere).
    recording : pathlib.Path, optional
        Recording file to write (default: ``<directory>/<session name>-<time>.xdf`` when
        ``loop.recording.enabled``).
    """

    def __init__(
        self,
        config: Config,
        *,
        duration: float | None = None,
        status_out: TextIO | None = sys.stderr,
        recording: Path | None = None,
    ) -> None:
        self.files: SessionFiles | None = None  # resolved at run (the audit log's path too)
        self.config = config
        self.duration = duration if duration is not None else config.session.duration
        self.status_out = status_out
        self.recording = recording
        self.audit = AuditLog()
        self.estop = EStop(self.audit)
        self.subject: SimulatedSubject | None = None
        self.engine: Engine | None = None
        self.sinks: list[DeviceSink] = []
        #: Seconds the kernels took to warm before the devices were opened (``graph``,
        #: ``decoder_fit``): compiling with a cold cache, loading from it when warm.
        self.warm_s: dict[str, float] = {}

    def run(self) -> dict[str, Any]:
        """Set up, run and tear down; the summary.

        Raises
        ------
        ConfigError, SourceError, DeviceError
            During set-up (what was started is stopped again).
        BaseException
            From the loop, after its shutdown (:attr:`engine`'s ``result`` holds the summary).
        """
        with contextlib.ExitStack() as stack:
            return self._run(stack)

    def _run(self, stack: contextlib.ExitStack) -> dict[str, Any]:
        cfg, loop = self.config, self.config.loop
        if not loop.nodes:
            raise ConfigError("the config has no [[loop.nodes]]: nothing to run")
        self.files = plan_files(cfg, self.recording)  # refused in system directories
        self.audit = AuditLog(self.files.audit)  # on disk for every session, closed last
        stack.callback(self.audit.close)
        self.estop = EStop(self.audit)
        src_cfg = cfg.source
        control: IntentControl | None = None
        if isinstance(src_cfg, SimulatedConfig):
            margin = None if self.duration is None else self.duration + 120.0
            self.subject = src_cfg.make_subject(margin).start()
            stack.callback(self.subject.stop)
            if loop.task is not None:
                outlet = ControlOutlet(self.subject.name)
                stack.callback(outlet.close)
                control = outlet
        elif loop.task is not None and not isinstance(src_cfg, InProcessConfig):
            raise ConfigError(
                "`loop.task`: the center-out task drives the simulated subject; "
                'set `source.kind = "simulated"` (or "simulated_inprocess")'
            )
        if isinstance(src_cfg, SubjectConfig):  # its channels are known before it is open
            self.warm_s = warm_kernels(loop, src_cfg.channel_names(), src_cfg.fs)
        for sc in sorted(loop.sinks, key=lambda s: stop_rank(s.device)):
            device, emu = open_device(
                sc.device,
                sc.url,
                estop=self.estop,
                audit=self.audit,
                profile=sc.profile,
                stream=sc.stream,
                ack=sc.ack,
                arm=False,  # armed as the loop starts, below
            )
            sink = DeviceSink(sc.name, sc.device, device, sc.input, emulator=emu)
            stack.callback(sink.close)
            self.sinks.append(sink)
        source = self._open_source()
        stack.callback(source.close)
        if isinstance(src_cfg, InProcessConfig) and loop.task is not None:
            control = source  # type: ignore[assignment]  # InProcessSubject.push: the intent
        parts = open_graph(
            loop,
            channels=source.channels,
            fs=source.rate,
            limits=self._limits(),
            open_board=open_board,
            stack=stack,
        )
        hooks: list[Any] = [AuditHook(self.audit), PathsHook(self.files)]
        if loop.task is not None:
            hooks.append(self._task_hook(parts.graph, source, control))
        recorder = self._recorder(source, parts.graph, stack)
        settings = EngineSettings.for_duration(
            self.duration,
            deadline_s=loop.deadline_ms * 1e-3,
            max_consecutive_misses=loop.max_consecutive_misses,
            max_gap_samples=loop.max_gap_samples,
            max_invalid=loop.max_invalid,
            poll_s=loop.poll_ms * 1e-3,
            max_chunk=loop.max_chunk,
            status_interval_s=cfg.session.status_interval,
            realtime=loop.realtime,
        )
        self.engine = Engine(
            source,
            parts.graph,
            self.sinks,
            estop=self.estop,
            settings=settings,
            recorder=recorder,
            hooks=hooks,
            status_out=self.status_out,
        )
        gc.collect()  # the full collection before arming, not in the loop's GC freeze
        for sink in self.sinks:  # armed last: set-up (graph warm-up, recorder, LSL resolve)
            sink.device.arm()  # done, nothing now stands between the heartbeats and the loop
        result = self.engine.run(self.duration)
        if self.subject is not None:  # the loop is done with its data: it winds down meanwhile
            self.subject.terminate()
        result["warm_up_s"] = {"before_devices": self.warm_s, "graph": parts.warm_s}
        result["source"]["kind"] = src_cfg.kind
        return result

    def _open_source(self) -> Source:
        src_cfg = self.config.source
        if isinstance(src_cfg, SimulatedConfig):
            assert self.subject is not None
            return self.subject.source(
                resolve_timeout=src_cfg.resolve_timeout, stall_timeout=src_cfg.stall_timeout
            )
        source = source_from_config(src_cfg)  # type: ignore[arg-type]
        source.open()
        return source

    def _limits(self) -> dict[str, DeviceLimits]:
        out = {}
        for sink in self.sinks:
            dev = sink.device
            if isinstance(dev, ProsthesisDriver) and dev.limits is not None:
                lim = dev.limits
                out[sink.mapper] = DeviceLimits(
                    lim.n_dof,
                    min(lim[j].max_velocity for j in range(lim.n_dof)),
                    min(lim[j].max_acceleration for j in range(lim.n_dof)),
                )
        return out

    def _task_hook(
        self, graph: Any, source: Source, control: IntentControl | None
    ) -> CenterOutHook:
        t = self.config.loop.task
        assert t is not None
        arm = next(s for s in self.sinks if s.name == t.prosthesis).device
        assert isinstance(arm, ProsthesisDriver)
        params = CenterOutParams(
            t.n_targets, t.radius, t.target_radius, t.hold_s, t.timeout_s, t.speed, t.slow_radius
        )
        decode = graph[t.decoder] if t.decoder else None
        make = None
        if isinstance(decode, DecodeNode):
            node_cfg = self.config.loop.node(decode.name)
            bin_s = graph[graph.input_of(decode.name)].width / source.rate
            make = lambda: make_decoder(node_cfg.params, bin_s)  # noqa: E731
        return CenterOutHook(
            CenterOutTask(params, seed=t.seed),
            arm,
            control,
            decode=decode if isinstance(decode, DecodeNode) else None,
            calibration_s=t.calibration_s if decode is not None else 0.0,
            make_decoder=make,
            channels=source.channels,
        )

    def _recorder(
        self, source: Source, graph: Any, stack: contextlib.ExitStack
    ) -> LoopRecorder | None:
        rc = self.config.loop.recording
        path = self.files.recording if self.files is not None else None
        if path is None:
            return None
        decoders = graph.of_kind("decode")
        arm = next((s for s in self.sinks if s.kind == "prosthesis"), None)
        n_dof = arm.device.n_dof if arm is not None else 0  # type: ignore[attr-defined]
        sidecar = {
            "config": config_to_dict(self.config),
            "neurolink": __version__,
            "seeds": self._seeds(),
            "subject": self.subject.command if self.subject else None,
            # for replay: the origin stream of commands, and what shaped the mappers' commands
            "source": {"name": source.name, "rate": source.rate},
            "limits": self._recorded_limits(),
        }
        rec = LoopRecorder(
            path,
            sidecar,
            source.channels,
            source.rate,
            record_raw=rc.raw,
            decoded_dims=decoders[0].dims if decoders else (),
            shadow=bool(decoders) and decoders[0].chip is not None and decoders[0].shadow,
            cursor_dims=n_dof,
            flush_interval=rc.flush_interval,
            **raw_stream_args(source),
        )
        stack.callback(rec.finish, {"error": "the run did not finish"})
        return rec

    def _recorded_limits(self) -> dict[str, dict[str, Any]]:
        """Each sink's device limits as the mappers used them, by sink name."""
        limits = self._limits()
        return {
            s.name: {"mapper": s.mapper, **dataclasses.asdict(limits[s.mapper])}
            for s in self.sinks
            if s.mapper in limits
        }

    def _seeds(self) -> dict[str, int]:
        out = {}
        src = self.config.source
        if isinstance(src, SubjectConfig):
            out["subject"] = src.seed
        if self.config.loop.task is not None:
            out["task"] = self.config.loop.task.seed
        return out
