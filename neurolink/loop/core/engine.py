"""The engine: one thread that takes each block as it arrives through the graph to the devices.

Per block, the :class:`~neurolink.loop.core.driver.GraphDriver` checks the data (invalid
values, gaps), splits it into chunks of at most ``max_chunk`` samples (the size every node
preallocated for) and steps the graph on each; after each chunk the engine sends each mapper's
commands to its sinks, account latency (:mod:`neurolink.loop.core.latency`; the acquire stage
split at the moment the engine asked the source for the block), record, run the hooks
(the task), and check the deadline. Nothing on this path allocates memory in proportion to the
data; ``tests/loop/test_engine_alloc.py`` measures it.

Safety (DESIGN.md §5). A source that stalls, a block with invalid values or a gap beyond
tolerance, a device that is lost, ``max_consecutive_misses`` deadline misses in a row, an
e-stop tripped elsewhere (a device fault, a failed heartbeat), or any exception: the engine
trips the session's e-stop — every device goes to its safe state at once: stimulation stops,
the prosthesis gets zero velocity and latches — records the fault, and ends the run. Shutdown,
also on SIGINT/SIGTERM, first puts the devices to rest (stimulators first), then writes the
summary and closes the recording.

Phases. A run is in calibration while a hook (the task) says so through its ``phase``
attribute, closed loop otherwise; the engine notices a change after the block whose hooks made
it, records a ``phase`` loop event and a marker, and keeps latency figures per phase
(:mod:`neurolink.loop.core.figures`). Device FAULT reports that do not latch (a prosthesis's
STALE_COMMAND) are taken from the drivers after every block, recorded (``device_fault`` loop
events, markers) and counted in the summary. Any numba kernel compiled while the loop runs is
listed in the summary (:class:`~neurolink.loop.warm.watch.KernelWatch`): there should be
none.

ACKs. A sink whose driver collects ACKs off this thread (``ack="async"``,
:mod:`neurolink.loop.core.sinks`) returns a command as soon as it is written; its latency row
is booked then (``t_wire`` is the write), and the command is written to the recording with its
reply when the engine takes the replies: after every block, when the e-stop is found tripped,
and at shutdown after the devices were put to rest. A reply ``DEVICE_LOST`` ends the run with a
``device_lost`` fault, as a loss found by a send does.

Catch-up. After a pause the engine knows about (start-up, a decoder fit between blocks) the
blocks queued meanwhile are processed as fast as possible with the mappers' commands held
back and the deadline not checked, until the data are fresh again (:meth:`Engine.pause`).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from neurolink.clock import now
from neurolink.errors import StreamStalledError
from neurolink.hal.drivers.serial_base import LATCHING_FAULTS
from neurolink.hal.errors import DeviceLost
from neurolink.hal.safety import EStop
from neurolink.loop.core.driver import GraphDriver, Tolerances
from neurolink.loop.core.faults import Fault, FaultKind, StopReason
from neurolink.loop.core.figures import CLOSED_LOOP
from neurolink.loop.core.graph import Graph
from neurolink.loop.core.hooks import Hook
from neurolink.loop.core.latency import DeadlinePolicy, LatencyBook
from neurolink.loop.core.ports import Stage
from neurolink.loop.core.realtime import Realtime
from neurolink.loop.core.record import LoopRecorder
from neurolink.loop.core.settings import EngineSettings
from neurolink.loop.core.sinks import PENDING, DeviceSink, stop_order
from neurolink.loop.core.status import StatusLine, build_summary
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.decode import DecodeNode
from neurolink.loop.nodes.detect import DetectNode
from neurolink.loop.warm.watch import KernelWatch
from neurolink.streams.block import Block
from neurolink.streams.source import Source

__all__ = ["Engine"]


def _nothing() -> None:
    """A mapper without state to roll back."""


class Engine:
    """Runs a graph on a source's blocks and sends its commands to sinks.

    Parameters
    ----------
    source : Source
        Opened.
    graph : Graph
    sinks : sequence of DeviceSink
        Opened and armed; each takes the commands of its mapper node.
    estop : EStop
        The session's e-stop (shared with every device).
    settings : EngineSettings
    recorder : LoopRecorder, optional
    hooks : sequence of Hook
        Called after every block (the task, the calibration).
    status_out : TextIO, optional
        Where the live status line goes (None: no status line).
    clock : callable returning float
        Host clock (s).
    """

    def __init__(
        self,
        source: Source,
        graph: Graph,
        sinks: Sequence[DeviceSink],
        *,
        estop: EStop,
        settings: EngineSettings | None = None,
        recorder: LoopRecorder | None = None,
        hooks: Sequence[Hook] = (),
        status_out: TextIO | None = sys.stderr,
        clock: Callable[[], float] = now,
    ) -> None:
        self.source, self.graph, self.estop = source, graph, estop
        self.sinks = list(sinks)
        self.settings = s = settings or EngineSettings()
        self.realtime = Realtime(s.realtime)
        self.recorder, self.hooks, self.clock = recorder, list(hooks), clock
        self.book = LatencyBook(s.capacity_blocks, s.capacity_commands)
        self.deadline = DeadlinePolicy(s.deadline_s, s.max_consecutive_misses)
        self.status = StatusLine(status_out, s.status_interval_s)
        self.driver = GraphDriver(
            graph,
            rate=source.rate,
            stream=source.name,
            tolerances=Tolerances(s.max_gap_samples, s.max_invalid, s.max_chunk, s.poll_s),
            stage=self.book.stage,
        )
        by_name = {n.name: i for i, n in enumerate(graph.nodes)}
        self._routes = [(by_name[k.mapper], k) for k in self.sinks]
        self._rollback = {i: getattr(graph.nodes[i], "rollback", _nothing) for i, _ in self._routes}
        self._detect = next(
            (i for i, n in enumerate(graph.nodes) if isinstance(n, DetectNode)), None
        )
        self._decode = next(
            (i for i, n in enumerate(graph.nodes) if isinstance(n, DecodeNode)), None
        )
        # networks whose output spikes are recorded (an SNN-stage node may have none)
        self._snn = [n for n in graph.nodes if n.stage is Stage.SNN and hasattr(n, "last_spikes")]
        self.faults: list[Fault] = []
        #: Device FAULT reports taken from the sinks: (sink, code name, detail, host time, phase)
        self.device_faults: list[tuple[str, str, int, float, str]] = []
        #: The phase now (``calibration`` while a hook calibrates, else ``closed_loop``)
        self.phase = self._hook_phase() or CLOSED_LOOP
        self.kernels = KernelWatch()
        self._fault_polls = [(k.name, k.new_faults) for k in self.sinks if hasattr(k, "new_faults")]
        #: Sinks whose replies come later: (sink, its commands written and not yet recorded:
        #: (seq, latency row, the mapper's command))
        self._awaiting: dict[str, deque[tuple[int | None, Any, Any]]] = {
            k.name: deque() for k in self.sinks if getattr(k, "posted", False)
        }
        self._reply_polls = [k for k in self.sinks if k.name in self._awaiting]
        self.stop_reason: StopReason | None = None
        self.n_commands = self.n_held = self.n_catchup = 0
        self.t_start = self.t_end = 0.0
        self._catchup = True
        self._t_read = self._t_call = 0.0
        self._stop_request: str | None = None
        self._signal: str | None = None
        self.result: dict[str, Any] = {}

    # ---- control -----------------------------------------------------------------------------
    def request_stop(self, why: str = "stop requested") -> None:
        """Ask the loop to end after the current block (thread-safe)."""
        self._stop_request = why

    @contextmanager
    def pause(self, label: str) -> Iterator[None]:
        """Work between blocks (a decoder fit); afterwards the queued blocks are caught up."""
        t0 = self.clock()
        try:
            yield
        finally:
            self._catchup = True
            self.marker(f"{label} ({(self.clock() - t0) * 1e3:.0f} ms)")
            if self.recorder is not None:
                self.recorder.loop_event("pause", self.tick.last_index, t0, label=label)

    def _hook_phase(self) -> str | None:
        """The phase the hooks are in (the first hook that has a ``phase``)."""
        for hook in self.hooks:
            phase = getattr(hook, "phase", None)
            if isinstance(phase, str):
                return phase
        return None

    def begin_phase(self, phase: str) -> None:
        """Latency rows from now on count for ``phase``; a ``phase`` loop event and a marker."""
        self.phase = phase
        self.book.begin_phase(phase)
        t = self.clock()
        self.marker(f"phase {phase}")
        if self.recorder is not None:
            self.recorder.loop_event("phase", self.tick.last_index, t, phase=phase)

    def marker(self, label: str) -> None:
        """Record a text marker at the current time."""
        if self.recorder is not None:
            self.recorder.marker(label, self.clock())

    @property
    def tick(self) -> Tick:
        """Where the chunk being processed lies (the driver's)."""
        return self.driver.tick

    @property
    def n_samples(self) -> int:
        """Samples processed, with the gaps before them."""
        return self.driver.n_samples

    @property
    def n_blocks(self) -> int:
        """Blocks processed."""
        return self.driver.n_blocks

    @property
    def first_index(self) -> int | None:
        """Sample index of the first block processed (None before)."""
        return self.driver.first_index

    @property
    def sample_time(self) -> float:
        """Seconds of data processed."""
        return self.n_samples / self.tick.rate if self.tick.rate else 0.0

    # ---- run ---------------------------------------------------------------------------------
    def run(self, duration: float | None = None) -> dict[str, Any]:
        """Process blocks until ``duration`` seconds of data, a stop request, a signal or a
        fault; then shut down (devices to rest first, then the recording).

        Returns
        -------
        dict
            The end-of-run summary (also kept in :attr:`result`).

        Raises
        ------
        BaseException
            An exception from the loop, after the shutdown (the summary says what happened).
        """
        old = self._install_signals()
        # GC frozen (what exists now is never scanned again), and whatever else
        # ``settings.realtime`` asks for (pinning, SCHED_FIFO, locked memory)
        self.realtime.enter()
        self.t_start = self.clock()
        self.begin_phase(self.phase)
        try:
            with self.kernels:
                self.stop_reason = self._loop(duration)
        except BaseException as exc:
            self.stop_reason = (
                StopReason.SIGNAL if isinstance(exc, KeyboardInterrupt) else StopReason.EXCEPTION
            )
            if not isinstance(exc, KeyboardInterrupt):
                self._fault(FaultKind.EXCEPTION, f"{type(exc).__name__}: {exc}")
            self._shutdown(why=f"{self.stop_reason.value}: {exc!r}")
            raise
        finally:
            self._restore_signals(old)
            self.realtime.exit()
        self._shutdown(why=self._why(duration))
        return self.result

    def _why(self, duration: float | None) -> str:
        reason = self.stop_reason
        if reason is StopReason.DURATION:
            return f"ran the {duration:g} s asked for"
        if reason is StopReason.SIGNAL:
            return f"{self._signal} received"
        if reason is StopReason.FAULT and self.faults:
            return f"{self.faults[0].kind.value}: {self.faults[0].message}"
        return self._stop_request or str(reason)

    def _loop(self, duration: float | None) -> StopReason:
        limit = None if duration is None else round(duration * self.tick.rate)
        driver = self.driver
        while True:
            if self._signal is not None:
                return StopReason.SIGNAL
            if self._stop_request is not None:
                return StopReason.STOP
            if limit is not None and self.n_samples >= limit:
                return StopReason.DURATION
            if self.estop.tripped:
                try:  # a device lost while a command awaited its reply tripped it
                    self._take_replies()
                except DeviceLost as exc:
                    self._fault(FaultKind.DEVICE_LOST, str(exc))
                    return StopReason.FAULT
                info = self.estop.trip_info
                self._fault(
                    FaultKind.ESTOP,
                    f"e-stop tripped by {info.source if info else '?'}: "
                    f"{info.reason if info else ''}",
                    trip=False,
                )
                return StopReason.FAULT
            self._t_call = self.clock()  # the acquire stage's split (LatencyBook.split_acquire)
            try:
                block = driver.pull(self.source)
            except StreamStalledError as exc:
                self._fault(FaultKind.STALL, str(exc))
                return StopReason.FAULT
            if block is None:
                continue
            refused = driver.check(block)
            if refused is not None:
                self._fault(refused.kind, refused.message, index=refused.index)
                return StopReason.FAULT
            try:
                self._block(block)
            except DeviceLost as exc:
                self._fault(FaultKind.DEVICE_LOST, str(exc))
                return StopReason.FAULT
            if self.faults:
                return StopReason.FAULT

    def _block(self, block: Block) -> None:
        self._t_read = t_read = self.clock()
        if self.recorder is not None:
            self.recorder.block(block.data, block.timestamps, block.first_index, block.gap)
        self.driver.feed(block, t_read=t_read, on_chunk=self._chunk)
        for hook in self.hooks:
            hook.on_block(self, self.tick)
        phase = self._hook_phase()
        if phase is not None and phase != self.phase:
            self.begin_phase(phase)
        for name, poll in self._fault_polls:
            for fault in poll():
                self._device_fault(name, fault)
        if self._reply_polls:
            self._take_replies()
        self.status.maybe_print(self)

    def _take_replies(self, *, raise_lost: bool = True) -> None:
        """Record the commands of async sinks whose replies came (each with its reply and
        latency row); raise ``DeviceLost`` when one got none (``raise_lost``)."""
        rec, lost = self.recorder, None
        for sink in self._reply_polls:
            awaiting = self._awaiting[sink.name]
            for final in sink.replies():
                while awaiting and awaiting[0][0] != final.seq:  # never expected: in order
                    awaiting.popleft()
                if awaiting:
                    _, row, cmd = awaiting.popleft()
                    if rec is not None:
                        rec.sent(sink.name, final, row, cmd)
                if final.status == "DEVICE_LOST":
                    lost = sink
        if lost is not None and raise_lost:
            raise DeviceLost(lost.lost_message())

    def _device_fault(self, sink: str, fault: Any) -> None:
        """Record a FAULT report a device sent (those that latch have tripped the e-stop)."""
        if fault.fault in LATCHING_FAULTS:  # it tripped the e-stop: a fault of the run
            return
        t = self.clock()
        code = getattr(fault.fault, "name", str(fault.fault))
        self.device_faults.append((sink, code, int(fault.detail), t, self.phase))
        self.marker(f"device fault {sink}: {code} (detail {fault.detail})")
        if self.recorder is not None:
            self.recorder.loop_event(
                "device_fault", self.tick.last_index, t, sink=sink, fault=code, detail=fault.detail
            )

    def _chunk(self, block: Block, a: int, b: int, tick: Tick) -> None:
        """After the driver stepped the graph on rows ``a:b``: catch-up, record, commands,
        latency, deadline."""
        book, clock, t_read = self.book, self.clock, self._t_read
        t_last, stage = tick.t_last, book.stage
        book.split_acquire(t_last, self._t_call)
        if self._catchup and self._fresh(t_read, t_last):
            self._catchup = False
            self.marker("caught up")
            if self.recorder is not None:
                self.recorder.loop_event("caught_up", tick.first_index, t_read)
        self._record_nodes()
        t_mapped = t_last + float(stage[: Stage.WIRE].sum())
        for i, sink in self._routes:
            for cmd in self.graph.commands(i):
                sent = None
                if self._catchup:
                    self.n_held += 1
                else:
                    sent = sink.send(cmd)
                if sent is None:
                    self._rollback[i]()
                    if not self._catchup and self.recorder is not None:
                        why = getattr(sink, "last_error", "") or "not sent"
                        self.recorder.unsent(sink.name, cmd, why, clock())
                    continue
                self.n_commands += 1
                row = book.add_command(t_last, sent.t_wire, t_mapped)
                if sent.status == PENDING:  # recorded with its reply (_take_replies)
                    self._awaiting[sink.name].append((sent.seq, row, cmd))
                elif self.recorder is not None:
                    self.recorder.sent(sink.name, sent, row, cmd)
        t_done = clock()
        # wire = everything after the SNN stage: mapping, writing, recording, bookkeeping
        stage[Stage.WIRE] = t_done - t_mapped
        if self._catchup:
            self.n_catchup += 1
            return
        total = book.add_block(t_last, t_done)
        if self.deadline.check(total):
            self._fault(
                FaultKind.DEADLINE,
                f"{self.deadline.consecutive} consecutive blocks "
                f"over the {self.settings.deadline_s * 1e3:g} ms deadline (last "
                f"{total * 1e3:.2f} ms)",
                index=tick.last_index,
            )

    def _fresh(self, t_read: float, t_last: float) -> bool:
        """Whether a catch-up ends at this chunk: its data are fresh again (replay overrides
        this with the recorded ``caught_up`` indices)."""
        return t_read - t_last <= 0.5 * self.settings.deadline_s

    def _record_nodes(self) -> None:
        rec = self.recorder
        if rec is None:
            return
        out, tick = self.graph.outputs, self.tick
        if self._detect is not None:
            rec.spikes(out[self._detect].spikes, tick)
        if self._decode is not None:
            if out[self._decode].fresh:
                rec.decoded_value(out[self._decode].value, tick.t_last)
            rows = self.graph.nodes[self._decode].shadow_rows  # type: ignore[attr-defined]
            if rows.shape[0]:
                rec.host_value(rows, tick.t_last)
        for node in self._snn:
            rec.snn_spikes(node.last_spikes, node.first_step, tick.t_last)  # type: ignore[attr-defined]

    # ---- faults and shutdown -----------------------------------------------------------------
    def _fault(
        self, kind: FaultKind, message: str, *, index: int | None = None, trip: bool = True
    ) -> None:
        t = self.clock()
        fault = Fault(kind, message, t, self.tick.last_index if index is None else index)
        self.faults.append(fault)
        self.marker(f"fault {kind.value}: {message}")
        if self.recorder is not None:
            self.recorder.loop_event("fault", fault.sample_index, t, kind=kind.value)
        if trip:
            self._trip(f"{kind.value}: {message}", source=f"engine:{kind.value}")

    def _trip(self, reason: str, source: str) -> None:
        try:
            self.estop.trip(reason, source=source)
        except Exception as exc:  # recorded by the e-stop; carry on stopping the rest
            self.faults.append(
                Fault(
                    FaultKind.EXCEPTION,
                    f"stop callback failed: {exc}",
                    self.clock(),
                    self.tick.last_index,
                )
            )

    def _shutdown(self, why: str) -> None:
        """Devices to rest (stimulation first), hooks told, summary written, recording closed."""
        abnormal = self.stop_reason not in (StopReason.DURATION, StopReason.STOP)
        if abnormal and not self.estop.tripped:
            self._trip(f"shutdown ({why})", source="shutdown")
        for sink in stop_order(self.sinks):
            sink.rest()
        self._take_replies(raise_lost=False)  # rest waited for every command in flight
        for name, poll in self._fault_polls:  # reports that came after the last block
            for fault in poll():
                self._device_fault(name, fault)
        self.t_end = self.clock()
        for hook in self.hooks:
            hook.on_stop(self)
        self.status.finish()
        self.result = build_summary(self, why)
        if self.recorder is not None:
            self.marker(f"stop: {why}")
            self.recorder.finish(self.result)

    # ---- signals -------------------------------------------------------------------------------
    def _install_signals(self) -> dict[int, Any] | None:
        if threading.current_thread() is not threading.main_thread():
            return None
        old = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            old[sig] = signal.signal(sig, self._on_signal)
        return old

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self._signal is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now
        self._signal = signal.Signals(signum).name

    @staticmethod
    def _restore_signals(old: dict[int, Any] | None) -> None:
        for sig, handler in (old or {}).items():
            signal.signal(sig, handler)
