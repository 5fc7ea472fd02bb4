"""Buffer kernels of the detectors: samples in, normalised values and row flags out.

A detector keeps two float32 buffers of shape ``(capacity, n_channels)``: ``bx``, the filtered
samples, and ``bz``, their normalised form ``z = float32(s(x) * scale / mad)`` with ``s`` the
sign map (neg: -x, pos: x, both: |x|), ``scale = 0.6745 / k`` and the MAD in force before the
sample (:mod:`.noise`), so that ``z > 1`` means beyond the threshold ``k * noise``.

What the scans need of ``bz`` is how each value compares with a candidate peak, whose ``z`` is
above 1. So ``z`` is computed (a float64 division) only where it can exceed 1, i.e. where
``s(x) * scale > mad``; elsewhere ``bz`` holds 0, which compares with every candidate exactly as
the true value (at most 1) would. ``bz`` is NaN where the sample is non-finite or the channel
inactive (MAD 0).

Each row also gets flags (uint8): :data:`FLAG_PEAK` when it holds a ``z > 1`` (the only rows
where a peak, or a value that beats one, can be) and :data:`FLAG_NAN` when it holds a NaN on an
active channel (a non-finite sample, or a gap). A row without flags can neither hold a peak nor
reject one, so the scans skip it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "FLAG_NAN",
    "FLAG_PEAK",
    "fixed_thresholds",
    "ingest_fixed",
    "ingest_raw",
    "ingest_track",
    "normalize_rows",
]

#: Row flag: the row holds a normalised value above 1.
FLAG_PEAK = 1
#: Row flag: the row holds a NaN on an active channel (non-finite sample or gap).
FLAG_NAN = 2


@njit(nogil=True, cache=True, inline="always")
def _signed(v: float, sign: int) -> float:
    if sign < 0:
        return -v
    if sign > 0:
        return v
    return abs(v)


@njit(nogil=True, cache=True, inline="always", error_model="numpy")
def _exact_row(
    x: np.ndarray, t: int, bz: np.ndarray, r: int, sign: int, scale: float, mad: np.ndarray
) -> int:
    """Second pass over one row: the exact ``z`` where ``s(x) * scale > mad``.

    ``mad`` holds the MAD in force before the row. Branch-free (the division is done on every
    channel and kept where needed), so it is vectorised: on a dense probe nearly every row
    needs it. Returns :data:`FLAG_PEAK` if a ``z`` is > 1, else 0.
    """
    found = False
    for ch in range(x.shape[1]):
        v = np.float64(x[t, ch])
        d = mad[ch]
        zp = _signed(v, sign) * scale
        z = np.float32(zp / d)  # inf or NaN where d == 0: not kept
        keep = ((v - v) == 0.0) & (d > 0.0) & (zp > d)
        bz[r, ch] = z if keep else bz[r, ch]
        found |= keep & (z > 1.0)
    return FLAG_PEAK if found else 0


def fixed_thresholds(mad: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel constants of :func:`ingest_fixed` for a MAD that does not move.

    Parameters
    ----------
    mad : numpy.ndarray of float64, shape (n_channels,)
    scale : float
        ``0.6745 / k``.

    Returns
    -------
    thr : numpy.ndarray of float32, shape (n_channels,)
        A float32 bound below ``mad / scale``: ``s(x) * scale > mad`` (float64) implies
        ``s(x) > thr``, so comparing float32 samples with it finds every sample whose ``z`` may
        exceed 1 (and a few more, which the exact pass sorts out). +inf on inactive channels.
    zero : numpy.ndarray of float32, shape (n_channels,)
        What ``bz`` holds below that bound: 0 on active channels, NaN on inactive ones.
    """
    active = mad > 0.0
    with np.errstate(divide="ignore", over="ignore"):
        t64 = np.where(active, mad / scale * (1.0 - 1e-9), np.inf)
        t32 = t64.astype(np.float32)
    # round down: the float32 bound must not exceed the float64 one
    t32 = np.where(t32.astype(np.float64) > t64, np.nextafter(t32, np.float32(-np.inf)), t32)
    zero = np.where(active, np.float32(0.0), np.float32(np.nan)).astype(np.float32)
    return t32.astype(np.float32), zero


@njit(nogil=True, cache=True)
def ingest_raw(x: np.ndarray, bx: np.ndarray, bz: np.ndarray, flags: np.ndarray, pos: int) -> int:
    """Copy a block into the buffer without normalising it (calibration phase, ``bz`` = NaN).

    Parameters
    ----------
    x : numpy.ndarray of float32, shape (n, n_channels)
    bx, bz : numpy.ndarray of float32, shape (capacity, n_channels)
        Rows ``pos:pos + n`` are written.
    flags : numpy.ndarray of uint8, shape (capacity,)
        Rows ``pos:pos + n`` are cleared (:func:`normalize_rows` sets them once calibrated).
    pos : int

    Returns
    -------
    int
        Number of non-finite values in ``x``.
    """
    n, c = x.shape
    n_bad = 0
    for t in range(n):
        for ch in range(c):
            v = x[t, ch]
            bx[pos + t, ch] = v
            bz[pos + t, ch] = np.nan
            n_bad += not ((v - v) == 0.0)
        flags[pos + t] = 0
    return n_bad


@njit(nogil=True, cache=True, error_model="numpy")
def normalize_rows(
    bx: np.ndarray,
    bz: np.ndarray,
    flags: np.ndarray,
    lo: int,
    hi: int,
    sign: int,
    scale: float,
    mad: np.ndarray,
) -> None:
    """Fill ``bz[lo:hi]`` and ``flags[lo:hi]`` from ``bx`` with a fixed MAD (the calibration's)."""
    c = bx.shape[1]
    for t in range(lo, hi):
        flag = 0
        for ch in range(c):
            v = np.float64(bx[t, ch])
            active = mad[ch] > 0.0
            if (v - v) == 0.0 and active:
                bz[t, ch] = 0.0
            else:
                bz[t, ch] = np.nan
                if active:
                    flag = FLAG_NAN
        flags[t] = flag | _exact_row(bx, t, bz, t, sign, scale, mad)


@njit(nogil=True, cache=True, error_model="numpy")
def ingest_fixed(
    x: np.ndarray,
    bx: np.ndarray,
    bz: np.ndarray,
    flags: np.ndarray,
    pos: int,
    sign: int,
    scale: float,
    mad: np.ndarray,
    thr: np.ndarray,
    zero: np.ndarray,
) -> int:
    """:func:`ingest_track` with the noise frozen (``noise_tau_s=None``): the same buffers, faster.

    The first pass over a row is float32 and branch-free (vectorised over channels): copy, the
    0 / NaN of ``bz``, and a comparison with ``thr`` (:func:`fixed_thresholds`) that finds every
    sample whose ``z`` may exceed 1; the exact pass follows only for rows with one.

    Parameters
    ----------
    x, bx, bz, flags, pos, sign, scale, mad
        As in :func:`ingest_track`.
    thr, zero : numpy.ndarray of float32, shape (n_channels,)
        From :func:`fixed_thresholds` for this ``mad`` and ``scale``.
    """
    n, c = x.shape
    n_bad = 0
    for t in range(n):
        r = pos + t
        near = False
        odd = False
        for ch in range(c):  # float32, no branch, no integer count: 8 channels per instruction
            xv = x[t, ch]
            bx[r, ch] = xv
            e = xv - xv  # 0 for a finite sample, NaN otherwise
            bz[r, ch] = zero[ch] + e
            near |= _signed(xv, sign) > thr[ch]
            odd |= e != 0.0
        flag = 0
        if odd:  # a non-finite sample: count them, flag the row if one is on an active channel
            for ch in range(c):
                if not (x[t, ch] - x[t, ch] == 0.0):
                    n_bad += 1
                    if zero[ch] == 0.0:
                        flag = FLAG_NAN
        if near:
            flag |= _exact_row(x, t, bz, r, sign, scale, mad)
        flags[r] = flag
    return n_bad


@njit(nogil=True, cache=True, error_model="numpy")
def ingest_track(
    x: np.ndarray,
    bx: np.ndarray,
    bz: np.ndarray,
    flags: np.ndarray,
    pos: int,
    sign: int,
    scale: float,
    med: np.ndarray,
    mad: np.ndarray,
    eta: float,
    up: float,
    down: float,
    zero: np.ndarray,
    prev: np.ndarray,
) -> int:
    """Copy a block into the buffers, normalise it and update the noise trackers sample by sample.

    Parameters
    ----------
    x : numpy.ndarray of float32, shape (n, n_channels)
        Filtered samples.
    bx, bz : numpy.ndarray of float32, shape (capacity, n_channels)
        Buffers; rows ``pos:pos + n`` receive ``x`` and ``z`` (see the module text).
    flags : numpy.ndarray of uint8, shape (capacity,)
        Row flags (:data:`FLAG_PEAK`, :data:`FLAG_NAN`) of rows ``pos:pos + n``.
    pos : int
    sign : int
        -1 (neg), +1 (pos) or 0 (both).
    scale : float
        ``0.6745 / k``.
    med, mad : numpy.ndarray of float64, shape (n_channels,)
        Tracker state, updated in place (unchanged when ``eta == 0`` and ``up == down == 1``).
    eta, up, down : float
        Tracker steps from :func:`~neurolink.dsp.detect.noise.tracker_rates`.
    zero : numpy.ndarray of float32, shape (n_channels,)
        0 on the channels active at calibration (a NaN there flags the row), NaN on the others
        (:func:`fixed_thresholds`).
    prev : numpy.ndarray of float64, shape (n_channels,)
        Scratch row (the MAD before the current sample).

    Returns
    -------
    int
        Number of non-finite values in ``x`` (they update nothing and give ``z`` = NaN).
    """
    n, c = x.shape
    n_bad = 0
    for t in range(n):
        r = pos + t
        near = False
        nan_active = False
        for ch in range(c):  # vectorised over channels: no branch
            xv = x[t, ch]
            bx[r, ch] = xv
            v = np.float64(xv)
            d = mad[ch]
            prev[ch] = d
            fin = (v - v) == 0.0
            live = fin & (d > 0.0)
            bz[r, ch] = 0.0 if live else np.nan
            near |= live & (_signed(v, sign) * scale > d)
            nan_active |= (not live) & (zero[ch] == 0.0)
            m = med[ch]
            step = eta * d
            m1 = m + step if v > m else (m - step if v < m else m)
            d1 = d * (up if abs(v - m1) > d else down)
            med[ch] = m1 if live else m
            mad[ch] = d1 if live else d
            n_bad += not fin
        flag = FLAG_NAN if nan_active else 0
        if near:
            flag |= _exact_row(x, t, bz, r, sign, scale, prev)
        flags[r] = flag
    return n_bad
