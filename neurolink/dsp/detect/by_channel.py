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
from neurolink.dsp.detect.ingest import FLAG_PEAK

__all__ = ["ByChannelDetector", "is_channel_peak", "is_local_peak", "scan_by_channel"]


@njit(nogil=True, cache=True, inline="always")
def is_local_peak(bz: np.ndarray, t: int, ch: int, v: float, back: int, dead: int) -> bool:
    """The first test of :func:`is_channel_peak`, on the two adjacent samples only.

    Most samples over threshold lie on a flank of a spike and fail here, after two reads.
    """
    if dead > 0:
        w = bz[t + 1, ch]
        if w > v or w != w:
            return False
    if back > 0:
        w = bz[t - 1, ch]
        if w >= v or w != w:
            return False
    return True


@njit(nogil=True, cache=True, inline="always")
def is_channel_peak(
    bz: np.ndarray, flags: np.ndarray, t: int, ch: int, v: float, back: int, dead: int
) -> bool:
    """True when ``bz[t, ch] = v`` (> 1) beats its own channel within ``[t - back, t + dead]``.

    Ties: the earliest wins. A non-finite value in the window (``w != w``) rejects the candidate.
    Only rows with flags are read (:mod:`.ingest`): a row without holds no value above 1 and no
    NaN on an active channel, so it cannot reject. The adjacent samples are read first
    (:func:`is_local_peak`); the answer does not depend on the order of the reads.
    """
    if not is_local_peak(bz, t, ch, v, back, dead):
        return False
    for s in range(t - back, t):
        if flags[s]:
            w = bz[s, ch]
            if w >= v or w != w:
                return False
    for s in range(t + 1, t + dead + 1):
        if flags[s]:
            w = bz[s, ch]
            if w > v or w != w:
                return False
    return True


@njit(nogil=True, cache=True)
def scan_by_channel(
    bx: np.ndarray,
    bz: np.ndarray,
    flags: np.ndarray,
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
    flags : numpy.ndarray of uint8, shape (n_rows,)
        Row flags (:mod:`.ingest`): rows without :data:`~.ingest.FLAG_PEAK` hold no value
        above 1 and are skipped.
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
        if not flags[t] & FLAG_PEAK:
            continue
        for ch in range(c):
            v = bz[t, ch]
            if v > 1.0 and is_channel_peak(bz, flags, t, ch, v, back, dead):
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
            self._bx, self._bz, self._flags, lo, hi, self.back, self.dead, self._base, self._scratch
        )
