"""One stage of the loop as its own process, between two LSL streams (``neurolink node``).

DESIGN §7: any stage can run as its own process, on this host or another, and talk LSL to the
next. :class:`NodeProcess` reads its input — the source's samples (:class:`RawInput`) or the
output of the node before it, published by another node process (:class:`PortInput`) — steps
its nodes (:mod:`neurolink.loop.stages.graph`) on the same ticks as the producer did, and
publishes one node's output (:class:`~neurolink.loop.stages.io.PortOutlet`). Sample indices and
each step's origin time travel with the data (:mod:`neurolink.loop.stages.lsl_ports`), so a chain of
processes computes exactly what one process would, and its last process measures
``t_out − t_sample`` across all of them.

Lifecycle: read the input's description (its channels and rate size the nodes); build and warm
up the nodes; open the output and wait for its first reader; then subscribe to the input — a
node process upstream has waited for exactly that, so data start to flow only once every
process downstream is ready, and every message arrives from the first (a raw source is opened
at once, and what it queued meanwhile is dropped); run until the input ends (the producer sent
``END``), ``duration`` seconds of data, SIGINT/SIGTERM, or an error; then send ``END``
(``ABORT`` after an error) so that the next process ends as well.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np

from neurolink.clock import now
from neurolink.errors import SourceError
from neurolink.loop.core.driver import GraphDriver, Tolerances, check_block, chunk_bounds
from neurolink.loop.core.faults import StopReason
from neurolink.loop.core.latency import summarize
from neurolink.loop.stages.graph import StageGraph, StagePlan
from neurolink.loop.stages.inlet import Message, PortInlet
from neurolink.loop.stages.io import PortOutlet
from neurolink.streams.lsl_source import LSLSource

__all__ = ["NodeProcess", "PortInput", "RawInput", "latency_stats", "reason_label"]


class RawInput:
    """The source's samples as messages of at most ``max_chunk`` samples.

    Parameters
    ----------
    source : LSLSource
        Not yet open.
    max_chunk : int
        Largest step (the nodes' buffers).
    max_gap_samples, max_invalid : int
        Tolerances (``[loop]``); beyond them :meth:`read` raises, as the engine faults
        (the graph driver's :func:`~neurolink.loop.core.driver.check_block`).
    """

    def __init__(
        self, source: LSLSource, max_chunk: int, max_gap_samples: int = 0, max_invalid: int = 0
    ) -> None:
        self.source, self.max_chunk = source, int(max_chunk)
        self.max_gap, self.max_invalid = int(max_gap_samples), int(max_invalid)
        self.tolerances = Tolerances(self.max_gap, self.max_invalid, self.max_chunk)
        self.ended = False
        self.first_producer_time: float | None = None
        self.n_skipped = 0
        self._pending: list[Message] = []

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def rate(self) -> float:
        return self.source.rate

    @property
    def channels(self) -> tuple[str, ...]:
        return self.source.channels

    def open(self) -> None:
        self.source.open()

    def close(self) -> None:
        self.source.close()

    def start(self) -> None:
        """Drop the samples queued since :meth:`open`: the stage starts on fresh data."""
        while (block := self.source.read(0.0)) is not None:
            self.n_skipped += block.n_samples

    def read(self, timeout: float) -> Message | None:
        """The next chunk of samples, or None."""
        if not self._pending:
            block = self.source.read(timeout)
            t = now()
            if block is None or block.n_samples == 0:
                return None
            first = self.first_producer_time is None
            refused = check_block(block, self.tolerances, first=first)
            if refused is not None:
                raise SourceError(refused.message)
            if first:
                offset = self.source.clock_history[-1].offset
                self.first_producer_time = float(block.timestamps[0]) - offset
            i0 = block.first_index
            for a, b in chunk_bounds(block.n_samples, self.max_chunk):
                ts = float(block.timestamps[b - 1])
                self._pending.append(Message(i0 + a, i0 + b, ts, t, block.data[a:b], True))
            self._pending.reverse()
        return self._pending.pop()


class PortInput:
    """Another node process's output (a :class:`PortInlet`) as messages."""

    def __init__(self, inlet: PortInlet) -> None:
        self.inlet = inlet
        self.first_producer_time: float | None = None

    @property
    def name(self) -> str:
        return self.inlet.name

    @property
    def ended(self) -> bool:
        return self.inlet.ended

    def open(self) -> None:
        """Read the stream's description only: the producer waits for :meth:`start`."""
        self.inlet.describe()

    def start(self) -> None:
        """Subscribe: the producer, which waited for this process, starts sending."""
        self.inlet.open()

    def close(self) -> None:
        self.inlet.close()

    def read(self, timeout: float) -> Message | None:
        msg = self.inlet.read(timeout)
        if msg is not None and self.first_producer_time is None:
            self.first_producer_time = msg.t_origin - self.inlet.clock_history[-1].offset
        return msg


def latency_stats(seconds: np.ndarray) -> dict[str, float]:
    """``n``, ``median``, ``p99``, ``max``, ``mean`` of latencies given in s, in ms (only
    ``n`` when there are none): :func:`~neurolink.loop.core.latency.summarize`."""
    s = summarize(seconds)
    return s.as_ms(suffix="", digits=None) if s.n else {"n": 0}


def reason_label(reason: StopReason | None) -> str:
    """A stage summary's ``stop_reason``: the reason's value, ``"error"`` for an exception,
    ``""`` before the stage stopped."""
    if reason is None:
        return ""
    return "error" if reason is StopReason.EXCEPTION else reason.value


class NodeProcess:
    """Runs a stage between its input and its output outlet.

    Parameters
    ----------
    plan : StagePlan
    stage : StageGraph
        Built (and warmed up) for the origin's channels and rate.
    source : RawInput or PortInput
        Ready (a raw source open, a port input described: it subscribes when the run starts);
        closed at the end.
    outlet : PortOutlet
        Open.
    rate : float
        The origin stream's rate (Hz).
    max_chunk : int
        Largest step the nodes take (``loop.max_chunk``).
    duration : float, optional
        Seconds of data to process (default: until the input ends or a signal).
    wait_consumer : float
        Seconds to wait for the output's first consumer before reading (0: do not wait).
    status_out : TextIO, optional
        Where a status line goes every ``status_interval`` s (None: nowhere).
    """

    def __init__(
        self,
        plan: StagePlan,
        stage: StageGraph,
        source: RawInput | PortInput,
        outlet: PortOutlet,
        *,
        rate: float,
        max_chunk: int,
        duration: float | None = None,
        wait_consumer: float = 30.0,
        poll_s: float = 0.05,
        status_out: TextIO | None = sys.stderr,
        status_interval: float = 1.0,
        clock: Callable[[], float] = now,
    ) -> None:
        self.plan, self.stage, self.source, self.outlet = plan, stage, source, outlet
        self.rate, self.max_chunk = float(rate), int(max_chunk)
        self.limit = None if duration is None else round(duration * self.rate)
        self.wait_consumer, self.poll_s, self.clock = wait_consumer, poll_s, clock
        self.status_out, self.status_interval = status_out, status_interval
        stage.clock = clock  # the nodes' step times on this process's clock
        self.driver = GraphDriver(
            stage,
            rate=self.rate,
            stream=outlet.meta.origin,
            tolerances=Tolerances(max_chunk=self.max_chunk, poll_s=poll_s),
        )
        self.tick = self.driver.tick
        self._times = np.zeros((4096, 3), np.float64)  # t_sample, t_received, t_out per message
        self.n_out = self.n_steps = 0
        self.stop_reason: StopReason | None = None
        self.why = ""
        self._signal: str | None = None
        self.result: dict[str, Any] = {}

    def run(self) -> dict[str, Any]:
        """Wait for a consumer, open the input, run; the summary (also in :attr:`result`).

        Raises
        ------
        BaseException
            What stopped the stage, after ``ABORT`` was sent and the summary made.
        """
        old = self._install_signals()
        gc.collect()
        gc.freeze()  # as the engine: what exists now is never scanned again, no long GC pauses
        t0 = self.clock()
        try:
            if self._wait_for_consumer():
                self.source.start()
                self._loop()
        except BaseException as exc:
            self.stop_reason, self.why = StopReason.EXCEPTION, f"{type(exc).__name__}: {exc}"
            self.outlet.finish(self.tick.stop_index, failed=True, linger=0.5)
            self.result = self.summary(self.clock() - t0)
            raise
        finally:
            gc.unfreeze()
            self._restore_signals(old)
            self.source.close()
            self.stage.close()
        self.outlet.finish(self.tick.stop_index)
        self.result = self.summary(self.clock() - t0)
        return self.result

    def _wait_for_consumer(self) -> bool:
        """Wait (in short slices, so that a signal ends the wait) for the output's first
        reader; False when a signal came first."""
        t_end = self.clock() + self.wait_consumer
        while self.wait_consumer > 0 and not self.outlet.wait_for_consumers(0.1):
            if self._signal is not None:
                self.stop_reason = StopReason.SIGNAL
                self.why = f"{self._signal} received while waiting"
                return False
            if self.clock() >= t_end:
                raise SourceError(
                    f"no process read {self.outlet.info.name()!r} within {self.wait_consumer:g} s"
                )
        return True

    @property
    def first_index(self) -> int | None:
        """Sample index of the first step (None before)."""
        return self.driver.first_index

    @property
    def n_samples(self) -> int:
        """Samples from the first step's first to the last step's last (gaps included)."""
        first = self.driver.first_index
        return 0 if first is None else self.tick.stop_index - first

    def _loop(self) -> None:
        tick, stage, clock, driver = self.tick, self.stage, self.clock, self.driver
        next_status = clock() + self.status_interval
        while True:
            if self._signal is not None:
                self.stop_reason, self.why = StopReason.SIGNAL, f"{self._signal} received"
                return
            msg = self.source.read(self.poll_s)
            if msg is None:
                if self.source.ended:
                    self.stop_reason, self.why = StopReason.ENDED, "the input stream ended"
                    return
                continue
            if msg.stop_index - msg.first_index > self.max_chunk:
                raise SourceError(
                    f"a step of {msg.stop_index - msg.first_index} samples from "
                    f"{self.source.name!r} exceeds loop.max_chunk = {self.max_chunk}: give "
                    "every process of the chain the same config"
                )
            driver.step(msg.value, msg.first_index, msg.stop_index, msg.t_origin)
            self.n_steps += 1
            sent = self.outlet.send(stage.value, tick)
            if sent:
                self._keep(msg.t_origin, msg.t_received, clock())
            if self.limit is not None and self.n_samples >= self.limit:
                self.stop_reason, self.why = StopReason.DURATION, "processed the duration asked for"
                return
            if self.status_out is not None and clock() >= next_status:
                next_status += self.status_interval
                print(self.status_line(), file=self.status_out, flush=True)

    def _keep(self, t_sample: float, t_received: float, t_out: float) -> None:
        if self.n_out == self._times.shape[0]:
            self._times = np.concatenate([self._times, np.zeros_like(self._times)])
        self._times[self.n_out] = (t_sample, t_received, t_out)
        self.n_out += 1

    @property
    def times(self) -> np.ndarray:
        """``(t_sample, t_received, t_out)`` of every message sent with payload (s), (n, 3)."""
        return self._times[: self.n_out]

    def status_line(self) -> str:
        """Steps, messages out and latency so far."""
        lat = latency_stats(self.times[:, 2] - self.times[:, 0])
        p = f"p50 {lat['median']:.2f} ms p99 {lat['p99']:.2f} ms" if lat["n"] else "-"
        return (
            f"node {self.plan.output}: {self.n_steps} steps, {self.n_out} messages out, "
            f"t_out - t_sample {p}"
        )

    def summary(self, wall_s: float) -> dict[str, Any]:
        """What ran, how much, and the latencies (ms)."""
        t = self.times
        n_samples = self.n_samples
        return {
            "stage": list(self.plan.names),
            "node": self.plan.output,
            "input": {
                "stream": self.source.name,
                "port": self.plan.entry_port.value,
                "entry": self.plan.entry,
                "first_index": self.first_index,
                "first_producer_time": self.source.first_producer_time,
            },
            "output": {
                "stream": self.outlet.info.name(),
                "port": self.plan.output_port.value,
                "messages": self.outlet.n_messages,
                "with_payload": self.n_out,
            },
            "steps": self.n_steps,
            "samples": n_samples,
            "seconds_of_data": n_samples / self.rate if self.rate else 0.0,
            "wall_s": wall_s,
            "stop_reason": reason_label(self.stop_reason),
            "why": self.why,
            "latency_ms": latency_stats(t[:, 2] - t[:, 0]),
            "transport_ms": latency_stats(t[:, 1] - t[:, 0]),
            "process_ms": latency_stats(t[:, 2] - t[:, 1]),
            "node_ms": {
                n.name: 1e3 * float(s)
                for n, s in zip(self.stage.nodes, self.stage.node_seconds, strict=True)
            },
        }

    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        old = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            old[sig] = signal.signal(sig, self._on_signal)
        return old

    def _on_signal(self, signum: int, frame: object) -> None:
        self._signal = signal.Signals(signum).name

    @staticmethod
    def _restore_signals(old: dict[int, Any]) -> None:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def format_summary(s: dict[str, Any]) -> str:
    """The summary as a few lines of text."""
    lines = [
        f"node {s['node']} ({', '.join(s['stage'])}): {s['stop_reason']} — {s['why']}",
        f"  in : {s['input']['stream']} ({s['input']['port']}), {s['steps']} steps, "
        f"{s['seconds_of_data']:.2f} s of data",
        f"  out: {s['output']['stream']} ({s['output']['port']}), "
        f"{s['output']['with_payload']} messages with data",
    ]
    for key, label in (
        ("latency_ms", "t_out - t_sample"),
        ("transport_ms", "t_in - t_sample"),
        ("process_ms", "t_out - t_in"),
    ):
        lat = s[key]
        if lat["n"]:
            lines.append(
                f"  {label:>16}: median {lat['median']:.3f} ms, p99 {lat['p99']:.3f} ms, "
                f"max {lat['max']:.3f} ms (n={lat['n']})"
            )
    return "\n".join(lines)
