"""Peak scan kernels of the detectors, and the fused kernel of a calibrated block.

The rules (the methods' modules state them in full): a sample ``t`` of channel ``c`` with
normalised value ``v = bz[t, c] > 1`` is a *channel peak* when it is larger than every other
sample of its channel within ``[t - back, t + dead]`` (ties: the earliest wins; a non-finite
sample in the window rejects it), :func:`is_channel_peak`; it is kept when no neighbour ``c'``
(a list per channel, empty for ``by_channel``) holds ``bz[s, c'] > v`` within ``|s - t| <= dead``,
or an equal value earlier (same sample: lower channel), :func:`beaten`.

Each test is a conjunction or disjunction of comparisons, so the order of the reads does not
change the answer; they are ordered so that most candidates are settled after a few: the two
adjacent samples first (most samples over threshold lie on a flank of a spike), then the
neighbours outwards from ``t`` (on all but the best channel of a spike a larger neighbour is
within a sample or two), the own-channel window last. Rows without flags (:mod:`.ingest`) hold
neither a value above 1 nor a NaN on an active channel, so they can neither hold nor reject a
peak and are not read.

:func:`ingest_scan` compiles the kernels of :mod:`.ingest` into itself, and numba's on-disk cache
only notices edits to the file of the cached function: after editing ``ingest.py``, touch this
file (or delete ``__pycache__``) so that the fused kernel is recompiled.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from neurolink.dsp.detect.ingest import FLAG_PEAK, ingest_fixed, ingest_track

__all__ = [
    "beaten",
    "ingest_scan",
    "is_channel_peak",
    "is_local_peak",
    "local_peaks",
    "scan_peaks",
]


@njit(nogil=True, cache=True, inline="always")
def is_local_peak(bz: np.ndarray, t: int, ch: int, v: float, back: int, dead: int) -> bool:
    """The first test of :func:`is_channel_peak`, on the two adjacent samples only."""
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
    """True when ``bz[t, ch] = v`` (> 1) beats its own channel within ``[t - back, t + dead]``."""
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


@njit(nogil=True, cache=True, inline="always")
def _span_reaches(bz: np.ndarray, s: int, a: int, b: int, v: float) -> bool:
    """Any ``bz[s, a:b] >= v``: a branch-free (vectorised) screen of a row's neighbour span."""
    found = False
    for j in range(a, b):
        found |= bz[s, j] >= v
    return found


@njit(nogil=True, cache=True, inline="always")
def beaten(
    bz: np.ndarray, flags: np.ndarray, t: int, ch: int, v: float, dead: int, nbrs: np.ndarray
) -> bool:
    """True when a neighbour in ``nbrs`` beats ``bz[t, ch] = v`` (> 1) within ``±dead``.

    ``nbrs`` is ascending: a row whose whole span ``nbrs[0]..nbrs[-1]`` holds nothing
    ``>= v`` is passed over after one vectorised screen; the others are read neighbour by
    neighbour.
    """
    a, b = nbrs[0], nbrs[-1] + 1
    for nb in nbrs:
        w = bz[t, nb]
        if w > v or (w == v and nb < ch):
            return True
    for k in range(1, dead + 1):
        s = t - k
        if flags[s] & FLAG_PEAK and _span_reaches(bz, s, a, b, v):
            for nb in nbrs:
                if bz[s, nb] >= v:
                    return True
        s = t + k
        if flags[s] & FLAG_PEAK and _span_reaches(bz, s, a, b, v):
            for nb in nbrs:
                if bz[s, nb] > v:
                    return True
    return False


@njit(nogil=True, cache=True, inline="always")
def local_peaks(bz: np.ndarray, t: int, back: int, dead: int, local: np.ndarray) -> bool:
    """:func:`is_local_peak` of every channel of row ``t`` with ``bz > 1``, into ``local``.

    Without a branch per channel in the usual case (``back, dead > 0``): ``w <= v`` and
    ``w < v`` are false for a NaN ``w``, as the tests of :func:`is_local_peak` require. Returns
    True if a channel is set.
    """
    c = bz.shape[1]
    found = False
    if back > 0 and dead > 0:
        for ch in range(c):
            v = bz[t, ch]
            ok = (v > 1.0) & (bz[t + 1, ch] <= v) & (bz[t - 1, ch] < v)
            local[ch] = ok
            found |= ok
    else:
        for ch in range(c):
            v = bz[t, ch]
            ok = v > 1.0 and is_local_peak(bz, t, ch, v, back, dead)
            local[ch] = ok
            found |= ok
    return found


@njit(nogil=True, cache=True)
def scan_peaks(
    bx: np.ndarray,
    bz: np.ndarray,
    flags: np.ndarray,
    lo: int,
    hi: int,
    back: int,
    dead: int,
    base: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    out: np.ndarray,
    local: np.ndarray,
) -> int:
    """Find the peaks of buffer rows ``lo:hi``.

    Parameters
    ----------
    bx : numpy.ndarray of float32, shape (n_rows, n_channels)
        Filtered samples (for the amplitude).
    bz : numpy.ndarray of float32, shape (n_rows, n_channels)
        Normalised samples (:mod:`.ingest`); rows ``lo - back`` to ``hi + dead`` must be valid.
    flags : numpy.ndarray of uint8, shape (n_rows,)
        Row flags (:mod:`.ingest`).
    lo, hi : int
        Rows to decide.
    back : int
        Look-back (samples), ``>= dead``.
    dead : int
        Dead time (samples).
    base : int
        Running sample index of row 0.
    indptr, indices : numpy.ndarray of int64
        Neighbours of channel ``c``: ``indices[indptr[c]:indptr[c + 1]]`` (none: by channel).
    out : numpy.ndarray of SPIKE_DTYPE
        Receives the spikes in (sample, channel) order; large enough for
        ``((hi - lo) // (dead + 1) + 1) * n_channels``.
    local : numpy.ndarray of bool, shape (n_channels,)
        Scratch row (:func:`local_peaks`).

    Returns
    -------
    int
        Number of spikes written.
    """
    c = bz.shape[1]
    n = 0
    for t in range(lo, hi):
        if not (flags[t] & FLAG_PEAK and local_peaks(bz, t, back, dead, local)):
            continue
        for ch in range(c):
            if not local[ch]:
                continue
            v = bz[t, ch]
            j0, j1 = indptr[ch], indptr[ch + 1]
            if j1 > j0 and beaten(bz, flags, t, ch, v, dead, indices[j0:j1]):
                continue
            if is_channel_peak(bz, flags, t, ch, v, back, dead):
                out[n]["sample_index"] = base + t
                out[n]["channel"] = ch
                out[n]["amplitude"] = bx[t, ch]
                out[n]["unit"] = -1
                n += 1
    return n


@njit(nogil=True, cache=True)
def ingest_scan(
    x: np.ndarray,
    pos: int,
    lo: int,
    hi: int,
    base: int,
    bx: np.ndarray,
    bz: np.ndarray,
    flags: np.ndarray,
    sign: int,
    frozen: bool,
    fparams: np.ndarray,
    med: np.ndarray,
    mad: np.ndarray,
    prev: np.ndarray,
    thr: np.ndarray,
    zero: np.ndarray,
    back: int,
    dead: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    out: np.ndarray,
    local: np.ndarray,
) -> tuple[int, int]:
    """One calibrated block in one call: ingest it at row ``pos``, then decide rows ``lo:hi``.

    The arguments that change from block to block come first; a detector passes the others as
    one tuple built once.

    Parameters
    ----------
    x, pos, bx, bz, flags, sign
        As in :func:`~neurolink.dsp.detect.ingest.ingest_track`.
    frozen : bool
        The noise does not move (:func:`~neurolink.dsp.detect.ingest.ingest_fixed`).
    fparams : numpy.ndarray of float64, shape (4,)
        ``scale, eta, up, down``.
    med, mad, prev, zero
        As in :func:`~neurolink.dsp.detect.ingest.ingest_track`.
    thr : numpy.ndarray of float32, shape (n_channels,)
        As in :func:`~neurolink.dsp.detect.ingest.ingest_fixed`.
    lo, hi, back, dead, base, indptr, indices, out, local
        As in :func:`scan_peaks` (nothing is decided when ``hi <= lo``).

    Returns
    -------
    n_bad : int
        Non-finite values in ``x``.
    n_spikes : int
        Spikes written to ``out``.
    """
    if frozen:
        n_bad = ingest_fixed(x, bx, bz, flags, pos, sign, fparams[0], mad, thr, zero)
    else:
        n_bad = ingest_track(
            x, bx, bz, flags, pos, sign, fparams[0], med, mad, fparams[1], fparams[2],
            fparams[3], zero, prev,
        )  # fmt: skip
    if hi <= lo:
        return n_bad, 0
    return n_bad, scan_peaks(bx, bz, flags, lo, hi, back, dead, base, indptr, indices, out, local)
