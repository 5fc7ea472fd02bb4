"""Limits: config may only lower; raising needs a reason; every change is in the audit log."""

from __future__ import annotations

import math

import pytest

from neurolink.hal.commands import StimCommand
from neurolink.hal.errors import LimitConfigError
from neurolink.hal.safety import (
    ArmLimits,
    AuditLog,
    DofLimits,
    ElectrodeLimits,
    Event,
    ProsthesisLimits,
    StimGuard,
    StimLimits,
    TotalStimLimits,
)

E = ElectrodeLimits(
    area_cm2=0.001,
    max_amplitude_ua=200.0,
    max_phase_width_us=500.0,
    max_frequency_hz=300.0,
    max_charge_nc=80.0,
    max_ramp_ua_per_s=1e6,
    max_pulses_per_s=1000.0,
)


def stim_limits(audit: AuditLog) -> StimLimits:
    return StimLimits({0: E, 1: E}, TotalStimLimits(2000.0), audit)


def test_defaults_and_validation() -> None:
    assert E.shannon_k == 1.5 and E.balance_tolerance_nc == 0.01
    with pytest.raises(
        LimitConfigError,
        match=r"ElectrodeLimits\.max_amplitude_ua must be > 0, "
        r"got -1\.0",
    ):
        ElectrodeLimits(0.001, -1.0, 1, 1, 1, 1, 1)
    with pytest.raises(
        LimitConfigError,
        match=r"ElectrodeLimits\.area_cm2 must be a finite "
        r"number, got nan",
    ):
        ElectrodeLimits(math.nan, 1, 1, 1, 1, 1, 1)
    with pytest.raises(LimitConfigError, match=r"position_min \(1.0\) must be < position_max"):
        DofLimits(1.0, 1.0, 1.0, 1.0)


def test_config_lowers_and_is_recorded() -> None:
    audit = AuditLog()
    lim = stim_limits(audit)
    lim.apply_config({"max_amplitude_ua": 150.0, "shannon_k": 1.2}, source="session.toml")
    assert lim[0].max_amplitude_ua == 150.0 and lim[1].shannon_k == 1.2
    assert lim.channels.hard(0).max_amplitude_ua == 200.0
    recs = audit.select(event=Event.LIMIT_LOWERED)
    assert len(recs) == 4  # two names × two channels
    assert recs[0].detail == {
        "scope": "channel 0",
        "name": "max_amplitude_ua",
        "old": 200.0,
        "new": 150.0,
        "hard": 200.0,
        "unit": "µA",
        "source": "session.toml",
        "beyond_hard": False,
    }
    assert recs[0].reason == "session.toml"


def test_config_cannot_raise_without_reason() -> None:
    audit = AuditLog()
    lim = stim_limits(audit)
    lim.lower_limit("max_amplitude_ua", 100.0, key=0)
    n = len(audit)
    # back up to the hard value is a raise too
    with pytest.raises(
        LimitConfigError,
        match=r"^channel 0: max_amplitude_ua 200 µA would raise "
        r"the limit from 100 µA \(config\); raising needs "
        r"raise_limit\(name, value, reason\)$",
    ):
        lim.apply_config({"max_amplitude_ua": 200.0}, key=0)
    with pytest.raises(
        LimitConfigError,
        match="channel 0: max_amplitude_ua 250 µA would raise the limit from 100 µA",
    ):
        lim.apply_config({"max_amplitude_ua": 250.0})
    assert len(audit) == n  # nothing changed, nothing recorded
    assert lim[0].max_amplitude_ua == 100.0 and lim[1].max_amplitude_ua == 200.0


def test_raise_limit_recorded_beyond_hard() -> None:
    audit = AuditLog()
    lim = stim_limits(audit)
    lim.raise_limit("max_amplitude_ua", 300.0, "IRB amendment 7, larger electrode", key=1)
    (rec,) = audit.select(event=Event.LIMIT_RAISED)
    assert rec.reason == "IRB amendment 7, larger electrode"
    assert rec.detail["old"] == 200.0 and rec.detail["new"] == 300.0
    assert rec.detail["beyond_hard"] is True and rec.detail["scope"] == "channel 1"
    guard = StimGuard(lim, start_time=-100.0)
    guard.check(StimCommand(1, 250.0, 100.0, 10.0), 0.0)
    with pytest.raises(LimitConfigError, match="needs a non-empty reason"):
        lim.raise_limit("max_amplitude_ua", 300.0, "  ")


def test_override_reason_in_config() -> None:
    audit = AuditLog()
    lim = stim_limits(audit)
    lim.apply_config({"max_total_pulses_per_s": 4000.0}, override_reason="bench test rig")
    assert lim.max_total_pulses_per_s == 4000.0
    (rec,) = audit.select(event=Event.LIMIT_RAISED)
    assert rec.detail["scope"] == "all channels" and rec.reason == "bench test rig"


def test_bad_settings_name_the_problem() -> None:
    lim = stim_limits(AuditLog())
    with pytest.raises(LimitConfigError, match="'area_cm2' is not a settable limit"):
        lim.raise_limit("area_cm2", 1.0, "bigger")
    with pytest.raises(LimitConfigError, match="'volume' is not a settable limit"):
        lim.lower_limit("volume", 1.0)
    with pytest.raises(LimitConfigError, match="channel 9: no such key"):
        lim.lower_limit("max_amplitude_ua", 1.0, key=9)
    with pytest.raises(
        LimitConfigError,
        match=r"channel 0: ElectrodeLimits\.max_charge_nc must "
        r"be > 0, got -5\.0",
    ):
        lim.lower_limit("max_charge_nc", -5.0)


def test_lowering_is_atomic_across_channels() -> None:
    audit = AuditLog()
    lim = stim_limits(audit)
    lim.lower_limit("max_amplitude_ua", 100.0, key=1)
    with pytest.raises(LimitConfigError, match="channel 1"):
        lim.lower_limit("max_amplitude_ua", 150.0)  # lowers 0, would raise 1
    assert lim[0].max_amplitude_ua == 200.0


def test_workspace_min_is_permissive_downwards() -> None:
    audit = AuditLog()
    lim = ProsthesisLimits([DofLimits(0.5, 2.0, -1.0, 1.0)], ArmLimits(0.25, 0.5), audit)
    lim.lower_limit("position_min", -0.5)  # narrower: allowed
    with pytest.raises(LimitConfigError, match=r"dof 0: position_min -0\.75 would raise"):
        lim.lower_limit("position_min", -0.75)
    lim.raise_limit("stale_after_s", 0.5, "slow robot")
    assert lim.timing.stale_after_s == 0.5 and lim[0].position_min == -0.5
    assert [r.event for r in audit] == ["LIMIT_LOWERED", "LIMIT_RAISED"]


def test_from_mapping() -> None:
    d = {
        "n_channels": 3,
        "max_total_pulses_per_s": 900,
        "electrode": {
            "area_cm2": 0.001,
            "max_amplitude_ua": 200,
            "max_phase_width_us": 500,
            "max_frequency_hz": 300,
            "max_charge_nc": 80,
            "max_ramp_ua_per_s": 1000,
            "max_pulses_per_s": 300,
        },
        "channels": {"2": {"area_cm2": 0.002, "shannon_k": 1.2}},
    }
    lim = StimLimits.from_mapping(d, AuditLog())
    assert lim[0].area_cm2 == 0.001 and lim[2].area_cm2 == 0.002 and lim[2].shannon_k == 1.2
    assert lim.max_total_pulses_per_s == 900.0
    with pytest.raises(LimitConfigError, match="missing key 'electrode'"):
        StimLimits.from_mapping({"n_channels": 1, "max_total_pulses_per_s": 1}, AuditLog())
    with pytest.raises(LimitConfigError, match=r"channel 0: .*unexpected keyword argument 'zap'"):
        StimLimits.from_mapping({**d, "electrode": {**d["electrode"], "zap": 1}}, AuditLog())
    with pytest.raises(LimitConfigError, match=r"channels \[5\] >= n_channels 3"):
        StimLimits.from_mapping({**d, "channels": {"5": {}}}, AuditLog())
