"""No allocation in proportion to the data on the engine's hot path (tracemalloc)."""

from __future__ import annotations

import tracemalloc

import numpy as np

from neurolink.clock import now
from neurolink.decode import BayesianDecoder
from neurolink.hal.drivers import NullDevice
from neurolink.hal.safety import NoHostSafety, SafetyLayer
from neurolink.loop.core.build import warm_up
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.settings import EngineSettings
from neurolink.loop.core.sinks import DeviceSink
from neurolink.sim import CortexSimulator
from neurolink.streams.block import Block
from neurolink.streams.events import empty_markers
from neurolink.streams.source import SourceStats
from tests.loop.test_engine_support import FS, session_estop, spike_graph

N_CH, BLOCK = 96, 30  # 96 channels at 30 kHz in 1 ms blocks: 11.5 kB of samples per block


class PreparedSource:
    """Serves blocks built before the measurement, restamped in place as they are read."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks, self.k = blocks, 0
        self.name, self.rate = "prepared", FS
        self.channels = blocks[0].channels
        self.stats = SourceStats()

    def open(self) -> None: ...

    def close(self) -> None: ...

    def read_markers(self) -> np.ndarray:
        return empty_markers()

    def read(self, timeout: float = 0.0) -> Block | None:
        b = self.blocks[self.k % len(self.blocks)]
        self.k += 1
        b.timestamps[-1] = now()  # the newest sample arrives now (no allocation)
        return b


class Probe:
    """After every block: the peak of traced memory during it, above the level before it."""

    name = "probe"

    def __init__(self, start: int) -> None:
        self.start, self.seen, self.extra = start, 0, []

    def on_block(self, engine, tick) -> None:
        self.seen += 1
        if self.seen >= self.start:
            _, peak = tracemalloc.get_traced_memory()
            self.extra.append(peak - self._before if self.seen > self.start else 0)
            tracemalloc.reset_peak()
            self._before = tracemalloc.get_traced_memory()[0]

    def on_stop(self, engine) -> None: ...

    def status(self) -> str:
        return ""

    def summary(self) -> dict:
        return {}


def test_hot_path_allocates_nothing_in_proportion_to_the_data() -> None:
    sim = CortexSimulator(seed=0)
    n_blocks = 2500
    data, _ = sim.generate(n_blocks * BLOCK, (0.5, 0.2))
    data = np.asarray(data, np.float32)
    names = tuple(sim.channel_names)
    blocks = [
        Block(
            np.ascontiguousarray(data[k * BLOCK : (k + 1) * BLOCK]),
            np.arange(BLOCK, dtype=np.float64),
            k * BLOCK,
            FS,
            names,
            "prepared",
        )
        for k in range(n_blocks)
    ]
    rng = np.random.default_rng(0)
    dec = BayesianDecoder(bin_s=0.02, grid_shape=15).fit(
        rng.poisson(1.0, (200, N_CH)), rng.uniform(-1, 1, (200, 2))
    )
    graph = spike_graph(N_CH, decoder=dec)
    warm_up(graph, N_CH, FS)
    estop = session_estop()
    null = NullDevice(SafetyLayer(audit=estop.audit, estop=estop, bypass=NoHostSafety("t")))
    null.open()
    null.identify()
    null.arm()
    probe = Probe(start=1000)  # steady state: detector calibrated, everything compiled
    eng = Engine(
        PreparedSource(blocks),
        graph,
        [DeviceSink("null", "null", null, "velocity")],
        estop=estop,
        hooks=[probe],
        status_out=None,
        settings=EngineSettings(deadline_s=1.0, capacity_blocks=4096),
    )
    tracemalloc.start()
    try:
        eng.run(n_blocks * BLOCK / FS)
        snap_end = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    assert eng.n_commands > 20 and eng.book.blocks.n_grow == 0
    extra = np.array(probe.extra[1:])
    # Transient per block: Python objects (views, the spikes found, a command every 20 ms),
    # never a copy of the block's samples (11.5 kB).
    assert np.median(extra) < 2048 and extra.max() < BLOCK * N_CH * 4 / 2, np.percentile(
        extra, [50, 99, 100]
    )
    # What stays allocated by the loop's own code: preallocated buffers only.
    loop_stats = [
        s for s in snap_end.statistics("filename") if "/neurolink/loop/" in s.traceback[0].filename
    ]
    assert sum(s.size for s in loop_stats) < 64 * 1024, loop_stats[:5]
