"""Ledoit–Wolf shrinkage of a covariance toward a scaled identity, from data or moments.

Ledoit O, Wolf M (2004) A well-conditioned estimator for large-dimensional covariance matrices.
J Multivar Anal 88:365–411. With ``S`` the (ML) sample covariance of ``n`` centred samples ``w_i``
of dimension ``p``, ``m = tr(S)/p``::

    δ = ‖S − m I‖²_F / p
    β = min(δ, (Σ_i ‖w_i‖⁴ / n − ‖S‖²_F) / (n p))
    λ = β / δ                      (0 when δ = 0)
    Σ = (1 − λ) S + λ m I

This is the estimator of scikit-learn's ``ledoit_wolf`` (``assume_centered=True`` on the centred
data). :func:`shrink` takes it from moments, so that an estimator updated online can compute it
without keeping the samples.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ledoit_wolf", "shrink"]


def shrink(
    S: np.ndarray, n: float, sum_quartic: float, shrinkage: float | None = None
) -> tuple[np.ndarray, float]:
    """Shrunk covariance from the sample covariance and the fourth moment.

    Parameters
    ----------
    S : numpy.ndarray of float64, shape (p, p)
        ML sample covariance (divided by ``n``) of centred samples.
    n : float
        Number of samples.
    sum_quartic : float
        ``Σ_i ‖w_i‖⁴`` of the centred samples (used when ``shrinkage`` is None).
    shrinkage : float, optional
        Fixed intensity λ in [0, 1]; default the Ledoit–Wolf estimate.

    Returns
    -------
    cov : numpy.ndarray of float64, shape (p, p)
    shrinkage : float
        λ used.
    """
    p = S.shape[0]
    m = np.trace(S) / p
    if shrinkage is None:
        s2 = float(np.sum(S * S))
        delta = (s2 - 2.0 * m * np.trace(S) + p * m * m) / p
        beta = min(delta, (sum_quartic / n - s2) / (n * p))
        lam = 0.0 if delta <= 0.0 else max(beta, 0.0) / delta
    else:
        lam = float(shrinkage)
        if not 0.0 <= lam <= 1.0:
            raise ValueError(f"shrinkage must be in [0, 1], got {shrinkage}")
    cov = (1.0 - lam) * S
    cov[np.diag_indices(p)] += lam * m
    return cov, lam


def ledoit_wolf(W: np.ndarray, shrinkage: float | None = None) -> tuple[np.ndarray, float]:
    """Shrunk covariance of centred samples.

    Parameters
    ----------
    W : numpy.ndarray of float64, shape (n, p)
        Centred samples (rows).
    shrinkage : float, optional
        Fixed λ; default Ledoit–Wolf.

    Returns
    -------
    cov : numpy.ndarray of float64, shape (p, p)
    shrinkage : float
    """
    n = W.shape[0]
    S = W.T @ W / n
    q = np.sum(W * W, axis=1)
    return shrink(S, n, float(q @ q), shrinkage)
