"""Bit-accurate emulator of the neuromorphic chip (DESIGN.md §3), written like firmware.

Imports nothing from ``neurolink`` or ``devices``: it is the independent reference.

Public API: :class:`Chip` (load a network dict, ``set_inputs``, ``step``, read spikes, probes
and counters, ``reset``), the Loihi profile :data:`LOIHI` (limits, cost figures, arithmetic in
:mod:`firmware_sim.profile_loihi`), and :func:`firmware_sim.golden.run` for golden vectors.
The network dict format is documented in :mod:`firmware_sim.network` and ``README.md``.
"""

from firmware_sim.chip import Chip
from firmware_sim.counters import Counters
from firmware_sim.mapper import MappingError, Placement
from firmware_sim.network import NetworkError, parse_network
from firmware_sim.profile_loihi import LOIHI, CoreLimits, CostFigures, LoihiProfile, SignMode
from firmware_sim.profile_xylo import XYLO, XyloLimits, XyloProfile
from firmware_sim.xylo_chip import XyloChip

ChipEmulator = Chip

__all__ = [
    "LOIHI",
    "XYLO",
    "Chip",
    "ChipEmulator",
    "CoreLimits",
    "CostFigures",
    "Counters",
    "LoihiProfile",
    "MappingError",
    "NetworkError",
    "Placement",
    "SignMode",
    "XyloChip",
    "XyloLimits",
    "XyloProfile",
    "parse_network",
]
