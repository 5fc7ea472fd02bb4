"""SafetyLayer: e-stop + guards + audit in front of a driver; NoHostSafety bypass on record."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurolink.hal.commands import (
    ProsthesisCommand,
    SpikeInput,
    SpikeOutput,
    StimCommand,
    StimStop,
)
from neurolink.hal.errors import EStopError, SafetyError
from neurolink.hal.safety import (
    ArmLimits,
    AuditLog,
    DofLimits,
    ElectrodeLimits,
    EStop,
    Event,
    NoHostSafety,
    Outcome,
    ProsthesisGuard,
    ProsthesisLimits,
    SafetyLayer,
    StimGuard,
    StimLimits,
    TotalStimLimits,
)


class Clock:
    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


E = ElectrodeLimits(
    area_cm2=0.001,
    max_amplitude_ua=200.0,
    max_phase_width_us=500.0,
    max_frequency_hz=300.0,
    max_charge_nc=80.0,
    max_ramp_ua_per_s=1000.0,
    max_pulses_per_s=100.0,
)


def make(
    path: Path | None = None,
    bypass: NoHostSafety | None = None,
) -> tuple[SafetyLayer, Clock]:
    clock = Clock(0.0)
    audit = AuditLog(path, clock=clock)
    estop = EStop(audit, clock=clock)
    stim = StimGuard(StimLimits({0: E, 1: E}, TotalStimLimits(150.0), audit), start_time=0.0)
    plim = ProsthesisLimits([DofLimits(0.5, 2.0, -1.0, 1.0)] * 2, ArmLimits(0.25, 0.5), audit)
    pros = ProsthesisGuard(plim, start_time=0.0)
    layer = SafetyLayer(
        audit=audit, estop=estop, stim=stim, prosthesis=pros, bypass=bypass, clock=clock
    )
    return layer, clock


def stim(a: float = 100.0, ch: int = 0) -> StimCommand:
    return StimCommand(ch, a, 100.0, 10.0)


def test_accept_refuse_ack_all_recorded(tmp_path: Path) -> None:
    layer, clock = make(tmp_path / "audit.jsonl")
    clock.t = 1.0  # ramp allows 1000 µA/s · 1 s
    ok = layer.check(stim())
    assert ok.command == stim() and ok.time == 1.0
    layer.record_reply(ok, ack=True, status="OK", detail={"seq": 3})
    with pytest.raises(SafetyError) as info:
        layer.check(stim(250.0))
    nack = layer.check(stim(ch=1))
    layer.record_reply(nack, ack=False, status="OUT_OF_LIMITS")
    layer.audit.flush()  # the writer's interval not awaited
    recs = AuditLog.read(tmp_path / "audit.jsonl")
    assert recs == list(layer.audit.records)
    assert [r.outcome for r in recs] == [
        Outcome.ACCEPTED,
        Outcome.ACK,
        Outcome.REFUSED,
        Outcome.ACCEPTED,
        Outcome.NACK,
    ]
    assert recs[1].ref == ok.index and recs[1].status == "OK" and recs[1].detail == {"seq": 3}
    assert recs[2].reason == str(info.value)
    assert recs[2].reason == "channel 0: phase-1 amplitude 250 µA exceeds max_amplitude_ua 200 µA"
    assert recs[2].detail == {"limit": "max_amplitude_ua", "channel": 0}
    assert recs[4].ref == nack.index and recs[4].status == "OUT_OF_LIMITS"


def test_estop_refuses_until_rearm_and_guards_restart_from_rest() -> None:
    layer, clock = make()
    clock.t = 1.0
    layer.check(stim(100.0))
    layer.estop.trip("deadline storm", source="deadline")
    with pytest.raises(EStopError):
        layer.check(stim(100.0))
    layer.check(StimStop())  # stops pass
    refused = layer.audit.select(outcome=Outcome.REFUSED)
    assert refused[0].detail["limit"] == "estop"
    clock.t = 2.0
    layer.rearm("operator checked the subject")
    # the ramp restarts from 0 µA at t = 2: 100 µA needs 0.1 s
    with pytest.raises(SafetyError, match="allowed rise 0 µA"):
        layer.check(stim(100.0))
    clock.t = 2.1
    layer.check(stim(100.0))


def test_bypass_is_recorded_and_estop_still_applies() -> None:
    with pytest.raises(ValueError, match="non-empty reason"):
        NoHostSafety("")
    layer, _ = make(bypass=NoHostSafety("device-refusal test"))
    assert layer.bypassed
    first = layer.audit.records[0]
    assert first.event == Event.HOST_SAFETY_BYPASSED and first.reason == "device-refusal test"
    out = layer.check(stim(5000.0))  # far beyond every host limit: reaches the device
    assert out.command.amplitude_ua == 5000.0  # type: ignore[union-attr]
    rec = layer.audit.records[-1]
    assert rec.outcome is Outcome.UNCHECKED and rec.reason == "device-refusal test"
    layer.estop.trip("test")
    with pytest.raises(EStopError):
        layer.check(stim(5000.0))


def test_bypass_must_be_the_marker() -> None:
    clock = Clock()
    audit = AuditLog(clock=clock)
    with pytest.raises(TypeError, match="bypass must be a NoHostSafety"):
        SafetyLayer(audit=audit, estop=EStop(audit), bypass=True)  # type: ignore[arg-type]


def test_fails_closed_without_guard() -> None:
    audit = AuditLog(clock=lambda: 0.0)
    layer = SafetyLayer(audit=audit, estop=EStop(audit), clock=lambda: 0.0)
    with pytest.raises(SafetyError, match="no stimulation guard configured"):
        layer.check(stim())
    with pytest.raises(SafetyError, match="no prosthesis guard configured"):
        layer.check(ProsthesisCommand((0.0,)))
    layer.check(SpikeInput(0, [1, 2]))  # the neuromorphic board has no limits
    with pytest.raises(SafetyError, match="SpikeOutput is not a command the host may send"):
        layer.check(SpikeOutput(0))  # type: ignore[arg-type]


def test_trip_cancels_scheduled_pulses() -> None:
    layer, clock = make()
    clock.t = 1.0
    layer.check(StimCommand(0, 50.0, 100.0, 100.0, pulse_count=1000))  # 100 Hz for 10 s
    with pytest.raises(SafetyError, match="pulse rate"):
        layer.check(stim(50.0))
    clock.t = 1.5
    layer.estop.trip("test")  # stop at 1.5: onsets 1.0 … 1.5 kept (51 pulses)
    layer.rearm("ok")
    clock.t = 2.0  # window [1.0, 2.0) holds 51 + 1; ramp from 0 at 1.5 allows 500 µA
    layer.check(stim(50.0))


def test_prosthesis_clip_recorded_and_stale_stop() -> None:
    layer, clock = make()
    clock.t = 1.0
    layer.report_position((0.9375, 0.0), 1.0)
    out = layer.check(ProsthesisCommand((0.5, 0.0)))
    assert out.command.velocity == (0.25, 0.0)  # type: ignore[union-attr]
    (clip,) = layer.audit.select(event=Event.WORKSPACE_CLIP)
    assert clip.reason == (
        "dof 0: velocity 0.5 clipped to 0.25 at position 0.9375 (workspace bound 1)"
    )
    acc = layer.audit.select(outcome=Outcome.ACCEPTED)[-1]
    assert acc.command is not None and acc.command["velocity"] == [0.25, 0.0]
    assert acc.detail == {"requested_velocity": [0.5, 0.0]}
    assert layer.stop_due() is None
    clock.t = 1.25
    due = layer.stop_due()
    assert due is not None and due.is_stop
    layer.check(due)
    assert layer.stop_due() is None
