"""ProsthesisGuard: velocity, acceleration, workspace clipping, stale-command stop.

Limits: |v| ≤ 0.5, |Δv| ≤ 2.0 · Δt, workspace [−1, 1], stale after 0.25 s, reports ≤ 0.5 s old.
Times are binary-exact so that boundary values are exact.
"""

from __future__ import annotations

import re

import pytest

from neurolink.hal.commands import ProsthesisCommand, StimCommand
from neurolink.hal.errors import SafetyError
from neurolink.hal.safety import (
    ArmLimits,
    AuditLog,
    DofLimits,
    ProsthesisGuard,
    ProsthesisLimits,
)


def make_guard(start: float = 0.0, n: int = 2) -> ProsthesisGuard:
    lim = ProsthesisLimits([DofLimits(0.5, 2.0, -1.0, 1.0)] * n, ArmLimits(0.25, 0.5), AuditLog())
    return ProsthesisGuard(lim, start_time=start)


def cmd(*v: float) -> ProsthesisCommand:
    return ProsthesisCommand(v)


def refused(g: ProsthesisGuard, c: ProsthesisCommand, now: float, message: str) -> SafetyError:
    with pytest.raises(SafetyError, match="^" + re.escape(message) + "$") as info:
        g.check(c, now)
    return info.value


def test_velocity_boundary() -> None:
    g = make_guard(start=-100.0)
    g.report_position((0.0, 0.0), 0.0)
    assert g.check(cmd(0.5, -0.5), 0.0).command.velocity == (0.5, -0.5)
    e = refused(
        g,
        cmd(0.0, -0.5000001),
        0.0,
        "dof 1: |velocity| 0.5000001 exceeds max_velocity 0.5 (units/s)",
    )
    assert e.limit == "max_velocity" and e.channel == 1


def test_acceleration_boundary() -> None:
    g = make_guard(start=0.0)
    g.report_position((0.0, 0.0), 0.125)
    # at rest since t = 0; at t = 0.125 the change may be 2.0 · 0.125 = 0.25
    refused(
        g,
        cmd(0.2500001, 0.0),
        0.125,
        "dof 0: velocity change 0.2500001 (from 0 to 0.25) in 0.125 s exceeds "
        "max_acceleration 2 (units/s²; allowed change 0.25)",
    )
    g.check(cmd(0.25, 0.0), 0.125)
    # 0.0625 s later: + 2.0 · 0.0625 = 0.125 → 0.375 accepted, 0.376 refused
    refused(
        g,
        cmd(0.376, 0.0),
        0.1875,
        "dof 0: velocity change 0.126 (from 0.25 to 0.376) in 0.0625 s exceeds "
        "max_acceleration 2 (units/s²; allowed change 0.125)",
    )
    g.check(cmd(0.375, 0.0), 0.1875)
    g.check(cmd(0.1, 0.0), 0.1875)  # slowing down is always allowed
    refused(
        g,
        cmd(-0.1, 0.0),
        0.1875,  # a reversal is a change of 0.2 in 0 s
        "dof 0: velocity change 0.2 (from 0.1 to -0.1) in 0 s exceeds max_acceleration 2 "
        "(units/s²; allowed change 0)",
    )


def test_stale_command_stop_due() -> None:
    g = make_guard(start=0.0)
    assert not g.stop_due(10.0)  # nothing sent yet
    g.report_position((0.0, 0.0), 1.0)
    g.check(cmd(0.25, 0.0), 1.0)
    assert not g.stop_due(1.2499)
    assert g.stop_due(1.25)  # 0.25 s without a command
    stop = g.stop_command()
    assert stop.velocity == (0.0, 0.0) and stop.is_stop
    g.check(stop, 1.25)
    assert not g.stop_due(5.0)  # already stopped
    # after the stale stop the arm is at rest from t_last + 0.25
    g.check(cmd(0.25, 0.0), 1.375)
    v, since = g.velocity_in_effect(2.0)
    assert v == (0.0, 0.0) and since == 1.625


def test_workspace_clip() -> None:
    g = make_guard(start=-100.0)
    # horizon = stale_after_s = 0.25 s. From 0.875: room (1 − 0.875) / 0.25 = 0.5 → no clip
    g.report_position((0.875, 0.0), 0.0)
    d = g.check(cmd(0.5, 0.0), 0.0)
    assert not d.clipped and d.command.velocity == (0.5, 0.0)
    # from 0.9375: room 0.0625 / 0.25 = 0.25 → 0.5 clipped to 0.25
    g.reset(-100.0)
    g.report_position((0.9375, -0.9375), 0.0)
    d = g.check(ProsthesisCommand((0.5, -0.5), grip=0.75), 0.0)
    assert d.command.velocity == (0.25, -0.25) and d.command.grip == 0.75
    assert [(c.dof, c.requested, c.allowed, c.bound) for c in d.clips] == [
        (0, 0.5, 0.25, 1.0),
        (1, -0.5, -0.25, -1.0),
    ]
    assert d.clips[0].describe() == (
        "dof 0: velocity 0.5 clipped to 0.25 at position 0.9375 (workspace bound 1)"
    )


def test_workspace_at_and_beyond_bound() -> None:
    g = make_guard(start=-100.0)
    g.report_position((1.0, 1.25), 0.0)
    d = g.check(cmd(0.3, 0.3), 0.0)
    assert d.command.velocity == (0.0, 0.0) and len(d.clips) == 2
    d = g.check(cmd(-0.25, -0.25), 0.125)  # back inside is kept (Δv 0.25 in 0.125 s)
    assert not d.clipped


def test_position_extrapolated_with_velocity_in_effect() -> None:
    g = make_guard(start=-100.0)
    g.report_position((0.75, 0.0), 0.0)
    g.check(cmd(0.5, 0.0), 0.0)
    g.check(cmd(0.5, 0.0), 0.125)  # commands every 0.125 s keep it from going stale
    # at t = 0.25: 0.75 + 0.5 · 0.25 = 0.875; room (1 − 0.875) / 0.25 = 0.5 → not clipped
    assert not g.check(cmd(0.5, 0.0), 0.25).clipped
    # at t = 0.3125: 0.75 + 0.5 · 0.3125 = 0.90625; room 0.09375 / 0.25 = 0.375 → clipped
    d = g.check(cmd(0.5, 0.0), 0.3125)
    assert d.command.velocity == (0.375, 0.0) and d.clips[0].position == 0.90625


def test_position_report_required_and_fresh() -> None:
    g = make_guard(start=-100.0)
    refused(
        g, cmd(0.1, 0.0), 0.0, "no position report yet: motion refused until the device reports"
    )
    g.check(cmd(0.0, 0.0), 0.0)  # a stop needs no report
    g.report_position((0.0, 0.0), 1.0)
    g.check(cmd(0.1, 0.0), 1.5)  # 0.5 s old: the limit, accepted
    refused(
        g, cmd(0.1, 0.0), 1.5625, "position report is 0.5625 s old, exceeds max_report_age_s 0.5 s"
    )
    with pytest.raises(ValueError, match="position report has 3 values, prosthesis has 2 dof"):
        g.report_position((0.0, 0.0, 0.0), 1.0)


def test_shape_and_type() -> None:
    g = make_guard()
    refused(g, cmd(0.0, 0.0, 0.0), 0.0, "command has 3 degrees of freedom, prosthesis has 2")
    with pytest.raises(SafetyError, match="ProsthesisGuard cannot check StimCommand"):
        g.check(StimCommand(0, 1.0, 1.0, 1.0), 0.0)  # type: ignore[arg-type]
