"""The graph driver (:mod:`neurolink.loop.core.driver`) and the loops built on it, without LSL.

Blocks are prepared in the test with known sample indices, gaps and NaN counts, served by a
list source; a probe node keeps every tick and chunk it is stepped on, with one channel holding
the sample index so that any chunk can be located in the source.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.errors import SourceError, StreamStalledError
from neurolink.loop.calibration.record import pump
from neurolink.loop.core.driver import GraphDriver, Tolerances, check_block, chunk_bounds
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.faults import FaultKind, StopReason
from neurolink.loop.core.graph import Graph
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.settings import EngineSettings
from neurolink.loop.core.tick import Tick
from neurolink.loop.stages.process import reason_label
from neurolink.streams.block import Block, count_invalid
from neurolink.streams.events import empty_markers
from neurolink.streams.source import SourceStats
from tests.loop.test_engine_support import session_estop

FS = 1000.0
T0 = 100.0  # host time of sample 0 (s)


def block(first: int, n: int, *, gap: int = 0, n_nan: int = 0) -> Block:
    """Samples ``first .. first + n - 1``: channel 0 is the sample index, stamps T0 + i / FS."""
    idx = np.arange(first, first + n)
    data = np.zeros((n, 2), np.float32)
    data[:, 0] = idx
    data[:, 1] = 1.0
    data[: min(n, n_nan), 1] = np.nan
    return Block(
        data, T0 + idx / FS, first, FS, ("index", "x"), "listed", gap=gap,
        n_invalid=count_invalid(data),
    )  # fmt: skip


class ListSource:
    """Serves the given blocks in order, then None (``exhausted`` from then on)."""

    def __init__(self, blocks: list[Block | None], *, stall_after: bool = False) -> None:
        self.blocks, self.k = list(blocks), 0
        self.name, self.rate, self.channels = "listed", FS, ("index", "x")
        self.stats = SourceStats()
        self.exhausted = False
        self.stall_after = stall_after

    def open(self) -> None: ...

    def close(self) -> None: ...

    def read_markers(self) -> np.ndarray:
        return empty_markers()

    def read(self, timeout: float = 0.0) -> Block | None:
        if self.k < len(self.blocks):
            self.k += 1
            return self.blocks[self.k - 1]
        if self.stall_after:
            raise StreamStalledError("listed: no data for 2 s")
        self.exhausted = True
        return None


class Probe:
    """Keeps the tick and the index column of every chunk it is stepped on."""

    kind, inputs, output, stage = "probe", (Port.SAMPLES,), Port.SAMPLES, Stage.FILTER_DETECT

    def __init__(self, fail_at: int | None = None) -> None:
        self.name, self.fail_at = "probe", fail_at
        self.ticks: list[tuple[int, int, float]] = []
        self.rows: list[np.ndarray] = []

    def reset(self) -> None: ...

    def step(self, x: np.ndarray, tick: Tick) -> np.ndarray:
        if self.fail_at is not None and tick.first_index >= self.fail_at:
            raise RuntimeError(f"probe failed at sample {tick.first_index}")
        self.ticks.append((tick.first_index, tick.stop_index, tick.t_last))
        self.rows.append(x[:, 0].astype(np.int64))
        return x


def driven(max_chunk: int = 32, **tol: int) -> tuple[GraphDriver, Probe]:
    probe = Probe()
    driver = GraphDriver(
        Graph([probe], ["source"]), rate=FS, stream="listed",
        tolerances=Tolerances(max_chunk=max_chunk, **tol),
    )  # fmt: skip
    return driver, probe


# ---- chunking and ticks ------------------------------------------------------------------------
def test_chunk_bounds_cover_the_rows_in_order_none_over_max() -> None:
    assert list(chunk_bounds(70, 32)) == [(0, 32), (32, 64), (64, 70)]
    assert list(chunk_bounds(64, 32)) == [(0, 32), (32, 64)]
    assert list(chunk_bounds(5, 32)) == [(0, 5)]
    assert list(chunk_bounds(0, 32)) == []


def test_feed_steps_each_chunk_at_its_tick() -> None:
    driver, probe = driven(max_chunk=32)
    seen = []
    n = driver.feed(
        block(500, 70), t_read=T0 + 0.600, on_chunk=lambda b, a, z, t: seen.append((a, z))
    )
    assert n == 70 and seen == [(0, 32), (32, 64), (64, 70)]
    # ticks: sample indices of each chunk, newest stamp = T0 + (stop - 1) / FS
    assert [t[:2] for t in probe.ticks] == [(500, 532), (532, 564), (564, 570)]
    assert [t[2] for t in probe.ticks] == pytest.approx([T0 + 0.531, T0 + 0.563, T0 + 0.569])
    # every chunk holds exactly the rows its tick says
    for (i0, i1, _), rows in zip(probe.ticks, probe.rows, strict=True):
        np.testing.assert_array_equal(rows, np.arange(i0, i1))
    # the stage times are this chunk's: acquire = t_read - t_last of the last chunk
    assert driver.stage[Stage.ACQUIRE] == pytest.approx(0.600 - 0.569)
    assert driver.stage[Stage.FILTER_DETECT] > 0 and driver.stage[Stage.WIRE] == 0
    assert (driver.first_index, driver.n_samples, driver.n_blocks) == (500, 70, 1)


def test_feed_takes_part_of_a_block_and_counts_gaps() -> None:
    driver, probe = driven(max_chunk=16, max_gap_samples=10)
    driver.feed(block(0, 20))
    driver.feed(block(25, 20, gap=5), take=7)
    assert [t[:2] for t in probe.ticks] == [(0, 16), (16, 20), (25, 32)]
    assert driver.n_samples == 20 + 5 + 7 and driver.n_blocks == 2


def test_step_of_a_prepared_chunk_moves_the_tick() -> None:
    driver, probe = driven()
    x = block(40, 8).data
    driver.step(x, 40, 48, T0 + 0.047)
    driver.step(x, 48, 56, T0 + 0.055, t_read=T0 + 0.060)
    assert probe.ticks == [(40, 48, T0 + 0.047), (48, 56, T0 + 0.055)]
    assert driver.first_index == 40 and driver.tick.last_index == 55
    assert driver.stage[Stage.ACQUIRE] == pytest.approx(0.005)


# ---- checks ------------------------------------------------------------------------------------
def test_a_gap_beyond_tolerance_is_refused_after_the_first_block() -> None:
    driver, _ = driven(max_gap_samples=3)
    first = block(10, 5, gap=10)
    assert driver.check(first) is None  # where the stream started: not a loss
    driver.feed(first)
    assert driver.check(block(18, 5, gap=3)) is None  # at the tolerance
    r = driver.check(block(19, 5, gap=4))
    assert r is not None and r.kind is FaultKind.GAP and r.index == 19
    assert r.message == "4 samples missing before sample 19 of 'listed' (tolerance 3)"


def test_invalid_values_beyond_tolerance_are_refused_even_in_the_first_block() -> None:
    tol = Tolerances(max_invalid=2)
    assert check_block(block(0, 10, n_nan=2), tol, first=True) is None
    r = check_block(block(30, 10, n_nan=3), tol, first=True)
    assert r is not None and r.kind is FaultKind.INVALID_DATA and r.index == 30
    assert r.message == "3 NaN/Inf values in samples 30..39 of 'listed'"


def test_pull_gives_none_for_no_block_and_an_empty_one() -> None:
    driver, _ = driven()
    empty = Block(np.zeros((0, 2), np.float32), np.zeros(0), 0, FS, ("index", "x"), "listed")
    src = ListSource([None, empty, block(0, 4)])
    assert driver.pull(src) is None and driver.pull(src) is None
    got = driver.pull(src)
    assert got is not None and got.first_index == 0


def test_tolerances_refuse_bad_values() -> None:
    with pytest.raises(ValueError, match="max_chunk"):
        Tolerances(max_chunk=0)
    with pytest.raises(ValueError, match="max_gap_samples"):
        Tolerances(max_gap_samples=-1)


# ---- the loops on it: calibration's pump -------------------------------------------------------
def test_pump_stops_at_the_limit_inside_a_block() -> None:
    probe = Probe()
    src = ListSource([block(0, 40), block(40, 40), block(80, 40)])
    chunks = []
    n = pump(
        src, Graph([probe], ["source"]), limit=90,
        on_chunk=lambda b, a, z, t: chunks.append((t.first_index, t.stop_index)),
        tolerances=Tolerances(max_chunk=25),
    )  # fmt: skip
    assert n == 90
    assert chunks == [(0, 25), (25, 40), (40, 65), (65, 80), (80, 90)]


def test_pump_ends_with_the_file() -> None:
    src = ListSource([block(0, 40), block(40, 30)])
    n = pump(src, Graph([Probe()], ["source"]), limit=None, on_chunk=lambda *a: None)
    assert n == 70 and src.exhausted


@pytest.mark.parametrize(
    ("late", "message"),
    [
        (
            block(40, 10, gap=20),
            "20 samples missing before sample 40 of 'listed' (tolerance 0): calibrate again",
        ),
        (block(20, 10, n_nan=4), "4 NaN/Inf values in samples 20..29 of 'listed' (tolerance 0)"),
    ],
)
def test_pump_refuses_what_the_loop_would(late: Block, message: str) -> None:
    src = ListSource([block(0, 20), late])
    with pytest.raises(SourceError) as err:
        pump(src, Graph([Probe()], ["source"]), limit=None, on_chunk=lambda *a: None)
    assert str(err.value) == message


# ---- the loops on it: the engine's stop reasons ------------------------------------------------
def engine(src: ListSource, probe: Probe | None = None, **settings: float) -> Engine:
    return Engine(
        src, Graph([probe or Probe()], ["source"]), [], estop=session_estop(),
        settings=EngineSettings(deadline_s=10.0, max_chunk=16, **settings),  # type: ignore[arg-type]
        status_out=None, clock=lambda: T0 + 1.0,  # a second after sample 0: data are fresh
    )  # fmt: skip


def test_engine_runs_the_duration_in_the_drivers_chunks() -> None:
    probe = Probe()
    eng = engine(ListSource([block(40 * k, 40) for k in range(5)]), probe)
    summary = eng.run(0.1)  # 100 samples: ends after the block that reaches them
    assert eng.stop_reason is StopReason.DURATION and summary["stop_reason"] == "duration"
    assert eng.n_samples == 120 and eng.n_blocks == 3 and eng.first_index == 0
    assert probe.ticks[-1][:2] == (112, 120) and len(probe.ticks) == 9  # 3 × (16, 16, 8)
    assert summary["latency"]["blocks"]["n"] == 9


@pytest.mark.parametrize(
    ("late", "kind", "message"),
    [
        (block(50, 10, gap=10), FaultKind.GAP, "10 samples missing before sample 50"),
        (block(40, 10, n_nan=1), FaultKind.INVALID_DATA, "1 NaN/Inf values in samples 40..49"),
    ],
)
def test_engine_faults_on_what_the_driver_refuses(late: Block, kind: FaultKind, message) -> None:
    probe = Probe()
    eng = engine(ListSource([block(0, 40), late]), probe)
    summary = eng.run(1.0)
    assert eng.stop_reason is StopReason.FAULT and eng.estop.tripped
    assert summary["faults"][0]["kind"] == kind.value
    assert message in summary["faults"][0]["message"]
    assert summary["faults"][0]["sample_index"] == late.first_index
    assert probe.ticks[-1][1] == 40  # the refused block never reached the graph


def test_engine_faults_on_a_stall_and_stops_on_an_exception() -> None:
    eng = engine(ListSource([block(0, 40)], stall_after=True))
    eng.run(1.0)
    assert eng.stop_reason is StopReason.FAULT and eng.faults[0].kind is FaultKind.STALL
    eng = engine(ListSource([block(0, 40)]), Probe(fail_at=32))
    with pytest.raises(RuntimeError, match="probe failed at sample 32"):
        eng.run(1.0)
    assert eng.stop_reason is StopReason.EXCEPTION
    assert eng.result["stop_reason"] == "exception"


def test_stage_summaries_name_the_shared_reasons() -> None:
    assert reason_label(None) == ""
    assert reason_label(StopReason.ENDED) == "input ended"
    assert reason_label(StopReason.SIGNAL) == "signal"
    assert reason_label(StopReason.EXCEPTION) == "error"  # the stage summary's word, kept


# ---- stage accounting from the read ------------------------------------------------------------
class Ticker:
    """A clock that gives 0.5 ms more at every read, from ``t``."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        self.t += 0.0005
        return self.t


class Mapper(Probe):
    """A probe in the wire stage (as a mapper is)."""

    stage = Stage.WIRE

    def __init__(self) -> None:
        super().__init__()
        self.name = "mapper"


def test_the_first_chunk_counts_its_first_node_from_the_read_the_others_from_their_start() -> None:
    t_read = T0 + 0.600
    clock = Ticker(t_read + 0.010)  # the graph's first read: 10.5 ms after the block was read
    probe, mapper = Probe(), Mapper()
    graph = Graph([probe, mapper], ["source", "probe"], clock=clock)
    driver = GraphDriver(graph, rate=FS, stream="listed", tolerances=Tolerances(max_chunk=32))
    per_chunk: list[tuple[float, float]] = []

    def keep(b: Block, a: int, z: int, tick: Tick) -> None:
        per_chunk.append((driver.stage[Stage.FILTER_DETECT], driver.stage[Stage.WIRE]))

    driver.feed(block(500, 64), t_read=t_read, on_chunk=keep)
    # chunk 1: from the read to the first node's end (10.5 ms of dispatch and step) is the
    # first node's; the mapper's step is one clock tick; chunk 2 counts from its own start
    assert per_chunk[0] == pytest.approx((0.0105, 0.0005))
    assert per_chunk[1] == pytest.approx((0.0005, 0.0005))
    # nothing between the read and the graph's end of chunk 1 is left out of the stages: the
    # clock's second read (the mapper's end) is t_read + 10 ms + 2 ticks
    assert t_read + sum(per_chunk[0]) == pytest.approx(t_read + 0.011)
    assert driver.stage[Stage.ACQUIRE] == pytest.approx(t_read - (T0 + 0.563))
