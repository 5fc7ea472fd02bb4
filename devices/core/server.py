"""The device server: one port, one codec, one safety state machine, one model, one thread.

A single-threaded poll loop (``DeviceServer.run``):

1. wait for a host on the port (a pty: until the slave is opened; a socket: ``accept``);
2. poll the connection, a signal wake-up pipe and the next deadline (watchdog, pulse, report,
   simulated wire time);
3. before each received command and at each wake-up, run everything due in time order
   (``_tick``: the watchdog trips at its deadline, after the pulses due before it); input
   already waiting is read first, and a HEARTBEAT in it feeds the watchdog before it is looked
   at, so that a process scheduled late does not trip on a host that kept its time;
4. decode bytes (``wire.FrameDecoder`` never raises), answer each command with exactly one
   reply, unsolicited frames (FAULT, LOG, PROSTHESIS_STATE, NEURO_SPIKES) in between;
5. sessions (:mod:`devices.core.session`): a connection must authenticate (HELLO, AUTH) before
   it may command anything; while a session is live (authenticated, or connected less than
   ``auth_timeout_s`` ago), another connection to a socket port is refused: its frames get
   NACK ``SESSION_BUSY`` and it is closed (:mod:`devices.core.busy`). A connection that leaves
   or is dropped before authenticating leaves the device serving, waiting for a host;
6. stop on SIGTERM/SIGINT or when the authenticated host closes the port: output is stopped
   first, then one line ``<name>: stopped (<reason>) at device_time_us=...: <what was
   stopped>; <summary>`` goes to stderr, and ``run`` returns the reason.

With a :class:`~devices.core.harness.Harness` (the testing options) the loop also serves the
control channel and the lifeline between turns, records what the device does, applies the
scripted faults (:mod:`devices.core.faults`) where they act — frames in and out, replies,
the device itself — and, with ``--persist``, outlives its hosts.

Bad frames are answered with NACK of the codec's status (``BAD_CRC``, ``BAD_FRAME``,
``BAD_VERSION``, ``UNKNOWN_TYPE``, ``BAD_PAYLOAD``) when a seq could be read, else not at all;
intact commands go to :class:`~devices.core.commands.CommandHandler`. The frames of one turn of
the loop (NEURO_SPIKES and the ACK of a step, say) leave in one write.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from devices.core.busy import BusyPeers
from devices.core.clock import Clock, ManualClock, MonotonicClock
from devices.core.commands import CommandHandler
from devices.core.control import Control
from devices.core.faults import RxSplitter
from devices.core.harness import Harness
from devices.core.line import TxLine
from devices.core.model import DeviceModel
from devices.core.port import Port
from devices.core.profile import DeviceHeader
from devices.core.records import jsonable
from devices.core.session import Session
from devices.core.sidechannel import ControlChannel
from neurolink.hal import wire

__all__ = ["DeviceServer"]

_MAX_TX_BACKLOG = 1 << 20  # bytes the host has not read; beyond this, frames are dropped
_MAX_WAIT_MS = 500
_IN, _OUT = select.POLLIN, select.POLLOUT
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


class DeviceServer:
    """Serve one device model on one port.

    Parameters
    ----------
    model : DeviceModel
        The device behind the wire.
    header : DeviceHeader
        Identity, firmware version and watchdog timeout (from the profile).
    port : Port
        Where the host connects.
    secret : bytes
        The secret a host session must prove it knows (16+ bytes).
    clock : Clock, optional
        Device clock (default: :class:`~devices.core.clock.MonotonicClock`).
    baud : int
        Simulated line rate for device → host frames, b/s (0 = none).
    name : str
        Prefix of stderr lines.
    stderr : TextIO, optional
        Where diagnostics go (default ``sys.stderr``).
    auth_timeout_s : float
        A connection that has not authenticated within this time yields to the next host.
    harness : Harness, optional
        Testing options: records, control channel, fault script, persist, virtual clock.
    """

    def __init__(
        self,
        model: DeviceModel,
        header: DeviceHeader,
        port: Port,
        secret: bytes,
        clock: Clock | None = None,
        baud: int = 0,
        name: str = "device",
        stderr: TextIO | None = None,
        auth_timeout_s: float = 10.0,
        harness: Harness | None = None,
    ) -> None:
        self.model = model
        self.header = header
        self.port = port
        self.harness = harness or Harness()
        virtual = self.harness.virtual_clock
        self.clock = clock or (ManualClock() if virtual else MonotonicClock())
        self.control = Control(header.heartbeat_timeout_ms)
        self.name = name
        self._err = stderr or sys.stderr
        self._decoder = wire.FrameDecoder()
        self._seq = wire.SeqCounter()
        self._tx = TxLine(baud)
        self._txbuf = bytearray()
        self._fd: int | None = None
        self._poll = select.poll()
        self._polled_out = False
        self.session = Session(secret)
        self._commands = CommandHandler(
            model, header, self.control, self, self._decoder.stats, self._err, self.session
        )
        self._busy = BusyPeers(port.hang_up)
        self._auth_timeout_us = int(auth_timeout_s * 1e6)
        self._connected_us = 0
        self._last_turn_us = self.clock.now_us()
        self._stop_reason: str | None = None
        self._button = False
        self.tx_dropped = 0
        self._rec = self.harness.recorder
        self._plan = self.harness.plan
        self._script = self.harness.script
        self._splitter = RxSplitter()
        self._last_state = self.control.state
        self._stall_s = 0.0
        self._down_until: float | None = None  # monotonic time the line comes back (persist)
        self._channel: ControlChannel | None = None
        if self.harness.control_path is not None:  # bound before the PORT line is printed
            self._channel = ControlChannel(
                self.harness.control_path, lambda req: self.harness.request(self, req)
            )
        self._side_fds: set[int] = set()

    # ------------------------------------------------------------------ Context for models

    @property
    def state(self) -> wire.DeviceState:
        """The safety state."""
        return self.control.state

    def emit(self, message: wire.Message) -> None:
        """Queue a frame (written at the end of this turn of the loop; dropped while no host
        is connected). A FAULT becomes STATUS_REPORT's ``last_fault``, sent or not."""
        if isinstance(message, wire.Fault):
            self.control.note_fault(message.fault)
        self._rec.emitted(self.clock.now_us(), message)
        self._push(message, 0)

    def _reply(self, message: wire.Message) -> None:
        """Queue the reply to a command (a scripted delay may hold it back)."""
        self._push(message, self._plan.reply_hold_us())

    def _push(self, message: wire.Message, hold_us: int) -> None:
        if self._fd is None:
            return
        seq, now = self._seq.next(), self.clock.now_us()
        data, fault = self._plan.frame("to_host", wire.encode(message, seq))
        if fault is not None:
            frame = {"type": message.TYPE.name, "seq": seq}
            self._rec.write("injected", now, fault=fault, dir="to_host", frame=frame)
        if hold_us:
            self._rec.write(
                "injected", now, fault="delay_acks", us=hold_us, reply=message.TYPE.name
            )
        if data is not None:
            self._tx.push(data, now, hold_us)

    def log(self, level: wire.LogLevel, text: str, now_us: int) -> None:
        """Send LOG and write the line to stderr."""
        self.say(f"[{level.name}] t={now_us}us {text}")
        raw = text.encode("utf-8")[: wire.MAX_PAYLOAD - 9].decode("utf-8", "ignore")
        self.emit(wire.Log(level, now_us, raw))

    def say(self, text: str) -> None:
        """One line to stderr, prefixed with the device name."""
        print(f"{self.name}: {text}", file=self._err, flush=True)

    # ------------------------------------------------------------------ the loop

    def stop(self, reason: str) -> None:
        """Ask the loop to end (safe from a signal handler or another thread)."""
        self._stop_reason = reason

    def press_estop_button(self) -> None:
        """The emulated hardware e-stop button (SIGUSR1): latch ESTOPPED and report FAULT."""
        self._button = True

    def run(self, install_signals: bool = True) -> str:
        """Serve until stopped; return the reason (``"port-closed"``, ``"SIGTERM"`` ...)."""
        wake_r, wake_w = os.pipe()
        for fd in (wake_r, wake_w):
            os.set_blocking(fd, False)
        self._poll.register(wake_r, _IN)
        if self.port.listen_fd is not None:
            self._poll.register(self.port.listen_fd, _IN)
        restore = self._install_signals(wake_w) if install_signals else None
        try:
            reason = self._serve(wake_r)
        finally:
            if restore is not None:
                restore()
            os.close(wake_r)
            os.close(wake_w)
        self._shutdown(reason)
        return reason

    def _install_signals(self, wake_w: int) -> Callable[[], None] | None:
        if threading.current_thread() is not threading.main_thread():
            return None
        handlers = {
            signal.SIGTERM: lambda *_: self.stop("SIGTERM"),
            signal.SIGINT: lambda *_: self.stop("SIGINT"),
            signal.SIGUSR1: lambda *_: self.press_estop_button(),
        }
        old = {sig: signal.signal(sig, h) for sig, h in handlers.items()}
        old_wake = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)

        def restore() -> None:
            signal.set_wakeup_fd(old_wake)
            for sig, h in old.items():
                signal.signal(sig, h)

        return restore

    def _serve(self, wake_r: int) -> str:
        while True:
            self._service_side()
            if self._stop_reason is not None:
                return self._stop_reason
            if self._stall_s:  # a scripted stall: nothing is served meanwhile
                time.sleep(self._stall_s)
                self._stall_s = 0.0
            now = self.clock.now_us()
            if self._fd is not None:
                # Input that arrived by `now` is read before anything falls due: a HEARTBEAT
                # sent in time must not trip the watchdog because this process was scheduled
                # a little after its deadline (a stall longer than the timeout tripped above).
                self._handle(self._poll.poll(0), wake_r)
                if self._fd is None:
                    continue  # the host went away
            self._tick(now)
            self._flush()
            for fd in self._busy.expire(now):
                self._poll.unregister(fd)
            if self._fd is None:
                if self._down_until is not None:
                    self._wait_replug()
                    continue
                fd = self.port.accept(min(0.05, self._wait_ms(now) / 1000))
                if fd is not None:
                    self._connect(fd)
                continue
            self._handle(self._poll.poll(self._wait_ms(now)), wake_r)
            self._flush()

    def _connect(self, fd: int) -> None:
        """A host connected: a fresh, unauthenticated session."""
        self._fd = fd
        self._poll.register(fd, _IN)
        self._polled_out = False
        self._decoder.reset()
        self._splitter.reset()
        self._commands.new_connection()
        self._connected_us = self.clock.now_us()
        self._rec.write("connection", self._connected_us, event="connected", port=self.port.url)
        self.say("host connected")

    def _knock(self) -> None:
        """Another connection while one is served: refuse it, unless the one served has not
        authenticated within the auth timeout (then it is dropped and the new one served)."""
        fd = self.port.accept(0)
        if fd is None:
            return
        now = self.clock.now_us()
        stale = now - self._connected_us >= self._auth_timeout_us
        if self._fd is None or (not self.session.authenticated and stale):
            if self._fd is not None:
                self.say("dropping a connection that did not authenticate in time")
                self._release()
            self._connect(fd)
            return
        self.say("refused a second host: a session is live (NACK SESSION_BUSY)")
        if self._busy.add(fd, now):
            self._poll.register(fd, _IN)

    def _handle(self, events: list[tuple[int, int]], wake_r: int) -> None:
        """Act on poll ``events``: drain the wake-up pipe, read, notice a hang-up, write."""
        self._judge_stall(self.clock.now_us())
        for fd, ev in events:
            if fd in self._side_fds:
                self._service_side()
            elif fd == wake_r:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 512)
            elif fd == self.port.listen_fd:
                self._knock()
            elif fd in self._busy:
                if not self._busy.read(fd):
                    self._poll.unregister(fd)
            elif fd == self._fd:
                if ev & _IN:
                    self._read()
                elif ev & _GONE:
                    self._lost()
                if ev & _OUT:
                    self._flush()

    def _judge_stall(self, now_us: int) -> None:
        """Trip the watchdog, before reading anything, after a gap in this loop longer than
        the timeout: what is queued may have been sent at any time during the gap (the host's
        HEARTBEAT too), so the device believes only its own clock."""
        gap, self._last_turn_us = now_us - self._last_turn_us, now_us
        deadline = self.control.watchdog_deadline_us()
        if deadline is not None and deadline <= now_us and gap > self.control.timeout_us:
            self.say(f"stalled {gap} us, longer than the watchdog timeout: tripping first")
            self._tick(now_us)

    def _wait_ms(self, now_us: int) -> int:
        if self.harness.virtual_clock:  # device time moves only by `advance`
            return _MAX_WAIT_MS
        deadlines = [
            d
            for d in (
                self.control.watchdog_deadline_us(),
                self.model.next_deadline_us(),
                self._tx.next_release_us(),
                self._script.next_deadline_us() if self._script else None,
            )
            if d is not None
        ]
        # while the watchdog runs, turn at least twice per timeout: a gap longer than the
        # timeout then means this process stalled (see _judge_stall)
        most = _MAX_WAIT_MS
        if self.control.watchdog_deadline_us() is not None:
            most = min(most, max(1, self.control.timeout_us // 2000))
        if not deadlines:
            return most
        return max(0, min(most, -(-(min(deadlines) - now_us) // 1000)))

    def _tick(self, now_us: int) -> None:
        """Run what is due up to ``now_us``, fault-script entries at their own times."""
        if self._script is not None:
            for t, fault in self._script.due(now_us):
                self._run_due(t)
                self._apply(fault, t)
        self._run_due(now_us)

    def _run_due(self, now_us: int) -> None:
        """Run what is due up to ``now_us``: the watchdog first at its own deadline."""
        deadline = self.control.watchdog_deadline_us()
        if deadline is not None and deadline <= now_us:
            self.model.tick(deadline, self)
            ms = self.header.heartbeat_timeout_ms
            self._trip_watchdog(deadline, f"watchdog: no HEARTBEAT for {ms} ms")
        self.model.tick(now_us, self)
        if self._button:
            self._button = False
            stopped = self.model.stop_output(now_us, "e-stop button", self)
            self.control.latch(wire.DeviceState.ESTOPPED, wire.FaultCode.ESTOP)
            self.emit(wire.Fault(wire.FaultCode.ESTOP, 0, now_us))
            self.log(wire.LogLevel.WARNING, f"e-stop button pressed; {stopped}", now_us)
            self._note(now_us, "e-stop button")
        self._note(now_us, "tick")

    def _trip_watchdog(self, t_us: int, why: str) -> None:
        stopped = self.model.stop_output(t_us, "watchdog", self)
        self.control.latch(wire.DeviceState.WATCHDOG_TRIPPED, wire.FaultCode.WATCHDOG)
        self.emit(wire.Fault(wire.FaultCode.WATCHDOG, 0, t_us))
        self.log(wire.LogLevel.WARNING, f"{why}; {stopped}", t_us)
        self._note(t_us, "watchdog")

    def _note(self, t_us: int, cause: str) -> None:
        """Record what the model did and a change of safety state since the last note."""
        for r in self.model.take_records():
            r = dict(r)
            self._rec.write(r.pop("kind"), r.pop("t_us"), **r)
        state = self.control.state
        if state is not self._last_state:
            self._rec.write(
                "state", t_us, **{"from": self._last_state.name, "to": state.name}, cause=cause
            )
            self._last_state = state

    def _shutdown(self, reason: str) -> None:
        now = self.clock.now_us()
        self._tick(now)
        stopped = self.model.stop_output(now, reason, self)
        self._note(now, reason)
        self._flush()
        self._busy.close()
        self.port.close()
        if self._channel is not None:
            self._channel.close()
        self._rec.write("connection", now, event="exit", reason=reason)
        self.harness.close()
        summary = self.model.summary()
        self.say(
            f"stopped ({reason}) at device_time_us={now}: {stopped}"
            + (f"; {summary}" if summary else "")
        )

    # ------------------------------------------------------------------ bytes in, bytes out

    def _release(self) -> None:
        """Forget the connection served (its fd, its unsent frames)."""
        if self._fd is not None:
            self._poll.unregister(self._fd)
            self.port.hang_up(self._fd)
            self._fd = None
        self._txbuf.clear()
        self._tx.clear()

    def _lost(self) -> None:
        """The host went away (pty slave closed, socket EOF or reset): stop serving if it was
        the authenticated session; a connection that never authenticated changes nothing."""
        authenticated = self.session.authenticated
        self._release()
        if not authenticated:
            self.session.reset()
            self.say("a connection left before authenticating; waiting for a host")
            return
        if self.harness.persist:
            self._safe_state(self.clock.now_us(), "host disconnected", "disconnected")
            return
        if self._stop_reason is None:
            self._stop_reason = "port-closed"

    def _read(self) -> None:
        while self._fd is not None:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return
            except OSError:  # EIO: the pty's slave side was closed; ECONNRESET
                data = b""
            if not data:
                self._lost()
                return
            # judged again once the bytes are in hand: a stop that fell between the loop's
            # judgement and this read left them queued for any time (a HEARTBEAT among them)
            self._judge_stall(self.clock.now_us())
            items = self._decoder.feed(self._line_in(data))
            self._heartbeat_first(items)
            for item in items:
                if self._fd is None:
                    return  # a scripted disconnect while replying
                now = self.clock.now_us()
                self._tick(now)
                if isinstance(item, wire.WireError):
                    self._rec.write("rx_error", now, status=item.status.name, seq=item.seq)
                    if item.seq is not None:  # no header, no NACK: the host's timeout covers it
                        self._reply(wire.Nack(item.seq, item.status))
                else:
                    self._command(item, now)
            self._flush()  # the replies (and NEURO_SPIKES before them) in one write

    def _line_in(self, data: bytes) -> bytes:
        """The bytes that reach the decoder once scripted faults have acted on whole frames."""
        out = bytearray()
        for raw in self._splitter.feed(data):
            kept, fault = self._plan.frame("to_device", raw)
            if fault is not None:
                now = self.clock.now_us()
                self._rec.write("injected", now, fault=fault, dir="to_device", frame=_peek(raw))
            if kept is not None:
                out += kept
        return bytes(out)

    def _command(self, frame: wire.Frame, now: int) -> None:
        """Reply to one intact frame (a scripted NACK refuses it unexecuted) and record it."""
        forced = None
        if frame.message.DIRECTION is wire.Direction.HOST_TO_DEVICE:
            forced = self._plan.forced_nack(frame.message.TYPE)
        if forced is not None:
            reply: wire.Message = wire.Nack(frame.seq, *forced)
        else:
            reply = self._commands.reply_to(frame, now)
        self._reply(reply)
        self._rec.command(now, frame, reply, injected=forced is not None)
        self._note(now, frame.message.TYPE.name)
        if isinstance(reply, wire.AuthOk) and self._script is not None:
            self._script.start(now)

    def _heartbeat_first(self, items: list[wire.Frame | wire.WireError]) -> None:
        """Feed the watchdog before it is looked at when a HEARTBEAT is among the frames just
        read and the deadline has passed meanwhile.

        The bytes were waiting on the port, so the host sent them before now, but when cannot
        be told: this process may not have been scheduled until after the deadline. The host
        kept its side, so the watchdog counts from now. (Before the deadline, HEARTBEATs feed
        it in their turn, as any command is executed.)
        """
        now = self.clock.now_us()
        deadline = self.control.watchdog_deadline_us()
        if deadline is not None and deadline <= now and any(_is_heartbeat(i) for i in items):
            self.control.heartbeat(now)

    def _flush(self) -> None:
        if self._fd is None:
            return
        self._txbuf += self._tx.due(self.clock.now_us())
        if len(self._txbuf) > _MAX_TX_BACKLOG:
            self.tx_dropped += len(self._txbuf)
            self.say(f"host not reading: {len(self._txbuf)} bytes dropped")
            self._txbuf.clear()
        while self._txbuf:
            try:
                n = os.write(self._fd, self._txbuf)
            except BlockingIOError:
                break
            except OSError:  # EIO, EPIPE, ECONNRESET: the host went away
                self._lost()
                return
            del self._txbuf[:n]
        want_out = bool(self._txbuf)
        if want_out != self._polled_out:
            self._poll.modify(self._fd, _IN | _OUT if want_out else _IN)
            self._polled_out = want_out

    # ------------------------------------------------------------------ the testing side

    def _service_side(self) -> None:
        """Serve the control channel and watch the lifeline (between turns of the loop)."""
        if self._channel is not None:
            self._channel.service()
        if self.harness.lifeline and self._stop_reason is None:
            for _, ev in _poll_once(0):
                if ev & (_IN | _GONE):
                    try:
                        gone = not os.read(0, 4096) or bool(ev & _GONE)
                    except OSError:
                        gone = True
                    if gone:
                        self.stop("lifeline closed")
        wanted = set(self._channel.fds) if self._channel is not None else set()
        if self.harness.lifeline:
            wanted.add(0)
        for fd in self._side_fds - wanted:
            self._poll.unregister(fd)
        for fd in wanted - self._side_fds:
            self._poll.register(fd, _IN)
        self._side_fds = wanted

    def _safe_state(self, now: int, why: str, event: str) -> None:
        """``--persist``: the host is gone; stop output, disarm, forget the session."""
        stopped = self.model.stop_output(now, why, self)
        self.control.disarm()
        self.session.reset()
        self._rec.write("connection", now, event=event, stopped=stopped)
        self._note(now, why)
        self.say(f"{why}: {stopped}; safe state ({self.control.state.name}), waiting for a host")

    def _wait_replug(self) -> None:
        """While the line is down: sleep a little, then plug it in again when its time comes."""
        assert self._down_until is not None
        left = self._down_until - time.monotonic()
        if left > 0:
            time.sleep(min(0.02, left))
            self.port.accept(0)  # a socket's knocks are closed at once while unplugged
            return
        self._down_until = None
        self.port.replug()
        self._rec.write("connection", self.clock.now_us(), event="replugged", port=self.port.url)
        self.say(f"line back on {self.port.url}")

    def _apply(self, fault: dict[str, Any], now: int) -> None:
        """Carry out a device fault at ``now``, or arm a line fault."""
        op = fault["op"]
        params = {k: v for k, v in fault.items() if k != "op"}
        if op not in ("stall", "disconnect", "trip_watchdog", "estop"):
            self._plan.add(fault)
            self._rec.write("armed", now, fault=op, **params)
            return
        self._rec.write("injected", now, fault=op, **params)
        if op == "stall":
            if isinstance(self.clock, ManualClock):  # device time passes, nothing is served
                self.clock.advance(fault["ms"] * 1000)
            else:
                self._stall_s = fault["ms"] / 1000
        elif op == "trip_watchdog":
            self._trip_watchdog(now, "watchdog tripped (scripted)")
        elif op == "estop":
            self._button = True
            self._run_due(now)
        elif op == "disconnect":
            self._unplug(now, fault["down_ms"])

    def _unplug(self, now: int, down_ms: int) -> None:
        self._release()
        self.port.unplug()
        self._safe_state(now, "line disconnected (scripted)", "unplugged")
        if self.harness.persist:
            self._down_until = time.monotonic() + down_ms / 1000
        elif self._stop_reason is None:
            self._stop_reason = "disconnected"

    def inject(self, fault: dict[str, Any]) -> int:
        """A fault asked for on the control channel: carried out (or armed) now; the index of
        the first record line it wrote (what follows it in the records happened after it)."""
        now = self.clock.now_us()
        self._tick(now)
        index = self._rec.count
        self._apply(fault, now)
        self._flush()
        return index

    def sync(self) -> int:
        """Run what is due, write what is queued, flush the records; device time, µs."""
        now = self.clock.now_us()
        self._tick(now)
        self._flush()
        return now

    def advance(self, us: int) -> int:
        """Virtual clock: move on ``us`` µs, running what falls due on the way; new time."""
        if not isinstance(self.clock, ManualClock):
            raise ValueError("advance: the device clock is not virtual")
        now = self.clock.advance(us)
        self._tick(now)
        self._last_turn_us = now
        self._flush()
        return now

    def describe(self) -> dict[str, Any]:
        """Identity, testing options and the limits the device enforces, as JSON data."""
        h = self.header
        return jsonable(
            {
                "kind": h.kind,
                "identity": h.identity,
                "firmware": ".".join(map(str, h.firmware)),
                "heartbeat_timeout_ms": h.heartbeat_timeout_ms,
                "port": self.port.url,
                "persist": self.harness.persist,
                "virtual_clock": self.harness.virtual_clock,
                "now_us": self.clock.now_us(),
                **self.model.describe(),
            }
        )


def _poll_once(fd: int, timeout_ms: int = 0) -> list[tuple[int, int]]:
    p = select.poll()
    p.register(fd, _IN)
    return p.poll(timeout_ms)


def _peek(raw: bytes) -> dict[str, Any]:
    """Type and seq of a raw frame, as far as they can be read."""
    try:
        f = wire.decode(raw)
    except wire.WireError as e:
        return {"type": None, "seq": e.seq}
    return {"type": f.message.TYPE.name, "seq": f.seq}


def _is_heartbeat(item: wire.Frame | wire.WireError) -> bool:
    return isinstance(item, wire.Frame) and item.message.TYPE is wire.MsgType.HEARTBEAT
