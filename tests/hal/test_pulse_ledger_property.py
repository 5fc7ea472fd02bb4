"""The pulse ledger against a brute-force onset counter, on random train sets (issue 15).

The ledger counts on a ring of time buckets with a segment tree; the reference here lists every
onset and tries every window. Trains are driven as the stimulation guard drives them: in time
order, ``prune(now)`` before each command, stops that cut trains short, refused trains taken
back. The ledger must never answer below the true count, and must be exact for a train alone,
for onsets that are exactly representable (dyadic times), and for any set as long as the
windows in question start within 1 s of the new train (beyond that it sums per-train caps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.hal.safety.pulse_window import PulseLedger, Train

END = 1.0 - 1e-6  # a window [s, s + END]: 1 s less the 1 µs closing-edge allowance


@dataclass
class Ref:
    """A train as the reference sees it."""

    channel: int
    start: float
    f: float
    n: int
    stop: float = math.inf

    def onsets(self) -> list[float]:
        out = []
        for i in range(self.n):
            t = self.start + i / self.f
            if t > self.stop:
                break
            out.append(t)
        return out


def true_max(others: list[Ref], new: Ref) -> int:
    """Most onsets in a window [s, s + END] that holds an onset of ``new``; such a window can
    be slid right until it starts at an onset, so only those starts are tried."""
    mine = new.onsets()
    every = sorted([x for r in others for x in r.onsets()] + mine)
    best = 0
    for s in every:
        if not any(s <= m <= s + END for m in mine):
            continue
        best = max(best, sum(1 for x in every if s <= x <= s + END))
    return best


def check(ledger: PulseLedger, refs: list[Ref], new: Ref, *, exact_if_near: bool) -> None:
    """Compare both counts (new's channel, all channels) with the reference."""
    cand = Train(new.channel, new.start, new.f, new.n)
    got_ch = ledger.max_count(cand, channel=new.channel)
    got_all = ledger.max_count(cand, channel=None)
    same = [r for r in refs if r.channel == new.channel]
    want_ch, want_all = true_max(same, new), true_max(refs, new)
    assert got_ch >= want_ch, (got_ch, want_ch)
    assert got_all >= want_all, (got_all, want_all)
    beyond = new.start + 1.0
    new_last = new.onsets()[-1]
    for got, want, pool in ((got_ch, want_ch, same), (got_all, want_all, refs)):
        runs_on = any(r.onsets() and r.onsets()[-1] > beyond for r in pool)
        if exact_if_near and (new_last <= beyond or not runs_on):
            assert got == want, (got, want)


def times(dyadic: bool) -> st.SearchStrategy[float]:
    if dyadic:  # multiples of 1/1024 s: every onset below is exactly representable
        return st.integers(0, 1536).map(lambda k: k / 1024)
    return st.floats(0.0, 1.5, allow_nan=False)


def rates(dyadic: bool) -> st.SearchStrategy[float]:
    if dyadic:  # periods 1/1024 … 4 s, powers of two
        return st.integers(-2, 10).map(lambda k: 2.0**k)
    return st.floats(0.3, 600.0, allow_nan=False)


@st.composite
def sessions(draw, dyadic: bool):
    """Events in time order: ("add", Ref, refused?) or ("stop", channel or None, time)."""
    t = draw(st.floats(0.0, 50.0)) if not dyadic else draw(st.integers(0, 50)) * 1.0
    events = []
    for _ in range(draw(st.integers(0, 7))):
        t += draw(times(dyadic))
        if draw(st.integers(0, 4)) == 0:
            events.append(("stop", draw(st.sampled_from([0, 1, None])), t))
        else:
            r = Ref(draw(st.integers(0, 1)), t, draw(rates(dyadic)), draw(st.integers(1, 60)))
            events.append(("add", r, draw(st.booleans()) and draw(st.booleans())))
    t += draw(times(dyadic))
    new = Ref(draw(st.integers(0, 1)), t, draw(rates(dyadic)), draw(st.integers(1, 60)))
    return events, new


def replay(events) -> tuple[PulseLedger, list[Ref]]:
    """Drive a ledger as the guard does, and keep the reference's own list."""
    ledger = PulseLedger(n_buckets=4096, capacity=4096, channels=2)
    refs: list[Ref] = []
    for kind, what, arg in events:
        if kind == "stop":
            ledger.prune(arg)
            ledger.stop(what, arg)
            for r in refs:
                if what is None or r.channel == what:
                    r.stop = min(r.stop, arg)
            continue
        ledger.prune(what.start)
        train = Train(what.channel, what.start, what.f, what.n)
        ledger.max_count(train, channel=what.channel)
        ledger.max_count(train, channel=None)
        ledger.add(train)
        if arg:  # the device refused it: taken back
            ledger.remove(train)
        else:
            refs.append(what)
    return ledger, refs


@settings(max_examples=150, deadline=None)
@given(sessions(dyadic=False))
def test_never_below_and_exact_near_the_new_train(session) -> None:
    events, new = session
    ledger, refs = replay(events)
    ledger.prune(new.start)
    check(ledger, refs, new, exact_if_near=True)


@settings(max_examples=150, deadline=None)
@given(sessions(dyadic=True))
def test_exact_for_representable_onsets(session) -> None:
    events, new = session
    ledger, refs = replay(events)
    ledger.prune(new.start)
    check(ledger, refs, new, exact_if_near=True)


@settings(max_examples=100, deadline=None)
@given(
    start=st.floats(0.0, 1e5, allow_nan=False),
    f=st.floats(0.2, 500.0, allow_nan=False),
    n=st.integers(1, 400),
)
def test_a_train_alone_is_counted_exactly(start: float, f: float, n: int) -> None:
    ledger = PulseLedger(n_buckets=4096, capacity=4096, channels=1)
    new = Ref(0, start, f, n)
    got = ledger.max_count(Train(0, start, f, n), channel=0)
    assert got == true_max([], new)


def test_a_window_exactly_one_second_long_is_not_counted_twice() -> None:
    # 1024 Hz from a dyadic start: onset 1024 is exactly 1 s after onset 0, outside [s, s+END]
    ledger = PulseLedger(n_buckets=4096, capacity=4096, channels=1)
    ledger.add(Train(0, 0.0, 1024.0, 1024))
    assert ledger.max_count(Train(0, 1.0, 1024.0, 1), channel=0) == 1024
    # a pulse just inside the 1 µs allowance joins all 1024 in the window that starts at 0
    ledger.prune(1.0)
    assert ledger.max_count(Train(0, 1.0 - 1e-6 - 2**-20, 1.0, 1), channel=0) == 1025
