"""Virtual subjects: a simulated intracortical recording driven by an intended velocity.

:class:`CortexSimulator` generates raw extracellular voltage with ground-truth spikes, offline
(``generate``) or chunk by chunk (``step``); :class:`CortexStreamer` publishes it live on LSL.
"""

from neurolink.sim.config import CortexConfig
from neurolink.sim.cortex import CortexSimulator, UnitTable, Velocity
from neurolink.sim.geometry import grid_positions, probe_positions, utah_array_positions
from neurolink.sim.streamer import CortexStreamer
from neurolink.sim.waveforms import WaveformShape

__all__ = [
    "CortexConfig",
    "CortexSimulator",
    "CortexStreamer",
    "UnitTable",
    "Velocity",
    "WaveformShape",
    "grid_positions",
    "probe_positions",
    "utah_array_positions",
]
