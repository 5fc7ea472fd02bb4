"""Least-squares estimates of the Kalman decoder's model from running sums (Wu et al. 2006).

Everything is computed from sums over bins of the state ``x`` and the counts ``z`` (both shifted
by a fixed reference, see :mod:`neurolink.decode.moments`), so that the model of data seen in
chunks is the model of their concatenation::

    A = S₁₀ S₀₀⁻¹,   W = (S₁₁ − A S₁₀ᵀ) / (n − 1),   P₀ = S / n
    H = C_zx C_xx⁻¹,  Q = (C_zz − H C_zxᵀ) / n,      c = z̄ − H (x̄ − m)

with ``S₀₀``, ``S₁₁`` the centred state scatter over bins ``0 … n−2`` and ``1 … n−1``, ``S₁₀`` the
centred lag-one scatter ``Σ x̃_t x̃_{t−1}ᵀ``, ``C`` the centred (cross) scatters of the pairs the
observation model is fitted on, and ``m`` the state mean of the dynamics. These are the normal
equations of ``x_t ≈ A x_{t−1}`` and of ``z ≈ H x̃ + c`` (with intercept).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from neurolink.decode.moments import centred

__all__ = ["dynamics", "observation"]


def _solve(S: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``X`` with ``X S = B`` for a symmetric scatter ``S`` (least squares if it is singular)."""
    return scipy.linalg.lstsq(S, B.T, lapack_driver="gelsy")[0].T


def dynamics(
    n: int,
    s: np.ndarray,
    S: np.ndarray,
    S_lag: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """State mean, ``A``, least-squares ``W`` and ``P₀`` from the state's running sums.

    Parameters
    ----------
    n : int
        Bins (≥ 2).
    s : numpy.ndarray of float64, shape (n_state,)
        ``Σ_t x_t``.
    S : numpy.ndarray of float64, shape (n_state, n_state)
        ``Σ_t x_t x_tᵀ``.
    S_lag : numpy.ndarray of float64, shape (n_state, n_state)
        ``Σ_{t≥1} x_t x_{t−1}ᵀ``.
    first, last : numpy.ndarray of float64, shape (n_state,)
        ``x_0`` and ``x_{n−1}``.

    Returns
    -------
    mean : numpy.ndarray of float64, shape (n_state,)
        ``x̄`` (in the coordinates of the sums).
    A, W, P0 : numpy.ndarray of float64, shape (n_state, n_state)
        ``W`` and ``P0`` before symmetrising and jitter.
    """
    a = s / n
    s0, s1 = s - last, s - first  # sums over bins 0 … n−2 and 1 … n−1
    S00 = centred(S - np.outer(last, last), s0, s0, n - 1, a, a)
    S11 = centred(S - np.outer(first, first), s1, s1, n - 1, a, a)
    S10 = centred(S_lag, s1, s0, n - 1, a, a)
    A = _solve(S00, S10)
    W = (S11 - A @ S10.T) / (n - 1)
    return a, A, W, centred(S, s, s, n, a, a) / n


def observation(
    n: int,
    sx: np.ndarray,
    sz: np.ndarray,
    Sxx: np.ndarray,
    Szx: np.ndarray,
    Szz: np.ndarray,
    mean: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``H``, offset ``c`` and ``Q`` of ``z = H (x − mean) + c + q`` from running sums.

    Parameters
    ----------
    n : int
        Pairs ``(x_t, z_t)`` summed.
    sx, sz : numpy.ndarray of float64, shapes (n_state,) and (n_kept,)
        ``Σ x``, ``Σ z``.
    Sxx, Szx, Szz : numpy.ndarray of float64
        ``Σ x xᵀ`` (n_state, n_state), ``Σ z xᵀ`` (n_kept, n_state), ``Σ z zᵀ`` (n_kept, n_kept).
    mean : numpy.ndarray of float64, shape (n_state,)
        State mean the model is centred on (in the coordinates of the sums).

    Returns
    -------
    H : numpy.ndarray of float64, shape (n_kept, n_state)
    offset : numpy.ndarray of float64, shape (n_kept,)
        Counts at ``mean`` (in the coordinates of the sums).
    Q : numpy.ndarray of float64, shape (n_kept, n_kept)
        Before symmetrising and jitter.
    """
    xb, zb = sx / n, sz / n
    Czx = centred(Szx, sz, sx, n, zb, xb)
    H = _solve(centred(Sxx, sx, sx, n, xb, xb), Czx)
    Q = (centred(Szz, sz, sz, n, zb, zb) - H @ Czx.T) / n
    return H, zb - H @ (xb - mean), Q
