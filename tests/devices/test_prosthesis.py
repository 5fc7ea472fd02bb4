"""The emulated prosthesis: integration, limits, workspace clamp, stale stop, state reports."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from neurolink.hal import wire
from tests.devices._client import nack

S, L, F = wire.Status, wire.Limit, wire.ProsthesisFlags
PERIOD_US = 20_000  # state_period_ms of the cursor profile
STALE_US = 200_000  # stale_timeout_ms
ACC = 4.0  # max_acceleration, units/s²


def _states(c, n: int) -> list[wire.ProsthesisState]:
    out = []
    for _ in range(n):
        m = c.wait_for(lambda m: isinstance(m, wire.ProsthesisState))
        assert isinstance(m, wire.ProsthesisState)
        out.append(m)
    return out


def _drive(c, velocities: tuple[float, ...], seconds: float, grip: float = 0.0) -> None:
    """Keep a velocity command and the heartbeat alive for ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        c.ack(wire.ProsthesisVelocity(velocities, grip))
        c.ack(wire.Heartbeat())
        c.pump(0.04)


def test_state_reports_come_every_period_on_the_device_clock(cursor):
    _, c = cursor
    states = _states(c, 10)
    times = [s.device_time_us for s in states]
    assert all(t % PERIOD_US == 0 for t in times)
    assert [b - a for a, b in itertools.pairwise(times)] == [PERIOD_US] * 9
    assert states[-1].positions == (0.0, 0.0) and states[-1].flags == F(0)


def test_velocity_is_ramped_and_integrated(cursor):
    _, c = cursor
    c.ack(wire.Arm())
    t0 = c.device_time_us()
    c.ack(wire.ProsthesisVelocity((0.5, -0.25)))
    t1 = c.device_time_us()
    c.unsolicited.clear()
    _drive(c, (0.5, -0.25), 0.5)
    states = [f.message for f in c.unsolicited if isinstance(f.message, wire.ProsthesisState)]
    assert len(states) >= 10
    for a, b in itertools.pairwise(states):
        dt = (b.device_time_us - a.device_time_us) / 1e6
        for va, vb in zip(a.velocities, b.velocities, strict=True):
            assert abs(vb - va) <= ACC * dt + 1e-6  # never faster than the acceleration limit
    ramping = [s for s in states if F.ACCELERATION_CLAMPED in s.flags]
    steady = [s for s in states if s.velocities == (0.5, -0.25)]
    assert all(F.ARMED in s.flags and F.MOVING in s.flags for s in states)
    assert len(steady) >= 5 and not [s for s in steady if F.ACCELERATION_CLAMPED in s.flags]
    assert all(s.device_time_us < steady[0].device_time_us for s in ramping)
    for a, b in itertools.pairwise(steady):  # constant velocity: dx = v dt
        dt = (b.device_time_us - a.device_time_us) / 1e6
        assert b.positions[0] - a.positions[0] == pytest.approx(0.5 * dt, abs=1e-6)
        assert b.positions[1] - a.positions[1] == pytest.approx(-0.25 * dt, abs=1e-6)
    # after the ramp (v/a s), x = v (t - t_cmd - v / 2a): the command's time is in [t0, t1]
    s = steady[-1]
    for pos, v in zip(s.positions, (0.5, -0.25), strict=True):
        t_cmd = s.device_time_us / 1e6 - pos / v - abs(v) / (2 * ACC)
        assert t0 / 1e6 - 1e-5 <= t_cmd <= t1 / 1e6 + 1e-5


@pytest.mark.parametrize(
    ("velocities", "grip", "limit", "index"),
    [
        ((1.01, 0.0), 0.0, L.VELOCITY, 0),
        ((0.0, -1.5), 0.0, L.VELOCITY, 1),
        ((0.1, 0.1, 0.1), 0.0, L.DOF_COUNT, 3),
        ((0.1,), 0.0, L.DOF_COUNT, 1),
        ((0.1, 0.1), 1.5, L.GRIP, 0),
        ((0.1, 0.1), -0.1, L.GRIP, 0),
    ],
)
def test_hard_limits_are_refused(cursor, velocities, grip, limit, index):
    _, c = cursor
    c.ack(wire.Arm())
    reply = c.command(wire.ProsthesisVelocity(velocities, grip))
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(limit, index))(reply)


def test_velocity_at_its_limit_is_accepted_and_unarmed_is_refused(cursor):
    _, c = cursor
    assert nack(S.NOT_ARMED)(c.command(wire.ProsthesisVelocity((1.0, -1.0))))
    c.ack(wire.Arm())
    c.ack(wire.ProsthesisVelocity((1.0, -1.0)))


NEAR_WALL = """
[device]
kind = "prosthesis"
identity = "test cursor near the wall"
heartbeat_timeout_ms = 500

[motion]
stale_timeout_ms = 200
state_period_ms = 10

[[dofs]]
name = "x"
max_velocity = 1.0
max_acceleration = 10.0
min_position = -1.0
max_position = 1.0
initial_position = 0.9

[[dofs]]
name = "y"
max_velocity = 1.0
max_acceleration = 10.0
min_position = -1.0
max_position = 1.0
"""


def test_position_is_clamped_at_the_workspace_bound(start_device, tmp_path: Path):
    profile = tmp_path / "near_wall.toml"
    profile.write_text(NEAR_WALL)
    _, c = start_device("devices.prosthesis", "--profile", str(profile))
    c.ack(wire.Arm())
    c.unsolicited.clear()
    end = time.monotonic() + 5.0
    while not [f for f in c.unsolicited if isinstance(f.message, wire.Fault)]:
        c.ack(wire.ProsthesisVelocity((1.0, 0.0)))  # towards the wall at x = 1
        c.ack(wire.Heartbeat())
        c.pump(0.03)
        assert time.monotonic() < end, "never reached the wall"
    fault = c.wait_for(lambda m: isinstance(m, wire.Fault))
    assert isinstance(fault, wire.Fault)
    assert (fault.fault, fault.detail) == (wire.FaultCode.WORKSPACE_LIMIT, 0)
    _drive(c, (1.0, 0.0), 0.1)
    s = [f.message for f in c.unsolicited if isinstance(f.message, wire.ProsthesisState)][-1]
    assert s.positions == (1.0, 0.0) and s.velocities == (0.0, 0.0)
    assert F.AT_WORKSPACE_LIMIT in s.flags and F.VELOCITY_CLAMPED in s.flags
    assert F.MOVING not in s.flags
    c.unsolicited.clear()
    _drive(c, (-0.5, 0.0), 0.15)  # back inside
    s = [f.message for f in c.unsolicited if isinstance(f.message, wire.ProsthesisState)][-1]
    assert s.positions[0] < 1.0 and F.AT_WORKSPACE_LIMIT not in s.flags


def test_stale_command_stops_it(cursor):
    _, c = cursor
    c.ack(wire.Arm())
    t0 = c.device_time_us()
    c.ack(wire.ProsthesisVelocity((0.5, 0.0)))
    t1 = c.device_time_us()
    end = time.monotonic() + 5.0
    while not [f for f in c.unsolicited if isinstance(f.message, wire.Fault)]:
        c.ack(wire.Heartbeat())  # the host is alive; only its commands stopped
        c.pump(0.05)
        assert time.monotonic() < end, "the stale stop never came"
    fault = c.wait_for(lambda m: isinstance(m, wire.Fault))
    assert isinstance(fault, wire.Fault) and fault.fault is wire.FaultCode.STALE_COMMAND
    assert t0 + STALE_US <= fault.device_time_us <= t1 + STALE_US
    after = _states(c, 3)
    assert all(s.velocities == (0.0, 0.0) and F.STALE_STOP in s.flags for s in after)
    assert after[0].positions == after[-1].positions and after[0].positions[0] > 0
    status = c.command(wire.StatusQuery())
    assert isinstance(status, wire.StatusReport) and status.state is wire.DeviceState.ARMED
    c.ack(wire.ProsthesisVelocity((0.1, 0.0)))  # a new command clears the stale stop
    assert F.STALE_STOP not in _states(c, 2)[-1].flags


def test_arm_profile_moves_its_hand(start_device):
    _, c = start_device("devices.prosthesis", "--profile", "prosthesis_arm")
    c.ack(wire.Arm())
    c.unsolicited.clear()
    _drive(c, (0.0, 0.0, 0.0, 0.0), 0.7, grip=1.0)  # 2 /s: closed after 0.5 s
    states = [f.message for f in c.unsolicited if isinstance(f.message, wire.ProsthesisState)]
    closing = [s for s in states if 0.0 < s.grip < 1.0]
    assert len(closing) >= 5 and states[-1].grip == 1.0
    for a, b in itertools.pairwise(closing):
        dt = (b.device_time_us - a.device_time_us) / 1e6
        assert b.grip - a.grip == pytest.approx(2.0 * dt, abs=1e-6)
    assert states[-1].positions == pytest.approx((0.0, 0.2, 1.0, 0.0))
