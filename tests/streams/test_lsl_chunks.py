"""Whole producer chunks from :class:`LSLSource`: the chunk pacer, the step check, live LSL,
and the block clock conversion against the rule of :mod:`neurolink.streams.meta.clock`.

The pacer and the step check are driven directly (no LSL, no clock). The live tests use real
LSL outlets with unique names; the producer's pauses are far inside the bounds the source waits
(a chunk period of 100 ms, pieces 20 ms apart), so they do not depend on timing luck; the one
upper bound on a wait is five times the bound the source promises.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from neurolink.clock import now
from neurolink.streams import lsl_inlet
from neurolink.streams.block import Block
from neurolink.streams.lsl_outlet import BlockOutlet
from neurolink.streams.lsl_source import LSLSource
from neurolink.streams.meta.chunking import ChunkPacer, steady_rows
from neurolink.streams.meta.clock import host_times

DEADLINE = 20.0  # s: generous bound for conditions that normally hold within milliseconds


# --- the pacer ------------------------------------------------------------------------------


def learned(rate: float = 30000.0, size: int = 30, idle: float = 0.9e-3) -> ChunkPacer:
    """A pacer that has seen ``agree`` whole bursts of ``size`` rows, the last after ``idle``."""
    p = ChunkPacer(rate)
    for _ in range(p.agree):
        p.waited(idle)
        p.burst(size)
        p.advance(size)
    return p


def test_pacer_learns_a_size_from_equal_bursts_and_aligns_after_a_long_wait() -> None:
    p = ChunkPacer(30000.0)
    assert p.learning and p.size == 0 and p.missing(1) == 0
    for n in (30, 30, 29, 30, 30, 30):  # a cut-short burst restarts the streak
        p.waited(0.9e-3)
        p.burst(n)
        p.advance(n)
    assert p.size == 0  # five agreeing bursts needed 4 in a row: 29 broke it
    p.waited(0.9e-3)
    p.burst(30)
    p.advance(30)
    assert (p.size, p.phase, p.aligned, p.learning) == (30, 0, True, False)
    assert p.bound == pytest.approx(1e-3 + p.margin)
    assert p.missing(1) == 29 and p.missing(30) == 0 and p.missing(31) == 29


def test_pacer_after_a_short_wait_knows_the_size_but_not_the_phase() -> None:
    p = learned(idle=0.1e-3)  # the last burst's wait was short: it may have begun mid-chunk
    assert p.size == 30 and not p.aligned and p.missing(1) == 0
    p.waited(0.2e-3)  # shorter than half a period: still unknown
    assert not p.aligned
    p.waited(0.6e-3)
    p.advance(1)
    assert p.aligned and p.phase == 1 and p.missing(0) == 29


def test_pacer_refuses_sizes_that_two_chunks_could_share_one_window() -> None:
    p = ChunkPacer(30000.0, budget=8)
    for _ in range(8):  # 15 rows = 0.5 ms < 2 x 0.3 ms window
        p.waited(1e-3)
        p.burst(15)
    assert p.size == 0 and not p.learning  # budget spent: reads never wait
    p.burst(30)
    assert p.size == 0


def test_pacer_slow_rests_drop_the_phase_then_the_size() -> None:
    p = learned()
    p.rest(True, 0.6e-3)  # the rest came more than half a period later: wrong phase
    assert p.size == 30 and not p.aligned
    p.waited(0.9e-3)
    p.rest(True, 0.6e-3)
    p.waited(0.9e-3)
    p.rest(True, 0.6e-3)
    assert p.size == 0 and p.learning  # three slow rests in a row: learn again


def test_pacer_timed_out_rests_forget_a_learned_size_but_keep_a_given_one() -> None:
    p = learned()
    for _ in range(2):
        p.rest(False, 1.3e-3)
    p.rest(True, 10e-6)  # a complete, prompt rest resets the count
    for _ in range(2):
        p.rest(False, 1.3e-3)
    assert p.size == 30
    p.rest(False, 1.3e-3)
    assert p.size == 0
    given_size = ChunkPacer(30000.0, chunk_size=30)
    for _ in range(5):
        given_size.rest(False, 1.3e-3)
        given_size.rest(True, 0.9e-3)
    assert given_size.size == 30 and given_size.bound == pytest.approx(1e-3 + given_size.margin)


def test_pacer_gap_forgets_a_learned_size_and_shifts_a_given_phase() -> None:
    p = learned()
    p.skip(7)
    assert p.size == 0
    q = ChunkPacer(30000.0, chunk_size=30)
    assert q.aligned and q.missing(1) == 29
    q.advance(10)
    q.skip(25)
    assert q.phase == 5 and q.missing(0) == 25


def test_pacer_of_an_irregular_stream_or_size_zero_never_waits() -> None:
    for p in (ChunkPacer(0.0), ChunkPacer(0.0, chunk_size=30), ChunkPacer(30000.0, chunk_size=0)):
        assert not p.learning and p.size == 0 and p.missing(1) == 0
    with pytest.raises(ValueError, match="chunk_size"):
        ChunkPacer(30000.0, chunk_size=-1)


# --- the step check -------------------------------------------------------------------------


def reference_rows(stamps: np.ndarray, limit: float) -> int:
    """The rule as the source applied it before (numpy over all steps)."""
    steps = np.diff(stamps)
    brk = (steps < 0) | (steps > limit)
    return stamps.shape[0] if not brk.any() else 1 + int(np.argmax(brk))


@given(
    n=st.integers(0, 200),
    irregular=st.booleans(),
    faults=st.lists(
        st.tuples(
            st.integers(0, 199),
            st.sampled_from([-1e-3, 0.0, 5e-5, 1e-3, np.nan, np.inf, -np.inf]),
        ),
        max_size=4,
    ),
)
def test_steady_rows_agrees_with_the_numpy_rule(
    n: int, irregular: bool, faults: list[tuple[int, float]]
) -> None:
    stamps = 100.0 + np.arange(n) / 30000.0
    for i, d in faults:
        if i < n:
            stamps[i] = stamps[i] + d if np.isfinite(d) else d
    limit = np.inf if irregular else 1.5 / 30000.0
    assert steady_rows(stamps, limit, np.empty(max(n, 1))) == reference_rows(stamps, limit)


# --- live LSL -------------------------------------------------------------------------------


def indexed(start: int, n: int, n_channels: int = 4) -> np.ndarray:
    """Rows ``start..start+n``, channel 0 = sample index."""
    data = np.zeros((n, n_channels), np.float32)
    data[:, 0] = np.arange(start, start + n)
    return data


def read_until(src: LSLSource, n: int, timeout: float = 1.0) -> list[Block]:
    """Blocks until ``n`` samples came (fails after DEADLINE s)."""
    blocks: list[Block] = []
    got, stop = 0, time.monotonic() + DEADLINE
    while got < n:
        assert time.monotonic() < stop, f"only {got} of {n} samples within {DEADLINE} s"
        block = src.read(timeout=timeout)
        if block is not None:
            blocks.append(block)
            got += block.n_samples
    return blocks


def pusher(
    outlet: BlockOutlet, pieces: list[tuple[float, np.ndarray]], t0: float
) -> threading.Thread:
    """A thread that pushes each ``(delay, rows)`` piece ``delay`` s after the previous one,
    stamped ``t0 + index / rate`` (rate 100 Hz)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for delay, rows in pieces:
                time.sleep(delay)
                outlet.push(rows, t0 + rows[:, 0].astype(np.float64) / 100.0)
        except BaseException as exc:  # the test sees it as missing samples
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def outlet(unique_name: str) -> Iterator[BlockOutlet]:
    labels = ["C0", "C1", "C2", "C3"]
    with BlockOutlet(unique_name, "EEG", labels, 100.0, source_id=unique_name) as o:
        yield o


def open_source(outlet: BlockOutlet, name: str, **kwargs: object) -> LSLSource:
    src = LSLSource(source_id=name, assume_unit="uV", **kwargs)
    src.open()
    assert outlet.wait_for_consumers(DEADLINE)
    return src


def test_a_chunk_pushed_in_pieces_comes_back_whole(outlet: BlockOutlet, unique_name: str) -> None:
    # chunk of 10 rows at 100 Hz: period 100 ms; each chunk pushed as 4 + 6 rows 20 ms apart
    pieces = []
    for k in range(5):
        pieces += [(0.05, indexed(10 * k, 4)), (0.02, indexed(10 * k + 4, 6))]
    with open_source(outlet, unique_name, chunk_size=10) as src:
        thread = pusher(outlet, pieces, now())
        blocks = read_until(src, 50, timeout=1.0)
        thread.join(DEADLINE)
        assert src.chunk_size == 10
    assert [b.n_samples for b in blocks] == [10] * 5
    got = np.concatenate([b.data[:, 0] for b in blocks])
    assert np.array_equal(got, np.arange(50)) and [b.first_index for b in blocks] == list(
        range(0, 50, 10)
    )


def test_a_stalled_chunk_is_handed_over_after_one_period_and_the_margin(
    outlet: BlockOutlet, unique_name: str
) -> None:
    with open_source(outlet, unique_name, chunk_size=10) as src:
        t0 = now()

        def push(start: int, n: int) -> None:
            outlet.push(indexed(start, n), t0 + np.arange(start, start + n) / 100.0)

        push(0, 10)
        assert [b.n_samples for b in read_until(src, 10)] == [10]
        push(10, 4)  # 4 of the next chunk's 10 rows; the rest does not come
        started = time.monotonic()
        block = src.read(timeout=3.0)
        took = time.monotonic() - started
        assert block is not None and block.n_samples == 4 and block.first_index == 10
        bound = 10 / 100.0 + src._pacer.margin
        assert took < 5 * bound, f"held a stalled chunk {took:.3f} s (bound {bound:.3f} s)"
        # the stream resumes: the 4 rows were counted, so the chunk's other 6 are one block
        push(14, 6)
        assert [b.n_samples for b in read_until(src, 6)] == [6]
        push(20, 10)
        assert [(b.first_index, b.n_samples) for b in read_until(src, 10)] == [(20, 10)]


def test_a_learned_chunk_size_gives_whole_chunks(outlet: BlockOutlet, unique_name: str) -> None:
    # whole chunks of 10 rows every 100 ms until the source has learned the size, then chunks
    # pushed as 4 + 6 rows 20 ms apart: each comes back as one block
    learned_size = threading.Event()
    pushed: list[int] = []

    def produce() -> None:
        t0, k = now(), 0
        while not learned_size.is_set() and k < 60:
            time.sleep(0.1)
            outlet.push(indexed(10 * k, 10), t0 + np.arange(10 * k, 10 * k + 10) / 100.0)
            k += 1
        first_split = 10 * k
        for j in range(k, k + 4):
            time.sleep(0.1)
            outlet.push(indexed(10 * j, 4), t0 + np.arange(10 * j, 10 * j + 4) / 100.0)
            time.sleep(0.02)
            outlet.push(indexed(10 * j + 4, 6), t0 + np.arange(10 * j + 4, 10 * j + 10) / 100.0)
        pushed.extend([first_split, 10 * (k + 4)])

    with open_source(outlet, unique_name) as src:
        assert src.chunk_size == 0
        thread = threading.Thread(target=produce, daemon=True)
        thread.start()
        blocks: list[Block] = []
        stop = time.monotonic() + DEADLINE
        while not pushed or sum(b.n_samples for b in blocks) < pushed[1]:
            assert time.monotonic() < stop, "the producer's samples did not all come"
            block = src.read(timeout=0.5)
            if block is not None:
                blocks.append(block)
            if src.chunk_size:
                learned_size.set()
        thread.join(DEADLINE)
        assert src.chunk_size == 10
    first_split, total = pushed
    got = np.concatenate([b.data[:, 0] for b in blocks])
    assert np.array_equal(got, np.arange(total))
    split = [(b.first_index, b.n_samples) for b in blocks if b.first_index >= first_split]
    assert split == [(i, 10) for i in range(first_split, total, 10)]


# --- the clock conversion -------------------------------------------------------------------


@given(
    corrections=st.lists(
        st.tuples(st.floats(0.0, 10.0), st.floats(-1e-3, 1e-3)), min_size=1, max_size=6
    ),
    start=st.floats(-1.0, 11.0),
    n=st.integers(0, 80),
    step=st.sampled_from([0.0, 1 / 30000.0, 0.05, 0.5]),
)
def test_block_clock_conversion_matches_the_rule(
    corrections: list[tuple[float, float]], start: float, n: int, step: float
) -> None:
    # measured at host times h (taken in order), offsets o: collection times h - o may fall
    # out of order; every block (non-decreasing stamps) gets exactly host_times' numbers
    inlet = LSLSource(source_id="never-opened")
    hosts = np.cumsum([h for h, _ in corrections])
    for h, (_, o) in zip(hosts, corrections, strict=True):
        with patch.object(lsl_inlet, "now", return_value=float(h)):
            inlet._add_correction(o)
    stamps = start + np.arange(n) * step
    c = np.array([x.collection_time for x in inlet.clock_history])
    o = np.array([x.offset for x in inlet.clock_history])
    assert np.array_equal(inlet._to_host(stamps), host_times(stamps, c, o))
