"""Spike-train distances: van Rossum (2001) and Victor–Purpura (1996).

Both take two spike trains as 1-D arrays of times in ms and run in numba kernels.

- van Rossum: each train is filtered with a causal exponential ``e^{−t/τ}`` (height 1) and
  ``D² = (1/τ) ∫ (f − g)² dt``. With this normalisation, two trains that differ by one
  isolated spike are ``D = √(1/2)`` apart; ``D²`` is computed in closed form,
  ``D² = ½ [Σ e^{−|a_i−a_j|/τ} + Σ e^{−|b_i−b_j|/τ} − 2 Σ e^{−|a_i−b_j|/τ}]``, in ``O(n + m)``.
- Victor–Purpura ``D^spike[q]``: the cheapest way to turn one train into the other by deleting
  or inserting spikes (cost 1 each) and shifting spikes (cost ``q |Δt|``, ``q`` in 1/ms).
  ``q = 0`` gives the difference in spike counts; large ``q`` the number of non-coincident
  spikes. Dynamic programming, ``O(n m)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import ModelError, check_nonnegative, check_positive

__all__ = ["van_rossum_distance", "victor_purpura_distance"]


def _train(name: str, value: ArrayLike) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 1:
        raise ModelError(f"{name} must be a 1-D array of spike times, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"{name} contains NaN or infinite spike times")
    return np.sort(arr)


@njit(cache=True, nogil=True)
def _exp_sum(a, b, tau):  # pragma: no cover - njit
    """``Σ_i Σ_j e^{−|a_i − b_j|/τ}`` for sorted ``a`` and ``b``, in ``O(n + m)``."""
    total = 0.0
    # b_j <= a_i: running sum of e^{−(a_i − b_j)/τ}, decayed from one a_i to the next.
    acc = 0.0
    j = 0
    t_prev = 0.0
    for i in range(a.size):
        if i > 0:
            acc *= np.exp(-(a[i] - t_prev) / tau)
        while j < b.size and b[j] <= a[i]:
            acc += np.exp(-(a[i] - b[j]) / tau)
            j += 1
        total += acc
        t_prev = a[i]
    # b_j > a_i: the same, running backwards.
    acc = 0.0
    j = b.size - 1
    for i in range(a.size - 1, -1, -1):
        if i < a.size - 1:
            acc *= np.exp(-(t_prev - a[i]) / tau)
        while j >= 0 and b[j] > a[i]:
            acc += np.exp(-(b[j] - a[i]) / tau)
            j -= 1
        total += acc
        t_prev = a[i]
    return total


def van_rossum_distance(a: ArrayLike, b: ArrayLike, tau: float) -> float:
    """van Rossum distance between two spike trains (dimensionless).

    Parameters
    ----------
    a, b : array_like, shape (n,) and (m,)
        Spike times (ms).
    tau : float
        Time constant of the exponential filter (ms), > 0.

    Returns
    -------
    float
        ``D = √((1/τ) ∫ (f − g)² dt)``; 0 for identical trains, ``√(n/2)`` between ``n``
        isolated spikes and an empty train.
    """
    check_positive("van_rossum_distance", "tau", tau, "ms")
    ta, tb = _train("a", a), _train("b", b)
    d2 = 0.5 * (_exp_sum(ta, ta, tau) + _exp_sum(tb, tb, tau) - 2.0 * _exp_sum(ta, tb, tau))
    return float(np.sqrt(max(d2, 0.0)))


@njit(cache=True, nogil=True)
def _vp(a, b, q):  # pragma: no cover - njit
    n, m = a.size, b.size
    prev = np.arange(m + 1).astype(np.float64)
    cur = np.empty(m + 1)
    for i in range(1, n + 1):
        cur[0] = i
        for j in range(1, m + 1):
            cur[j] = min(
                prev[j] + 1.0, cur[j - 1] + 1.0, prev[j - 1] + q * abs(a[i - 1] - b[j - 1])
            )
        prev, cur = cur, prev
    return prev[m]


def victor_purpura_distance(a: ArrayLike, b: ArrayLike, q: float) -> float:
    """Victor–Purpura spike-time distance.

    Parameters
    ----------
    a, b : array_like, shape (n,) and (m,)
        Spike times (ms).
    q : float
        Cost per ms of shifting a spike (1/ms), >= 0. Shifting by more than ``2/q`` costs more
        than deleting and re-inserting.

    Returns
    -------
    float
        The minimal total cost (dimensionless).
    """
    check_nonnegative("victor_purpura_distance", "q", q, "1/ms")
    return float(_vp(_train("a", a), _train("b", b), float(q)))
