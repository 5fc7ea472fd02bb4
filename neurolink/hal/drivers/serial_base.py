"""What every serial driver shares: link, identify, arm/heartbeats, safety plumbing, faults.

:class:`SerialDevice` drives one device that speaks ``docs/protocol.md`` over a
:class:`~neurolink.hal.link.Link`. Subclasses set ``KIND`` and build their safety layer from the
limits read at :meth:`SerialDevice.identify` (:meth:`SerialDevice._configure`).

Sessions (``docs/protocol.md`` §4). :meth:`SerialDevice.identify` is HELLO → INFO, then AUTH →
AUTH_OK: the host proves it knows the session secret over the device's fresh challenge, and
checks the device's proof in turn (:class:`~neurolink.hal.errors.AuthenticationError` when
either fails, or when another host's session holds the device). The secret is found by
:func:`~neurolink.hal.secrets_store.resolve_secret`: the ``secret`` argument, else that of an
emulator this process started on the port, else ``$NEUROLINK_DEVICE_SECRET`` /
``$NEUROLINK_DEVICE_KEY_FILE``.

Safety (DESIGN §5), the same for every driver:

- The raw path is closed: ``driver.link.request(...)`` of STIM, ARM, PROSTHESIS_VELOCITY or
  RESET_ESTOP, which would skip the safety layer, is refused at the link's gate
  (:class:`~neurolink.hal.errors.SafetyError`, audit event ``RAW_COMMAND_REFUSED``); only the
  driver's own methods send them. ``driver.link.write_raw`` (fault injection) is recorded as
  ``RAW_WRITE``. While the port is open, commands refused at construction (NaN, inf, negative
  fields) are recorded as ``REFUSED`` in the session's audit log too.
- Every command goes through :meth:`SerialDevice._send_command`: under the driver's lock,
  ``layer.check(cmd)`` (refusal → :class:`~neurolink.hal.errors.SafetyError`, recorded), the
  write and the wait for the ACK/NACK, then ``layer.record_reply`` — so every command and its
  ACK/NACK is in the audit log, and no other command can slip between check and write. A NACK
  raises :class:`~neurolink.hal.errors.NackError`.

ACK handling (``ack="sync"`` or ``"async"``, drivers that list ``"async"`` in ``ACK_MODES``:
stimulator and prosthesis). In sync mode (the default) a command returns with its reply, as
above. In async mode the output commands of ``send`` (a STIM, a PROSTHESIS_VELOCITY) return
as soon as their bytes are written — ``Sent.status`` is ``"PENDING"``, ``t_wire`` taken right
after the write — and the link's collector thread awaits the reply
(:meth:`~neurolink.hal.link.Link.submit`, :mod:`neurolink.hal.drivers.posted`):

- *when the reply is recorded*: as soon as it arrives, by the collector (audit ACK/NACK, the
  safety layer's ``record_reply`` and, for a NACK, ``rollback``; a final :class:`Sent` with the
  device's status in ``sent`` and in :meth:`SerialDevice.take_replies`);
- *one command in flight*: the next command of any kind — async or sync, from any thread —
  waits for that reply to be recorded before it is checked (the link holds the line for the
  command meanwhile, so heartbeats and queries wait too, as in sync mode). With replies
  faster than the commands come, nothing waits;
- *a NACK* is raised as :class:`~neurolink.hal.errors.NackError` by the **next** async send
  (before that command is checked or written: it is not sent) or by :meth:`SerialDevice.flush`,
  unless :meth:`SerialDevice.take_replies` took it first (the loop's sinks do, and count it);
- *no reply*: the collector resends on silence with the same seq, ``timeout`` s apart, as
  sync mode does, and after ``1 + retries`` attempts declares the device lost: recorded as
  ``DEVICE_LOST``, the e-stop tripped at once from the collector (every device to its safe
  state), and every later command raises :class:`~neurolink.hal.errors.DeviceLost`;
- *the e-stop* never waits for the command in flight (``Link.urgent``); once it has latched,
  a resend of an output command is refused at the gate (recorded ``NO_REPLY``).

Stops (``stop()``, ``STIM_STOP``, the e-stop's zero velocity), lifecycle commands and queries
are always sync. :meth:`SerialDevice.disarm` and :meth:`SerialDevice.close` wait for the
command in flight first.
- The driver registers an e-stop callback (:meth:`SerialDevice._stop_output`); a trip from
  anywhere puts the device in its safe state.
- Heartbeats come from a :class:`~neurolink.hal.safety.HeartbeatSender` thread while armed, at
  ``heartbeat_period_s`` (default a quarter of the device's watchdog timeout; must be below a
  third). A failed heartbeat trips the e-stop.
- FAULT reports that latch the device (watchdog, e-stop, charge imbalance, electrode, internal)
  trip the host e-stop: the host refuses every command but stops until :meth:`rearm`.
  STALE_COMMAND, WORKSPACE_LIMIT and RX_OVERFLOW only stopped one motion or dropped a frame;
  they are kept in :attr:`SerialDevice.faults` and passed to the fault listeners.
- A lost device (no answer after every retry, port closed) trips the e-stop too. There is no
  automatic reconnect; :meth:`SerialDevice.reconnect` reopens on request, never while armed,
  and never re-arms: the e-stop stays latched until :meth:`rearm`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar, Self

from neurolink.clock import now as host_now
from neurolink.hal import wire
from neurolink.hal.commands import Command
from neurolink.hal.device import DeviceBase, DeviceInfo, Lifecycle, Sent
from neurolink.hal.drivers.posted import PENDING, Posted
from neurolink.hal.errors import (
    AuthenticationError,
    DeviceError,
    DeviceLost,
    EStopError,
    NackError,
    SafetyError,
    StopCallbackError,
)
from neurolink.hal.link import Exchange, Link
from neurolink.hal.safety import (
    AuditLog,
    EStop,
    Event,
    HeartbeatSender,
    NoHostSafety,
    Outcome,
    SafetyLayer,
)
from neurolink.hal.safety.heartbeat import Wait
from neurolink.hal.secrets_store import resolve_secret
from neurolink.hal.transport import DEFAULT_BAUD, Transport
from neurolink.hal.wire import FaultCode, MsgType, Status

__all__ = ["LATCHING_FAULTS", "SerialDevice", "nack_error", "reply_detail"]

_log = logging.getLogger(__name__)

LATCHING_FAULTS = frozenset(
    {
        FaultCode.WATCHDOG,
        FaultCode.ESTOP,
        FaultCode.CHARGE_IMBALANCE,
        FaultCode.ELECTRODE,
        FaultCode.INTERNAL,
    }
)
"""FAULT codes that trip the host e-stop (the device has stopped and latched)."""


_GUARDED = frozenset({MsgType.STIM, MsgType.ARM, MsgType.PROSTHESIS_VELOCITY, MsgType.RESET_ESTOP})
"""Messages a driver sends only through its safety layer (or its own lifecycle methods)."""


def _is_output(message: wire.Message) -> bool:
    """ARM, STIM, or a PROSTHESIS_VELOCITY that moves (all zero is a stop)."""
    if isinstance(message, wire.ProsthesisVelocity):
        return any(v != 0 for v in message.velocities)
    return message.TYPE in (MsgType.ARM, MsgType.STIM)


def reply_detail(ex: Exchange) -> dict[str, Any]:
    """The audit detail of a command's reply: seq, attempts, ``t_wire``, round trip, the wire
    message; a NACK's detail (and, for OUT_OF_LIMITS, the limit and index). Computed by the
    audit writer, off the real-time path."""
    detail: dict[str, Any] = {
        "seq": ex.seq,
        "attempts": ex.attempts,
        "t_wire": ex.t_wire,
        "rtt_s": ex.rtt_s,
        "wire": ex.request.TYPE.name,
    }
    if isinstance(ex.reply, wire.Nack):
        detail["nack_detail"] = ex.reply.detail
        if ex.reply.status is Status.OUT_OF_LIMITS:
            code, index = wire.split_limit_detail(ex.reply.detail)
            detail["limit"] = getattr(code, "name", code)
            detail["index"] = index
    return detail


def nack_error(ex: Exchange, url: str) -> NackError:
    """A :class:`NackError` naming the command, the status and the decoded detail."""
    nack = ex.reply
    assert isinstance(nack, wire.Nack)
    limit, index = "", None
    if nack.status is Status.OUT_OF_LIMITS:
        code, index = wire.split_limit_detail(nack.detail)
        limit = code.name if isinstance(code, wire.Limit) else f"limit {code}"
        what = f" ({limit}, index {index})"
    else:
        what = f" (detail {nack.detail})" if nack.detail else ""
    return NackError(
        f"{url}: {ex.request.TYPE.name} seq {ex.seq} refused by the device: "
        f"{nack.status.name}{what}",
        status=nack.status.name,
        detail=nack.detail,
        limit=limit,
        index=index,
    )


class SerialDevice(DeviceBase):
    """A device on a serial port (pty, socket, ``/dev/tty*``), with its safety layer.

    Parameters
    ----------
    url : str
        Port URL (see :mod:`neurolink.hal.transport`).
    estop : EStop or None
        The session's e-stop (shared by every device); a new one when None.
    audit : AuditLog or None
        The session's audit log; ``estop.audit`` (or a new in-memory log) when None.
    bypass : NoHostSafety or None
        Turn the host guards off, on record (tests that the device refuses on its own).
    timeout : float
        Seconds to wait for each reply.
    retries : int
        Resends before the device is declared lost.
    baudrate : int
        Line speed (real serial ports only).
    heartbeat_period_s : float or None
        Time between heartbeats; default a quarter of the device's watchdog timeout.
    heartbeat_wait : callable or None
        Injected wait of the heartbeat thread (see :mod:`neurolink.hal.safety.heartbeat`),
        e.g. to pause heartbeats in a fault test.
    clock : callable returning float
        Host clock (s).
    secret : bytes or str or None
        The session secret (bytes or hex); None: found as the module docstring says.
    ack : {"sync", "async"}
        Whether ``send`` waits for the ACK (see the module docstring); ``"async"`` only for
        drivers that list it in ``ACK_MODES``.
    """

    KIND: ClassVar[wire.DeviceKind]
    #: The ACK modes this driver offers (``"async"``: its ``send`` does not wait for the ACK).
    ACK_MODES: ClassVar[tuple[str, ...]] = ("sync",)

    def __init__(
        self,
        url: str,
        *,
        estop: EStop | None = None,
        audit: AuditLog | None = None,
        bypass: NoHostSafety | None = None,
        timeout: float = 0.25,
        retries: int = 2,
        baudrate: int = DEFAULT_BAUD,
        heartbeat_period_s: float | None = None,
        heartbeat_wait: Wait | None = None,
        clock: Callable[[], float] = host_now,
        secret: bytes | str | None = None,
        ack: str = "sync",
    ) -> None:
        if ack not in type(self).ACK_MODES:
            raise ValueError(
                f"{type(self).__name__}: ack must be one of {', '.join(type(self).ACK_MODES)}, "
                f"got {ack!r}"
            )
        super().__init__()
        self.url = url
        self.ack = ack
        self._secret = secret
        self.audit = (
            audit if audit is not None else (estop.audit if estop is not None else AuditLog())
        )
        self.estop = estop if estop is not None else EStop(self.audit)
        self.bypass = bypass
        self.clock = clock
        self.transport = Transport(url, baudrate=baudrate)
        self.link = Link(self.transport, timeout=timeout, retries=retries, clock=clock)
        self.link.gate = self._gate
        self.link.raw_hook = self._raw_written
        self._safe_path = threading.local()
        self.link.on(MsgType.FAULT, self._on_fault)
        self.link.on(MsgType.LOG, self._on_log)
        self.link.on_lost(self._on_lost)
        self.layer: SafetyLayer | None = None
        self.faults: list[wire.Fault] = []
        self.logs: list[wire.Log] = []
        self._fault_listeners: list[Callable[[wire.Fault], None]] = []
        self._lock = threading.RLock()
        self._posted = Posted(self._lock, url)
        self._posted_message: wire.Message | None = None  # the posted command, for its resends
        self._heartbeat_period = heartbeat_period_s
        self._heartbeat_wait = heartbeat_wait
        self._heartbeat: HeartbeatSender | None = None
        self._stop_registered = False

    # --- lifecycle ------------------------------------------------------------------------------
    def open(self) -> Self:
        """Open the port and start the link; returns self."""
        self._require(Lifecycle.CLOSED, action="open")
        self.link.open()
        self.audit.listen_for_invalid()
        self._set_lifecycle(Lifecycle.OPEN)
        return self

    def identify(self) -> DeviceInfo:
        """HELLO → INFO; check the device kind; read the limits; build the safety layer.

        Raises
        ------
        DeviceError
            The device is of another kind.
        """
        self._require(Lifecycle.OPEN, Lifecycle.IDENTIFIED, action="identify")
        secret = resolve_secret(self.url, self._secret)
        nonce = Link.new_nonce()
        info = self._session_reply(self._request(wire.Hello(nonce)), "HELLO")
        assert isinstance(info, wire.Info)
        if info.device_kind is not self.KIND:
            raise DeviceError(
                f"{self.url}: device is a {info.device_kind.name}, "
                f"{type(self).__name__} drives a {self.KIND.name}"
            )
        mac = wire.auth.host_mac(secret, nonce, info.device_nonce)
        ok = self._session_reply(self._request(wire.Auth(mac)), "AUTH")
        assert isinstance(ok, wire.AuthOk)
        if not wire.auth.verify(wire.auth.device_mac(secret, nonce, info.device_nonce), ok.mac):
            raise AuthenticationError(
                f"{self.url}: the device did not prove it knows the session secret "
                f"(AUTH_OK carries a wrong MAC); not using it"
            )
        self._info = DeviceInfo.from_wire(self.registry_name, info, self.url)
        self._configure(info)
        if not self._stop_registered:
            self.estop.register_stop(
                self._stop_output, name=f"{self.registry_name} {self.url}", urgent=True
            )
            self._stop_registered = True
        self._set_lifecycle(Lifecycle.IDENTIFIED)
        return self._info

    def _session_reply(self, ex: Exchange, what: str) -> wire.Message:
        """The data reply of HELLO or AUTH; a NACK raised as the session problem it is."""
        if isinstance(ex.reply, wire.Nack):
            status = ex.reply.status
            if status is Status.SESSION_BUSY:
                raise AuthenticationError(
                    f"{self.url}: another host's session holds this device (NACK SESSION_BUSY "
                    f"to {what}); it must close first"
                )
            if status is Status.NOT_AUTHENTICATED:
                raise AuthenticationError(
                    f"{self.url}: the device refused the session secret (NACK "
                    f"NOT_AUTHENTICATED to {what}): host and device hold different secrets"
                )
            raise nack_error(ex, self.url)
        return ex.reply

    def _configure(self, info: wire.Info) -> None:
        """Read further limits and build :attr:`layer` (subclasses)."""
        raise NotImplementedError

    def arm(self) -> None:
        """Start the heartbeats, then ARM.

        Raises
        ------
        EStopError
            The host e-stop is latched: :meth:`rearm` with a reason first.
        NackError
            The device refused (e.g. ``E_STOPPED``, ``WATCHDOG_TRIPPED``).
        """
        self._require(Lifecycle.IDENTIFIED, Lifecycle.ARMED, action="arm")
        self.estop.check()
        self._start_heartbeat()
        try:
            with self._through_safety():
                self._checked(self._request(wire.Arm()))
        except BaseException:
            self._stop_heartbeat(raise_error=False)
            raise
        self._set_lifecycle(Lifecycle.ARMED)

    def disarm(self) -> None:
        """DISARM (the device stops all output), then stop the heartbeats."""
        self._require(Lifecycle.ARMED, Lifecycle.IDENTIFIED, action="disarm")
        self._wait_posted()
        try:
            self._checked(self._request(wire.Disarm()))
        finally:
            self._stop_heartbeat(raise_error=self.link.lost is None)
            if self._lifecycle is Lifecycle.ARMED:
                self._set_lifecycle(Lifecycle.IDENTIFIED)

    def close(self) -> None:
        """Disarm if armed (errors of a lost device are logged), stop threads, close the port."""
        if self._lifecycle is Lifecycle.CLOSED:
            return
        try:
            self._wait_posted()
            if self._lifecycle is Lifecycle.ARMED and self.link.lost is None:
                self.disarm()
        except DeviceLost as e:
            _log.warning("%s: could not disarm before closing: %s", self.url, e)
        finally:
            self._stop_heartbeat(raise_error=False)
            if self._stop_registered:
                self.estop.unregister_stop(self._stop_output)
                self._stop_registered = False
            self.link.close()
            self.audit.stop_listening()
            self._set_lifecycle(Lifecycle.CLOSED)

    def reconnect(self, attempts: int = 3, interval_s: float = 0.5) -> DeviceInfo:
        """Reopen the port and identify again (never automatic, never while armed).

        The e-stop stays as it is; after a loss it is latched, and :meth:`rearm` is needed.

        Raises
        ------
        DeviceError
            While armed with a live link, or when the port cannot be reopened.
        """
        if self._lifecycle is Lifecycle.ARMED and self.link.lost is None:
            raise DeviceError(f"{self.url}: refusing to reconnect an armed device; disarm first")
        self._stop_heartbeat(raise_error=False)
        self.link.close()
        self.transport.reopen(attempts, interval_s)
        self._set_lifecycle(Lifecycle.CLOSED)
        self.link.open()
        self._set_lifecycle(Lifecycle.OPEN)
        return self.identify()

    def rearm(self, reason: str) -> None:
        """Clear the latches and arm again: RESET_ESTOP, host e-stop re-arm (recorded), ARM.

        Parameters
        ----------
        reason : str
            Why it is safe to continue (recorded in the audit log).
        """
        self._require(Lifecycle.IDENTIFIED, Lifecycle.ARMED, action="re-arm")
        if not reason.strip():
            raise ValueError("rearm needs a non-empty reason")
        self._stop_heartbeat(raise_error=False)
        self._set_lifecycle(Lifecycle.IDENTIFIED)
        with self._through_safety():
            self._checked(self._request(wire.ResetEStop()))
        assert self.layer is not None
        self.layer.rearm(reason)
        self.arm()

    def estop_now(self, reason: str = "operator e-stop") -> None:
        """Trip the session's e-stop (every device goes to its safe state)."""
        self.estop.trip(reason, source="operator")

    def status(self) -> wire.StatusReport:
        """STATUS_QUERY → STATUS_REPORT (state, last fault, frame counters)."""
        reply = self._checked(self._request(wire.StatusQuery())).reply
        assert isinstance(reply, wire.StatusReport)
        return reply

    def on_fault(self, listener: Callable[[wire.Fault], None]) -> None:
        """Call ``listener(fault)`` for every FAULT (dispatcher thread)."""
        self._fault_listeners.append(listener)

    # --- sending --------------------------------------------------------------------------------
    def _request(self, message: wire.Message, **kw: Any) -> Exchange:
        """A lifecycle/query exchange (no safety check: nothing physical is commanded)."""
        try:
            return self.link.request(message, **kw)
        except DeviceLost as e:
            self._on_lost(e)
            raise

    def _checked(self, ex: Exchange) -> Exchange:
        if not ex.ok:
            raise nack_error(ex, self.url)
        return ex

    def _layer(self) -> SafetyLayer:
        if self.layer is None:
            raise DeviceError(f"{self.url}: identify the device before sending commands")
        return self.layer

    def _send_command(
        self,
        cmd: Command,
        to_wire: Callable[[Command], wire.Message],
        *,
        collect: Iterable[MsgType] = (),
        timeout: float | None = None,
        tolerate: Iterable[Status] = (),
        post: bool = False,
    ) -> tuple[Sent, Exchange | None]:
        """Check, write, wait, record; raise on NACK (unless its status is in ``tolerate``).

        ``to_wire`` converts the command to its message; it is called before the check (so an
        unrepresentable command is refused without touching the guards) and again if the
        layer changed the command (a clipped velocity). With ``post`` and ``ack="async"`` the
        reply is not awaited (:meth:`_post`; the exchange returned is None).
        """
        layer = self._layer()
        message = to_wire(cmd)
        posted = post and self.ack == "async"
        with self._lock:
            if self._posted.in_flight is not None:  # the reply before it is recorded
                self._posted.wait_idle(self._collect_bound())
            if posted:
                self._posted.raise_unclaimed()
            acc = layer.check(cmd)
            if acc.command is not cmd:
                message = to_wire(acc.command)
            if posted:
                return self._post(acc, layer, message), None
            safe = self._safe_path
            safe.active = True  # as _through_safety(), without a generator per command
            try:
                ex = self.link.request(message, collect=collect, timeout=timeout)
            except DeviceLost as e:
                self._record_lost(layer, acc, e)
                self._on_lost(e)
                raise
            finally:
                safe.active = False
            sent = self._record_reply(layer, acc, ex)
        if not ex.ok and ex.status not in set(tolerate):
            raise nack_error(ex, self.url)
        return sent, ex

    def _record_reply(self, layer: SafetyLayer, acc: Any, ex: Exchange) -> Sent:
        """Audit and safety layer told of a command's reply (a NACKed command never ran: its
        pulses do not count); its :class:`Sent`, kept in ``sent``. Driver's lock held."""
        if not ex.ok:
            layer.rollback(acc)
        layer.record_reply(
            acc,
            ack=ex.ok,
            status=ex.status.name,
            time=ex.t_reply,
            detail_of=reply_detail,
            detail_arg=ex,
        )
        sent = Sent(
            acc.command, acc.time, ex.t_wire, ex.status.name, ex.seq, ex.attempts, ex.t_reply
        )
        self._record_sent(sent)
        return sent

    def _record_lost(
        self, layer: SafetyLayer, acc: Any, err: BaseException, status: str = "DEVICE_LOST"
    ) -> Sent:
        """A command whose exchange failed (no reply: ``DEVICE_LOST``; a resend refused:
        ``NO_REPLY``), recorded. Driver's lock held."""
        layer.record_reply(acc, ack=False, status=status, detail={"error": str(err)})
        sent = Sent(acc.command, acc.time, self.clock(), status)
        self._record_sent(sent)
        return sent

    def _post(self, acc: Any, layer: SafetyLayer, message: wire.Message) -> Sent:
        """Write a checked command and return; the collector records its reply
        (:meth:`_collected`). Driver's lock held."""
        done = functools.partial(self._collected, acc, layer)
        self._posted_message = message  # it came through the safety path: see _gate
        safe = self._safe_path
        safe.active = True  # as _through_safety(), without a generator per command
        try:
            flight = self.link.submit(message, done)
        except DeviceLost as e:
            self._record_lost(layer, acc, e)
            self._on_lost(e)
            raise
        finally:
            safe.active = False
        seq = flight.pending.seq
        self._posted.start(seq)
        return Sent(acc.command, acc.time, flight.t_wire, PENDING, seq)

    def _collected(
        self, acc: Any, layer: SafetyLayer, ex: Exchange | None, err: BaseException | None
    ) -> None:
        """The reply of a posted command (collector thread): recorded as in sync mode; a NACK
        or a failure kept to be raised by the next send; a loss trips the e-stop."""
        with self._lock:
            if ex is not None:
                sent = self._record_reply(layer, acc, ex)
                error: BaseException | None = None if ex.ok else nack_error(ex, self.url)
            else:
                assert err is not None
                lost = isinstance(err, DeviceLost)
                sent = self._record_lost(layer, acc, err, "DEVICE_LOST" if lost else "NO_REPLY")
                error = err
            self._posted_message = None
            self._posted.finished(sent, error)
        if isinstance(err, DeviceLost):
            self._on_lost(err)

    def _collect_bound(self) -> float:
        """Longest wait for the collector to end an exchange (s): every attempt, and a margin."""
        return self.link.timeout * (self.link.retries + 1) + 2.0

    @property
    def replies_waiting(self) -> bool:
        """Async mode: whether :meth:`take_replies` has replies to give (read without the
        driver's lock: a hint for the caller, which then takes them under it)."""
        return self._posted.has_replies

    def take_replies(self) -> tuple[Sent, ...]:
        """Async mode: the final :class:`Sent` of every posted command whose reply was recorded
        since the last call, oldest first (status ``OK``, ``DUPLICATE``, a NACK status,
        ``DEVICE_LOST`` or ``NO_REPLY``). Taking them claims their errors: the next send does
        not raise them. Empty in sync mode."""
        with self._lock:
            return self._posted.take()

    def flush(self, timeout: float | None = None) -> None:
        """Wait until the posted command's reply is recorded; raise its NACK or failure if no
        :meth:`take_replies` claimed it.

        Raises
        ------
        NackError, DeviceLost, DeviceError
            The unclaimed error of a posted command.
        """
        with self._lock:
            self._posted.wait_idle(self._collect_bound() if timeout is None else timeout)
            self._posted.raise_unclaimed()

    def _wait_posted(self) -> None:
        """Wait for the command in flight (no error raised; it stays unclaimed)."""
        with self._lock:
            self._posted.wait_idle(self._collect_bound())

    # --- safety hooks ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _through_safety(self) -> Iterator[None]:
        """Mark this thread's writes as coming from the safety path (see :meth:`_gate`)."""
        self._safe_path.active = True
        try:
            yield
        finally:
            self._safe_path.active = False

    def _raw_written(self, data: bytes) -> None:
        self.audit.record_event(
            Event.RAW_WRITE,
            f"{len(data)} bytes written with link.write_raw: no host check",
            detail={"url": self.url, "bytes": data[:64].hex()},
        )

    def _gate(self, message: wire.Message) -> None:
        """Right before each write: guarded messages only from the safety path; no output
        command once the e-stop latched."""
        if (
            message.TYPE in _GUARDED
            and not getattr(self._safe_path, "active", False)
            and message is not self._posted_message  # a resend by the link's collector
        ):
            text = (
                f"{self.url}: {message.TYPE.name} sent with driver.link.request bypasses the "
                f"host safety layer; refused (use the driver's methods)"
            )
            self.audit.record_event(
                Event.RAW_COMMAND_REFUSED,
                text,
                detail={"url": self.url, "wire": message.TYPE.name, "message": repr(message)},
            )
            raise SafetyError(text, limit="raw_link")
        if self.estop.latched and _is_output(message):
            raise EStopError(
                f"{self.url}: e-stop latched while {message.TYPE.name} waited to be written; "
                f"not sent",
                limit="estop",
            )

    def _estop_first(self, why: Command) -> Exchange:
        """Send ESTOP now, beside any command in flight (never behind a lock or a check), and
        record it (ACCEPTED, then ACK/NACK) as ``why``."""
        t_check = self.clock()
        try:
            ex = self.link.urgent(wire.EStop())
        except DeviceLost as e:
            self.audit.record_command(
                why, Outcome.NACK, status="DEVICE_LOST", detail={"error": str(e)}
            )
            self._record_sent(Sent(why, t_check, self.clock(), "DEVICE_LOST"))
            self._on_lost(e)
            raise
        rec = self.audit.record_command(why, Outcome.ACCEPTED, time=t_check)
        self.audit.record_command(
            why,
            Outcome.ACK if ex.ok else Outcome.NACK,
            status=ex.status.name,
            ref=rec.index,
            detail={"seq": ex.seq, "attempts": ex.attempts, "t_wire": ex.t_wire, "wire": "ESTOP"},
        )
        self._record_sent(
            Sent(why, t_check, ex.t_wire, ex.status.name, ex.seq, ex.attempts, ex.t_reply)
        )
        return ex

    def _stop_output(self) -> None:
        """The e-stop callback: put the device in its safe state (subclasses)."""
        raise NotImplementedError

    def _periodic(self) -> None:
        """One tick of the heartbeat thread: HEARTBEAT if the device has a watchdog."""
        if self._info is not None and self._info.heartbeat_timeout_s > 0:
            self._checked(self.link.request(wire.Heartbeat()))

    def _tick_period(self) -> float | None:
        """Seconds between ticks of the heartbeat thread, None for no thread."""
        hb = self._info.heartbeat_timeout_s if self._info is not None else 0.0
        if hb <= 0:
            return self._heartbeat_period
        period = hb / 4 if self._heartbeat_period is None else self._heartbeat_period
        if not period < hb / 3:
            raise DeviceError(
                f"{self.url}: heartbeat period {period:g} s must be below a third "
                f"of the device's watchdog timeout {hb:g} s"
            )
        return period

    def _start_heartbeat(self) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            return
        self._stop_heartbeat(raise_error=False)
        period = self._tick_period()
        if period is None:
            return
        kw = {} if self._heartbeat_wait is None else {"wait": self._heartbeat_wait}
        self._heartbeat = HeartbeatSender(
            self._periodic, period, self.estop, name=f"heartbeat {self.url}", **kw
        ).start()

    def _stop_heartbeat(self, *, raise_error: bool) -> None:
        hb, self._heartbeat = self._heartbeat, None
        if hb is None:
            return
        try:
            hb.close(timeout=self.link.timeout * (self.link.retries + 2) + 1.0)
        except Exception as e:  # already recorded and the e-stop tripped by the sender
            if raise_error:
                raise
            _log.warning("%s: heartbeat had failed: %r", self.url, e)

    @property
    def heartbeat(self) -> HeartbeatSender | None:
        """The running heartbeat sender, if armed."""
        return self._heartbeat

    def _trip(self, reason: str, source: str) -> None:
        try:
            self.estop.trip(reason, source=source)
        except StopCallbackError as e:  # recorded by the e-stop; the device cannot be told
            _log.error("%s: e-stop tripped, but stop callbacks failed: %s", self.url, e)

    def _on_lost(self, err: DeviceLost) -> None:
        if self._lifecycle is not Lifecycle.CLOSED:
            self._set_lifecycle(Lifecycle.LOST)
        if not self.estop.tripped:
            self._trip(f"{self.registry_name} at {self.url} lost: {err}", "device-lost")

    def _on_fault(self, frame: wire.Frame, t_rx: float) -> None:
        fault = frame.message
        assert isinstance(fault, wire.Fault)
        self.faults.append(fault)
        _log.warning(
            "%s: FAULT %s detail %d at device t=%d µs",
            self.url,
            fault.fault.name,
            fault.detail,
            fault.device_time_us,
        )
        if fault.fault in LATCHING_FAULTS:
            source = "watchdog" if fault.fault is FaultCode.WATCHDOG else "device"
            self._trip(
                f"{self.registry_name} at {self.url} reported FAULT {fault.fault.name} "
                f"(detail {fault.detail}, device time {fault.device_time_us} µs)",
                source,
            )
        for listener in list(self._fault_listeners):
            listener(fault)

    def _on_log(self, frame: wire.Frame, t_rx: float) -> None:
        msg = frame.message
        assert isinstance(msg, wire.Log)
        self.logs.append(msg)
        _log.log(int(msg.level), "%s: %s", self.url, msg.text)
