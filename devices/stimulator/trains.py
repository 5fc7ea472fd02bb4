"""Pulse trains scheduled in device time, and the pulse-rate cap.

Pulse ``i`` of a train started at ``t0`` (the device time its STIM was accepted) has its onset at
``t0 + floor(i × 10⁸ / f)`` µs, ``f`` in hundredths of Hz: no drift however long the train.

Pulse-rate cap (``max_pulse_rate_hz``, all channels together): a STIM is refused when, counting
the pulses delivered in the last second and the pulses of every train that would then be
scheduled (the new one included, the train it replaces excluded), some 1 s window
``[s, s + 1 s)`` starting within one second either side of now holds more than the cap, or when
the trains still running two seconds from now have frequencies that add up to more than the cap
(their long-run rate).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from neurolink.hal import wire

__all__ = ["WINDOW_US", "Train", "rate_exceeded"]

WINDOW_US = 1_000_000
"""Length of the pulse-rate window, µs."""
_P = 100_000_000  # µs per period at 0.01 Hz: onset(i) = start + i * _P // f_x100


@dataclass
class Train:
    """A train of identical biphasic pulses on one channel.

    Attributes
    ----------
    stim : Stim
        The accepted command.
    start_us : int
        Device time of the first onset (when the STIM was accepted), µs.
    next_index : int
        Index of the next pulse to deliver.
    """

    stim: wire.Stim
    start_us: int
    next_index: int = 0

    @property
    def channel(self) -> int:
        return self.stim.channel

    @property
    def remaining(self) -> int:
        """Pulses not delivered yet."""
        return self.stim.pulse_count - self.next_index

    def onset_us(self, i: int) -> int:
        """Device time of pulse ``i``'s onset, µs."""
        return self.start_us + i * _P // self.stim.frequency_hz_x100

    def next_onset_us(self) -> int | None:
        """Onset of the next pulse, or None when the train is over."""
        return self.onset_us(self.next_index) if self.remaining > 0 else None

    def _end_index(self, end_us: int) -> int:
        """One past the last pulse with an onset before ``end_us``.

        ``start + floor(i P / f) < end`` ⟺ ``i P < (end − start) f`` ⟺
        ``i < ceil((end − start) f / P)``.
        """
        d = end_us - self.start_us
        n = -(-d * self.stim.frequency_hz_x100 // _P) if d > 0 else 0
        return min(self.stim.pulse_count, n)

    def runs_past(self, t_us: int) -> bool:
        """True if some of its pulses start at or after ``t_us``."""
        return self._end_index(t_us) < self.stim.pulse_count

    def count_before(self, end_us: int) -> int:
        """Pulses still to come with an onset before ``end_us``."""
        return max(0, self._end_index(end_us) - self.next_index)

    def onsets_before(self, end_us: int) -> np.ndarray:
        """Onsets (int64, µs) of the pulses still to come that start before ``end_us``."""
        i = np.arange(self.next_index, max(self.next_index, self._end_index(end_us)))
        return self.start_us + i * _P // self.stim.frequency_hz_x100

    def take(self) -> tuple[int, wire.Stim]:
        """Deliver the next pulse: ``(onset µs, its command)`` (onset = its scheduled time)."""
        onset = self.onset_us(self.next_index)
        self.next_index += 1
        return onset, self.stim


def rate_exceeded(
    delivered_us: Sequence[int], trains: Iterable[Train], now_us: int, cap_hz: int
) -> bool:
    """True if scheduling ``trains`` now would break the pulse-rate cap (module docstring).

    Parameters
    ----------
    delivered_us : sequence of int
        Onsets of the pulses delivered so far, sorted (a list or an ``array('q')``).
    trains : iterable of Train
        Every train that would be running (the candidate included).
    now_us : int
        Device time, µs.
    cap_hz : int
        Most pulses in any 1 s window.
    """
    trains = list(trains)
    horizon = now_us + 2 * WINDOW_US
    lo = now_us - WINDOW_US + 1
    first = bisect_left(delivered_us, lo)
    long_run = sum(t.stim.frequency_hz_x100 for t in trains if t.runs_past(horizon))
    if long_run > cap_hz * 100:
        return True
    if len(delivered_us) - first + sum(t.count_before(horizon) for t in trains) <= cap_hz:
        return False  # fewer pulses in all than the cap allows in one window
    recent = np.asarray(delivered_us[first:], dtype=np.int64)
    onsets = np.sort(np.concatenate([recent, *(t.onsets_before(horizon) for t in trains)]))
    starts = onsets[onsets < now_us + WINDOW_US]
    counts = np.searchsorted(onsets, starts + WINDOW_US) - np.searchsorted(onsets, starts)
    return int(counts.max(initial=0)) > cap_hz
