"""The device clock: integer microseconds since the device started.

Every time a device reports (pulse onsets, FAULT, STATUS_REPORT, PROSTHESIS_STATE) is on this
clock. :class:`MonotonicClock` runs the emulators; :class:`ManualClock` is the injectable clock
for tests that drive a device model by hand (``advance`` it, then call the model's ``tick``).
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "MonotonicClock"]


class Clock(Protocol):
    """Source of device time."""

    def now_us(self) -> int:
        """Device time, µs since the device started (never decreases)."""
        ...


class MonotonicClock:
    """Device time from :func:`time.monotonic_ns`, zero when the clock is made."""

    def __init__(self) -> None:
        self._t0_ns = time.monotonic_ns()

    def now_us(self) -> int:
        """Device time, µs since construction."""
        return (time.monotonic_ns() - self._t0_ns) // 1000


class ManualClock:
    """A clock that moves only when told to (for tests).

    Parameters
    ----------
    start_us : int
        Initial device time, µs.
    """

    def __init__(self, start_us: int = 0) -> None:
        self._now = int(start_us)

    def now_us(self) -> int:
        """The current (set) device time, µs."""
        return self._now

    def advance(self, us: int) -> int:
        """Move the clock forward by ``us`` µs (≥ 0); return the new time."""
        if us < 0:
            raise ValueError(f"a clock cannot go back ({us} µs)")
        self._now += int(us)
        return self._now
