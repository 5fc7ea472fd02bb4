"""Heartbeat sender: ticks by hand (injected wait), trips the e-stop when send fails.

No test depends on timing luck: the thread is ticked explicitly and tests wait on conditions
with generous timeouts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from neurolink.hal.errors import DeviceLost, HeartbeatError
from neurolink.hal.safety import AuditLog, EStop, Event, HeartbeatSender


class Ticker:
    """An injected ``wait``: returns once per :meth:`tick`, or as soon as stop is set."""

    def __init__(self) -> None:
        self._sem = threading.Semaphore(0)

    def tick(self, n: int = 1) -> None:
        for _ in range(n):
            self._sem.release()

    def __call__(self, stop: threading.Event, period_s: float) -> None:
        while not stop.is_set():
            if self._sem.acquire(timeout=0.01):
                return


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within timeout")
        time.sleep(0.001)


def test_sends_once_per_tick_and_stops_on_close() -> None:
    estop = EStop(AuditLog())
    sent: list[int] = []
    ticker = Ticker()
    hb = HeartbeatSender(lambda: sent.append(1), 0.1, estop, wait=ticker)
    with hb:
        assert sent == []
        ticker.tick(3)
        wait_for(lambda: hb.count == 3)
        assert len(sent) == 3
    assert not hb.running and hb.error is None and not estop.tripped


def test_default_wait_uses_the_period() -> None:
    estop = EStop(AuditLog())
    hb = HeartbeatSender(lambda: None, 0.002, estop).start()
    wait_for(lambda: hb.count >= 3)
    hb.close()
    assert not hb.running


def test_send_failure_trips_estop_and_is_kept() -> None:
    audit = AuditLog()
    estop = EStop(audit)
    stops: list[str] = []
    estop.register_stop(lambda: stops.append("STIM_STOP"), name="stimulator")
    calls = 0

    def send() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("write failed: pty closed")

    ticker = Ticker()
    hb = HeartbeatSender(send, 0.1, estop, wait=ticker).start()
    ticker.tick(2)
    wait_for(lambda: not hb.running)
    assert isinstance(hb.error, OSError) and hb.count == 1
    assert estop.tripped and stops == ["STIM_STOP"]
    info = estop.trip_info
    assert info is not None and info.source == "heartbeat"
    assert info.reason == "heartbeat send failed: OSError('write failed: pty closed')"
    assert [r.event for r in audit] == ["HEARTBEAT_FAILED", "ESTOP_TRIP"]
    with pytest.raises(HeartbeatError, match=r"^heartbeat send failed: OSError") as e:
        hb.check()
    assert e.value.__cause__ is hb.error
    with pytest.raises(HeartbeatError):  # close does not swallow it either
        hb.close()


def test_failing_stop_callback_during_heartbeat_trip_is_kept() -> None:
    audit = AuditLog()
    estop = EStop(audit)

    def broken() -> None:
        raise RuntimeError("stimulator unreachable")

    estop.register_stop(broken, name="stimulator")

    def send() -> None:
        raise OSError("gone")

    ticker = Ticker()
    hb = HeartbeatSender(send, 0.1, estop, wait=ticker).start()
    ticker.tick()
    wait_for(lambda: not hb.running)
    assert estop.tripped and hb.trip_error is not None
    with pytest.raises(HeartbeatError, match="tripping the e-stop also failed"):
        hb.close()
    assert audit.select(event=Event.ESTOP_CALLBACK_ERROR)


def test_bad_period() -> None:
    with pytest.raises(ValueError, match="period_s must be > 0 s, got 0"):
        HeartbeatSender(lambda: None, 0, EStop(AuditLog()))


def test_a_device_lost_under_the_heartbeat_trips_as_device_lost() -> None:
    # the same cause as the link's reader finding it first (found in CI: the heartbeat won the
    # race and the trip read "heartbeat send failed" with source "heartbeat")
    audit = AuditLog()
    estop = EStop(audit)

    def send() -> None:
        raise DeviceLost("/dev/pts/9: read failed: device disconnected")

    ticker = Ticker()
    hb = HeartbeatSender(send, 0.1, estop, wait=ticker).start()
    ticker.tick(1)
    wait_for(lambda: not hb.running)
    info = estop.trip_info
    assert info is not None and info.source == "device-lost"
    assert info.reason == (
        "device lost (the heartbeat could not be sent): /dev/pts/9: read failed: device "
        "disconnected"
    )
    with pytest.raises(HeartbeatError, match="DeviceLost"):
        hb.check()
