"""Detection channel by channel: a peak is the largest excursion of its channel in a window.

A sample ``t`` of channel ``c`` is a peak when its normalised value ``z = s(x) / (k * noise)``
is above 1 (beyond the threshold) and larger than every other sample of the channel within
``[t - back, t + dead]`` (dead time ``dead``, look-back ``back = max(dead, refractory)``, see
:mod:`.base`). Ties go to the earliest sample: an equal value before ``t`` suppresses it, an equal
value after does not. The rule reads the signal only, so it does not depend on the block split;
two peaks of one channel are always more than ``dead`` samples apart, and a peak less than
``back`` samples after another is the larger of the two. A window that touches a non-finite
sample gives no peak.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from neurolink.dsp.detect.base import PeakDetector

__all__ = ["ByChannelDetector", "is_channel_peak", "scan_by_channel"]


@njit(nogil=True, cache=True, inline="always")
def is_channel_peak(bz: np.ndarray, t: int, ch: int, v: float, back: int, dead: int) -> bool:
    """True when ``bz[t, ch] = v`` beats its own channel within ``[t - back, t + dead]``.

    Ties: the earliest wins. A non-finite value in the window (``w != w``) rejects the candidate.
    The two adjacent samples are read first: most samples over threshold lie on a flank of a
    spike and fail there (the answer does not depend on the order of the reads).
    """
    if dead > 0:
        w = bz[t + 1, ch]
        if w > v or w != w:
            return False
    if back > 0:
        w = bz[t - 1, ch]
        if w >= v or w != w:
            return False
    for s in range(t - back, t):
        w = bz[s, ch]
        if w >= v or w != w:
            return False
    for s in range(t + 1, t + dead + 1):
        w = bz[s, ch]
        if w > v or w != w:
            return False
    return True


@njit(nogil=True, cache=True)
def scan_by_channel(
    bx: np.ndarray,
    bz: np.ndarray,
    hit: np.ndarray,
    lo: int,
    hi: int,
    back: int,
    dead: int,
    base: int,
    out: np.ndarray,
) -> int:
    """Find the peaks of buffer rows ``lo:hi``, channel by channel.

    Parameters
    ----------
    bx : numpy.ndarray of float32, shape (n_rows, n_channels)
        Filtered samples (for the amplitude).
    bz : numpy.ndarray of float32, shape (n_rows, n_channels)
        Normalised samples; rows ``lo - back`` to ``hi + dead`` must be valid.
    hit : numpy.ndarray of bool, shape (n_rows,)
        Rows holding a value ``> 1`` (the others cannot hold a peak and are skipped).
    lo, hi : int
        Rows to decide.
    back : int
        Look-back (samples), ``>= dead``.
    dead : int
        Dead time (samples).
    base : int
        Running sample index of row 0.
    out : numpy.ndarray of SPIKE_DTYPE
        Receives the spikes in (sample, channel) order; large enough for
        ``((hi - lo) // (dead + 1) + 1) * n_channels``.

    Returns
    -------
    int
        Number of spikes written.
    """
    c = bz.shape[1]
    n = 0
    for t in range(lo, hi):
        if not hit[t]:
            continue
        for ch in range(c):
            v = bz[t, ch]
            if v > 1.0 and is_channel_peak(bz, t, ch, v, back, dead):
                out[n]["sample_index"] = base + t
                out[n]["channel"] = ch
                out[n]["amplitude"] = bx[t, ch]
                out[n]["unit"] = -1
                n += 1
    return n


class ByChannelDetector(PeakDetector):
    """Threshold-and-peak detection on each channel independently (SpikeInterface ``by_channel``).

    One spike of a multichannel probe shows on every channel it reaches; use
    :class:`~neurolink.dsp.detect.locally_exclusive.LocallyExclusiveDetector` to keep one
    detection per spike. Parameters, attributes and the streaming contract are those of
    :class:`~neurolink.dsp.detect.base.PeakDetector`.
    """

    method = "by_channel"

    def _scan(self, lo: int, hi: int) -> int:
        return scan_by_channel(
            self._bx, self._bz, self._hit, lo, hi, self.back, self.dead, self._base, self._scratch
        )
