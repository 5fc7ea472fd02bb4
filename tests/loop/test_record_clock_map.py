"""A ``corrected`` stream (host stamps a source made from a producer's) is recorded with the
producer's stamps and its clock corrections, and read back on the host clock bit for bit, also
for a producer on another machine whose clock is far from the host's.

The rule (:mod:`neurolink.streams.meta.clock`) is written out here by hand: a producer stamp ``p``
is at host time ``p + offset_k`` for the newest correction ``k`` measured at or before ``p``
(``host_time_k − offset_k <= p``), the first correction for stamps before every measurement.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from neurolink.loop.recording import SessionRecorder, raw_layout, read_session
from neurolink.loop.recording.clocks import StreamClock
from neurolink.streams.meta.clock import host_times, producer_times
from tests.loop.test_recording_pyxdf import load_quietly


def by_hand(producer: np.ndarray, corrections: list[tuple[float, float]]) -> np.ndarray:
    """``p + offset`` of the newest correction measured at or before ``p`` (host_time, offset)."""
    out = np.empty_like(producer)
    for i, p in enumerate(producer):
        offset = corrections[0][1]
        for host_time, off in corrections:
            if host_time - off <= p:
                offset = off
        out[i] = p + offset
    return out


# a producer 3.2e6 s (37 days) of uptime on a host 812 s after boot, re-measured every 5 s
HOST_T = [812.25, 817.25, 822.25]
OFFSETS = [-3_199_187.5 + 1e-4, -3_199_187.5 - 2e-4, -3_199_187.5 + 3.7e-6]


def test_far_producer_clock_round_trips_through_the_file(tmp_path: Path, caplog) -> None:
    corrections = list(zip(HOST_T, OFFSETS, strict=True))
    rate = 1000.0
    producer = 3_200_000.0 + np.arange(0, 12_000) / rate  # 12 s, spanning all three
    host = by_hand(producer, corrections)
    path = tmp_path / "far.xdf"
    with SessionRecorder(path, flush_interval=0.5) as rec:
        h = rec.add_layout("raw", raw_layout(["a", "b"], rate), "far", clock=StreamClock.CORRECTED)
        data = np.stack([np.arange(len(producer)), -np.arange(len(producer))], 1)
        step, k = 700, 0  # blocks as a source delivers them; corrections given as measured
        for start in range(0, len(producer), step):
            while (
                k < len(corrections)
                and corrections[k][0] - corrections[k][1]
                <= producer[min(start + step, len(producer)) - 1]
            ):
                rec.clock_offset(h, *corrections[k])
                k += 1
            stop = start + step
            rec.write(h, data[start:stop].astype(np.float32), host[start:stop])
    (raw,) = load_quietly(path, caplog, synchronize_clocks=False, dejitter_timestamps=False)
    assert np.array_equal(raw["time_stamps"], producer)  # the producer's own stamps
    assert raw["clock_values"] == OFFSETS
    assert raw["clock_times"] == [t - o for t, o in corrections]
    back = read_session(path)["raw"]
    assert np.array_equal(back.timestamps, host)  # bit for bit
    assert np.array_equal(back.data[:, 0], np.arange(len(producer)))
    synced = read_session(path, synchronize_clocks=True)["raw"].timestamps
    assert np.allclose(synced, host, rtol=0, atol=5e-4)  # pyxdf's line through the offsets


def test_samples_before_the_first_correction_are_refused(tmp_path: Path) -> None:
    with SessionRecorder(tmp_path / "x.xdf") as rec:
        h = rec.add_layout("raw", raw_layout(["a"], 100.0), "x", clock=StreamClock.CORRECTED)
        with pytest.raises(ValueError, match="first clock correction"):
            rec.write(h, np.zeros((1, 1), np.float32), [1.0])


def test_host_clock_streams_refuse_measured_offsets(tmp_path: Path) -> None:
    with SessionRecorder(tmp_path / "x.xdf") as rec:
        h = rec.add_layout("raw", raw_layout(["a"], 100.0), "x")
        with pytest.raises(ValueError, match="host clock"):
            rec.clock_offset(h, 10.0, 0.5)


def test_the_rule_picks_the_newest_correction_at_or_before_each_stamp() -> None:
    # corrections measured at producer times 10 and 20 (host_time − offset)
    c, o = np.array([10.0, 20.0]), np.array([0.5, 0.75])
    p = np.array([5.0, 10.0, 19.5, 20.0, 30.0])
    assert host_times(p, c, o).tolist() == [5.5, 10.5, 20.0, 20.75, 30.75]


def test_no_corrections_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="one or more"):
        host_times(np.zeros(2), np.zeros(0), np.zeros(0))


@settings(max_examples=200, deadline=None)
@given(
    base=st.sampled_from([0.5, 3.0, 1e3, 8191.9, 1e5, 2.0**20, 3.2e6]),
    offsets=st.lists(
        st.floats(-4e6, 4e6, allow_nan=False) | st.floats(-1e-3, 1e-3, allow_nan=False),
        min_size=1,
        max_size=4,
    ),
    n=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
)
# found in CI: the offset rose and fell back; a host stamp two corrections back was mapped to
# the newest correction's preimage (1 s late) instead of the oldest that holds
@example(base=0.5, offsets=[0.0, 1.0, 0.0, 0.0], n=7, seed=1)
# found in CI: the offset rose and fell back to the first one's; the first correction's
# preimage (the newest's, by value) replaced the middle one's earlier stamp
@example(base=0.5, offsets=[0.0, 0.75, 0.0, 5.0], n=15, seed=0)
def test_producer_times_invert_the_rule_exactly(
    base: float, offsets: list[float], n: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    # measured in order on the producer's clock, every few seconds
    produced = np.sort(base + rng.uniform(0, 20, len(offsets)))
    corrections = [(float(t + off), off) for t, off in zip(produced, offsets, strict=True)]
    c = np.array([t - off for t, off in corrections])
    assume(bool(np.all(np.diff(c) >= 0)))  # and on the host's clock (measurement order)
    assume(all(a[0] < b[0] for a, b in itertools.pairwise(corrections)))
    p = np.sort(rng.uniform(c.min() - 1, c.max() + 5, n))
    host = by_hand(p, corrections)
    back = producer_times(host, c, np.array(offsets))
    assert np.array_equal(by_hand(back, corrections), host)
    # the producer's own stamps, except just after a correction that lowered the offset by d:
    # there the older correction's preimage is taken, up to d early
    tol = 4 * np.spacing(np.abs(p) + np.abs(host)).max()
    drop = max([0.0, *(a - b for i, a in enumerate(offsets) for b in offsets[i + 1 :])])
    assert np.all(back - p <= tol) and np.all(p - back <= drop + tol)
    if drop == 0:
        assert np.allclose(back, p, rtol=0, atol=tol)


def test_the_rule_does_not_need_sorted_stamps() -> None:
    # the first stamp after every measurement, a later one before the last: each by its own
    c, o = np.array([10.0, 20.0]), np.array([0.5, 0.75])
    p = np.array([25.0, 15.0, 5.0])
    assert host_times(p, c, o).tolist() == [25.75, 15.5, 5.5]
    assert host_times(p, c, o).tolist() == [host_times(np.array([x]), c, o)[0] for x in p]
