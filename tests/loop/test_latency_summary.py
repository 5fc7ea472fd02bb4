"""The one latency summary (:func:`neurolink.loop.core.latency.summarize`) and the formats its
callers keep: the engine summary's entries, the stage summary's, the report's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurolink.loop.core.latency import describe, summarize
from neurolink.loop.stages.process import latency_stats

# 1, 2, 3, 4 ms and a NaN: median 2.5 ms; p99 at rank 0.99 · 3 = 2.97 → 3 + 0.97 · (4 − 3) ms
MS = np.array([0.001, 0.002, 0.003, 0.004, np.nan])


def test_summary_of_latencies_with_a_deadline() -> None:
    s = summarize(MS, deadline_s=0.0025)
    assert (s.n, s.n_invalid, s.misses, s.deadline) == (4, 1, 2, 0.0025)  # 3 and 4 ms missed
    assert s.median == pytest.approx(0.0025) and s.p99 == pytest.approx(0.00397)
    assert s.max == 0.004 and s.mean == pytest.approx(0.0025)
    assert summarize(MS).misses is None


def test_no_finite_value_gives_nan_statistics() -> None:
    s = summarize(np.array([np.inf, np.nan]), deadline_s=0.005)
    assert (s.n, s.n_invalid, s.misses) == (0, 2, 0)
    assert all(math.isnan(v) for v in (s.median, s.p99, s.max, s.mean))


def test_engine_entries_are_ms_rounded_to_four_decimals() -> None:
    assert describe(np.array([0.0012345678, 0.0012345678])) == {
        "n": 2, "median_ms": 1.2346, "p99_ms": 1.2346, "max_ms": 1.2346, "mean_ms": 1.2346,
    }  # fmt: skip
    empty = describe(np.zeros(0))
    assert empty["n"] == 0 and math.isnan(empty["median_ms"]) and math.isnan(empty["mean_ms"])


def test_stage_entries_are_ms_unrounded_and_only_n_when_empty() -> None:
    got = latency_stats(MS[:4])
    assert list(got) == ["n", "median", "p99", "max", "mean"] and got["n"] == 4
    assert got["median"] == pytest.approx(2.5) and got["p99"] == pytest.approx(3.97)
    assert got["max"] == pytest.approx(4.0) and got["mean"] == pytest.approx(2.5)
    assert latency_stats(np.zeros(0)) == {"n": 0}
