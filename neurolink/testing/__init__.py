"""neurolink's pytest plugin: emulated hardware, scripted faults and safety assertions.

Loaded automatically when neurolink is installed (entry point ``pytest11``), so a lab's own
test files can use, with no conftest:

- fixtures (:mod:`neurolink.testing.fixtures`): ``emulated_stimulator``,
  ``emulated_prosthesis``, ``emulated_neuroboard``, ``simulated_subject``, ``synthetic_board``,
  ``run_config``;
- marks: ``@pytest.mark.emulator(profile=..., persist=..., virtual_clock=..., socket=...,
  fault_script=..., kind=...)``, ``@pytest.mark.subject(seed=..., channels=...)``,
  ``@pytest.mark.board(...)``;
- scripted faults on a device handle: ``dev.faults.drop(2, "to_device")``, ``.corrupt``,
  ``.stall``, ``.delay_acks``, ``.nack_next``, ``.disconnect``, ``.trip_watchdog``,
  ``.press_estop`` (:class:`~neurolink.testing.device.Faults`);
- assertions over what the device did (:mod:`neurolink.testing.assertions`).

See ``docs/testing_with_emulated_hardware.md``. Research use only.
"""

from __future__ import annotations

import pytest

from neurolink.testing.assertions import (
    assert_charge_balanced,
    assert_latency,
    assert_no_output_after,
    assert_pulse_count,
    assert_within_limits,
)
from neurolink.testing.control import ControlClient, ControlError
from neurolink.testing.device import EmulatedDevice, FaultMark, Faults, live_emulator_pids
from neurolink.testing.fixtures import (
    emulated_neuroboard,
    emulated_prosthesis,
    emulated_stimulator,
    run_config,
    simulated_subject,
    synthetic_board,
)
from neurolink.testing.profile import DeviceProfile
from neurolink.testing.records import CommandRecord, DeviceRecords, PulseRecord, StateRecord
from neurolink.testing.run import RunResult

__all__ = [
    "CommandRecord",
    "ControlClient",
    "ControlError",
    "DeviceProfile",
    "DeviceRecords",
    "EmulatedDevice",
    "FaultMark",
    "Faults",
    "PulseRecord",
    "RunResult",
    "StateRecord",
    "assert_charge_balanced",
    "assert_latency",
    "assert_no_output_after",
    "assert_pulse_count",
    "assert_within_limits",
    "emulated_neuroboard",
    "emulated_prosthesis",
    "emulated_stimulator",
    "live_emulator_pids",
    "run_config",
    "simulated_subject",
    "synthetic_board",
]


def pytest_configure(config: pytest.Config) -> None:
    """Register the plugin's marks (so ``--strict-markers`` accepts them)."""
    config.addinivalue_line(
        "markers",
        "emulator(profile=None, *, kind=None, socket=False, persist=False, virtual_clock=False, "
        "fault_script=None): options of the neurolink emulated_* device fixtures",
    )
    config.addinivalue_line(
        "markers", "subject(seed=0, *, channels=None, units=60, fs=30000): simulated_subject"
    )
    config.addinivalue_line("markers", "board(**kwargs): options of synthetic_board")
