"""The background made ahead in a producer thread: same values, nothing lost, errors loud."""

from __future__ import annotations

import itertools
import os
import sys
import threading

import numpy as np
import pytest

from neurolink.sim import CortexConfig, CortexSimulator, grid_positions
from neurolink.sim.draw_ahead import DrawAhead, DrawAheadError
from neurolink.sim.randomness import FRAME_SAMPLES
from neurolink.sim.source_config import InProcessConfig

CFG = CortexConfig(positions=grid_positions(12, 400.0), n_units=16)
N = 6 * FRAME_SAMPLES + 101


def _velocity(n: int) -> np.ndarray:
    t = np.arange(n) / CFG.fs
    return np.column_stack([np.cos(2 * np.pi * 5 * t), np.sin(2 * np.pi * 5 * t)])


def test_drawing_ahead_gives_the_same_samples_and_truth_bit_for_bit() -> None:
    vel = _velocity(N)
    ref, ref_truth = CortexSimulator(CFG, seed=4).generate(N, vel)
    sim = CortexSimulator(CFG, seed=4)
    rng = np.random.default_rng(0)
    parts, truths, pos, k = [], [], 0, 0
    sim.draw_ahead(depth=2)
    while pos < N:
        n = min(int(rng.integers(1, 700)), N - pos)
        d, t = sim.step(n, vel[pos : pos + n])
        parts.append(d)
        truths.append(t)
        pos += n
        k += 1
        # Stop and restart the thread now and then (its frames are handed back, none lost),
        # and prefetch on this thread in between.
        if k % 3 == 0:
            sim.stop_drawing_ahead()
            sim.prefetch()
        elif k % 3 == 1:
            sim.draw_ahead(depth=1 + k % 4)
    sim.stop_drawing_ahead()
    np.testing.assert_array_equal(np.concatenate(parts), ref)
    np.testing.assert_array_equal(np.concatenate(truths), ref_truth)


def test_reset_stops_the_producer_and_restarts_the_stream() -> None:
    sim = CortexSimulator(CFG, seed=5)
    a, _ = sim.generate(2 * FRAME_SAMPLES, (0.2, 0.1))
    sim.draw_ahead()
    sim.step(700, (0.2, 0.1))
    names = {t.name for t in threading.enumerate()}
    assert "sim-background-5" in names
    sim.reset()
    assert "sim-background-5" not in {t.name for t in threading.enumerate()}
    b, _ = sim.generate(2 * FRAME_SAMPLES, (0.2, 0.1))
    np.testing.assert_array_equal(a, b)


def test_items_come_in_order_and_stop_hands_back_the_rest() -> None:
    counter = itertools.count()
    ahead = DrawAhead(lambda: next(counter), depth=3, name="count-ahead")
    got = [ahead.get() for _ in range(5)]
    left = ahead.stop()
    assert got == [0, 1, 2, 3, 4]
    # Everything made after the fifth is handed back in order: nothing lost or repeated.
    assert left == list(range(5, 5 + len(left))) and 1 <= len(left) <= 4
    assert next(counter) == 5 + len(left)
    with pytest.raises(DrawAheadError, match="stopped"):
        ahead.get()


def test_a_failure_in_the_producer_is_raised_by_get_and_stop() -> None:
    def make() -> int:
        raise ZeroDivisionError("boom")

    with pytest.raises(ValueError, match="depth"):
        DrawAhead(make, depth=0)
    ahead = DrawAhead(make, depth=2, name="fail-ahead")
    with pytest.raises(DrawAheadError, match="failed") as info:
        ahead.get()
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    with pytest.raises(DrawAheadError, match="failed"):
        ahead.stop()


def test_inprocess_subject_runs_its_producer_only_while_open() -> None:
    src = InProcessConfig(name="ahead", seed=2, channels=96, units=20).make_source()
    with src:
        assert "sim-background-2" in {t.name for t in threading.enumerate()}
        b = src.read(1.0)
        assert b is not None and b.n_samples > 0
    assert "sim-background-2" not in {t.name for t in threading.enumerate()}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_producer_thread_runs_at_its_own_lower_priority() -> None:
    seen: list[int] = []

    def make() -> int:
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return len(seen)

    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    ahead = DrawAhead(make, depth=2, nice=5)
    try:
        assert [ahead.get() for _ in range(3)] == [1, 2, 3]  # values and order as without
    finally:
        ahead.stop()
    assert seen and all(n == min(19, base + 5) for n in seen)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base  # caller unchanged
