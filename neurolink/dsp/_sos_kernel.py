"""Numba kernel of the streaming second-order-sections filter (direct form II transposed).

The arithmetic is that of :func:`scipy.signal.sosfilt` (same operation order, float64 state), so a
signal filtered block by block with the carried state ``zi`` matches the one-shot result, and is
bit-identical whatever the split into blocks.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["sosfilt_block"]


@njit(nogil=True, cache=True)
def _all_finite(x: np.ndarray) -> bool:
    n, c = x.shape
    bad = False
    for t in range(n):
        for ch in range(c):
            v = x[t, ch]
            # v - v is NaN for NaN and ±Inf; a boolean OR vectorises (a float sum would not: its
            # order is fixed, so it runs one add at a time)
            bad |= not (v - v == 0.0)
    return not bad


@njit(nogil=True, cache=True)
def sosfilt_block(
    sos: np.ndarray, zi: np.ndarray, x: np.ndarray, out: np.ndarray, work: np.ndarray
) -> int:
    """Filter one block in place of ``out``, carrying the state ``zi``.

    Parameters
    ----------
    sos : numpy.ndarray of float64, shape (n_sections, 6)
        Second-order sections ``[b0, b1, b2, a0, a1, a2]`` with ``a0 == 1``.
    zi : numpy.ndarray of float64, shape (n_sections, 2, n_channels)
        Filter state, updated in place.
    x : numpy.ndarray of float32 or float64, shape (n_samples, n_channels)
        Input block.
    out : numpy.ndarray of the type of ``x``, shape (n_samples, n_channels)
        Output block (may be ``x`` itself).
    work : numpy.ndarray of float64, shape (n_channels,)
        Scratch row.

    Returns
    -------
    int
        Number of non-finite input values. Such a sample gives NaN at the output and leaves that
        channel's state untouched (the filter holds across it instead of being poisoned forever).
    """
    n, c = x.shape
    ns = sos.shape[0]
    clean = _all_finite(x)
    n_bad = 0
    for t in range(n):
        for ch in range(c):
            work[ch] = x[t, ch]
        for s in range(ns):
            b0 = sos[s, 0]
            b1 = sos[s, 1]
            b2 = sos[s, 2]
            a1 = sos[s, 4]
            a2 = sos[s, 5]
            if clean:
                for ch in range(c):
                    xc = work[ch]
                    y = b0 * xc + zi[s, 0, ch]
                    zi[s, 0, ch] = b1 * xc - a1 * y + zi[s, 1, ch]
                    zi[s, 1, ch] = b2 * xc - a2 * y
                    work[ch] = y
            else:
                for ch in range(c):
                    xc = work[ch]
                    if np.isfinite(xc):
                        y = b0 * xc + zi[s, 0, ch]
                        zi[s, 0, ch] = b1 * xc - a1 * y + zi[s, 1, ch]
                        zi[s, 1, ch] = b2 * xc - a2 * y
                        work[ch] = y
                    else:
                        work[ch] = np.nan
        for ch in range(c):
            out[t, ch] = work[ch]
            if not clean and not np.isfinite(x[t, ch]):
                n_bad += 1
    return n_bad
