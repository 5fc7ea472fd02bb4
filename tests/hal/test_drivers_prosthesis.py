"""The prosthesis driver against the emulated prosthesis over a real pty: limits from the
device, state reports read back (and fed to the safety layer), velocity and acceleration
refusals, the host's and the device's stale-command stops, grip, e-stop.

Profiles: ``prosthesis_cursor`` (2 DoF, ±1 workspace, 1 unit/s, 4 units/s², stale 200 ms, state
every 20 ms, watchdog 500 ms) and ``prosthesis_arm`` (4 joints and a hand, state every 10 ms).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator

import pytest

from neurolink.clock import now
from neurolink.hal import wire
from neurolink.hal.commands import Origin, ProsthesisCommand
from neurolink.hal.device import Lifecycle
from neurolink.hal.drivers import ProsthesisDriver, StateReport
from neurolink.hal.emulate import Emulator
from neurolink.hal.errors import EStopError, NackError, SafetyError
from neurolink.hal.safety import NoHostSafety, Outcome
from neurolink.hal.wire import DeviceState, FaultCode, ProsthesisFlags

F = ProsthesisFlags


@pytest.fixture
def cursor() -> Iterator[Emulator]:
    with Emulator("prosthesis", profile="prosthesis_cursor") as emu:
        yield emu


@pytest.fixture
def arm(cursor: Emulator) -> Iterator[ProsthesisDriver]:
    with ProsthesisDriver(cursor.port) as drv:
        drv.arm()
        drv.wait_state()
        yield drv


def ramp_to(drv: ProsthesisDriver, velocity: tuple[float, ...], steps: int = 4) -> None:
    """Reach ``velocity`` in ``steps`` commands 50 ms apart (within 4 units/s²)."""
    for k in range(1, steps + 1):
        time.sleep(0.05)
        drv.velocity(ProsthesisCommand(tuple(v * k / steps for v in velocity)))


def test_identify_reads_the_dof_limits(cursor):
    with ProsthesisDriver(cursor.port) as drv:
        assert drv.info.kind == "prosthesis" and drv.n_dof == 2
        assert drv.info.has(wire.Capability.STATE_REPORTS)
        lim = drv.limits
        assert lim[0].max_velocity == 1.0 and lim[0].max_acceleration == 4.0
        assert (lim[1].position_min, lim[1].position_max) == (-1.0, 1.0)
        assert lim.timing.stale_after_s == pytest.approx(0.2)
        assert lim.timing.max_report_age_s == pytest.approx(0.1)


def test_state_reports_are_read_back(arm):
    seen: list[StateReport] = []
    arm.on_state(seen.append)
    first = arm.wait_state()
    assert len(first.positions) == 2 and first.flags & F.ARMED
    ramp_to(arm, (0.4, -0.2))
    moving = arm.wait_state(lambda r: r.velocities[0] > 0.35)
    assert moving.flags & F.MOVING
    assert moving.positions[0] > first.positions[0] and moving.positions[1] < first.positions[1]
    assert len(seen) >= 5 and all(b.t_rx >= a.t_rx for a, b in itertools.pairwise(seen))
    assert arm.state is not None and arm.state.t_rx >= moving.t_rx
    periods = [
        b.message.device_time_us - a.message.device_time_us for a, b in itertools.pairwise(seen)
    ]
    assert set(periods) == {20_000}  # one report every 20 ms of device time, none lost


def test_host_refuses_velocity_and_acceleration_beyond_limits(arm):
    message = re.escape("dof 1: |velocity| 1.5 exceeds max_velocity 1")
    with pytest.raises(SafetyError, match=message) as e:
        arm.velocity(ProsthesisCommand((0.0, 1.5)))
    assert e.value.limit == "max_velocity" and e.value.channel == 1
    time.sleep(0.02)
    with pytest.raises(SafetyError, match="max_acceleration") as e:
        arm.velocity(ProsthesisCommand((0.9, 0.0)))  # 0 → 0.9 in well under 225 ms
    with pytest.raises(SafetyError, match="degrees of freedom"):
        arm.velocity(ProsthesisCommand((0.1,)))
    assert arm.drain_sent() == []


def test_device_refuses_beyond_its_hard_limits(cursor):
    bypass = NoHostSafety("test: the prosthesis must refuse 1.5 units/s on its own")
    with ProsthesisDriver(cursor.port, bypass=bypass) as drv:
        drv.arm()
        with pytest.raises(NackError, match=r"OUT_OF_LIMITS \(VELOCITY, index 1\)"):
            drv.velocity(ProsthesisCommand((0.0, 1.5)))
        with pytest.raises(NackError, match=r"DOF_COUNT, index 3"):
            drv.velocity(ProsthesisCommand((0.0, 0.0, 0.0)))


def test_host_sends_the_stop_when_commands_go_stale(cursor):
    # the host's stale limit (lowered to 100 ms) binds before the device's 200 ms
    with ProsthesisDriver(cursor.port, limits={"stale_after_s": 0.1}) as drv:
        drv.arm()
        drv.wait_state()
        origin = Origin("decoder", 7, now())
        time.sleep(0.05)
        drv.velocity(ProsthesisCommand((0.15, 0.0), origin=origin))
        t_last = now()
        stopped = drv.wait_state(lambda r: r.velocities == (0.0, 0.0) and r.t_rx > t_last + 0.1)
        sent = drv.drain_sent()
        assert sent[0].origin == origin and sent[0].latency_s > 0
        assert [s.command.velocity for s in sent] == [(0.15, 0.0), (0.0, 0.0)]
        stop = sent[1]  # due 100 ms after the motion was accepted; polled every 25 ms
        assert 0.1 <= stop.t_check - sent[0].t_check < 0.1 + 0.025 + 0.2
        assert not stopped.flags & F.STALE_STOP  # the host stopped it, not the device
        assert not any(f.fault is FaultCode.STALE_COMMAND for f in drv.faults)
        assert not drv.estop.tripped


def test_device_stops_stale_commands_on_its_own(cursor):
    bypass = NoHostSafety("test: no host stale stop, the device must stop by itself")
    with ProsthesisDriver(cursor.port, bypass=bypass) as drv:
        drv.arm()
        t_cmd = now()  # before the device receives the command
        drv.velocity(ProsthesisCommand((0.5, 0.5)))
        report = drv.wait_state(lambda r: bool(r.flags & F.STALE_STOP))
        assert report.velocities == (0.0, 0.0) and not report.flags & F.MOVING
        assert 0.2 <= report.t_rx - t_cmd < 0.2 + 0.02 + 0.25  # stale 200 ms, reports 20 ms
        assert [f.fault for f in drv.faults] == [FaultCode.STALE_COMMAND]
        assert not drv.estop.tripped  # a stale stop is not a latch
        assert drv.lifecycle is Lifecycle.ARMED


def test_grip_none_keeps_the_last_grip():
    with Emulator("prosthesis", profile="prosthesis_arm") as emu, ProsthesisDriver(emu.port) as drv:
        drv.arm()
        drv.wait_state()
        assert drv.n_dof == 4 and drv.info.has(wire.Capability.GRIP)
        drv.velocity(ProsthesisCommand((0.0,) * 4, grip=0.6))
        drv.velocity(ProsthesisCommand((0.0,) * 4))  # grip None: stays 0.6 on the wire
        closed = drv.wait_state(lambda r: r.message.grip >= 0.6 - 1e-6, timeout=3.0)
        assert closed.message.grip == pytest.approx(0.6, abs=1e-6)
        time.sleep(0.1)
        assert drv.state.message.grip == pytest.approx(0.6, abs=1e-6)


def test_estop_stops_and_latches_the_prosthesis(arm):
    ramp_to(arm, (0.4, 0.0))
    arm.wait_state(lambda r: bool(r.flags & F.MOVING))
    arm.estop_now("test: operator")
    report = arm.wait_state(lambda r: bool(r.flags & F.ESTOPPED))
    assert report.velocities == (0.0, 0.0)
    assert arm.status().state is DeviceState.ESTOPPED
    with pytest.raises(EStopError):
        arm.velocity(ProsthesisCommand((0.1, 0.0)))
    assert arm.stop().status in ("OK", "E_STOPPED")  # a stop passes the host latch
    arm.rearm("test: operator cleared it")
    arm.wait_state(lambda r: bool(r.flags & F.ARMED))
    time.sleep(0.05)
    assert arm.velocity(ProsthesisCommand((0.1, 0.0))).status == "OK"
    wires = [r.detail.get("wire") for r in arm.audit.select(outcome=Outcome.ACK)]
    assert "ESTOP" in wires
