"""A node's output read back from LSL: :class:`PortInlet`.

:class:`PortInlet` reassembles the messages of a port stream
(:mod:`neurolink.loop.stages.lsl_ports`) and returns each as a :class:`Message`: the producer's
tick, the origin time on this host's clock (LSL's clock offset added) and the value the next node
takes. For counts, the span between two messages comes back as an idle step, so that the receiver's
ticks tile the sample range as the producer's did."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pylsl

from neurolink.clock import now
from neurolink.errors import SourceError, StreamMismatchError, StreamStalledError
from neurolink.loop.core.ports import Port
from neurolink.loop.stages.io import UpstreamError, meta_from_info
from neurolink.loop.stages.lsl_ports import (
    ABORT,
    EMPTY,
    END,
    HEADER,
    PortMeta,
    join_index,
    make_codec,
)
from neurolink.streams.discovery import start_resolve
from neurolink.streams.lsl_inlet import OPEN_TIMEOUT, ClockCorrection, LSLInlet

__all__ = ["Message", "PortInlet"]

_H = len(HEADER)
#: Rows taken per non-blocking pull: one fixed size (pylsl makes a ctypes array type per size).
_DRAIN = 1024


@dataclass(slots=True)
class Message:
    """One producer step as received.

    Attributes
    ----------
    first_index, stop_index : int
        The producer's tick (sample indices of the origin stream).
    t_origin : float
        Host time (this host's clock) of the newest source sample of the step (s).
    t_received : float
        Host time the message's last row was pulled (s).
    value : object
        The node output (reused by the next message: copy to keep).
    fresh : bool
        False for an ``EMPTY`` row or an idle step filled in between two counts messages.
    """

    first_index: int
    stop_index: int
    t_origin: float
    t_received: float
    value: Any
    fresh: bool


class PortInlet(LSLInlet):
    """Reads a port stream back into node inputs, message by message.

    Parameters
    ----------
    name, source_id : str, optional
        The stream to resolve (at least one).
    port : Port, optional
        The port expected (a different one raises at open).
    node : str, optional
        The producing node expected (a different one raises at open).
    resolve_timeout : float
        Longest wait for the stream to appear (s).
    start_timeout : float
        Longest wait for the first message once open (s): the producer may still be starting.
    stall_timeout : float
        After the first message, longest time without one (s) before
        :class:`~neurolink.errors.StreamStalledError`.
    max_samples : int
        Idle steps filled in between two counts messages span at most this many samples.
    """

    def __init__(
        self,
        name: str | None = None,
        source_id: str | None = None,
        *,
        port: Port | None = None,
        node: str | None = None,
        resolve_timeout: float = 30.0,
        start_timeout: float = 60.0,
        stall_timeout: float = 2.0,
        clock_interval: float = 5.0,
        max_samples: int = 2048,
        max_buflen: int = 30,
    ) -> None:
        super().__init__(name, None, source_id, resolve_timeout, clock_interval, max_buflen)
        self.expected = (port, node)
        self.start_timeout, self.stall_timeout = float(start_timeout), float(stall_timeout)
        self.max_samples = int(max_samples)
        self.meta: PortMeta | None = None
        self.ended = False  #: True once END arrived
        self.n_messages = 0
        self._head = self._tail = 0
        self._stop: int | None = None  # stop index of the last message
        self._last_arrival = 0.0
        self._described: pylsl.StreamInlet | None = None

    def _configure(self, info: pylsl.StreamInfo) -> None:
        meta = meta_from_info(info)
        port, node = self.expected
        if port is not None and meta.port is not port:
            raise StreamMismatchError(
                f"LSL stream {self.name!r} carries {meta.port.value} (output of node "
                f"{meta.node!r}), expected {port.value}"
            )
        if node is not None and meta.node != node:
            raise StreamMismatchError(
                f"LSL stream {self.name!r} carries the output of node {meta.node!r}, "
                f"expected node {node!r}"
            )
        self.meta, self.codec = meta, make_codec(meta)
        self.rate, self.channels = meta.rate, meta.channels
        width = _H + len(self.codec.labels())
        if info.channel_count() != width:
            raise StreamMismatchError(
                f"LSL stream {self.name!r} has {info.channel_count()} channels, its port "
                f"layout {width}"
            )
        self._buf = np.zeros((4096, width), self.codec.dtype)
        self._ts = np.zeros(4096, np.float64)
        self._tr = np.zeros(4096, np.float64)

    def describe(self) -> PortMeta:
        """Resolve the stream, read its metadata and measure the clock offset, without
        subscribing: the producer does not count this process as a reader (and does not start)
        until :meth:`open`, which then takes no time.

        Raises
        ------
        StreamNotFoundError, StreamMismatchError, SourceError
            No such stream; not the port or node expected; it did not answer.
        """
        if self.meta is not None:
            return self.meta
        # described and clock-probed while resolving listens on for a second outlet matching
        pending = start_resolve(**self.query, timeout=self.resolve_timeout)
        info = pending.info
        inlet = pylsl.StreamInlet(info, max_buflen=self.max_buflen, recover=True)
        try:
            full = inlet.info(timeout=OPEN_TIMEOUT)
            offset = inlet.time_correction(timeout=OPEN_TIMEOUT)
        except TimeoutError as exc:
            pending.result()  # two outlets matching is what to say first
            raise SourceError(
                f"LSL stream {info.name()!r} answered but gave no description or clock "
                f"offset within {OPEN_TIMEOUT:g} s"
            ) from exc
        pending.result()
        self.name = full.name()
        self._configure(full)
        self.clock_history.append(ClockCorrection(now(), float(offset)))
        self._described = inlet
        assert self.meta is not None
        return self.meta

    def open(self) -> None:
        """Subscribe (after :meth:`describe`, done here if not yet); starts the start-up
        clock."""
        if self.is_open:
            return
        self.describe()
        inlet, self._described = self._described, None
        assert inlet is not None
        try:
            inlet.open_stream(timeout=OPEN_TIMEOUT)
        except TimeoutError as exc:
            inlet.close_stream()
            raise SourceError(
                f"LSL stream {self.name!r} did not open within {OPEN_TIMEOUT:g} s"
            ) from exc
        self._inlet = inlet
        self._last_arrival = now()

    def close(self) -> None:
        """Unsubscribe (idempotent)."""
        self._described = None
        super().close()

    def read(self, timeout: float = 0.0) -> Message | None:
        """The next message (or idle step), waiting at most ``timeout`` s for data.

        Returns
        -------
        Message or None
            None when no complete message is there yet, or after ``END`` (see :attr:`ended`).

        Raises
        ------
        UpstreamError
            The producer sent ``ABORT``.
        StreamStalledError
            Nothing arrived within ``start_timeout`` (before the first message) or
            ``stall_timeout``.
        """
        if self.ended:
            return None
        n = self._complete()
        if not n:
            self._pull(timeout)
            n = self._complete()
            if not n:
                return None
        row = self._buf[self._head]
        first, n_samples, rest = join_index(row[0], row[1]), int(row[2]), int(row[3])
        if rest == END:
            self.ended, self._head = True, self._head + 1
            return None
        if rest == ABORT:
            raise UpstreamError(f"the process feeding {self.name!r} stopped on an error")
        last = self._head + n - 1
        t_origin = float(self._ts[last]) + self.clock_history[-1].offset
        if self.codec.skip_empty and self._stop is not None and first > self._stop:
            a = self._stop  # fill the span since the last message with one idle step
            b = min(first, a + self.max_samples)
            self._stop = b
            t_idle = t_origin - (first + n_samples - b) / self.rate
            value = self.codec.nothing(a)
            return Message(a, b, t_idle, float(self._tr[last]), value, False)
        if rest == EMPTY:
            value, fresh = self.codec.nothing(first), False
        else:
            value, fresh = self.codec.decode(self._buf[self._head : last + 1, _H:], first), True
        self._head = last + 1
        self._stop = first + n_samples
        self.n_messages += 1
        return Message(first, first + n_samples, t_origin, float(self._tr[last]), value, fresh)

    def _complete(self) -> int:
        """Rows of the next message when all of it is buffered, else 0."""
        if self._head == self._tail:
            return 0
        rest = int(self._buf[self._head, 3])
        n = rest + 1 if rest >= 0 else 1
        return n if self._tail - self._head >= n else 0

    def _missing(self) -> int:
        """Rows the next message still lacks: 1 (its first row) when none of it is buffered."""
        if self._head == self._tail:
            return 1
        rest = int(self._buf[self._head, 3])
        return max((rest + 1 if rest >= 0 else 1) - (self._tail - self._head), 0)

    def _pull(self, timeout: float) -> None:
        """Take what is queued; while the next message is incomplete, wait inside liblsl (at
        most ``timeout`` s, never past the stall deadline) for exactly the rows it lacks.

        The first row says how many follow, so a message costs one wake-up here once it has
        started to arrive, however liblsl hands its rows over (a wait for one row and then a
        drain would wake this process several times per message)."""
        inlet = self._require_inlet()
        got = self._take(inlet, 0.0, _DRAIN)
        limit = self.stall_timeout if self.n_messages else self.start_timeout
        t_end = min(now() + timeout, self._last_arrival + limit)
        while need := self._missing():
            wait = t_end - now()
            if wait <= 0:
                break
            n = self._take(inlet, wait, need)
            if not n:
                break
            got += n
        t = now()
        if not got:
            if t - self._last_arrival >= limit:
                raise StreamStalledError(
                    f"port stream {self.name!r} delivered nothing for {limit:g} s"
                )
            return
        self._maybe_correct_clock(inlet, t)

    def _take(self, inlet: pylsl.StreamInlet, timeout: float, n: int) -> int:
        """Pull up to ``n`` rows (all ``n``, or what came within ``timeout`` s) behind the
        buffered ones; returns how many came."""
        buf = self._make_room(n)
        _, got = inlet.pull_chunk(timeout=timeout, max_samples=n, dest_obj=buf)
        m = len(got)
        if m:
            k = self._tail
            self._ts[k : k + m] = got
            self._tr[k : k + m] = self._last_arrival = now()
            self._tail = k + m
        return m

    def _make_room(self, n: int) -> np.ndarray:
        """At least ``n`` free rows after the buffered ones (compacting or growing the
        buffer)."""
        if self._buf.shape[0] - self._tail < n:
            h, t = self._head, self._tail
            if h:
                for a in (self._buf, self._ts, self._tr):
                    a[: t - h] = a[h:t]
                self._head, self._tail = 0, t - h
            while self._buf.shape[0] - self._tail < n:  # one message fills the buffer: grow it
                self._buf = np.concatenate([self._buf, np.zeros_like(self._buf)])
                self._ts = np.concatenate([self._ts, np.zeros_like(self._ts)])
                self._tr = np.concatenate([self._tr, np.zeros_like(self._tr)])
        return self._buf[self._tail :]
