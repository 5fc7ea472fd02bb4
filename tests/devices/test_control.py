"""Behaviour every emulated device shares: INFO from its profile, watchdog, e-stop, shutdown.

Each test runs the emulator as a subprocess on a real pty and talks raw frames to it.
"""

from __future__ import annotations

import signal
import time
import tomllib

import pytest

from neurolink.hal import wire
from tests.devices._client import REPO, nack, wait_until

PROFILES = REPO / "devices" / "profiles"
S, DS = wire.Status, wire.DeviceState
TIMEOUT_US = 500_000  # heartbeat_timeout_ms of the shipped profiles, µs


def _toml(name: str) -> dict:
    with (PROFILES / f"{name}.toml").open("rb") as f:
        return tomllib.load(f)


def _status(c) -> wire.StatusReport:
    r = c.command(wire.StatusQuery())
    assert isinstance(r, wire.StatusReport)
    return r


def test_stimulator_info_and_channels_match_its_profile(stim):
    _, c = stim
    prof = _toml("stimulator")
    info = c.command(wire.Hello((0xCAFE).to_bytes(16, "little")))
    assert isinstance(info, wire.Info)
    assert info.nonce == (0xCAFE).to_bytes(16, "little")
    assert info.device_kind == wire.DeviceKind.STIMULATOR
    assert info.identity == prof["device"]["identity"]
    assert f"{info.fw_major}.{info.fw_minor}.{info.fw_patch}" == prof["device"]["firmware"]
    assert info.heartbeat_timeout_ms == prof["device"]["heartbeat_timeout_ms"]
    caps = wire.Capability
    for bit in (caps.WATCHDOG, caps.ESTOP, caps.PULSE_LOG, caps.INTERPHASE_GAP, caps.EMULATED):
        assert bit in info.capabilities
    lim, want = info.limits, prof["limits"]
    assert isinstance(lim, wire.StimulatorLimits)
    assert lim.n_channels == want["n_channels"]
    assert lim.max_amplitude_ua == want["max_amplitude_ua"]
    assert lim.max_phase_width_us == want["max_phase_width_us"]
    assert lim.max_interphase_gap_us == want["max_interphase_gap_us"]
    assert lim.max_frequency_hz_x100 == round(want["max_frequency_hz"] * 100)
    assert lim.max_charge_nc == want["max_charge_nc"]
    assert lim.max_pulse_rate_hz == want["max_pulse_rate_hz"]
    assert lim.shannon_k_x100 == round(want["shannon_k"] * 100)
    r = c.command(wire.ChannelQuery(0, 100))  # more than exist: cut to the 16 there are
    assert isinstance(r, wire.ChannelLimits) and len(r.channels) == 16
    for group in prof["channels"]:
        for ch in range(group["first"], group["first"] + group["count"]):
            got = r.channels[ch]
            assert got.electrode_area_um2 == group["electrode_area_um2"]
            assert got.max_amplitude_ua == group["max_amplitude_ua"]
            assert got.max_phase_width_us == group["max_phase_width_us"]
            assert got.max_charge_nc == group["max_charge_nc"]
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(wire.Limit.CHANNEL, 16))(
        c.command(wire.ChannelQuery(16, 1))
    )


@pytest.mark.parametrize("profile", ["prosthesis_cursor", "prosthesis_arm"])
def test_prosthesis_info_matches_its_profile(start_device, profile):
    _, c = start_device("devices.prosthesis", "--profile", profile)
    prof = _toml(profile)
    info = c.command(wire.Hello((1).to_bytes(16, "little")))
    assert isinstance(info, wire.Info) and info.device_kind is wire.DeviceKind.PROSTHESIS
    assert info.identity == prof["device"]["identity"]
    lim = info.limits
    assert isinstance(lim, wire.ProsthesisLimits)
    assert lim.stale_timeout_ms == prof["motion"]["stale_timeout_ms"]
    assert lim.state_period_ms == prof["motion"]["state_period_ms"]
    assert (wire.Capability.GRIP in info.capabilities) == prof["motion"]["grip"]
    assert len(lim.dofs) == len(prof["dofs"])
    for got, want in zip(lim.dofs, prof["dofs"], strict=True):
        for key in ("max_velocity", "max_acceleration", "min_position", "max_position"):
            assert getattr(got, key) == pytest.approx(want[key], rel=1e-7)


def test_neuroboard_info_matches_its_profile(board):
    _, c = board
    chip = _toml("neuroboard")["chip"]
    info = c.command(wire.Hello((2).to_bytes(16, "little")))
    assert isinstance(info, wire.Info) and info.device_kind is wire.DeviceKind.NEUROMORPHIC
    assert info.heartbeat_timeout_ms == 0 and wire.Capability.WATCHDOG not in info.capabilities
    lim = info.limits
    assert isinstance(lim, wire.NeuroLimits)
    assert lim.profile == chip["profile"]
    for key in (
        "n_cores",
        "neurons_per_core",
        "synapse_bits_per_core",
        "axons_in_per_core",
        "axons_out_per_core",
        "max_network_bytes",
    ):
        assert getattr(lim, key) == chip[key], key


def test_heartbeats_keep_it_armed_and_silence_trips_the_watchdog(stim):
    _, c = stim
    c.ack(wire.Arm())
    for _ in range(10):  # 1 s of heartbeats every 100 ms: twice the 500 ms timeout
        c.ack(wire.Heartbeat())
        time.sleep(0.1)
    c.pump(0.01)
    assert not [f for f in c.unsolicited if isinstance(f.message, wire.Fault)]
    assert _status(c).state is DS.ARMED
    c.ack(wire.Stim.symmetric(12, 1000, 100, 1000, 1000))  # 10 Hz for 100 s
    # bracket the last heartbeat between two device times: the trip is at heartbeat + timeout
    t1 = c.device_time_us()
    c.ack(wire.Heartbeat())
    t2 = c.device_time_us()
    sent = time.monotonic()
    fault = c.wait_for(lambda m: isinstance(m, wire.Fault))
    waited = time.monotonic() - sent
    assert isinstance(fault, wire.Fault) and fault.fault is wire.FaultCode.WATCHDOG
    assert t1 + TIMEOUT_US <= fault.device_time_us <= t2 + TIMEOUT_US
    assert waited < TIMEOUT_US / 1e6 + 2.0  # tolerance for a loaded machine
    # the train stopped at the trip
    pulses = c.pulse_log()
    assert pulses and max(p.device_time_us for p in pulses) <= fault.device_time_us
    # refused until RESET_ESTOP and ARM
    status = _status(c)
    assert status.state is DS.WATCHDOG_TRIPPED and status.last_fault == wire.FaultCode.WATCHDOG
    stim = wire.Stim.symmetric(12, 1000, 100, 1000, 1)
    assert nack(S.WATCHDOG_TRIPPED)(c.command(stim))
    assert nack(S.WATCHDOG_TRIPPED)(c.command(wire.Arm()))
    assert nack(S.WATCHDOG_TRIPPED)(c.command(stim))
    c.ack(wire.ResetEStop())
    assert _status(c).state is DS.DISARMED
    assert nack(S.NOT_ARMED)(c.command(stim))
    c.ack(wire.Arm())
    c.ack(stim)
    assert c.pulse_total() == len(pulses) + 1


def test_only_heartbeat_feeds_the_watchdog(cursor):
    _, c = cursor
    t0 = c.device_time_us()
    c.ack(wire.Arm())  # the watchdog counts from the arming
    t1 = c.device_time_us()
    deadline = time.monotonic() + 5.0
    while not [f for f in c.unsolicited if isinstance(f.message, wire.Fault)]:
        c.ack(wire.ProsthesisVelocity((0.1, 0.0)))  # commands flow, heartbeats do not
        c.pump(0.05)
        assert time.monotonic() < deadline, "the watchdog never tripped"
    fault = c.wait_for(lambda m: isinstance(m, wire.Fault))
    assert isinstance(fault, wire.Fault) and fault.fault is wire.FaultCode.WATCHDOG
    assert t0 + TIMEOUT_US <= fault.device_time_us <= t1 + TIMEOUT_US
    state = c.wait_for(lambda m: isinstance(m, wire.ProsthesisState))
    assert isinstance(state, wire.ProsthesisState)
    assert wire.ProsthesisFlags.FAULT in state.flags and state.velocities == (0.0, 0.0)
    assert nack(S.WATCHDOG_TRIPPED)(c.command(wire.ProsthesisVelocity((0.1, 0.0))))


def test_estop_latches_until_reset_and_rearm(stim):
    _, c = stim
    c.ack(wire.Arm())
    c.ack(wire.Heartbeat())
    c.ack(wire.Stim.symmetric(12, 1000, 100, 10000, 1000))  # 100 Hz for 10 s
    wait_until(lambda: c.pulse_total() >= 3)
    c.ack(wire.EStop())
    t_stop = c.device_time_us()
    n = c.pulse_total()
    time.sleep(0.1)  # ten more pulses would have come at 100 Hz
    pulses = c.pulse_log()
    assert len(pulses) == n and max(p.device_time_us for p in pulses) <= t_stop
    status = _status(c)
    assert status.state is DS.ESTOPPED and status.last_fault == wire.FaultCode.ESTOP
    stim = wire.Stim.symmetric(12, 1000, 100, 10000, 1)
    assert nack(S.E_STOPPED)(c.command(stim))
    assert nack(S.E_STOPPED)(c.command(wire.Arm()))
    c.ack(wire.EStop())  # always ACKed
    c.ack(wire.Disarm())  # does not clear the latch
    assert nack(S.E_STOPPED)(c.command(wire.Arm()))
    assert nack(S.BAD_PAYLOAD)(c.command(wire.ResetEStop(key=0x12345678)))
    assert _status(c).state is DS.ESTOPPED
    c.ack(wire.ResetEStop())
    assert _status(c).state is DS.DISARMED
    assert nack(S.NOT_ARMED)(c.command(stim))
    c.ack(wire.Arm())
    c.ack(stim)


def test_estop_button_reports_a_fault(stim):
    proc, c = stim
    c.ack(wire.Arm())
    c.ack(wire.Heartbeat())
    proc.signal(signal.SIGUSR1)  # the emulated hardware button
    fault = c.wait_for(lambda m: isinstance(m, wire.Fault))
    assert isinstance(fault, wire.Fault) and fault.fault is wire.FaultCode.ESTOP
    assert nack(S.E_STOPPED)(c.command(wire.Stim.symmetric(12, 1000, 100, 10000, 1)))


def test_disarm_stops_output_and_refuses_more(stim):
    _, c = stim
    c.ack(wire.Arm())
    c.ack(wire.Heartbeat())
    c.ack(wire.Stim.symmetric(12, 1000, 100, 10000, 1000))
    wait_until(lambda: c.pulse_total() >= 2)
    c.ack(wire.Disarm())
    t = c.device_time_us()
    time.sleep(0.05)
    pulses = c.pulse_log()
    assert max(p.device_time_us for p in pulses) <= t
    assert nack(S.NOT_ARMED)(c.command(wire.Stim.symmetric(12, 1000, 100, 10000, 1)))


def test_sigterm_stops_cleanly(stim):
    proc, c = stim
    c.ack(wire.Arm())
    c.ack(wire.Heartbeat())
    c.ack(wire.Stim.symmetric(12, 1000, 100, 10000, 1000))
    proc.signal(signal.SIGTERM)
    assert proc.wait() == 0
    err = proc.stderr()
    assert "stopped (SIGTERM)" in err and "1 train(s) stopped" in err
