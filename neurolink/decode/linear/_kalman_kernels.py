"""Numba kernels of the Kalman decoder: one bin and a run of bins, full or steady-state gain.

Information form, so that only ``n_state × n_state`` systems are solved per bin (the number of
units never enters a matrix inverse)::

    x⁻ = A x̂,          P⁻ = A P Aᵀ + W
    P  = (I + P⁻ S)⁻¹ P⁻,   S = Hᵀ Q⁻¹ H          (= (P⁻⁻¹ + S)⁻¹, without inverting P⁻)
    x̂  = x⁻ + P (b − S x⁻),  b = Hᵀ Q⁻¹ (z − c)

Steady state: ``x̂ = M x̂ + G z − g`` with ``M = (I − K H) A``, ``G = K`` and ``g = K c``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["run_full", "run_steady", "step_full", "step_steady"]


@njit(nogil=True, cache=True)
def _bad(z: np.ndarray) -> bool:
    for u in range(z.size):
        if not np.isfinite(z[u]):
            return True
    return False


@njit(nogil=True, cache=True)
def step_full(
    z: np.ndarray,
    A: np.ndarray,
    W: np.ndarray,
    HtQi: np.ndarray,
    S: np.ndarray,
    b_off: np.ndarray,
    x: np.ndarray,
    P: np.ndarray,
) -> bool:
    """One bin with the full (time-varying) gain; ``x`` (n_state,) and ``P`` updated in place.

    Parameters
    ----------
    z : float64 (n_units,)
        Counts of the bin (all input columns; dropped ones have zero columns in ``HtQi``).
    A, W : float64 (n_state, n_state)
        State transition and its noise covariance.
    HtQi : float64 (n_state, n_units)
        ``Hᵀ Q⁻¹``.
    S : float64 (n_state, n_state)
        ``Hᵀ Q⁻¹ H``.
    b_off : float64 (n_state,)
        ``Hᵀ Q⁻¹ c`` (c: the observation offset).
    x, P : float64 (n_state,), (n_state, n_state)
        Centred state estimate and its covariance.

    Returns
    -------
    bool
        False (state untouched) when ``z`` holds a non-finite value.
    """
    if _bad(z):
        return False
    xp = A @ x
    Pp = A @ P @ A.T + W
    n = x.size
    Pn = np.linalg.solve(np.eye(n) + Pp @ S, Pp)
    b = HtQi @ z - b_off
    x[:] = xp + Pn @ (b - S @ xp)
    P[:, :] = 0.5 * (Pn + Pn.T)
    return True


@njit(nogil=True, cache=True)
def step_steady(
    z: np.ndarray, M: np.ndarray, G: np.ndarray, g_off: np.ndarray, x: np.ndarray
) -> bool:
    """One bin with the steady-state gain: ``x ← M x + G z − g_off``. False on a bad ``z``."""
    if _bad(z):
        return False
    n_s, n_u = G.shape
    out = np.empty(n_s)
    for i in range(n_s):
        s = -g_off[i]
        for j in range(n_s):
            s += M[i, j] * x[j]
        for u in range(n_u):
            s += G[i, u] * z[u]
        out[i] = s
    x[:] = out
    return True


@njit(nogil=True, cache=True)
def run_full(
    Z: np.ndarray,
    A: np.ndarray,
    W: np.ndarray,
    HtQi: np.ndarray,
    S: np.ndarray,
    b_off: np.ndarray,
    x: np.ndarray,
    P: np.ndarray,
    out: np.ndarray,
) -> int:
    """Rows of ``Z`` in order, as repeated :func:`step_full`; estimates into ``out``.

    Returns the first bad row, or -1.
    """
    for t in range(Z.shape[0]):
        if not step_full(Z[t], A, W, HtQi, S, b_off, x, P):
            return t
        out[t, :] = x
    return -1


@njit(nogil=True, cache=True)
def run_steady(
    Z: np.ndarray, M: np.ndarray, G: np.ndarray, g_off: np.ndarray, x: np.ndarray, out: np.ndarray
) -> int:
    """Rows of ``Z`` in order, as repeated :func:`step_steady`. Returns the first bad row, or -1."""
    for t in range(Z.shape[0]):
        if not step_steady(Z[t], M, G, g_off, x):
            return t
        out[t, :] = x
    return -1
