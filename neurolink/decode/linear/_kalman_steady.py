"""Steady state of the Kalman decoder's filter, and the choice of its process-noise scale.

Free functions of the model ``A, W, H, Q`` (and the initial covariance ``P0``), in the notation of
:mod:`neurolink.decode.linear.kalman`: the predicted covariance at steady state ``P⁻∞`` (the
solution of the discrete algebraic Riccati equation), the steady-state gain, and the factor on
``W`` under which the calibration counts are most probable.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from neurolink.decode.linear import _kalman_kernels as K

__all__ = ["information", "select_scale", "steady_gain", "steady_prior_cov"]


def information(H: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Hᵀ Q⁻¹`` (n_state, n_kept) and ``S = Hᵀ Q⁻¹ H`` (n_state, n_state)."""
    HtQi = scipy.linalg.cho_solve(scipy.linalg.cho_factor(Q), H).T
    return HtQi, HtQi @ H


def steady_prior_cov(
    A: np.ndarray, W: np.ndarray, H: np.ndarray, Q: np.ndarray, P0: np.ndarray, S: np.ndarray
) -> np.ndarray:
    """Predicted covariance ``P⁻∞`` by the DARE (by the Riccati recursion if that fails).

    Parameters
    ----------
    A, W, P0 : numpy.ndarray of float64, shape (n_state, n_state)
    H : numpy.ndarray of float64, shape (n_kept, n_state)
    Q : numpy.ndarray of float64, shape (n_kept, n_kept)
    S : numpy.ndarray of float64, shape (n_state, n_state)
        ``Hᵀ Q⁻¹ H``.

    Returns
    -------
    numpy.ndarray of float64, shape (n_state, n_state)
    """
    try:
        Pm = scipy.linalg.solve_discrete_are(A.T, H.T, W, Q)
        if np.all(np.isfinite(Pm)):
            return Pm
    except (np.linalg.LinAlgError, ValueError):
        pass
    n = S.shape[0]
    Pm = A @ P0 @ A.T + W
    for _ in range(100_000):
        P = np.linalg.solve(np.eye(n) + Pm @ S, Pm)
        new = A @ P @ A.T + W
        if np.max(np.abs(new - Pm)) <= 1e-13 * np.max(np.abs(Pm)):
            return new
        Pm = new
    return Pm


def steady_gain(
    A: np.ndarray, W: np.ndarray, H: np.ndarray, Q: np.ndarray, P0: np.ndarray
) -> np.ndarray:
    """Steady-state gain ``K = P∞ Hᵀ Q⁻¹`` (P∞: the filtered covariance), (n_state, n_kept)."""
    HtQi, S = information(H, Q)
    Pm = steady_prior_cov(A, W, H, Q, P0, S)
    P = np.linalg.solve(np.eye(S.shape[0]) + Pm @ S, Pm)
    return P @ HtQi


def select_scale(
    Z: np.ndarray, A: np.ndarray, W_ls: np.ndarray, H: np.ndarray, Q: np.ndarray, P0: np.ndarray
) -> float:
    """Factor ``2^k``, ``k = 0 … 6``, on ``W`` of largest steady-state predictive likelihood.

    Parameters
    ----------
    Z : numpy.ndarray of float64, shape (n_bins, n_kept)
        Calibration counts of the kept units less the observation offset.
    A, W_ls, P0 : numpy.ndarray of float64, shape (n_state, n_state)
        ``W_ls``: the least-squares process noise.
    H, Q : numpy.ndarray of float64
        Observation model.

    Returns
    -------
    float
    """
    HtQi, S = information(H, Q)
    n = S.shape[0]
    best, best_ll = 1.0, -np.inf
    for k in range(7):
        Pm = steady_prior_cov(A, W_ls * 2.0**k, H, Q, P0, S)
        gain = np.linalg.solve(np.eye(n) + Pm @ S, Pm) @ HtQi
        M = (np.eye(n) - gain @ H) @ A
        x = np.zeros(n)
        xs = np.empty((Z.shape[0], n))
        K.run_steady(Z, M, gain, np.zeros(n), x, xs)
        e = Z[1:] - xs[:-1] @ (H @ A).T  # innovations
        cho = scipy.linalg.cho_factor(H @ Pm @ H.T + Q)
        quad = np.sum(e * scipy.linalg.cho_solve(cho, e.T).T)
        ll = -0.5 * quad - e.shape[0] * np.sum(np.log(np.diag(cho[0])))
        if ll > best_ll:
            best, best_ll = 2.0**k, ll
    return best
