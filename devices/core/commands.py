"""Exactly one reply per intact host frame: direction, retries, control messages, the model.

- A device-to-host message sent to the device: NACK ``UNKNOWN_TYPE``.
- A seq behind the newest one of this connection (a replayed or reordered old frame): NACK
  ``STALE_SEQ``, not executed (``docs/protocol.md`` §4; the window is half the u16 circle).
  ESTOP, DISARM and STIM_STOP are the exception: they only stop output, so they are executed
  whatever their seq (a stop must never be lost because its retry fell behind another frame).
- The last command's seq again is never executed again (``docs/protocol.md`` §4 "Retries
  never act twice"): the same message (a retry) gets ACK ``DUPLICATE`` if it was ACKed, the
  same NACK if it was refused, and a query (HELLO, STATUS_QUERY and the model's queries) is
  answered afresh; another message under that seq gets NACK ``STALE_SEQ`` (a seq numbers one
  command; a host that restarts its count reconnects, which starts a new count here too).
- Authentication (:mod:`devices.core.session`): until the session has authenticated, only
  HELLO, AUTH, STATUS_QUERY, ESTOP, DISARM and STIM_STOP are taken; anything else gets NACK
  ``NOT_AUTHENTICATED`` and is not executed. AUTH → AUTH_OK or a NACK.
- Control messages (every kind): HELLO → INFO (with a fresh challenge); HEARTBEAT → ACK
  (feeds the watchdog); ARM → ACK, or NACK of the latch that is set; DISARM → ACK (output
  stopped); ESTOP → ACK always (output stopped, latched, ``last_fault`` ESTOP, LOG; no FAULT:
  the host asked for it, and its ACK is the report); RESET_ESTOP → ACK (a latch
  cleared: DISARMED), NACK ``BAD_PAYLOAD`` for a wrong key; STATUS_QUERY → STATUS_REPORT.
- The model's messages go to :meth:`DeviceModel.handle`; other known host messages get NACK
  ``NOT_SUPPORTED``.
- An exception inside a model is a device fault: output stops, the state latches FAULT,
  FAULT(INTERNAL) and a LOG are sent, the command gets NACK ``INTERNAL`` and the traceback goes
  to stderr. The device never carries on armed after a bug.
"""

from __future__ import annotations

import traceback
from typing import TextIO

from devices.core.control import Control
from devices.core.model import Context, DeviceModel
from devices.core.profile import DeviceHeader
from devices.core.session import Session
from neurolink.hal import wire

__all__ = ["CommandHandler"]

_MT = wire.MsgType
_CONTROL_QUERIES = frozenset({_MT.HELLO, _MT.STATUS_QUERY})
_STOPS = frozenset({_MT.ESTOP, _MT.DISARM, _MT.STIM_STOP})
"""Commands that only stop output: executed whatever their seq (stale or spent)."""


class CommandHandler:
    """Turns each intact host frame into its reply.

    Parameters
    ----------
    model : DeviceModel
        The device.
    header : DeviceHeader
        Identity, firmware version, watchdog timeout (for INFO).
    control : Control
        The safety state machine.
    ctx : Context
        Where unsolicited frames and LOG lines go.
    stats : DecoderStats
        The receiver's counters (for STATUS_REPORT).
    stderr : TextIO
        Where tracebacks of device faults go.
    session : Session
        Who may command the device.
    """

    def __init__(
        self,
        model: DeviceModel,
        header: DeviceHeader,
        control: Control,
        ctx: Context,
        stats: wire.DecoderStats,
        stderr: TextIO,
        session: Session,
    ) -> None:
        self.model = model
        self.header = header
        self.control = control
        self.ctx = ctx
        self.stats = stats
        self._err = stderr
        self.session = session
        self._last: tuple[int, wire.Message, wire.Message] | None = None
        self._seqs = wire.SeqTracker()
        self._queries = _CONTROL_QUERIES | model.QUERIES

    def new_connection(self) -> None:
        """A host connected: no session, no remembered command."""
        self.session.reset()
        self._last = None
        self._seqs.reset()

    def reply_to(self, frame: wire.Frame, now_us: int) -> wire.Message:
        """Execute ``frame``'s command (unless it is a retry) and return its one reply."""
        msg, seq = frame.message, frame.seq
        if msg.DIRECTION is not wire.Direction.HOST_TO_DEVICE:
            return wire.Nack(seq, wire.Status.UNKNOWN_TYPE)
        event = self._seqs.observe(seq).event
        last = self._last
        repeat = event is wire.SeqEvent.DUPLICATE and last is not None and last[0] == seq
        if repeat and last is not None and last[1] == msg:  # a retry
            if msg.TYPE not in self._queries:
                previous = last[2]
                if isinstance(previous, wire.Ack):
                    return wire.Ack(seq, wire.Status.DUPLICATE)
                return previous
        elif event is wire.SeqEvent.STALE or repeat:  # an old seq, or a spent one reused
            if msg.TYPE in _STOPS:  # a stop is never lost to its seq (not remembered)
                return self._execute(msg, seq, now_us)
            return wire.Nack(seq, wire.Status.STALE_SEQ)
        reply = self._execute(msg, seq, now_us)
        self._last = (seq, msg, reply)
        return reply

    def _execute(self, msg: wire.Message, seq: int, now_us: int) -> wire.Message:
        t, ctx = msg.TYPE, self.ctx
        if not self.session.allows(t):
            return wire.Nack(seq, wire.Status.NOT_AUTHENTICATED)
        try:
            if t is _MT.HELLO:
                assert isinstance(msg, wire.Hello)
                return self._info(msg.nonce, seq)
            if t is _MT.AUTH:
                assert isinstance(msg, wire.Auth)
                return self.session.authenticate(msg.mac, seq)
            if t is _MT.HEARTBEAT:
                self.control.heartbeat(now_us)
            elif t is _MT.ARM:
                refused = self.control.arm(now_us)
                if refused is not None:
                    return wire.Nack(seq, refused)
            elif t is _MT.DISARM:
                self.model.stop_output(now_us, "disarm", ctx)
                self.control.disarm()
            elif t is _MT.ESTOP:
                stopped = self.model.stop_output(now_us, "e-stop", ctx)
                self.control.latch(wire.DeviceState.ESTOPPED, wire.FaultCode.ESTOP)
                ctx.log(wire.LogLevel.WARNING, f"e-stop; {stopped}", now_us)
            elif t is _MT.RESET_ESTOP:
                assert isinstance(msg, wire.ResetEStop)
                refused = self.control.reset_latch(msg.key)
                if refused is not None:
                    return wire.Nack(seq, refused)
            elif t is _MT.STATUS_QUERY:
                return wire.StatusReport(
                    seq,
                    self.control.state,
                    self.control.last_fault,
                    now_us,
                    self.stats.frames & 0xFFFFFFFF,
                    self.stats.errors & 0xFFFFFFFF,
                )
            elif t in self.model.HANDLES:
                return self.model.handle(msg, seq, now_us, ctx)
            else:
                return wire.Nack(seq, wire.Status.NOT_SUPPORTED)
            return wire.Ack(seq)
        except Exception as e:  # a device bug: stop loudly and go safe, never carry on armed
            return self._internal_error(e, seq, now_us)

    def _internal_error(self, error: Exception, seq: int, now_us: int) -> wire.Message:
        traceback.print_exc(file=self._err)
        stopped = self.model.stop_output(now_us, "internal error", self.ctx)
        self.control.latch(wire.DeviceState.FAULT, wire.FaultCode.INTERNAL)
        self.ctx.emit(wire.Fault(wire.FaultCode.INTERNAL, 0, now_us))
        text = f"internal error: {type(error).__name__}: {error}; {stopped}"
        self.ctx.log(wire.LogLevel.ERROR, text, now_us)
        return wire.Nack(seq, wire.Status.INTERNAL)

    def _info(self, nonce: bytes, seq: int) -> wire.Info:
        caps = self.model.capabilities | wire.Capability.ESTOP | wire.Capability.LOG
        caps |= wire.Capability.EMULATED
        if self.header.heartbeat_timeout_ms:
            caps |= wire.Capability.WATCHDOG
        major, minor, patch = self.header.firmware
        return wire.Info(
            ack_seq=seq,
            nonce=nonce,
            device_nonce=self.session.challenge(nonce),
            device_kind=self.model.KIND,
            fw_major=major,
            fw_minor=minor,
            fw_patch=patch,
            capabilities=caps,
            heartbeat_timeout_ms=self.header.heartbeat_timeout_ms,
            identity=self.header.identity,
            limits=self.model.limits_block(),
        )
