"""Sequence numbers: wrap, loss, duplicates, stale frames."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neurolink.hal.wire import SeqCounter, SeqEvent, SeqTracker, seq_delta, seq_next


def test_counter_wraps() -> None:
    c = SeqCounter(65534)
    assert [c.next() for _ in range(4)] == [65534, 65535, 0, 1]
    assert c.peek() == 2
    with pytest.raises(ValueError):
        SeqCounter(65536)


@given(st.integers(0, 0xFFFF), st.integers(-32768, 32767))
def test_delta_is_the_signed_circular_distance(a: int, d: int) -> None:
    b = (a + d) & 0xFFFF
    assert seq_delta(b, a) == d
    assert seq_next(a) == (a + 1) % 65536


def test_tracker_events_and_counts() -> None:
    t = SeqTracker()
    events = [t.observe(s) for s in (65534, 65535, 0, 0, 3, 1, 4)]
    assert [e.event for e in events] == [
        SeqEvent.FIRST,
        SeqEvent.IN_ORDER,
        SeqEvent.IN_ORDER,  # across the wrap
        SeqEvent.DUPLICATE,
        SeqEvent.GAP,
        SeqEvent.STALE,
        SeqEvent.IN_ORDER,
    ]
    assert events[4].lost == 2
    assert (t.received, t.lost, t.duplicates, t.stale, t.last) == (7, 2, 1, 1, 4)
    t.reset()
    assert t.observe(100).event is SeqEvent.FIRST


@given(st.integers(0, 0xFFFF), st.lists(st.booleans(), max_size=300))
def test_tracker_counts_every_dropped_frame(start: int, kept: list[bool]) -> None:
    t = SeqTracker()
    t.observe(start)
    seqs = [(start + 1 + i) & 0xFFFF for i, k in enumerate(kept) if k]
    for s in seqs:
        t.observe(s)
    last_kept = max((i for i, k in enumerate(kept) if k), default=-1)
    assert t.lost == sum(1 for k in kept[: last_kept + 1] if not k)
    assert t.duplicates == t.stale == 0


def test_tracker_rejects_out_of_range() -> None:
    with pytest.raises(ValueError):
        SeqTracker().observe(-1)
