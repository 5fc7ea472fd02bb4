"""Acquisition: Block, ring buffer, and sources (BrainFlow, LSL, files) and LSL outlets."""

from neurolink.streams.block import Block, count_invalid
from neurolink.streams.events import MARKER_DTYPE, SPIKE_DTYPE, make_markers
from neurolink.streams.ring import RingBuffer

__all__ = ["MARKER_DTYPE", "SPIKE_DTYPE", "Block", "RingBuffer", "count_invalid", "make_markers"]
