"""Running sums for ``partial_fit``: shifted moments, their centring, and the range of each unit.

The linear decoders keep ``Σ u``, ``Σ u vᵀ`` of their data shifted by a fixed reference (the
mean of the first chunk, as :class:`~neurolink.decode.eeg.lda.ShrinkageLDA` does), so that centring
at solve time, ``Σ (u − ū)(v − v̄)ᵀ = Σ u vᵀ − (Σ u) v̄ᵀ − ū (Σ v)ᵀ + n ū v̄ᵀ``, does not cancel
large numbers. A unit is dropped when it has been constant in every chunk seen so far; the
running minimum and maximum decide it, so chunking cannot change which units are kept.
"""

from __future__ import annotations

import numpy as np

from neurolink.decode.checks import warn_dropped

__all__ = ["centred", "first_mean", "split_units", "update_range"]


def first_mean(A: np.ndarray) -> np.ndarray:
    """Column means of the first chunk (the shift of all later sums), zeros for no rows."""
    return A.mean(axis=0) if A.shape[0] else np.zeros(A.shape[1])


def centred(
    S: np.ndarray, su: np.ndarray, sv: np.ndarray, n: float, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """``Σ (u − a)(v − b)ᵀ`` over ``n`` rows from ``S = Σ u vᵀ``, ``su = Σ u``, ``sv = Σ v``.

    Parameters
    ----------
    S : numpy.ndarray of float64, shape (p, q)
    su, a : numpy.ndarray of float64, shape (p,)
    sv, b : numpy.ndarray of float64, shape (q,)
    n : float
        Number of rows summed.

    Returns
    -------
    numpy.ndarray of float64, shape (p, q)
    """
    return S - np.outer(su, b) - np.outer(a, sv) + n * np.outer(a, b)


def update_range(lo: np.ndarray, hi: np.ndarray, X: np.ndarray) -> None:
    """Widen the running per-column minimum ``lo`` and maximum ``hi`` (in place) by ``X``."""
    if X.shape[0]:
        np.minimum(lo, X.min(axis=0), out=lo)
        np.maximum(hi, X.max(axis=0), out=hi)


def split_units(
    lo: np.ndarray,
    hi: np.ndarray,
    previous: np.ndarray | None,
    who: str,
    channels: tuple[str, ...] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Kept and dropped units (int64) by their running range; warn when the dropped set is new.

    Called from a decoder's ``_solve``, under ``_update``, under ``fit`` or ``partial_fit``: the
    warning points at the line that called those.

    Parameters
    ----------
    lo, hi : numpy.ndarray of float64, shape (n_units,)
        Least and greatest value of each unit in all data seen.
    previous : numpy.ndarray of int64, optional
        Units dropped at the previous solve (None at the first, or after ``fit``).
    who : str
        Decoder name, for the warning.
    channels : tuple of str, optional
        Unit labels, for the warning.

    Returns
    -------
    units, dropped : numpy.ndarray of int64
    """
    dropped = np.flatnonzero(~(hi > lo)).astype(np.int64)
    if previous is None or not np.array_equal(previous, dropped):
        warn_dropped(who, dropped, channels, stacklevel=6)
    return np.setdiff1d(np.arange(lo.size), dropped), dropped
