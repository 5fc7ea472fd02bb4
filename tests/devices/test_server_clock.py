"""The server with an injected clock, in a thread on a real pty: exact device times.

The emulators' own tests run them as processes on the real clock; here the test owns the device
clock, so the watchdog can be checked to the microsecond, and a model that fails shows the
fault path.
"""

from __future__ import annotations

import select
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ClassVar

from devices.core import DeviceHeader, DeviceModel, DeviceServer, ManualClock, PtyPort
from devices.core.model import Context
from neurolink.hal import wire
from tests.devices._client import SECRET, Client, nack

S, DS = wire.Status, wire.DeviceState
HEADER = DeviceHeader("stimulator", "test device", (0, 1, 0), heartbeat_timeout_ms=250)


class Quiet(DeviceModel):
    """A device with no output of its own; STIM raises (a device bug) when ``broken``."""

    KIND: ClassVar = wire.DeviceKind.STIMULATOR
    HANDLES: ClassVar = frozenset({wire.MsgType.STIM})

    def __init__(self, broken: bool = False) -> None:
        self.broken = broken
        self.stops: list[tuple[int, str]] = []

    @property
    def capabilities(self) -> wire.Capability:
        return wire.Capability(0)

    def limits_block(self) -> wire.StimulatorLimits:
        return wire.StimulatorLimits(1, 100, 100, 100, 100, 100, 100)

    def handle(
        self, message: wire.Message, ack_seq: int, now_us: int, ctx: Context
    ) -> wire.Message:
        if self.broken:
            raise RuntimeError("bug in the model")
        return wire.Ack(ack_seq)

    def stop_output(self, now_us: int, reason: str, ctx: Context) -> str:
        self.stops.append((now_us, reason))
        return "stopped"


@contextmanager
def served(model: DeviceModel, clock: ManualClock) -> Iterator[Client]:
    port = PtyPort()
    server = DeviceServer(model, HEADER, port, SECRET, clock=clock, name="test")
    thread = threading.Thread(target=server.run, kwargs={"install_signals": False})
    thread.start()
    client = Client(port.url)
    client.authenticate()
    client.device_fd = port.accept(0)  # type: ignore[attr-defined]  # the server's end
    try:
        yield client
    finally:
        client.close()  # the server sees the hang-up and returns
        thread.join(10)
        assert not thread.is_alive()


def wait_readable(fd: int, timeout_s: float = 5.0) -> None:
    """Until bytes written by the host are there for the server to read (a fixed sleep was
    too short on a loaded machine)."""
    ready, _, _ = select.select([fd], [], [], timeout_s)
    assert ready, f"nothing to read on the device's end after {timeout_s} s"


def _state(c: Client) -> wire.StatusReport:
    r = c.command(wire.StatusQuery())
    assert isinstance(r, wire.StatusReport)
    return r


def test_watchdog_trips_exactly_at_heartbeat_plus_timeout():
    clock, model = ManualClock(1_000), Quiet()
    with served(model, clock) as c:
        c.ack(wire.Arm())  # at 1,000 µs: deadline 251,000
        clock.advance(200_000)
        c.ack(wire.Heartbeat())  # at 201,000: deadline 451,000
        clock.advance(249_999)
        assert _state(c).state is DS.ARMED  # 450,999: one µs before
        clock.advance(1)
        status = _state(c)  # the server ticks to 451,000 before it answers
        assert status.state is DS.WATCHDOG_TRIPPED and status.device_time_us == 451_000
        fault = c.wait_for(lambda m: isinstance(m, wire.Fault))
        assert fault == wire.Fault(wire.FaultCode.WATCHDOG, 0, 451_000)
        assert model.stops == [(451_000, "watchdog")]


class LateClock(ManualClock):
    """A ManualClock that runs ``late`` once, at the server's next look at the time: what
    happens there happened while the server was not scheduled."""

    def __init__(self, start_us: int = 0) -> None:
        super().__init__(start_us)
        self.late: Callable[[], None] | None = None
        self.ran = threading.Event()

    def now_us(self) -> int:
        late, self.late = self.late, None
        if late is not None:
            late()
            self.ran.set()
        return super().now_us()


def test_a_heartbeat_waiting_after_a_short_late_wake_does_not_trip():
    """Woken 10 ms after the deadline (a gap shorter than the timeout): the HEARTBEAT the host
    sent in time is read before the watchdog is judged."""
    clock, model = LateClock(1_000), Quiet()
    with served(model, clock) as c:
        c.ack(wire.Arm())  # at 1,000 µs: deadline 251,000
        clock.advance(200_000)
        assert _state(c).state is DS.ARMED  # the server turned at 201,000
        seq = c.seq.next()

        def starved() -> None:
            clock.advance(40_000)
            c.send(wire.Heartbeat(), seq)  # at 241,000, in time; not read yet
            wait_readable(c.device_fd)  # the pty hands the bytes over asynchronously
            clock.advance(20_000)  # the server looks again at 261,000: a 60 ms gap

        clock.late = starved
        assert clock.ran.wait(5.0)
        ack = c.reply(seq)
        assert isinstance(ack, wire.Ack) and ack.status is S.OK
        status = _state(c)
        assert status.state is DS.ARMED and status.device_time_us == 261_000
        assert model.stops == [] and not c.unsolicited  # no FAULT, no LOG
        clock.advance(249_999)  # the watchdog counts from when the HEARTBEAT was read
        assert _state(c).state is DS.ARMED
        clock.advance(1)
        assert _state(c).state is DS.WATCHDOG_TRIPPED
        assert c.wait_for(lambda m: isinstance(m, wire.Fault)) == wire.Fault(
            wire.FaultCode.WATCHDOG, 0, 511_000
        )


def test_a_stall_longer_than_the_timeout_trips_before_a_queued_heartbeat():
    """Stalled 500 ms (> the 250 ms timeout) with a HEARTBEAT queued: the device cannot tell
    when it was sent, so it trips at its deadline before reading it (issue 13, finding 4)."""
    clock, model = LateClock(1_000), Quiet()
    with served(model, clock) as c:
        c.ack(wire.Arm())  # at 1,000 µs: deadline 251,000
        seq = c.seq.next()

        def stalled() -> None:
            clock.advance(100_000)
            c.send(wire.Heartbeat(), seq)  # queued while the device does not run
            clock.advance(400_000)  # the server looks again at 501,000

        clock.late = stalled
        assert clock.ran.wait(5.0)
        c.reply(seq)  # read after the trip; it feeds nothing
        assert c.wait_for(lambda m: isinstance(m, wire.Fault)) == wire.Fault(
            wire.FaultCode.WATCHDOG, 0, 251_000
        )
        assert model.stops == [(251_000, "watchdog")]
        assert _state(c).state is DS.WATCHDOG_TRIPPED


def test_a_model_bug_latches_fault_and_stops_output():
    clock, model = ManualClock(), Quiet(broken=True)
    with served(model, clock) as c:
        c.ack(wire.Arm())
        clock.advance(10)
        assert nack(S.INTERNAL)(c.command(wire.Stim.symmetric(0, 1, 1, 100, 1)))
        fault = c.wait_for(lambda m: isinstance(m, wire.Fault))
        assert fault == wire.Fault(wire.FaultCode.INTERNAL, 0, 10)
        log = c.wait_for(lambda m: isinstance(m, wire.Log))
        assert isinstance(log, wire.Log) and "bug in the model" in log.text
        assert model.stops == [(10, "internal error")]
        assert _state(c).state is DS.FAULT
        assert nack(S.INTERNAL)(c.command(wire.Arm()))
        c.ack(wire.ResetEStop())
        assert _state(c).state is DS.DISARMED
