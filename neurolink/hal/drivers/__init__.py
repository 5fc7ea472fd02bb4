"""Device drivers; importing this package registers them (see :mod:`neurolink.hal.device`).

=============  =====================================  =========================================
name           class                                  connected by
=============  =====================================  =========================================
stimulator     :class:`StimulatorDriver`              serial URL (pty, socket, /dev/tty*)
prosthesis     :class:`ProsthesisDriver`              serial URL
neuroboard     :class:`NeuroboardDriver`              serial URL
lsl            :class:`LslOutletDriver`               LSL stream name (commands for other apps)
null           :class:`NullDevice`                    nothing (records only)
=============  =====================================  =========================================
"""

from __future__ import annotations

from neurolink.hal.drivers.lsl_outlet import CommandFormat, LslOutletDriver
from neurolink.hal.drivers.neuroboard import NeuroboardDriver
from neurolink.hal.drivers.null import NullDevice
from neurolink.hal.drivers.prosthesis import ProsthesisDriver, StateReport
from neurolink.hal.drivers.serial_base import SerialDevice, nack_error
from neurolink.hal.drivers.stimulator import StimulatorDriver, stim_to_wire

__all__ = [
    "CommandFormat",
    "LslOutletDriver",
    "NeuroboardDriver",
    "NullDevice",
    "ProsthesisDriver",
    "SerialDevice",
    "StateReport",
    "StimulatorDriver",
    "nack_error",
    "stim_to_wire",
]
