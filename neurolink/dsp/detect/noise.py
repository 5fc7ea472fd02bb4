"""Per-channel noise level by the median absolute deviation, calibrated once and then tracked.

Noise of a channel is ``MAD / 0.6745`` with ``MAD = median(|x - median(x)|)`` of the filtered
signal (for Gaussian noise this is its standard deviation, and spikes barely move it).

1. Calibration: the exact median and MAD of each channel over a window at the start of the stream
   (``calibration_s`` seconds; non-finite samples left out), computed once.
2. Tracking: from then on, a per-sample stochastic-approximation tracker follows slow drifts
   without sorting anything per block. For each finite sample ``x`` of a channel::

       m <- m + eta * d * sign(x - m)                 # median tracker
       d <- d * exp(+alpha) if |x - m| > d else d * exp(-alpha)   # MAD tracker (log steps)

   The fixed points are the median and the MAD. Linearised around them for Gaussian noise, a step
   change of the noise level relaxes exponentially with time constant ``tau``:
   ``alpha = 1 / (0.857 * tau * fs)`` (0.857 = 4 * 0.6745 * phi(0.6745)), and the median relaxes
   with the same ``tau`` for ``eta = 1 / (0.538 * tau * fs)`` (0.538 = 2 * 0.6745 * phi(0)).
   The estimate jitters by about ``sqrt(alpha / 1.7)`` relative (0.15 % for tau = 10 s at
   30 kHz). Large changes relax somewhat more slowly than the linearisation says (the response
   saturates): after the noise doubles, the estimate covers 54 % of the change (in log) after
   one ``tau`` and 80 % after three (measured on Gaussian noise; 63 % and 95 % for small
   changes).

The threshold used at a sample is the one in force before that sample updates the tracker, so
thresholds are a function of the sample index alone, whatever the split into blocks. Samples
inside the calibration window are compared with the calibration threshold.

A channel whose calibration MAD is 0 or undefined (flat or all non-finite) is inactive: it never
detects and never suppresses a neighbour.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "MAD_TO_SIGMA",
    "calibrate_mad",
    "ingest_fixed",
    "ingest_raw",
    "ingest_track",
    "normalize_rows",
    "tracker_rates",
]

#: ``median(|x|)`` of a standard normal variable: ``noise = MAD / MAD_TO_SIGMA``.
MAD_TO_SIGMA = 0.6744897501960817
_MAD_GAIN = 4.0 * MAD_TO_SIGMA * np.exp(-0.5 * MAD_TO_SIGMA**2) / np.sqrt(2.0 * np.pi)
_MED_GAIN = 2.0 * MAD_TO_SIGMA / np.sqrt(2.0 * np.pi)


def tracker_rates(tau_s: float | None, fs: float) -> tuple[float, float, float]:
    """Step sizes of the tracker for a time constant.

    Parameters
    ----------
    tau_s : float or None
        Time constant (s) of the noise tracker; None freezes the calibration.
    fs : float
        Sampling rate (Hz).

    Returns
    -------
    eta : float
        Median step, in units of the current MAD.
    up, down : float
        Factors applied to the MAD when ``|x - m|`` is above / not above it.
    """
    if tau_s is None:
        return 0.0, 1.0, 1.0
    n = tau_s * fs
    alpha = 1.0 / (_MAD_GAIN * n)
    return 1.0 / (_MED_GAIN * n), float(np.exp(alpha)), float(np.exp(-alpha))


def calibrate_mad(cal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and MAD of each channel over a calibration window, ignoring non-finite values.

    Parameters
    ----------
    cal : numpy.ndarray of float32, shape (n_samples, n_channels)

    Returns
    -------
    median, mad : numpy.ndarray of float64, shape (n_channels,)
        The MAD is 0 where a channel has no finite sample (it is then inactive).
    """
    x = cal.astype(np.float64)
    x[~np.isfinite(x)] = np.nan
    empty = np.all(np.isnan(x), axis=0)
    x[:, empty] = 0.0
    med = np.nanmedian(x, axis=0)
    mad = np.nanmedian(np.abs(x - med), axis=0)
    mad[empty] = 0.0
    return med, mad


@njit(nogil=True, cache=True, inline="always")
def _signed(v: float, sign: int) -> float:
    if sign < 0:
        return -v
    if sign > 0:
        return v
    return abs(v)


@njit(nogil=True, cache=True, inline="always")
def _exact_row(
    x: np.ndarray, t: int, bz: np.ndarray, r: int, sign: int, scale: float, mad: np.ndarray
) -> bool:
    """Second pass over one row: the exact ``z`` where ``s(x) * scale > mad``; True if one is > 1.

    ``mad`` holds the MAD in force before the row (the tracker's previous values).
    """
    hit = False
    for ch in range(x.shape[1]):
        v = np.float64(x[t, ch])
        d = mad[ch]
        zp = _signed(v, sign) * scale
        if (v - v) == 0.0 and d > 0.0 and zp > d:
            z = np.float32(zp / d)
            bz[r, ch] = z
            hit |= z > 1.0
    return hit


@njit(nogil=True, cache=True)
def ingest_raw(x: np.ndarray, bx: np.ndarray, bz: np.ndarray, hit: np.ndarray, pos: int) -> int:
    """Copy a block into the buffer without normalising it (calibration phase, ``bz`` = NaN).

    Parameters
    ----------
    x : numpy.ndarray of float32, shape (n, n_channels)
    bx, bz : numpy.ndarray of float32, shape (capacity, n_channels)
        Filtered-signal and normalised-signal buffers; rows ``pos:pos + n`` are written.
    hit : numpy.ndarray of bool, shape (capacity,)
        Row flags (see :func:`ingest_track`); rows ``pos:pos + n`` are cleared.
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
        hit[pos + t] = False
    return n_bad


@njit(nogil=True, cache=True, error_model="numpy")
def normalize_rows(
    bx: np.ndarray,
    bz: np.ndarray,
    hit: np.ndarray,
    lo: int,
    hi: int,
    sign: int,
    scale: float,
    mad: np.ndarray,
) -> None:
    """Fill ``bz[lo:hi]`` and ``hit[lo:hi]`` from ``bx`` with a fixed MAD (the calibration's).

    ``bz`` and ``hit`` are as :func:`ingest_track` writes them.
    """
    c = bx.shape[1]
    for t in range(lo, hi):
        for ch in range(c):
            v = np.float64(bx[t, ch])
            live = (v - v) == 0.0 and mad[ch] > 0.0
            bz[t, ch] = 0.0 if live else np.nan
        hit[t] = _exact_row(bx, t, bz, t, sign, scale, mad)


@njit(nogil=True, cache=True, error_model="numpy")
def ingest_fixed(
    x: np.ndarray,
    bx: np.ndarray,
    bz: np.ndarray,
    hit: np.ndarray,
    pos: int,
    sign: int,
    scale: float,
    mad: np.ndarray,
) -> int:
    """:func:`ingest_track` with the tracker frozen (``noise_tau_s=None``): the MAD never moves.

    The same output as :func:`ingest_track` with ``eta = 0`` and ``up = down = 1``, faster.
    """
    n, c = x.shape
    n_bad = 0
    for t in range(n):
        r = pos + t
        near = False
        for ch in range(c):  # vectorised over channels: no branch
            xv = x[t, ch]
            bx[r, ch] = xv
            v = np.float64(xv)
            d = mad[ch]
            fin = (v - v) == 0.0
            live = fin & (d > 0.0)
            bz[r, ch] = 0.0 if live else np.nan
            near |= live & (_signed(v, sign) * scale > d)
            n_bad += not fin
        hit[r] = near and _exact_row(x, t, bz, r, sign, scale, mad)
    return n_bad


@njit(nogil=True, cache=True, error_model="numpy")
def ingest_track(
    x: np.ndarray,
    bx: np.ndarray,
    bz: np.ndarray,
    hit: np.ndarray,
    pos: int,
    sign: int,
    scale: float,
    med: np.ndarray,
    mad: np.ndarray,
    eta: float,
    up: float,
    down: float,
    prev: np.ndarray,
) -> int:
    """Copy a block into the buffers, normalise it and update the noise trackers sample by sample.

    Parameters
    ----------
    x : numpy.ndarray of float32, shape (n, n_channels)
        Filtered samples.
    bx, bz : numpy.ndarray of float32, shape (capacity, n_channels)
        Buffers; rows ``pos:pos + n`` receive ``x`` and its normalised form
        ``z = float32(s(x) * scale / mad)`` (``s`` the sign map: neg -x, pos x, both |x|), with
        the MAD in force before the sample, so ``z > 1`` means beyond the threshold
        ``k * noise``. ``z`` is stored only where it can exceed 1 (``s(x) * scale > mad``); below
        that ``bz`` holds 0, which compares with a candidate peak (``z > 1``) exactly as the
        true value would (it is smaller), and saves a division per sample. NaN where the sample
        is non-finite or the channel inactive.
    hit : numpy.ndarray of bool, shape (capacity,)
        ``hit[pos + t]`` is True when row ``t`` holds a ``z > 1`` (the only rows a scan visits).
    pos : int
    sign : int
        -1 (neg), +1 (pos) or 0 (both).
    scale : float
        ``0.6745 / k``.
    med, mad : numpy.ndarray of float64, shape (n_channels,)
        Tracker state, updated in place (unchanged when ``eta == 0`` and ``up == down == 1``).
    eta, up, down : float
        Tracker steps from :func:`tracker_rates`.
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
            m = med[ch]
            step = eta * d
            m1 = m + step if v > m else (m - step if v < m else m)
            d1 = d * (up if abs(v - m1) > d else down)
            med[ch] = m1 if live else m
            mad[ch] = d1 if live else d
            n_bad += not fin
        hit[r] = near and _exact_row(x, t, bz, r, sign, scale, prev)
    return n_bad
