"""A device stopped longer than its watchdog timeout trips before it reads what is queued
(issue 13, finding 4: a HEARTBEAT queued during a SIGSTOP counted as fresh after SIGCONT, and
261 pulses came over 2.6 s past the deadline)."""

from __future__ import annotations

import signal
import time

from neurolink.hal import wire
from tests.devices._client import wait_until


def test_no_pulse_after_the_deadline_when_stopped_with_a_heartbeat_queued(stim):
    proc, c = stim  # watchdog 500 ms
    c.ack(wire.Arm())
    c.ack(wire.Heartbeat())
    c.ack(wire.Stim.symmetric(12, 1000, 100, 10000, 10_000))  # 100 Hz for 100 s
    wait_until(lambda: c.pulse_total() >= 5)
    c.ack(wire.Heartbeat())
    deadline = c.device_time_us() + 500_000  # the last HEARTBEAT was read before this
    proc.signal(signal.SIGSTOP)
    try:
        time.sleep(0.1)
        c.send(wire.Heartbeat())  # queued: the device cannot know when it was sent
        time.sleep(2.0)
    finally:
        proc.signal(signal.SIGCONT)
    fault = c.wait_for(lambda m: isinstance(m, wire.Fault))
    assert isinstance(fault, wire.Fault) and fault.fault is wire.FaultCode.WATCHDOG
    assert fault.device_time_us <= deadline  # the queued HEARTBEAT fed nothing
    pulses = c.pulse_log()
    late = [p.device_time_us for p in pulses if p.device_time_us > deadline]
    assert late == [], f"{len(late)} pulses after the watchdog deadline"
    status = c.command(wire.StatusQuery())
    assert isinstance(status, wire.StatusReport)
    assert status.state is wire.DeviceState.WATCHDOG_TRIPPED
    assert "stalled" in proc.stderr()
