"""Sliding-window pulse counting over scheduled stimulation trains.

A stimulation command is a train: pulse ``i`` (0 ≤ i < n) starts at ``start + i / f``. The
ledger keeps the trains accepted so far (on every channel) and answers: if this new train were
added, what is the largest number of pulse onsets in any 1 s window? Windows are half-open,
``[t, t + 1 s)``, with a 1 µs allowance at the closing edge so that floating-point rounding
never counts a pulse exactly 1 s after another into the same window (a 10 Hz train has exactly
10 pulses in every window).

The check is incremental: windows that contain no pulse of the new train were checked when
their own trains were added. Trains are assumed to start when accepted and to run to the end
unless a stop truncates them; overlapping trains on one channel are counted together (the
conservative reading when a device might queue or overlap them).

Cost: independent of how many pulses are scheduled (issue 13: a check once grew with them, 10 s
and 640 MB for 10⁷ pulses, and the e-stop waited behind it). Every train is a formula
(start, rate, count, stop), never a list of pulses. The windows that start within one second
either side of the new train's first pulse are counted exactly from the onsets in those three
seconds (at most the rate caps allow); a window starting later holds at most
:meth:`Train.window_cap` pulses of each train still running then (a periodic train's most in
any 1 s window), and their sum bounds it: exact for one train, conservative when several run
on. Memory is one small record per train still running or ended within the last second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["WINDOW_S", "PulseLedger", "Train"]

WINDOW_S = 1.0
"""Length of the sliding window (s)."""

_EDGE_S = 1e-6
"""Closing-edge allowance of the window (s)."""


@dataclass(slots=True)
class Train:
    """A scheduled pulse train.

    Parameters
    ----------
    channel : int
        Stimulation channel.
    start : float
        Host-clock time of the first pulse onset (s).
    frequency_hz : float
        Pulse rate (Hz).
    count : int
        Number of pulses.
    stop : float
        Pulses with onset after this time (s) are cancelled (``inf`` when not stopped).
    """

    channel: int
    start: float
    frequency_hz: float
    count: int
    stop: float = math.inf

    def window_cap(self) -> int:
        """Most of its kept pulses in any window ``[t, t + 1 s)`` (with the edge allowance)."""
        n = math.floor((WINDOW_S - _EDGE_S) * self.frequency_hz) + 1
        if self.stop < math.inf:
            kept = math.floor((self.stop - self.start) * self.frequency_hz + 1e-9) + 1
            n = min(n, max(0, kept))
        return min(n, self.count)

    @property
    def last(self) -> float:
        """Onset of the last pulse that is not cancelled (s); ``-inf`` if none remains."""
        n_kept = self.count
        if self.stop < math.inf:
            # + 1e-9: an onset exactly at `stop` is kept (as in `onsets`) despite rounding
            k = math.floor((self.stop - self.start) * self.frequency_hz + 1e-9)
            n_kept = min(self.count, k + 1)
        if n_kept <= 0:
            return -math.inf
        return self.start + (n_kept - 1) / self.frequency_hz

    def onsets(self, lo: float, hi: float) -> np.ndarray:
        """Onsets (s) of the kept pulses in ``[lo, hi]``, shape (n,), float64, sorted."""
        f = self.frequency_hz
        i0 = max(0, math.floor((lo - self.start) * f) - 1)
        i1 = min(self.count, math.ceil((hi - self.start) * f) + 2)
        if i1 <= i0:
            return np.empty(0)
        t = self.start + np.arange(i0, i1, dtype=np.float64) / f
        keep = (t >= lo) & (t <= hi) & (t <= self.stop)
        return t[keep]


class PulseLedger:
    """Trains accepted so far, for sliding-window pulse counts."""

    def __init__(self) -> None:
        self._trains: list[Train] = []

    @property
    def trains(self) -> tuple[Train, ...]:
        """Trains still relevant (not pruned)."""
        return tuple(self._trains)

    def prune(self, now: float) -> None:
        """Forget trains whose last kept pulse is before ``now − 1 s``."""
        self._trains = [t for t in self._trains if t.last >= now - WINDOW_S]

    def add(self, train: Train) -> None:
        """Record an accepted train."""
        self._trains.append(train)

    def remove(self, train: Train) -> None:
        """Forget a train added earlier (the device refused it: it never ran)."""
        self._trains = [t for t in self._trains if t is not train]

    def stop(self, channel: int | None, now: float) -> None:
        """Cancel pulses after ``now`` on ``channel`` (every channel when None)."""
        for t in self._trains:
            if channel is None or t.channel == channel:
                t.stop = min(t.stop, now)

    def max_count(self, new: Train, *, channel: int | None) -> int:
        """Largest number of onsets in any 1 s window that holds a pulse of ``new``.

        Parameters
        ----------
        new : Train
            The candidate train (not yet added).
        channel : int or None
            Count only trains on this channel (``new`` is always counted); None counts all.

        Returns
        -------
        int
            The maximum count over windows ``[t, t + 1 s)`` for ``t`` a pulse onset.
        """
        lo = new.start - WINDOW_S
        others = [
            t for t in self._trains if (channel is None or t.channel == channel) and t.last >= lo
        ]
        # Window starts that can hold a pulse of `new`: (new.start − 1, new.last]. Those up to
        # new.start + 1 s are counted exactly, from the onsets of three seconds.
        upper = min(new.last, new.start + WINDOW_S)
        hi = upper + WINDOW_S
        times = np.sort(np.concatenate([t.onsets(lo, hi) for t in [*others, new]]))
        best = 0
        if times.size:
            first = int(np.searchsorted(times, lo, side="left"))
            last = int(np.searchsorted(times, upper, side="right"))
            starts = times[first:last]
            if starts.size:
                ends = np.searchsorted(times, starts + (WINDOW_S - _EDGE_S), side="right")
                best = int(np.max(ends - np.arange(first, last)))
        # Later windows (new still running after new.start + 1 s): every train still running
        # then adds at most its window cap. With no other train running on, only `new`
        # remains, and its windows repeat those of its first second (counted above).
        if new.last > new.start + WINDOW_S:
            running = [t for t in others if t.last > new.start + WINDOW_S]
            if running:
                best = max(best, new.window_cap() + sum(t.window_cap() for t in running))
        return best
