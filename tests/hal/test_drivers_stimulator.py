"""The stimulator driver against the emulated stimulator (``python -m devices.stimulator``) over
a real pty: limits read from the device, host and device refusals, charge balance, units,
e-stop latch and re-arm, watchdog timing, audit and latency records.

Profile ``stimulator`` (devices/profiles/stimulator.toml): 16 channels; 0–7 microelectrodes
(2,000 µm², ≤ 100 µA, ≤ 400 µs, ≤ 4 nC), 8–11 small contacts (20,000 µm², ≤ 1 mA; Shannon
binds at 79.5 nC), 12–15 macroelectrodes (0.05 cm², ≤ 5 mA, ≤ 200 nC); watchdog 500 ms.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator

import pytest

from neurolink.clock import now
from neurolink.hal import wire
from neurolink.hal.commands import Origin, Polarity, StimCommand
from neurolink.hal.device import Lifecycle, device_class, make_device
from neurolink.hal.drivers import StimulatorDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.errors import (
    CommandError,
    DeviceError,
    EStopError,
    LimitConfigError,
    NackError,
    SafetyError,
)
from neurolink.hal.safety import NoHostSafety, Outcome
from neurolink.hal.wire import DeviceState, MsgType
from tests.hal._beats import HeldBeats


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator("stimulator") as emu:
        yield emu


@pytest.fixture
def beats() -> HeldBeats:
    return HeldBeats()


@pytest.fixture
def stim(emulator: Emulator, beats: HeldBeats) -> Iterator[StimulatorDriver]:
    drv = StimulatorDriver(emulator.port, heartbeat_wait=beats, max_ramp_ua_per_s=1e6)
    with drv:
        drv.arm()
        yield drv


def pulse(channel: int = 12, amplitude: float = 100, width: float = 200, **kw) -> StimCommand:
    kw.setdefault("frequency_hz", 100)
    kw.setdefault("pulse_count", 3)
    return StimCommand(channel, amplitude, width, **kw)


def wait_for(predicate, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


def test_identify_reads_the_limits_of_every_channel(emulator):
    with StimulatorDriver(emulator.port) as drv:
        info = drv.info
        assert info is not None and info.kind == "stimulator" and info.emulated
        assert info.has(wire.Capability.WATCHDOG | wire.Capability.PULSE_LOG)
        assert info.heartbeat_timeout_s == 0.5
        assert drv.lifecycle is Lifecycle.IDENTIFIED
        assert len(drv.channels) == 16
        lim = drv.limits
        assert lim[0].max_amplitude_ua == 100 and lim[0].area_cm2 == pytest.approx(2e-5)
        assert lim[0].max_charge_nc == 4 and lim[0].max_phase_width_us == 400
        assert lim[12].max_amplitude_ua == 5000 and lim[12].area_cm2 == pytest.approx(0.05)
        assert lim[12].max_frequency_hz == 500 and lim[12].shannon_k == 1.5
        assert lim.max_total_pulses_per_s == 2000
        assert lim[3].balance_tolerance_nc == 0.0
    assert drv.lifecycle is Lifecycle.CLOSED


def test_config_may_only_lower_the_device_limits(emulator):
    drv = StimulatorDriver(
        emulator.port, limits={"max_amplitude_ua": 50}, channel_limits={12: {"max_charge_nc": 10}}
    )
    with drv:
        assert drv.limits[0].max_amplitude_ua == 50 and drv.limits[12].max_amplitude_ua == 50
        assert drv.limits[12].max_charge_nc == 10
        assert drv.limits.channels.hard(12).max_charge_nc == 200
        lowered = drv.audit.select(event="LIMIT_LOWERED")
        assert len(lowered) == 17
    with Emulator("stimulator") as emu2:
        drv2 = StimulatorDriver(emu2.port, channel_limits={0: {"max_amplitude_ua": 200}})
        with pytest.raises(LimitConfigError, match="would raise the limit"), drv2:
            pass
        assert drv2.lifecycle is Lifecycle.CLOSED


def test_stim_is_delivered_as_sent_and_recorded(stim):
    origin = Origin("spikes", 1234, now() - 0.01)
    sent = stim.stim(pulse(12, 100, 200, interphase_gap_us=50, origin=origin))
    assert sent.status == "OK" and sent.acked and sent.seq is not None
    assert sent.t_check <= sent.t_wire <= sent.t_reply
    assert sent.latency_s == pytest.approx(sent.t_wire - origin.timestamp)
    assert 0.01 <= sent.latency_s < 1.0
    assert stim.drain_sent() == [sent] and stim.drain_sent() == []
    wait_for(lambda: stim.pulse_log().total == 3)  # 3 pulses at 100 Hz: done within 20 ms
    pulses = stim.delivered_pulses()
    assert [(p.channel, p.amplitude_ua, p.phase_width_us, p.interphase_gap_us) for p in pulses] == [
        (12, 100, 200, 50)
    ] * 3
    assert all(p.charge_balanced for p in pulses)
    gaps = [b.device_time_us - a.device_time_us for a, b in itertools.pairwise(pulses)]
    assert gaps == [10_000, 10_000]
    [stim_ack] = [
        r for r in stim.audit.select(outcome=Outcome.ACK) if r.detail.get("wire") == "STIM"
    ]
    assert stim_ack.status == "OK" and stim_ack.detail["seq"] == sent.seq
    accepted = stim.audit.records[stim_ack.ref]
    assert accepted.outcome is Outcome.ACCEPTED and accepted.command["amplitude_ua"] == 100


def test_asymmetric_balanced_pulses_and_polarity(stim):
    stim.stim(
        pulse(13, 200, 100, second_amplitude_ua=50, polarity=Polarity.ANODIC_FIRST, pulse_count=1)
    )
    wait_for(lambda: stim.pulse_log().total == 1)
    [p] = stim.delivered_pulses()
    assert (p.amplitude_ua, p.phase_width_us, p.amplitude2_ua, p.phase_width2_us) == (
        200,
        100,
        50,
        400,
    )
    assert p.polarity is wire.Polarity.ANODIC_FIRST


def test_host_refuses_out_of_limits_before_the_wire(stim):
    before = stim.status().rx_frames
    with pytest.raises(
        SafetyError, match="channel 0: phase-1 amplitude 150 µA exceeds max_amplitude_ua 100"
    ) as e:
        stim.stim(pulse(0, 150, 20))
    assert e.value.limit == "max_amplitude_ua" and e.value.channel == 0
    with pytest.raises(SafetyError, match="Shannon") as e:  # 800 µA × 100 µs = 80 nC > 79.5
        stim.stim(pulse(8, 800, 100))
    assert e.value.limit == "shannon_k"
    assert stim.status().rx_frames == before + 1  # only the first STATUS_QUERY went out
    refused = stim.audit.select(outcome=Outcome.REFUSED)
    assert [r.detail["limit"] for r in refused] == ["max_amplitude_ua", "shannon_k"]


def test_charge_balance_host_and_device(emulator):
    imbalanced = pulse(12, 100, 200, second_amplitude_ua=50, second_width_us=200)
    with StimulatorDriver(emulator.port, max_ramp_ua_per_s=1e6) as drv:
        drv.arm()
        with pytest.raises(SafetyError, match="charge-balanced") as e:
            drv.stim(imbalanced)
        assert e.value.limit == "balance_tolerance_nc"
    with Emulator("stimulator") as emu2:
        bypass = NoHostSafety("test: the device must refuse an imbalanced pulse on its own")
        with StimulatorDriver(emu2.port, bypass=bypass) as drv:
            drv.arm()
            with pytest.raises(NackError, match=r"OUT_OF_LIMITS.*CHARGE_BALANCE.*index 12") as e:
                drv.stim(imbalanced)
            assert (e.value.status, e.value.limit, e.value.index) == (
                "OUT_OF_LIMITS",
                "CHARGE_BALANCE",
                12,
            )
            assert drv.pulse_log().total == 0
            assert drv.audit.select(event="HOST_SAFETY_BYPASSED")
            [nack] = drv.audit.select(outcome=Outcome.NACK)
            assert nack.detail["limit"] == "CHARGE_BALANCE" and nack.detail["index"] == 12


def test_values_the_wire_cannot_carry_are_refused_not_rounded(stim):
    for cmd, field in (
        (pulse(12, 10.5, 200), "amplitude_ua = 10.5 µA"),
        (pulse(12, 100, 200.25), "phase_width_us = 200.25"),
        (pulse(12, 100, 300, second_width_us=200), "second_amplitude_ua = 150"),
        (pulse(12, 100, 200, second_amplitude_ua=300), "second_width_us = 66.6"),
        (pulse(12, 100, 200, frequency_hz=130.005), "frequency_hz = 130.005"),
    ):
        if "second_amplitude_ua = 150" in field:  # 100 × 300 / 200 = 150 exactly: fine
            stim.stim(cmd)
            continue
        with pytest.raises(CommandError, match=field):
            stim.stim(cmd)
    assert stim.stim(pulse(12, 100, 200, frequency_hz=130.07)).status == "OK"  # 13007 exactly
    refused = stim.audit.select(outcome=Outcome.REFUSED)
    assert len(refused) == 4 and all(r.detail["limit"] == "wire_resolution" for r in refused)


def test_estop_latches_until_rearm(stim):
    stim.stim(pulse(12, 100, 200, frequency_hz=10, pulse_count=100))  # a 10 s train
    stim.estop_now("test: operator button")
    assert stim.estop.tripped
    assert stim.status().state is DeviceState.ESTOPPED  # the callback sent ESTOP
    n = stim.pulse_log().total
    with pytest.raises(EStopError, match="operator button"):
        stim.stim(pulse(12, 100, 200))
    assert stim.stop().status == "OK"  # stops pass the latch
    with pytest.raises(EStopError):
        stim.arm()
    time.sleep(0.15)
    assert stim.pulse_log().total == n  # the train was stopped by the device
    stim.rearm("test: cause cleared")
    assert not stim.estop.tripped and stim.status().state is DeviceState.ARMED
    assert stim.stim(pulse(12, 100, 200)).status == "OK"
    events = [r.event for r in stim.audit.select(outcome=Outcome.EVENT)]
    assert "ESTOP_TRIP" in events and "ESTOP_REARM" in events


def test_watchdog_trips_within_its_timeout_and_host_refuses_until_rearmed(stim, beats):
    faults: list[float] = []
    stim.link.on(MsgType.FAULT, lambda frame, t_rx: faults.append(t_rx))
    wait_for(lambda: len(beats.released) >= 2)  # heartbeats flow every 125 ms
    stim.stim(pulse(12, 100, 200, frequency_hz=10, pulse_count=100))
    beats.hold.set()
    wait_for(lambda: faults, timeout=3.0)
    t_last = beats.released[-1]  # the last beat let through before the hold took effect
    elapsed = faults[0] - t_last
    assert 0.5 - 0.03 <= elapsed <= 0.5 + 0.25, elapsed  # timeout 500 ms + tolerance
    assert stim.faults[0].fault is wire.FaultCode.WATCHDOG
    wait_for(lambda: stim.estop.tripped)
    assert stim.estop.trip_info.source == "watchdog"
    with pytest.raises(EStopError, match="WATCHDOG"):
        stim.stim(pulse(12, 100, 200))
    assert stim.status().state in (DeviceState.WATCHDOG_TRIPPED, DeviceState.ESTOPPED)
    beats.hold.clear()
    stim.rearm("test: heartbeats restored")
    assert stim.status().state is DeviceState.ARMED
    assert stim.stim(pulse(12, 100, 200)).status == "OK"


def test_device_refuses_output_when_not_armed(emulator):
    bypass = NoHostSafety("test: device must refuse while disarmed")
    with StimulatorDriver(emulator.port, bypass=bypass) as drv:
        with pytest.raises(NackError, match="NOT_ARMED"):
            drv.stim(pulse(12, 100, 200))
        drv.arm()
        drv.disarm()
        with pytest.raises(NackError, match="NOT_ARMED"):
            drv.stim(pulse(12, 100, 200))


def test_lifecycle_rules_and_registry(emulator):
    assert device_class("stimulator") is StimulatorDriver
    drv = make_device("stimulator", emulator.port)
    with pytest.raises(DeviceError, match="cannot arm while closed"):
        drv.arm()
    with pytest.raises(DeviceError, match="unknown device"):
        device_class("toaster")
    with drv:
        with pytest.raises(DeviceError, match="cannot open while identified"):
            drv.open()
        drv.arm()
        assert drv.lifecycle is Lifecycle.ARMED and drv.heartbeat is not None
        with pytest.raises(DeviceError, match="refusing to reconnect an armed device"):
            drv.reconnect()
    assert drv.lifecycle is Lifecycle.CLOSED
    emulator.process.wait(5)  # the emulator stops when its port is closed ...
    assert "stopped (port-closed)" in emulator.stderr_tail()  # ... after stopping its output


def test_wrong_kind_of_device_is_refused(emulator):
    from neurolink.hal.drivers import ProsthesisDriver

    drv = ProsthesisDriver(emulator.port)
    with (
        pytest.raises(DeviceError, match="is a STIMULATOR, ProsthesisDriver drives a PROSTHESIS"),
        drv,
    ):
        pass
    assert drv.lifecycle is Lifecycle.CLOSED


def test_neurolink_emulate_prints_the_port_and_serves(capsys):
    import argparse

    from neurolink.cli import emulate

    parser = argparse.ArgumentParser()
    emulate.add_parser(parser.add_subparsers())
    args = parser.parse_args(["emulate", "stimulator"])
    result: list[int] = []
    th = threading.Thread(target=lambda: result.append(emulate.run(args)))
    th.start()
    out = ""
    deadline = time.monotonic() + 20
    while "PORT " not in out and time.monotonic() < deadline:
        out += capsys.readouterr().out
        time.sleep(0.01)
    port = out.split("PORT ", 1)[1].split()[0]
    with StimulatorDriver(port) as drv:  # a user connects to the printed port
        assert drv.info.identity == "neurolink emu-stim 16ch"
    th.join(10)  # the emulator ends when its port is closed; so does the command
    assert result == [0]


def test_emulator_start_failures_are_explained():
    with pytest.raises(DeviceError, match="unknown emulator 'toaster'"):
        Emulator("toaster")
    with pytest.raises(DeviceError, match=r"expected 'PORT <port>'.*bad profile"):
        Emulator("stimulator", profile="no-such-profile").start()
