"""The paths around the safety layer (issue 13, finding 7): a raw ``driver.link.request`` of an
output command is refused and audited; a command refused at construction (NaN, inf, negative)
is audited; ``link.write_raw`` (fault injection) is on record. A real emulator on a real pty.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from neurolink.hal import wire
from neurolink.hal.commands import ProsthesisCommand, StimCommand
from neurolink.hal.drivers import StimulatorDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.errors import CommandError, SafetyError
from neurolink.hal.safety import Event


@pytest.fixture
def stim() -> Iterator[StimulatorDriver]:
    with Emulator("stimulator") as emu, StimulatorDriver(emu.port) as drv:
        drv.arm()
        yield drv


@pytest.mark.parametrize(
    "message",
    [wire.Stim.symmetric(12, 5000, 40, 10000, 10), wire.Arm(), wire.ResetEStop()],
    ids=lambda m: m.TYPE.name,
)
def test_a_raw_link_request_of_an_output_command_is_refused_and_audited(stim, message):
    with pytest.raises(SafetyError, match="bypasses the host safety layer") as e:
        stim.link.request(message)
    assert e.value.limit == "raw_link"
    (rec,) = stim.audit.select(event=Event.RAW_COMMAND_REFUSED)
    assert rec.detail["wire"] == message.TYPE.name
    assert stim.delivered_pulses() == []  # nothing reached the device
    assert stim.status().state is wire.DeviceState.ARMED


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: StimCommand(12, math.nan, 200, frequency_hz=100), "amplitude_ua"),
        (lambda: StimCommand(12, 100, math.inf, frequency_hz=100), "phase_width_us"),
        (lambda: StimCommand(12, -100, 200, frequency_hz=100), "amplitude_ua"),
        (lambda: ProsthesisCommand((math.nan, 0.0)), "velocity"),
    ],
)
def test_commands_refused_at_construction_are_audited(stim, make, field):
    with pytest.raises(CommandError, match=field):
        make()
    (rec,) = stim.audit.select(outcome="REFUSED")
    assert rec.detail == {"limit": "validation"} and field in rec.reason
    assert rec.command is not None and rec.command["type"] in ("StimCommand", "ProsthesisCommand")


def test_no_audit_of_invalid_commands_once_the_driver_is_closed():
    with Emulator("stimulator") as emu:
        drv = StimulatorDriver(emu.port)
        with drv:
            pass
    with pytest.raises(CommandError):
        StimCommand(12, math.nan, 200, frequency_hz=100)
    assert drv.audit.select(outcome="REFUSED") == []


def test_write_raw_is_on_record(stim):
    stim.link.write_raw(b"\x00")
    (rec,) = stim.audit.select(event=Event.RAW_WRITE)
    assert rec.detail["bytes"] == "00"
