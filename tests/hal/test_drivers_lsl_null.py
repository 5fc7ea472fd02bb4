"""The LSL command outlet (read back by a real LSL inlet on this machine) and the null device."""

from __future__ import annotations

import json
import math

import pylsl
import pytest

from neurolink.clock import now
from neurolink.hal.commands import (
    Origin,
    ProsthesisCommand,
    StimCommand,
    StimStop,
    command_from_dict,
)
from neurolink.hal.device import Device, Lifecycle, device_class, device_names
from neurolink.hal.drivers import LslOutletDriver, NullDevice
from neurolink.hal.errors import DeviceError, EStopError, SafetyError
from neurolink.hal.safety import (
    AuditLog,
    ElectrodeLimits,
    EStop,
    NoHostSafety,
    Outcome,
    SafetyLayer,
    StimGuard,
    StimLimits,
    TotalStimLimits,
)


def bypass_layer() -> SafetyLayer:
    audit = AuditLog()
    return SafetyLayer(
        audit=audit,
        estop=EStop(audit),
        bypass=NoHostSafety("test: the consumer is a game, nothing physical"),
    )


def stim_layer() -> SafetyLayer:
    audit = AuditLog()
    lim = ElectrodeLimits(
        area_cm2=0.05,
        max_amplitude_ua=1000,
        max_phase_width_us=500,
        max_frequency_hz=200,
        max_charge_nc=100,
        max_ramp_ua_per_s=1e7,
        max_pulses_per_s=1000,
    )
    limits = StimLimits({0: lim, 1: lim}, TotalStimLimits(2000), audit)
    return SafetyLayer(
        audit=audit, estop=EStop(audit), stim=StimGuard(limits, start_time=now() - 1.0)
    )


def inlet_for(name: str) -> pylsl.StreamInlet:
    [info] = pylsl.resolve_byprop("name", name, minimum=1, timeout=10.0)
    inlet = pylsl.StreamInlet(info)
    inlet.open_stream(timeout=10.0)
    return inlet


def test_registry_lists_every_device():
    names = device_names()
    assert set(names) == {"stimulator", "prosthesis", "neuroboard", "lsl", "null"}
    assert names["stimulator"].emulator == "stimulator" and names["null"].emulator is None
    assert device_class("lsl") is LslOutletDriver and device_class("null") is NullDevice


def test_json_outlet_round_trip(unique_name):
    layer = bypass_layer()
    out = LslOutletDriver(unique_name, layer)
    assert isinstance(out, Device)
    with out:
        assert out.info.url == f"lsl:{unique_name}"
        out.arm()
        inlet = inlet_for(unique_name)
        assert out.wait_for_consumers(5.0)
        origin = Origin("cursor", 99, now() - 0.005)
        cmds = [
            ProsthesisCommand((0.25, -0.5), grip=None, origin=origin),
            StimCommand(1, 100, 200, 50, 3),
            StimStop(None, "done"),
        ]
        sent = [out.send(c) for c in cmds]
        got = [inlet.pull_sample(timeout=5.0) for _ in cmds]
        inlet.close_stream()
    assert [command_from_dict(json.loads(s[0])) for s, _ in got] == cmds
    assert all(ts > 0 for _, ts in got)
    assert sent[0].status == "PUSHED" and sent[0].latency_s == pytest.approx(
        sent[0].t_wire - origin.timestamp
    )
    assert [r.status for r in layer.audit.select(outcome=Outcome.ACK)] == ["PUSHED"] * 3
    assert out.lifecycle is Lifecycle.CLOSED


def test_numeric_prosthesis_outlet(unique_name):
    out = LslOutletDriver(unique_name, bypass_layer(), fmt="numeric", n_dof=2)
    with out:
        out.arm()
        inlet = inlet_for(unique_name)
        assert inlet.info().channel_count() == 3
        out.wait_for_consumers(5.0)
        out.send(ProsthesisCommand((0.25, -0.5), grip=0.75))
        out.send(ProsthesisCommand((0.0, 0.0)))
        a, _ = inlet.pull_sample(timeout=5.0)
        b, _ = inlet.pull_sample(timeout=5.0)
        with pytest.raises(DeviceError, match="3 DoF"):
            out.send(ProsthesisCommand((0.0, 0.0, 0.0)))
        with pytest.raises(DeviceError, match="carries ProsthesisCommand"):
            out.send(StimStop())
        inlet.close_stream()
    assert a == [0.25, -0.5, 0.75]
    assert b[:2] == [0.0, 0.0] and math.isnan(b[2])


def test_numeric_stim_outlet_applies_the_guard(unique_name):
    layer = stim_layer()
    out = LslOutletDriver(unique_name, layer, fmt="numeric", command=StimCommand)
    with out:
        out.arm()
        inlet = inlet_for(unique_name)
        out.wait_for_consumers(5.0)
        with pytest.raises(SafetyError, match="max_amplitude_ua"):
            out.send(StimCommand(0, 2000, 100, 50, 1))
        out.send(StimCommand(1, 200, 100, 50, 4, second_amplitude_ua=100))
        out.send(StimStop(None))
        row, _ = inlet.pull_sample(timeout=5.0)
        stop, _ = inlet.pull_sample(timeout=5.0)
        inlet.close_stream()
    assert row == [1, 200, 100, 0, 100, 200, 50, 4, 0]
    assert stop == [-1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert len(layer.audit.select(outcome=Outcome.REFUSED)) == 1


def test_null_device_records_and_obeys_the_estop():
    dev = NullDevice()
    with pytest.raises(DeviceError, match="cannot send while closed"):
        dev.send(StimStop())
    with dev:
        assert dev.info.kind == "null"
        with pytest.raises(DeviceError, match="cannot send while identified"):
            dev.send(StimStop())
        dev.arm()
        cmd = ProsthesisCommand((1.0, 2.0), origin=Origin("s", 1, now()))
        sent = dev.send(cmd)
        assert sent.status == "RECORDED" and sent.latency_s >= 0
        assert dev.commands == (cmd,)
        assert dev.layer.audit.select(event="HOST_SAFETY_BYPASSED")
        dev.layer.estop.trip("test", source="operator")
        with pytest.raises(EStopError):
            dev.send(cmd)
        assert dev.send(StimStop()).acked  # stops pass
        with pytest.raises(EStopError):
            dev.arm()
        assert [s.command for s in dev.drain_sent()] == [cmd, StimStop()]
    assert dev.lifecycle is Lifecycle.CLOSED


def test_null_device_with_a_guarded_layer_refuses():
    dev = NullDevice(stim_layer())
    with dev:
        dev.arm()
        with pytest.raises(SafetyError, match="max_amplitude_ua"):
            dev.send(StimCommand(0, 5000, 10, 50, 1))
        assert dev.commands == ()
