"""The HAL-based controller against an emulated stimulator.

The emulator's secret is registered for its port in this process, so the driver
authenticates with nothing to configure.
"""

from __future__ import annotations

import pytest
from hal_controller import HalStimController

from neurolink.testing import assert_charge_balanced, assert_pulse_count


@pytest.mark.emulator(virtual_clock=True)
def test_hal_controller_delivers_a_balanced_train(emulated_stimulator):
    dev = emulated_stimulator
    with HalStimController(dev.port) as ctl:
        ctl.train(channel=0, amplitude_ua=20, phase_width_us=100, frequency_hz=100, count=5)
        dev.advance(ms=50)
    assert_charge_balanced(dev)
    assert_pulse_count(dev, 5, channel=0)


@pytest.mark.parametrize(
    "emulated_prosthesis", ["prosthesis_cursor", "prosthesis_arm"], indirect=True
)
def test_each_prosthesis_profile_starts_disarmed(emulated_prosthesis):
    assert emulated_prosthesis.profile.kind == "prosthesis"
    assert emulated_prosthesis.records().states == []  # nothing armed it
