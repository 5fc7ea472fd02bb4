"""Wiener filter: ridge regression of the decoded variable on a causal history of bins.

The standard linear baseline of intracortical BCIs (Carmena et al. 2003, PLoS Biol 1:e42;
Hochberg et al. 2006, Nature 442:164)::

    ŷ_t = b + Σ_{i=0}^{L−1} β_iᵀ (x_{t−i} − x̄)

where ``x̄`` are the calibration mean counts; bins before the start of a run count as ``x̄`` (no
information). The normal equations are built from lagged cross-products of the counts (block
Toeplitz up to edge terms), never from the ``(n_bins, L·n_units)`` design matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import scipy.linalg

from neurolink.decode.base import Decoder
from neurolink.decode.checks import (
    as_features,
    as_targets,
    check_enough,
    constant_columns,
    warn_dropped,
)
from neurolink.decode.errors import DecoderError

__all__ = ["WienerFilter"]


def _lagged_gram(Xc: np.ndarray, Y: np.ndarray, n_lags: int) -> tuple[np.ndarray, np.ndarray]:
    """``DᵀD`` and ``DᵀY`` of the zero-padded lagged design ``D = [x_t, x_{t−1}, …]``.

    Block ``(i, j)``, ``j ≥ i``, ``k = j − i``, is
    ``Σ_t x_{t−i} x_{t−j}ᵀ = R_k − Σ_{s ≥ n−i} x_s x_{s−k}ᵀ`` with ``R_k = Σ_{s ≥ k} x_s x_{s−k}ᵀ``.
    """
    n, u = Xc.shape
    R = [Xc[k:].T @ Xc[: n - k] for k in range(n_lags)]
    G = np.empty((n_lags * u, n_lags * u))
    for i in range(n_lags):
        for j in range(i, n_lags):
            k = j - i
            blk = R[k] - Xc[n - i :].T @ Xc[n - i - k : n - k] if i else R[k]
            G[i * u : (i + 1) * u, j * u : (j + 1) * u] = blk
            G[j * u : (j + 1) * u, i * u : (i + 1) * u] = blk.T
    C = np.vstack([Xc[: n - i].T @ Y[i:] for i in range(n_lags)])
    return G, C


class WienerFilter(Decoder):
    """Causal linear decoder on the last ``n_lags`` bins, ridge-regularised.

    Parameters
    ----------
    n_lags : int
        Bins of history, the current one included (10 bins of 20 ms = 200 ms).
    alpha : float
        Ridge penalty on the coefficients (counts² · variable² units; 0 = least squares).

    Attributes
    ----------
    n_features_in_ : int
    channels_ : tuple of str or None
    units_, dropped_units_ : numpy.ndarray of int64
        Units used, and units left out (constant in the calibration data).
    mean_counts_ : numpy.ndarray of float64, shape (n_kept,)
        Calibration mean counts of the kept units.
    coef_ : numpy.ndarray of float64, shape (n_lags, n_kept, n_dims)
        ``β_i``: weight of the counts ``i`` bins back.
    intercept_ : numpy.ndarray of float64, shape (n_dims,)
    """

    def __init__(self, n_lags: int = 10, alpha: float = 1.0) -> None:
        self.n_lags = n_lags
        self.alpha = alpha

    def fit(self, X: np.ndarray, y: np.ndarray, *, channels: Sequence[str] | None = None) -> Self:
        """Solve the ridge normal equations.

        Parameters
        ----------
        X : array_like, shape (n_bins, n_units)
            Counts per bin.
        y : array_like, shape (n_bins, n_dims) or (n_bins,)
            Decoded variable in each bin.
        channels : sequence of str, optional
            Labels of the units.

        Returns
        -------
        self

        Raises
        ------
        CalibrationError
            Fewer than ``n_lags · n_kept + 1`` bins.
        """
        who = type(self).__name__
        if int(self.n_lags) != self.n_lags or self.n_lags < 1 or not self.alpha >= 0:
            raise ValueError(f"{who}: need an integer n_lags >= 1 and alpha >= 0")
        X = as_features(X, who)
        Y = as_targets(y, X.shape[0], who)
        self._start_fit(X.shape[1], channels)
        dropped = constant_columns(X)
        warn_dropped(who, dropped, self.channels_)
        self.dropped_units_ = dropped
        self.units_ = np.setdiff1d(np.arange(X.shape[1]), dropped)
        L, u = int(self.n_lags), self.units_.size
        check_enough(who, X.shape[0], L * u + 1, "bins", f"n_lags · n_kept_units + 1, {L}·{u} + 1")
        self.mean_counts_ = X[:, self.units_].mean(axis=0)
        Xc = X[:, self.units_] - self.mean_counts_
        y_mean = Y.mean(axis=0)
        G, C = _lagged_gram(Xc, Y - y_mean, L)
        m = np.concatenate([Xc[: X.shape[0] - i].sum(axis=0) for i in range(L)]) / X.shape[0]
        G -= X.shape[0] * np.outer(m, m)  # centre the lagged columns exactly
        G[np.diag_indices_from(G)] += self.alpha
        beta = scipy.linalg.solve(G, C, assume_a="pos")
        self.coef_ = beta.reshape(L, u, Y.shape[1])
        self.intercept_ = y_mean - m @ beta
        self._finish_fit()
        return self

    def _prepare(self) -> None:
        L, u, d = self.coef_.shape
        self._flat = np.ascontiguousarray(self.coef_.reshape(L * u, d))
        self._hist = np.zeros((L, u))

    def reset(self) -> None:
        """Forget the history: earlier bins count as the calibration mean."""
        if "_hist" in vars(self):
            self._hist.fill(0.0)

    def step(self, x: np.ndarray) -> np.ndarray:
        """Decode one bin.

        Parameters
        ----------
        x : array_like, shape (n_units,)

        Returns
        -------
        numpy.ndarray of float64, shape (n_dims,)
        """
        self._check_fitted()
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.n_features_in_,):
            raise DecoderError(
                f"WienerFilter.step: counts have shape {x.shape}, the decoder was fitted on "
                f"{self.n_features_in_} units"
            )
        if not np.all(np.isfinite(x)):
            raise DecoderError("WienerFilter.step: counts hold a non-finite value")
        h = self._hist
        h[1:] = h[:-1]
        np.subtract(x[self.units_], self.mean_counts_, out=h[0])
        return h.ravel() @ self._flat + self.intercept_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Decode every bin from a reset history (equal to :meth:`step` on each row, to rounding).

        Parameters
        ----------
        X : array_like, shape (n_bins, n_units)

        Returns
        -------
        numpy.ndarray of float64, shape (n_bins, n_dims)
        """
        self._check_fitted()
        X = as_features(X, type(self).__name__, self.n_features_in_)
        Xc = X[:, self.units_] - self.mean_counts_
        n = X.shape[0]
        out = np.tile(self.intercept_, (n, 1))
        for i in range(self.coef_.shape[0]):
            out[i:] += Xc[: n - i] @ self.coef_[i]
        self.reset()
        return out
