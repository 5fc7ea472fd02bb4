"""``neurolink.pacing``: waits that end at the moment asked for, not before, and stop when told."""

from __future__ import annotations

import ctypes
import sys
import threading

import pytest

from neurolink.clock import now
from neurolink.pacing import sleep_until, tighten_timer_slack


class StepClock:
    """A clock that advances ``step`` seconds at every read (the spin reads it)."""

    def __init__(self, step: float) -> None:
        self.t, self.step, self.reads = 0.0, step, 0

    def __call__(self) -> float:
        self.t += self.step
        self.reads += 1
        return self.t


def test_never_returns_before_the_moment_on_the_host_clock() -> None:
    for spin in (0.0, 100e-6, 1e-3):
        for ahead in (0.0, 50e-6, 300e-6, 2e-3):
            moment = now() + ahead
            assert sleep_until(moment, spin=spin) is False
            assert now() >= moment


def test_a_moment_inside_the_spin_is_waited_for_by_reading_the_clock() -> None:
    # the whole wait lies within the spin: no blocking wait, the clock is read until it passes
    clock = StepClock(1e-6)
    assert sleep_until(50e-6, clock=clock, spin=1e-3) is False
    assert clock.t >= 50e-6
    assert clock.reads >= 50


def test_a_past_moment_returns_at_once() -> None:
    clock = StepClock(1.0)
    assert sleep_until(-5.0, clock=clock) is False
    assert clock.reads == 2  # the blocking part's read and one check of the spin


def test_stop_ends_the_wait_early_in_either_part() -> None:
    stop = threading.Event()
    threading.Timer(0.05, stop.set).start()
    t0 = now()
    assert sleep_until(t0 + 30.0, stop=stop) is True  # in the blocking wait
    assert now() - t0 < 5.0
    stop2 = threading.Event()
    stop2.set()
    clock = StepClock(1e-9)  # the moment never comes on this clock: only the stop ends it
    assert sleep_until(1.0, clock=clock, spin=10.0, stop=stop2) is True


def test_negative_spin_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="spin"):
        sleep_until(now(), spin=-1e-6)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="timer slack is Linux's")
def test_timer_slack_is_one_nanosecond_in_the_calling_thread_only() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    seen: dict[str, int] = {}

    def slack() -> int:  # PR_GET_TIMERSLACK: the calling thread's slack in ns
        return int(libc.prctl(30, 0, 0, 0, 0))

    def tightened() -> None:
        seen["before"] = slack()
        seen["ok"] = tighten_timer_slack()
        seen["after"] = slack()

    def untouched() -> None:
        seen["other"] = slack()

    def parent() -> None:  # a thread inherits its creator's slack: start from Linux's default
        libc.prctl(29, ctypes.c_ulong(50_000), 0, 0, 0)
        for target in (tightened, untouched):
            th = threading.Thread(target=target)
            th.start()
            th.join()
        seen["parent"] = slack()

    th = threading.Thread(target=parent)
    th.start()
    th.join()
    assert seen["ok"] is True
    assert seen["after"] == 1
    assert seen["before"] == seen["other"] == seen["parent"] == 50_000
