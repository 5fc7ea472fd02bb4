"""The lab's pyserial controller against an emulated stimulator (neurolink's pytest plugin).

The fixture ``emulated_stimulator`` comes with neurolink (no conftest needed); the device runs
on a virtual clock, so every timing below is decided by ``advance``, not by the machine's load.
"""

from __future__ import annotations

import pytest
from stim_controller import LinkLost, StimController

from neurolink.testing import (
    assert_charge_balanced,
    assert_no_output_after,
    assert_pulse_count,
    assert_within_limits,
)

pytestmark = pytest.mark.emulator(virtual_clock=True)


def test_a_train_is_delivered_balanced_and_within_limits(emulated_stimulator):
    dev = emulated_stimulator
    with StimController(dev.port, dev.secret) as ctl:
        ctl.arm()
        ctl.train(channel=0, amplitude_ua=20, phase_width_us=100, frequency_hz=100, count=5)
        dev.advance(ms=50)  # onsets at 0, 10, 20, 30, 40 ms
    records = dev.records()
    assert_charge_balanced(records)
    assert_within_limits(records, dev.profile)
    assert_pulse_count(records, 5, channel=0)


def test_a_lost_ack_does_not_stimulate_twice(emulated_stimulator):
    dev = emulated_stimulator
    with StimController(dev.port, dev.secret, timeout=0.2) as ctl:
        ctl.arm()
        dev.faults.drop(1, "to_host")  # the STIM's ACK vanishes: the controller resends
        ctl.train(0, 20, 100, 100, 3)
        dev.advance(ms=100)
    records = dev.records()
    assert [c.outcome() for c in records.of_type("STIM")] == ["ACK OK", "ACK DUPLICATE"]
    assert_pulse_count(records, 3)


def test_a_busy_device_is_retried_once(emulated_stimulator):
    dev = emulated_stimulator
    with StimController(dev.port, dev.secret) as ctl:
        ctl.arm()
        dev.faults.nack_next("BUSY", type="STIM")
        ctl.train(0, 20, 100, 100, 3)
        dev.advance(ms=100)
    records = dev.records()
    assert [c.outcome() for c in records.of_type("STIM")] == ["NACK BUSY [scripted]", "ACK OK"]
    assert_pulse_count(records, 3)


def test_the_watchdog_stops_a_controller_that_stops_heartbeating(emulated_stimulator):
    dev = emulated_stimulator
    with StimController(dev.port, dev.secret) as ctl:
        ctl.arm()
        ctl.train(0, 20, 100, 100, 200)
        for _ in range(3):  # heartbeats at 200, 400, 600 ms of device time
            dev.advance(ms=200)
            ctl.heartbeat()
        dev.advance(ms=600)  # none after 600 ms: the 500 ms watchdog trips at 1100 ms
    records = dev.records()
    trip = next(s for s in records.states if s.after == "WATCHDOG_TRIPPED")
    assert trip.t_us == 1_100_000
    assert_no_output_after(records, trip, what="watchdog")
    assert_pulse_count(records, 111)  # onsets 0, 10, ..., 1100 ms


def test_the_estop_button_stops_the_train_and_refuses_more(emulated_stimulator):
    dev = emulated_stimulator
    with StimController(dev.port, dev.secret) as ctl:
        ctl.arm()
        ctl.train(0, 20, 100, 100, 100)
        dev.advance(ms=35)
        pressed = dev.faults.press_estop()
        assert not ctl.train(0, 20, 100, 100, 100)
        assert ctl.refused[-1].status.name == "E_STOPPED"
        dev.advance(ms=100)
    assert_no_output_after(dev, pressed, what="e-stop button")
    assert_pulse_count(dev, 4)  # 0, 10, 20, 30 ms


@pytest.mark.emulator(persist=True)
def test_no_stimulation_after_the_link_is_lost(emulated_stimulator):
    dev = emulated_stimulator
    ctl = StimController(dev.port, dev.secret, timeout=0.2).open()
    ctl.arm()
    ctl.train(0, 20, 100, 100, 100)
    dev.advance(ms=20)
    lost_at = dev.faults.disconnect(down_ms=50)  # the device comes back 50 ms later
    try:
        ctl.train(0, 20, 100, 100, 100)  # finds the link gone
    except LinkLost:
        pass
    dev.advance(ms=500)
    ctl.close()
    assert_no_output_after(dev, lost_at, what="link lost")
