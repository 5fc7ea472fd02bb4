"""Binning spike events into counts, offline and streaming, against an independent histogram."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.dsp import StreamingBinner, bin_spikes
from neurolink.streams import SPIKE_DTYPE


def events(idx: np.ndarray, col: np.ndarray, unit: np.ndarray | None = None) -> np.ndarray:
    order = np.argsort(idx, kind="stable")
    s = np.zeros(idx.size, SPIKE_DTYPE)
    s["sample_index"] = idx[order]
    s["channel"] = col[order]
    s["unit"] = -1 if unit is None else unit[order]
    return s


def histogram(idx: np.ndarray, col: np.ndarray, width: int, n_units: int, origin: int, n_bins: int):
    edges = origin + width * np.arange(n_bins + 1)
    counts = np.zeros((n_bins, n_units), np.int64)
    inside = idx < edges[-1]  # np.histogram closes its last bin; ours are all half-open
    for u in range(n_units):
        counts[:, u] = np.histogram(idx[inside & (col == u)], bins=edges)[0]
    return counts, edges


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    width=st.integers(1, 50),
    origin=st.integers(0, 100),
    n_units=st.integers(1, 6),
    cuts=st.lists(st.integers(0, 2000), max_size=10),
)
def test_streaming_equals_histogram(
    seed: int, width: int, origin: int, n_units: int, cuts: list[int]
) -> None:
    rng = np.random.default_rng(seed)
    total = 2000
    idx = rng.integers(origin, total, rng.integers(0, 300))
    col = rng.integers(0, n_units, idx.size)
    spikes = events(idx, col)
    n_bins = (total - origin) // width
    ref, ref_edges = histogram(idx, col, width, n_units, origin, n_bins)

    counts, edges = bin_spikes(spikes, width, n_units, origin=origin, stop=total)
    assert counts.dtype == np.int32 and counts.shape == (n_bins, n_units)
    np.testing.assert_array_equal(counts, ref)
    np.testing.assert_array_equal(edges, ref_edges)

    binner = StreamingBinner(width, n_units, origin=origin)
    got, got_edges, prev = [], [origin], 0
    for cut in [*sorted(cuts), total]:  # events up to `cut` are complete at each step
        part = spikes[(spikes["sample_index"] >= prev) & (spikes["sample_index"] < cut)]
        c, e = binner.step(part, complete_until=cut)
        assert e[0] == got_edges[-1] and len(e) == len(c) + 1
        got.append(c)
        got_edges.extend(e[1:].tolist())
        prev = max(prev, cut)
    np.testing.assert_array_equal(np.concatenate(got), ref)
    np.testing.assert_array_equal(got_edges, ref_edges)


def test_by_unit_and_add_at() -> None:
    rng = np.random.default_rng(1)
    idx = rng.integers(0, 1000, 200)
    unit = rng.integers(-1, 3, 200)
    s = events(idx, np.zeros(200, np.int32), unit)
    counts, edges = bin_spikes(s, 100, 3, by="unit", stop=1000)
    ref = np.zeros((10, 3), np.int64)
    keep = s["unit"] >= 0
    np.add.at(ref, (s["sample_index"][keep] // 100, s["unit"][keep]), 1)
    np.testing.assert_array_equal(counts, ref)
    np.testing.assert_array_equal(edges, np.arange(0, 1001, 100))


def test_binner_errors_and_ignored() -> None:
    b = StreamingBinner(10, 2, origin=100)
    c, e = b.step(events(np.array([5, 105]), np.array([0, 1])), complete_until=120)
    np.testing.assert_array_equal(c, [[0, 1], [0, 0]])
    np.testing.assert_array_equal(e, [100, 110, 120])
    assert b.n_ignored == 1 and b.next_edge == 120
    with pytest.raises(ValueError, match="already emitted"):
        b.step(events(np.array([115]), np.array([0])), complete_until=130)
    with pytest.raises(ValueError, match="outside"):
        b.step(events(np.array([125]), np.array([2])), complete_until=130)
    with pytest.raises(ValueError, match="width"):
        StreamingBinner(0, 2)
