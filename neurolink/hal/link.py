"""Request/response over a transport: the host half of ``docs/protocol.md`` §4 "Exchanges".

A :class:`Link` owns a :class:`~neurolink.hal.transport.Transport` and two daemon threads:

- the *reader* feeds every byte into a :class:`~neurolink.hal.wire.FrameDecoder` and routes the
  frames: a reply (ACK, NACK or the data reply of a query) whose ``ack_seq`` is the pending
  command's goes to :meth:`Link.request`; an unsolicited frame (FAULT, LOG, PROSTHESIS_STATE,
  NEURO_SPIKES) goes to the handlers registered with :meth:`Link.on`, or — for the types a
  request asked to ``collect`` (NEURO_SPIKES of a NEURO_STEP) — to that request. Bad frames,
  garbage, replies nobody waits for and frames of the wrong direction are counted in
  :attr:`Link.stats` and dropped; the reader never stops on content.
- the *dispatcher* calls the handlers, in arrival order, outside the reader, so a handler may
  itself send (a FAULT handler that trips the e-stop, whose callback sends ESTOP).

Stop and wait, bounded retries. :meth:`Link.request` sends one command at a time (a lock
serialises the driver's thread and the heartbeat thread), waits ``timeout`` s for its reply,
and on silence — or a ``NACK BAD_CRC``/``BAD_FRAME`` naming its seq — sends *the same frame
with the same seq* again, up to ``retries`` more times. The device answers a repeated seq from
its cache (``ACK DUPLICATE``) without executing it again, so a retry never stimulates twice.
With no reply after ``1 + retries`` attempts, i.e. ``timeout × (1 + retries)`` s, the link
raises :class:`~neurolink.hal.errors.DeviceLost`.

Split exchanges. :meth:`Link.begin` writes a command and returns; :meth:`Link.finish` waits for
its reply (with the same resends). Between the two the link is held by that command, as during
:meth:`Link.request`; the caller works meanwhile (the neuromorphic board's batches of steps,
whose replies the reader collects without another thread having to wake up).

Posted exchanges. :meth:`Link.submit` writes a command on the caller's thread and returns;
the link's *collector* thread then does what :meth:`Link.finish` does — waits for the reply,
resends on silence or a damaged frame, declares the device lost after the last attempt — and
calls ``done(exchange, error)`` with the result, after releasing the link. The link is held by
the command from its write until its reply (or loss), exactly as during :meth:`request`: one
command in flight, so the device's duplicate cache (the seq of its *last* command) still
answers every resend, and a resend is never refused as ``STALE_SEQ``. A caller that submits
again (or requests) while a command is in flight waits for that reply; :meth:`urgent` does not.

Urgent frames. :meth:`Link.urgent` sends one command (the e-stop) without waiting for the
command in flight: it takes a seq of its own and is written as soon as the transport's write
lock is free (at most one frame's write); its reply is routed to it by ``ack_seq``. A command
checked before the urgent one but not yet written is then stale on the device (NACK
``STALE_SEQ``) and is not executed. :attr:`Link.gate`, when set, is called with every message
right before each of its writes (retries included) and may raise to keep it off the wire: the
drivers refuse output commands there once the e-stop has latched, and refuse STIM, ARM,
PROSTHESIS_VELOCITY and RESET_ESTOP that do not come through their safety layer (a raw
``driver.link.request(...)``). :meth:`Link.write_raw` is the one path around both, for fault
injection; a driver records each use of it in its audit log.

Loss is final. Once lost — no answer, or the port closed or failed under the reader — every
later request raises ``DeviceLost`` at once and the ``on_lost`` handlers run (once, on the
dispatcher). The link never reconnects by itself; see
:meth:`neurolink.hal.device.SerialDevice.reconnect`.

A handler that raises is logged and kept in :attr:`Link.error`; every later request then raises
:class:`~neurolink.hal.errors.DeviceError` from it: a failure stops loudly (STYLE "avoid" 3).

Every frame is preceded by one ``0x00`` on the wire, which flushes whatever partial frame the
device holds after line noise (an empty frame is ignored by every receiver).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from neurolink.clock import now as host_now
from neurolink.hal import wire
from neurolink.hal.errors import DeviceError, DeviceLost
from neurolink.hal.transport import Transport
from neurolink.hal.wire import Direction, Frame, MsgType, Status

__all__ = [
    "QUERY_REPLIES",
    "RETRY_STATUSES",
    "Done",
    "Exchange",
    "InFlight",
    "Link",
    "LinkStats",
]

_log = logging.getLogger(__name__)

QUERY_REPLIES: dict[MsgType, MsgType] = {
    MsgType.HELLO: MsgType.INFO,
    MsgType.AUTH: MsgType.AUTH_OK,
    MsgType.STATUS_QUERY: MsgType.STATUS_REPORT,
    MsgType.CHANNEL_QUERY: MsgType.CHANNEL_LIMITS,
    MsgType.PULSE_LOG_QUERY: MsgType.PULSE_LOG,
    MsgType.NEURO_READ_PROBE: MsgType.NEURO_PROBE_DATA,
    MsgType.NEURO_READ_COUNTERS: MsgType.NEURO_COUNTERS,
}
"""The data reply of each query (and of AUTH); every other command is answered by ACK (or
NACK)."""

_REPLIES = frozenset({MsgType.ACK, MsgType.NACK, *QUERY_REPLIES.values()})

_NO_COLLECT: frozenset[MsgType] = frozenset()

RETRY_STATUSES = frozenset({Status.BAD_CRC, Status.BAD_FRAME})
"""NACK statuses that mean "your frame was damaged on the way": the command is sent again."""

Handler = Callable[[Frame, float], None]
"""``handler(frame, t_rx)``: an unsolicited frame and its host-clock arrival time (s)."""
LostHandler = Callable[[DeviceLost], None]
Done = Callable[["Exchange | None", "BaseException | None"], None]
"""``done(exchange, error)``: the result of a :meth:`Link.submit` (one of the two is None),
called on the collector thread after the link was released."""


@dataclass(frozen=True)
class Exchange:
    """One command and its reply.

    Attributes
    ----------
    request : wire.Message
        What was sent.
    seq : int
        Its sequence number (the same for every attempt).
    reply : wire.Message
        :class:`~neurolink.hal.wire.Ack`, :class:`~neurolink.hal.wire.Nack` or the data reply.
    t_wire : float
        Host clock (s) right after the bytes of the first attempt were written (DESIGN §2).
    t_reply : float
        Host clock (s) when the reply arrived (not before ``t_wire``).
    attempts : int
        Times the frame was written (1 = no retry).
    collected : tuple of Frame
        Unsolicited frames of the requested ``collect`` types that arrived while waiting.
    """

    request: wire.Message
    seq: int
    reply: wire.Message
    t_wire: float
    t_reply: float
    attempts: int
    collected: tuple[Frame, ...] = ()

    @property
    def ok(self) -> bool:
        """False for a NACK."""
        return not isinstance(self.reply, wire.Nack)

    @property
    def status(self) -> Status:
        """The ACK/NACK status; ``OK`` for a data reply."""
        return getattr(self.reply, "status", Status.OK)

    @property
    def rtt_s(self) -> float:
        """Reply time minus ``t_wire`` (s)."""
        return self.t_reply - self.t_wire


@dataclass
class LinkStats:
    """Counters of a :class:`Link` since it was made."""

    requests: int = 0
    retries: int = 0
    timeouts: int = 0
    nacks: int = 0
    duplicates: int = 0  # ACK DUPLICATE: a retried command the device had already executed
    bad_frames: int = 0  # frames (or garbage) that failed the codec's checks
    unmatched: int = 0  # replies nobody waited for (late, or to an earlier attempt)
    wrong_direction: int = 0  # host→device frames received (a loopback, a crossed cable)
    unsolicited: int = 0
    device_frames_lost: int = 0  # gaps in the device's sequence numbers


@dataclass(slots=True)
class _Pending:
    seq: int
    request: wire.Message
    expect: MsgType
    collect: frozenset[MsgType]
    reply: Frame | None = None
    t_reply: float = 0.0
    resend: bool = False
    error: DeviceError | None = None
    collected: list[Frame] = field(default_factory=list)


class InFlight(NamedTuple):
    """A command written by :meth:`Link.begin` whose reply :meth:`Link.finish` awaits
    (immutable; a tuple, made on the send path)."""

    pending: _Pending
    encoded: bytes
    wait: float
    attempts: int
    t_wire: float


class Link:
    """Stop-and-wait commands with bounded retries, and routing of unsolicited frames.

    Parameters
    ----------
    transport : Transport
        The port (opened by :meth:`open` if it is not open yet).
    timeout : float
        Seconds to wait for each reply before resending.
    retries : int
        Resends after the first attempt (so ``timeout × (1 + retries)`` s until ``DeviceLost``).
    clock : callable returning float
        Host clock (s).

    Attributes
    ----------
    tamper : callable or None
        Fault injection for tests: ``tamper(encoded, attempt) -> bytes`` replaces the bytes of
        each attempt before they are written (e.g. to corrupt the first attempt's CRC).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        timeout: float = 0.25,
        retries: int = 2,
        clock: Callable[[], float] = host_now,
    ) -> None:
        if not timeout > 0:
            raise ValueError(f"Link timeout must be > 0 s, got {timeout!r}")
        if retries < 0:
            raise ValueError(f"Link retries must be >= 0, got {retries!r}")
        self.transport = transport
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.stats = LinkStats()
        self.tamper: Callable[[bytes, int], bytes] | None = None
        self.gate: Callable[[wire.Message], None] | None = None
        self.raw_hook: Callable[[bytes], None] | None = None
        self._clock = clock
        self._seq = wire.SeqCounter()
        self._seq_lock = threading.Lock()
        self._urgent: dict[int, _Pending] = {}
        self._tracker = wire.SeqTracker()
        self._decoder = wire.FrameDecoder()
        self._request_lock = threading.Lock()
        self._cond = threading.Condition()
        self._pending: _Pending | None = None
        self._handlers: dict[MsgType, list[Handler]] = {}
        self._lost_handlers: list[LostHandler] = []
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._posted: queue.SimpleQueue[tuple[InFlight, Done] | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lost: DeviceLost | None = None
        self._error: BaseException | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The transport's URL."""
        return self.transport.url

    @property
    def lost(self) -> DeviceLost | None:
        """Why the device was declared lost, or None."""
        with self._cond:
            return self._lost

    @property
    def error(self) -> BaseException | None:
        """The first exception a handler raised, or None."""
        with self._cond:
            return self._error

    @property
    def running(self) -> bool:
        """True between :meth:`open` and :meth:`close`."""
        return bool(self._threads) and not self._stop.is_set()

    def open(self) -> Link:
        """Open the transport, flush the device's receiver, start the threads; returns self."""
        if self.running:
            return self
        self.transport.open()
        self._decoder.reset()
        self._tracker.reset()
        with self._cond:
            self._lost = self._error = None
        self._stop.clear()
        self._queue = queue.SimpleQueue()  # nothing left over from an earlier session
        self._posted = queue.SimpleQueue()
        self.transport.write(b"\x00")
        self._threads = [
            threading.Thread(target=self._read_loop, name=f"link-reader {self.url}", daemon=True),
            threading.Thread(
                target=self._dispatch_loop, name=f"link-dispatch {self.url}", daemon=True
            ),
            threading.Thread(
                target=self._collect_loop, name=f"link-collector {self.url}", daemon=True
            ),
        ]
        for t in self._threads:
            t.start()
        return self

    def close(self, timeout: float = 2.0) -> None:
        """Stop the threads and close the transport (idempotent)."""
        self._stop.set()
        self._queue.put(("stop",))
        self._posted.put(None)
        with self._cond:
            self._cond.notify_all()  # a command in flight stops waiting (the collector's too)
        me = threading.current_thread()
        for t in self._threads:
            if t is not me:
                t.join(timeout)
        self._threads = []
        self.transport.close()
        with self._cond:
            self._cond.notify_all()  # wakes a request still waiting: it raises DeviceError

    def __enter__(self) -> Link:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def peek_seq(self) -> int:
        """The sequence number the next request will use (fault injection: forge a repeat)."""
        return self._seq.peek()

    # --- handlers -------------------------------------------------------------------------------
    def on(self, msg_type: MsgType, handler: Handler) -> None:
        """Call ``handler(frame, t_rx)`` for every unsolicited frame of ``msg_type``.

        Handlers run on the dispatcher thread, in arrival order; they may send commands.
        """
        self._handlers.setdefault(MsgType(msg_type), []).append(handler)

    def on_lost(self, handler: LostHandler) -> None:
        """Call ``handler(error)`` once when the device is declared lost (dispatcher thread)."""
        self._lost_handlers.append(handler)

    # --- sending --------------------------------------------------------------------------------
    def write_raw(self, data: bytes) -> None:
        """Write bytes as they are, unframed (fault injection: garbage, hand-made frames).

        This bypasses every check of the host, the e-stop's gate included; :attr:`raw_hook`
        (a driver's audit log) is told of every call first.
        """
        if self.raw_hook is not None:
            self.raw_hook(bytes(data))
        self.transport.write(data)

    def request(
        self,
        message: wire.Message,
        *,
        timeout: float | None = None,
        retries: int | None = None,
        collect: Iterable[MsgType] = (),
    ) -> Exchange:
        """Send one command and wait for its reply, resending on silence or a damaged frame.

        Parameters
        ----------
        message : wire.Message
            A host → device message.
        timeout : float or None
            Seconds per attempt (default: the link's).
        retries : int or None
            Resends after the first attempt (default: the link's).
        collect : iterable of MsgType
            Unsolicited types to hand to this exchange instead of the handlers.

        Returns
        -------
        Exchange
            With the ACK, the NACK (not raised here: see the drivers) or the data reply.

        Raises
        ------
        DeviceLost
            No reply after every attempt, the port closed, or the link was already lost.
        DeviceError
            The device answered with a reply of the wrong type, or a handler had failed.
        """
        return self.finish(self.begin(message, timeout=timeout, retries=retries, collect=collect))

    def _plan(
        self, message: wire.Message, timeout: float | None, retries: int | None
    ) -> tuple[float, int]:
        """``(seconds per attempt, attempts)`` for sending ``message`` (a host → device one)."""
        if message.DIRECTION is not Direction.HOST_TO_DEVICE:
            raise ValueError(f"{type(message).__name__} is not a host → device message")
        wait = self.timeout if timeout is None else float(timeout)
        return wait, 1 + (self.retries if retries is None else int(retries))

    def _next_seq(self) -> int:
        with self._seq_lock:
            return self._seq.next()

    def urgent(
        self, message: wire.Message, *, timeout: float | None = None, retries: int | None = None
    ) -> Exchange:
        """Send ``message`` now, beside any command in flight, and wait for its reply.

        For the e-stop: it neither waits for the pending command's reply nor passes
        :attr:`gate`; see the module docstring.

        Raises
        ------
        DeviceLost
            No reply after every attempt, or the port failed.
        DeviceError
            The link is not open.
        """
        wait, attempts = self._plan(message, timeout, retries)
        with self._cond:
            if self._lost is not None:
                raise self._lost
        if not self.running:
            raise DeviceError(f"{self.url}: link is not open (open it first)")
        seq = self._next_seq()
        p = _Pending(seq, message, QUERY_REPLIES.get(message.TYPE, MsgType.ACK), frozenset())
        with self._cond:
            self._urgent[seq] = p
        try:
            return self._exchange(p, wire.encode(message, seq), wait, attempts, gated=False)
        finally:
            with self._cond:
                self._urgent.pop(seq, None)

    def begin(
        self,
        message: wire.Message,
        *,
        timeout: float | None = None,
        retries: int | None = None,
        collect: Iterable[MsgType] = (),
    ) -> InFlight:
        """Write one command and return without waiting; :meth:`finish` waits for its reply.

        The same exchange as :meth:`request`, cut in two so that the caller can work while
        the device does (the neuromorphic board's batches of steps). The link stays held by
        the command until :meth:`finish`: every other :meth:`request` waits for it (from the
        same thread it would deadlock: finish first); :meth:`urgent` does not.

        Raises
        ------
        DeviceLost, DeviceError
            As :meth:`request`, for the first write.
        """
        wait, attempts = self._plan(message, timeout, retries)
        self._request_lock.acquire()
        try:
            self._raise_if_unusable()
            seq = self._next_seq()
            p = _Pending(
                seq,
                message,
                QUERY_REPLIES.get(message.TYPE, MsgType.ACK),
                frozenset(MsgType(t) for t in collect) if collect else _NO_COLLECT,
            )
            with self._cond:
                self._pending = p
            encoded = wire.encode(message, seq)
            t_wire = self._write_attempt(p, encoded, 0, gated=True)
        except BaseException:
            with self._cond:
                self._pending = None
            self._request_lock.release()
            raise
        return InFlight(p, encoded, wait, attempts, t_wire)

    def finish(self, flight: InFlight) -> Exchange:
        """Wait for the reply to a command of :meth:`begin` (resending it on silence, as
        :meth:`request` does) and release the link. Raises as :meth:`request`."""
        try:
            return self._exchange(
                flight.pending, flight.encoded, flight.wait, flight.attempts, written=flight.t_wire
            )
        finally:
            with self._cond:
                self._pending = None
            self._request_lock.release()

    def submit(
        self,
        message: wire.Message,
        done: Done,
        *,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> InFlight:
        """Write one command now; the collector thread awaits its reply and calls ``done``.

        :meth:`begin` on this thread (waiting first for any command in flight), then
        :meth:`finish` on the collector thread, which calls ``done(exchange, None)`` — or
        ``done(None, error)`` with the ``DeviceLost``/``DeviceError`` that :meth:`finish`
        raised — once the link is free again. ``done`` runs on the collector thread: an
        exception from it is logged and kept in :attr:`error` (every later request raises).

        Returns
        -------
        InFlight
            The written command (its seq and ``t_wire``).

        Raises
        ------
        DeviceLost, DeviceError
            As :meth:`begin`; then ``done`` is not called.
        """
        flight = self.begin(message, timeout=timeout, retries=retries)
        self._posted.put((flight, done))
        return flight

    def _collect_loop(self) -> None:
        while True:
            item = self._posted.get()
            if item is None:
                return
            flight, done = item
            ex: Exchange | None = None
            err: BaseException | None = None
            try:
                ex = self.finish(flight)
            except Exception as e:  # DeviceLost, DeviceError, a gate's refusal of a resend
                err = e
            try:
                done(ex, err)
            except Exception as e:  # kept: every later request raises from it
                _log.error("%s: reply callback failed: %r", self.url, e, exc_info=e)
                with self._cond:
                    if self._error is None:
                        self._error = e
                    self._cond.notify_all()

    def _write_attempt(self, p: _Pending, encoded: bytes, attempt: int, gated: bool) -> float:
        """Write one attempt of a command; the host clock right after."""
        if gated and self.gate is not None:
            self.gate(p.request)  # may raise: then nothing of it is written
        data = encoded if self.tamper is None else self.tamper(encoded, attempt)
        try:
            self.transport.write(b"\x00" + data)
        except DeviceLost as e:
            self._declare_lost(e)
            raise
        return self._clock()

    def _exchange(
        self,
        p: _Pending,
        encoded: bytes,
        wait: float,
        attempts: int,
        gated: bool = True,
        written: float | None = None,
    ) -> Exchange:
        self.stats.requests += 1
        name = p.request.TYPE.name
        t_wire = 0.0
        for attempt in range(attempts):
            if attempt == 0 and written is not None:  # begin() wrote it
                t_wire = deadline_from = written
            else:
                deadline_from = self._write_attempt(p, encoded, attempt, gated)
                if attempt == 0:
                    t_wire = deadline_from
                else:
                    self.stats.retries += 1
            deadline = deadline_from + wait
            with self._cond:
                while (
                    p.reply is None
                    and not p.resend
                    and p.error is None
                    and self._lost is None
                    and not self._stop.is_set()
                ):
                    left = deadline - self._clock()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if p.error is not None:
                    raise p.error
                if self._stop.is_set() and p.reply is None:
                    raise DeviceError(f"{self.url}: link closed while waiting for {name}")
                if p.reply is not None:
                    return self._finish(p, t_wire, attempt + 1)
                if self._lost is not None:
                    raise self._lost
                if p.resend:
                    p.resend = False
                    continue
            self.stats.timeouts += 1
        err = DeviceLost(
            f"{self.url}: no reply to {name} (seq {p.seq}) after {attempts} attempt(s) of "
            f"{wait:g} s each",
            url=self.url,
        )
        self._declare_lost(err)
        raise err

    def _finish(self, p: _Pending, t_wire: float, attempts: int) -> Exchange:
        assert p.reply is not None
        reply = p.reply.message
        if isinstance(reply, wire.Nack):
            self.stats.nacks += 1
        elif isinstance(reply, wire.Ack) and reply.status is Status.DUPLICATE:
            self.stats.duplicates += 1
        # the reader may stamp a very fast reply before this thread read the clock after the
        # write: a reply is never earlier than the write it answers
        return Exchange(
            p.request, p.seq, reply, t_wire, max(p.t_reply, t_wire), attempts, tuple(p.collected)
        )

    def _raise_if_unusable(self) -> None:
        lost, error = self._lost, self._error  # each set once, under _cond; a read is atomic
        if error is not None:
            raise DeviceError(f"{self.url}: a frame handler failed earlier: {error!r}") from error
        if lost is not None:
            raise lost
        if not self.running:
            raise DeviceError(f"{self.url}: link is not open (open it first)")

    def _declare_lost(self, err: DeviceLost) -> None:
        with self._cond:
            if self._lost is not None:
                return
            self._lost = err
            self._cond.notify_all()
        _log.error("device lost: %s", err)
        self._queue.put(("lost", err))

    # --- receiving ------------------------------------------------------------------------------
    def _read_loop(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.transport.read()
            except DeviceLost as e:
                if not self._stop.is_set():
                    self._declare_lost(e)
                return
            if not data:
                continue
            t_rx = self._clock()
            for item in self._decoder.feed(data):
                if isinstance(item, wire.WireError):
                    self.stats.bad_frames += 1
                    _log.debug("%s: bad frame from device: %s", self.url, item)
                else:
                    self._route(item, t_rx)

    def _route(self, frame: Frame, t_rx: float) -> None:
        msg = frame.message
        if msg.DIRECTION is not Direction.DEVICE_TO_HOST:
            self.stats.wrong_direction += 1
            return
        check = self._tracker.observe(frame.seq)
        self.stats.device_frames_lost += check.lost
        with self._cond:
            p = self._pending
            ack_seq = getattr(msg, "ack_seq", None)
            if frame.type in _REPLIES and ack_seq in self._urgent:
                p = self._urgent[ack_seq]
            if frame.type in _REPLIES:
                if p is None or ack_seq != p.seq or not self._fresh(p, msg):
                    self.stats.unmatched += 1
                    return
                if isinstance(msg, wire.Nack) and msg.status in RETRY_STATUSES:
                    p.resend = True
                elif frame.type in (p.expect, MsgType.NACK):
                    p.reply, p.t_reply = frame, t_rx
                else:
                    p.error = DeviceError(
                        f"{self.url}: device answered {p.request.TYPE.name} (seq {p.seq}) with "
                        f"{frame.type.name}, expected {p.expect.name} or NACK"
                    )
                self._cond.notify_all()
                return
            if p is not None and frame.type in p.collect:
                p.collected.append(frame)
                return
        self.stats.unsolicited += 1
        self._queue.put(("frame", frame, t_rx))

    @staticmethod
    def _fresh(p: _Pending, msg: wire.Message) -> bool:
        """An INFO must echo its HELLO's nonce (else it is a stale answer from a buffer)."""
        if isinstance(msg, wire.Info) and isinstance(p.request, wire.Hello):
            return msg.nonce == p.request.nonce
        return True

    def _dispatch_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item[0] == "stop":
                return
            try:
                if item[0] == "lost":
                    for h in list(self._lost_handlers):
                        h(item[1])
                else:
                    _, frame, t_rx = item
                    for h in list(self._handlers.get(frame.type, ())):
                        h(frame, t_rx)
            except Exception as e:  # kept: every later request raises from it
                _log.error("%s: frame handler failed: %r", self.url, e, exc_info=e)
                with self._cond:
                    if self._error is None:
                        self._error = e
                    self._cond.notify_all()

    @staticmethod
    def new_nonce() -> bytes:
        """Fresh random bytes for HELLO's nonce."""
        return wire.auth.new_nonce()
