"""Acquisition: Block, ring buffer, and sources (BrainFlow, LSL, files) and LSL outlets."""

from neurolink import lsl_network
from neurolink.streams.block import Block, count_invalid
from neurolink.streams.events import MARKER_DTYPE, SPIKE_DTYPE, make_markers
from neurolink.streams.ring import RingBuffer

# LSL's reach (this machine unless NEUROLINK_LSL_NETWORK=lan) is set before liblsl first reads
# its configuration (the first outlet or resolver); see neurolink.lsl_network. Every module that
# uses liblsl imports this package or neurolink.clock; the device side, which imports only
# neurolink.hal.wire, does not.
lsl_network.apply()

__all__ = ["MARKER_DTYPE", "SPIKE_DTYPE", "Block", "RingBuffer", "count_invalid", "make_markers"]
