"""Emulated neuromorphic board: ``python -m devices.neuroboard [--profile P] [--pty | ...]``.

Hosts :class:`firmware_sim.Chip` behind the wire; see :mod:`devices.neuroboard.model`.
"""

from devices.neuroboard.loader import ChunkAssembler, LoadRefused
from devices.neuroboard.model import NeuroBoard, spike_frames
from devices.neuroboard.profile import BoardProfile, parse_board_profile

__all__ = [
    "BoardProfile",
    "ChunkAssembler",
    "LoadRefused",
    "NeuroBoard",
    "parse_board_profile",
    "spike_frames",
]
