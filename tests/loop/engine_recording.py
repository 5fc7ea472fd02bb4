"""A small real engine recording for tests that read recordings (pyxdf, NWB export); no tests.

The engine runs the spike graph with stimulation on a simulated cortex and the emulated
stimulator over a pty. The source is paced: block ``k`` is served once the host clock reaches
its last sample's time ``t0 + stop_index / rate`` and stamped on that regular timeline, as a live
acquisition would be, so the recorded raw stream's rate is its nominal rate.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from neurolink.clock import now
from neurolink.loop.core.build import warm_up
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.record import LoopRecorder
from neurolink.loop.core.sinks import DeviceSink, open_device
from neurolink.streams.block import Block
from tests.loop.test_engine_support import (
    FS,
    ScriptedSource,
    session_estop,
    small_cortex,
    spike_graph,
)

N_CHANNELS = 16


class PacedSource(ScriptedSource):
    """A :class:`ScriptedSource` served in real time on a regular timeline."""

    t0: float | None = None  # host time of sample 0: the first read

    def read(self, timeout: float = 0.0) -> Block | None:
        if self.t0 is None:
            self.t0 = now() - self.block / self.rate
        due = self.t0 + (self.next_index + self.block) / self.rate
        wait = due - now()
        if wait > 0:
            time.sleep(min(wait, timeout))
            if now() < due:
                return None
        blk = super().read(timeout)
        assert blk is not None
        stamps = self.t0 + (blk.first_index + np.arange(blk.n_samples) + 1) / self.rate
        return Block(blk.data, stamps, blk.first_index, blk.rate, blk.channels, blk.stream)


def make_engine_recording(path: Path, duration: float = 1.0) -> dict[str, Any]:
    """Run the engine for ``duration`` s of data into ``path`` (XDF + sidecar); its summary."""
    estop = session_estop()
    warm_up(spike_graph(N_CHANNELS, stim=True), N_CHANNELS, FS)  # compiled before arming
    dev, emu = open_device("stimulator", "emulate", estop=estop, audit=estop.audit)
    sink = DeviceSink("stim", "stimulator", dev, "trains", emulator=emu)
    try:
        src = PacedSource(small_cortex(seed=3, n_channels=N_CHANNELS))
        graph = spike_graph(N_CHANNELS, stim=True)
        warm_up(graph, N_CHANNELS, FS)
        rec = LoopRecorder(path, {"config": {"test": "engine_recording"}}, src.channels, FS)
        eng = Engine(src, graph, [sink], estop=estop, recorder=rec, status_out=None)
        return eng.run(duration)
    finally:
        sink.close()
