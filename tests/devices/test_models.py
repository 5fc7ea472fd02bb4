"""The device models' arithmetic, driven with chosen device times (no port, no clock luck)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.core.control import Control
from devices.core.line import TxLine
from devices.neuroboard.model import spike_frames
from devices.prosthesis.dynamics import Dof
from devices.stimulator.checks import shannon_refuses
from devices.stimulator.trains import Train, rate_exceeded
from neurolink.hal import wire


@given(
    q_pc=st.integers(1, 65535 * 65535),
    area=st.integers(1, 10**9),
    k_x100=st.integers(0, 300),
)
def test_integer_shannon_agrees_with_the_logarithms(q_pc: int, area: int, k_x100: int):
    index = 2 * math.log10(q_pc) - math.log10(area) - 4  # log10(Q² / A) = log10(D·Q)
    if abs(index - k_x100 / 100) > 1e-9:  # away from the boundary, where floats are exact
        assert shannon_refuses(q_pc, area, k_x100) == (index >= k_x100 / 100)


def test_shannon_boundary_is_strict():
    # q² = 10^k · area · 10⁴ exactly: k = 2, area = 1 → q = 1000 pC is on the boundary
    assert shannon_refuses(1000, 1, 200) and not shannon_refuses(999, 1, 200)


def _train(ch: int, f_x100: int, n: int, start: int) -> Train:
    return Train(wire.Stim.symmetric(ch, 10, 10, f_x100, n), start)


def test_rate_cap_counts_delivered_and_scheduled_pulses():
    now = 10_000_000
    delivered = list(range(now - 500_000, now, 500))  # 1,000 pulses in the last 0.5 s
    one = _train(0, 50000, 1000, now)  # 500 Hz
    two = _train(1, 50000, 1000, now)
    # the fullest window starts at the second delivered pulse, now − 499.5 ms: it holds 999
    # delivered pulses and 251 of each train (onsets now + 0, 2, ..., 500 ms)
    assert not rate_exceeded(delivered, [one, two], now, 1501)
    assert rate_exceeded(delivered, [one, two], now, 1500)
    # a second later the delivered ones no longer count: 500 + 500 in any window
    later = now + 1_000_000
    assert not rate_exceeded(
        delivered, [_train(0, 50000, 1000, later), _train(1, 50000, 1000, later)], later, 1000
    )


def test_rate_cap_checks_the_long_run_rate_of_long_trains():
    trains = [_train(c, 40000, 100_000, 0) for c in range(3)]  # 3 x 400 Hz for 250 s
    assert not rate_exceeded([], trains, 0, 1200)
    assert rate_exceeded([], trains, 0, 1199)


def test_train_onsets_do_not_drift():
    t = _train(0, 13000, 1_000_000, 5)
    assert t.onset_us(999_999) == 5 + 999_999 * 100_000_000 // 13000


def _dof(pos: float = 0.0) -> Dof:
    return Dof(wire.DofLimits(1.0, 4.0, -1.0, 1.0), pos)


def test_dof_ramps_then_integrates_exactly():
    d = _dof()
    d.target = 0.5
    d.advance(0.1)  # still ramping: v = 4 · 0.1 = 0.4, x = 0.4 · 0.1 / 2
    assert (d.velocity, d.position) == pytest.approx((0.4, 0.02))
    d.advance(0.1)  # ramp ends at 0.125 s: x = 0.5·0.125/2 + 0.5·0.075
    assert (d.velocity, d.position) == pytest.approx((0.5, 0.03125 + 0.0375))


def test_dof_stops_at_the_bound_while_pushed_out():
    d = _dof(0.99)
    d.velocity = d.target = 1.0
    assert d.advance(0.1)  # arrived at the bound
    assert (d.position, d.velocity, d.held, d.ramping) == (1.0, 0.0, True, False)
    assert not d.advance(0.1) and d.position == 1.0  # stays; not "arrived" again
    d.target = -0.5
    d.advance(0.05)
    assert d.position < 1.0 and not d.at_bound


def test_spike_frames_fill_frames_and_flag_more():
    frames = spike_frames(7, [(0, list(range(600))), (3, [1, 2])])
    assert [f.flags for f in frames] == [wire.SpikesFlags.MORE, wire.SpikesFlags.NONE]
    assert all(len(f.pack()) <= wire.MAX_PAYLOAD for f in frames)
    assert [(p, i) for f in frames for p, idx in f.spikes for i in idx] == (
        [(0, i) for i in range(600)] + [(3, 1), (3, 2)]
    )
    assert spike_frames(1, []) == [wire.NeuroSpikes(1)]


def test_control_state_machine():
    c = Control(heartbeat_timeout_ms=100)
    assert c.watchdog_deadline_us() is None  # disarmed: no watchdog
    assert c.arm(1000) is None and c.watchdog_deadline_us() == 101_000
    c.heartbeat(50_000)
    assert c.watchdog_deadline_us() == 150_000
    c.latch(wire.DeviceState.WATCHDOG_TRIPPED, wire.FaultCode.WATCHDOG)
    assert c.watchdog_deadline_us() is None
    assert c.arm(0) is wire.Status.WATCHDOG_TRIPPED
    c.disarm()
    assert c.state is wire.DeviceState.WATCHDOG_TRIPPED  # DISARM does not clear a latch
    assert c.reset_latch(0) is wire.Status.BAD_PAYLOAD
    assert c.reset_latch(wire.RESET_ESTOP_KEY) is None and c.state is wire.DeviceState.DISARMED
    assert c.last_fault == wire.FaultCode.WATCHDOG


def test_tx_line_releases_frames_at_their_wire_time():
    line = TxLine(baud=10_000)  # 1 ms per byte
    line.push(b"abcde", 0)  # on the wire 0 .. 5 ms
    line.push(b"xy", 1000)  # queued behind: 5 .. 7 ms
    assert line.due(4999) == b"" and line.next_release_us() == 5000
    assert line.due(5000) == b"abcde" and line.due(7000) == b"xy"
    assert TxLine(0).next_release_us() is None
