"""The pulse ledger: bounded cost whatever is scheduled, and never below the exact count
(issue 13, finding 3: a check once grew with the scheduled pulses, 640 MB for 10⁷)."""

from __future__ import annotations

import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.hal.safety.pulse_window import WINDOW_S, PulseLedger, Train


def brute_force(trains: list[Train], new: Train) -> int:
    """Most onsets in any window [s, s + 1 s − 1 µs] that holds a pulse of ``new``; such a
    maximum is reached by a window that starts at an onset (shift it right until it does)."""
    onsets = sorted(
        t.start + i / t.frequency_hz
        for t in [*trains, new]
        for i in range(t.count)
        if t.start + i / t.frequency_hz <= t.stop
    )
    mine = [x for x in onsets if any(abs(x - (new.start + i / new.frequency_hz)) < 1e-12
                                     for i in range(new.count))]  # fmt: skip
    best, end = 0, WINDOW_S - 1e-6
    for s in onsets:
        if any(s <= m <= s + end for m in mine):
            best = max(best, sum(1 for x in onsets if s <= x <= s + end))
    return best


def test_a_check_against_ten_million_scheduled_pulses_needs_little_memory() -> None:
    ledger = PulseLedger()
    ledger.add(Train(0, 0.0, 500.0, 10_000_000))  # 10⁷ pulses: 5.5 hours at 500 Hz
    ledger.add(Train(1, 0.0, 500.0, 10_000_000))
    tracemalloc.start()
    try:
        n = ledger.max_count(Train(2, 0.5, 500.0, 10_000_000), channel=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 1500  # three 500 Hz trains: 500 pulses each in every window
    assert peak < 5_000_000, f"{peak / 1e6:.1f} MB for one check"  # the old ledger: ~1.3 GB


def test_removing_a_train_frees_its_pulses() -> None:
    ledger = PulseLedger()
    refused = Train(0, 0.0, 100.0, 1000)
    ledger.add(refused)
    assert ledger.max_count(Train(0, 0.0, 100.0, 10), channel=0) == 110
    ledger.remove(refused)
    assert ledger.max_count(Train(0, 0.0, 100.0, 10), channel=0) == 10


@settings(max_examples=80, deadline=None)
@given(
    trains=st.lists(
        st.tuples(
            st.integers(0, 1),  # channel
            st.integers(0, 400),  # start, 1/128 s
            st.integers(1, 40),  # frequency, Hz
            st.integers(1, 60),  # count
        ),
        max_size=4,
    ),
    new=st.tuples(st.integers(0, 400), st.integers(1, 40), st.integers(1, 60)),
)
def test_never_below_the_exact_count_and_exact_near_the_new_train(trains, new) -> None:
    ledger = PulseLedger()
    made = [Train(c, s / 128, float(f), n) for c, s, f, n in trains]
    for t in made:
        ledger.add(t)
    candidate = Train(0, new[0] / 128, float(new[1]), new[2])
    got = ledger.max_count(candidate, channel=None)
    exact = brute_force(made, candidate)
    assert got >= exact
    beyond = candidate.start + WINDOW_S
    if candidate.last <= beyond or not any(t.last > beyond for t in made):
        assert got == exact  # counted from the onsets themselves
