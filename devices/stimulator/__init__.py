"""Emulated stimulator: ``python -m devices.stimulator [--profile P] [--pty | --socket H:P]``.

See :mod:`devices.stimulator.model` for its behaviour on the wire.
"""

from devices.stimulator.checks import check_stim, shannon_refuses
from devices.stimulator.model import PULSE_LOG_HEADER, Stimulator
from devices.stimulator.profile import StimProfile, parse_stim_profile

__all__ = [
    "PULSE_LOG_HEADER",
    "StimProfile",
    "Stimulator",
    "check_stim",
    "parse_stim_profile",
    "shannon_refuses",
]
