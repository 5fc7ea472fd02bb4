"""Gaussian class-conditional Bayes with a shared, shrunk covariance (LDA), updatable online.

``p(x | k) = N(x; μ_k, Σ)`` with one covariance ``Σ`` for all classes, estimated from the
pooled within-class scatter and shrunk toward a scaled identity (Ledoit–Wolf by default,
:mod:`neurolink.decode.eeg.covariance`). Posteriors are a softmax of the linear discriminants::

    a_k(x) = xᵀ Σ⁻¹ μ_k − ½ μ_kᵀ Σ⁻¹ μ_k + log π_k

The model is kept as sufficient statistics per class (count, sums, scatter, and the moments the
Ledoit–Wolf intensity needs), so :meth:`ShrinkageLDA.partial_fit` updates it exactly: fitting in
chunks gives the model of one fit on all the data (to rounding).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import scipy.linalg

from neurolink.decode._docs import fill_doc
from neurolink.decode.base import Decoder
from neurolink.decode.checks import as_features, as_labels, check_enough
from neurolink.decode.eeg.covariance import shrink
from neurolink.decode.errors import DecoderError

__all__ = ["ShrinkageLDA", "softmax_posterior"]


def softmax_posterior(F: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """Class posteriors ``softmax(F @ coef.T + intercept)``, float64 (n, n_classes)."""
    a = F @ coef.T + intercept
    a -= a.max(axis=1, keepdims=True)
    np.exp(a, out=a)
    a /= a.sum(axis=1, keepdims=True)
    return a


class ShrinkageLDA(Decoder):
    """Linear discriminant analysis with Ledoit–Wolf (or fixed) covariance shrinkage.

    Parameters
    ----------
    shrinkage : float, optional
        Fixed shrinkage intensity in [0, 1]; default (None) the Ledoit–Wolf estimate from the
        pooled class-centred data.
    priors : "empirical", "uniform" or sequence of float
        Class priors: the class frequencies of the data seen, equal, or given (in the order of
        ``classes_``; normalised).

    Attributes
    ----------
    classes_ : numpy.ndarray, shape (n_classes,)
        Class labels, sorted.
    n_features_in_ : int
    channels_ : tuple of str or None
        Feature labels.
    class_count_ : numpy.ndarray of float64, shape (n_classes,)
    shift_ : numpy.ndarray of float64, shape (n_features,)
        Reference subtracted before the moments are accumulated (mean of the first batch).
    sum_ : numpy.ndarray of float64, shape (n_classes, n_features)
    scatter_ : numpy.ndarray of float64, shape (n_classes, n_features, n_features)
    sum_sq_norm_, sum_quartic_ : numpy.ndarray of float64, shape (n_classes,)
    sum_sq_norm_x_ : numpy.ndarray of float64, shape (n_classes, n_features)
        Moments of the shifted samples ``z``: Σz, Σzzᵀ, Σ‖z‖², Σ‖z‖⁴, Σ‖z‖²z per class.
    means_ : numpy.ndarray of float64, shape (n_classes, n_features)
    covariance_ : numpy.ndarray of float64, shape (n_features, n_features)
        Shared shrunk covariance.
    shrinkage_ : float
        Intensity used.
    priors_ : numpy.ndarray of float64, shape (n_classes,)
    coef_ : numpy.ndarray of float64, shape (n_classes, n_features)
    intercept_ : numpy.ndarray of float64, shape (n_classes,)
    """

    def __init__(
        self, shrinkage: float | None = None, priors: str | Sequence[float] = "empirical"
    ) -> None:
        self.shrinkage = shrinkage
        self.priors = priors

    # ------------------------------------------------------------------ fitting
    @fill_doc
    def fit(self, X: np.ndarray, y: np.ndarray, *, channels: Sequence[str] | None = None) -> Self:
        """Fit from scratch.

        Parameters
        ----------
        %(X_features)s
        y : array_like, shape (n_samples,)
            Class labels (int or str).
        channels : sequence of str, optional
            Feature labels.

        %(returns_self)s

        Raises
        ------
        CalibrationError
            A class with fewer than 2 samples, or fewer than 2 classes.
        """
        X = as_features(X, type(self).__name__, what="features")
        self._start_fit(X.shape[1], channels)
        return self.partial_fit(X, y)

    @fill_doc
    def partial_fit(
        self, X: np.ndarray, y: np.ndarray, classes: Sequence[object] | None = None
    ) -> Self:
        """Add samples to the model (the first call fixes the classes and the features).

        Parameters
        ----------
        %(X_features)s
        y : array_like, shape (n_samples,)
        classes : sequence, optional
            All class labels (first call only); default the labels of ``y``. The first call
            must hold at least 2 samples of every class.

        %(returns_self)s
        """
        who = type(self).__name__
        first = "class_count_" not in vars(self)
        X = as_features(X, who, None if first else self.n_features_in_, "features")
        y = as_labels(y, X.shape[0], who)
        if first:
            if "n_features_in_" not in vars(self):  # not started by fit
                self._start_fit(X.shape[1], None)
            self._init_stats(X, y, classes)
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise DecoderError(f"{who}: labels {unknown.tolist()} are not among {self.classes_}")
        self._accumulate(X, np.searchsorted(self.classes_, y))
        self._solve()
        self._finish_fit()
        return self

    def _init_stats(self, X: np.ndarray, y: np.ndarray, classes: Sequence[object] | None) -> None:
        who = type(self).__name__
        given = y if classes is None else as_labels(classes, len(classes), type(self).__name__)
        self.classes_ = np.unique(given)
        check_enough(who, self.classes_.size, 2, "classes")
        for c in self.classes_:
            check_enough(who, int(np.sum(y == c)), 2, f"samples of class {c.item()!r}")
        k, p = self.classes_.size, X.shape[1]
        self.shift_ = X.mean(axis=0)
        self.class_count_ = np.zeros(k)
        self.sum_ = np.zeros((k, p))
        self.scatter_ = np.zeros((k, p, p))
        self.sum_sq_norm_ = np.zeros(k)
        self.sum_quartic_ = np.zeros(k)
        self.sum_sq_norm_x_ = np.zeros((k, p))

    def _accumulate(self, X: np.ndarray, idx: np.ndarray) -> None:
        Z = X - self.shift_
        a = np.sum(Z * Z, axis=1)
        for k in np.unique(idx):
            m = idx == k
            Zk, ak = Z[m], a[m]
            self.class_count_[k] += Zk.shape[0]
            self.sum_[k] += Zk.sum(axis=0)
            self.scatter_[k] += Zk.T @ Zk
            self.sum_sq_norm_[k] += ak.sum()
            self.sum_quartic_[k] += ak @ ak
            self.sum_sq_norm_x_[k] += ak @ Zk

    def _solve(self) -> None:
        """Means, shrunk covariance, priors and discriminants from the statistics."""
        n_k = self.class_count_
        n = n_k.sum()
        mu = self.sum_ / n_k[:, None]  # shifted class means
        S = np.zeros(self.scatter_.shape[1:])
        quartic = 0.0
        for k in range(n_k.size):  # Σ‖z − μ‖⁴ expanded in the stored moments
            m = mu[k]
            c = m @ m
            S += self.scatter_[k] - n_k[k] * np.outer(m, m)
            quartic += (
                self.sum_quartic_[k] + 4.0 * m @ self.scatter_[k] @ m + n_k[k] * c * c
                - 4.0 * self.sum_sq_norm_x_[k] @ m + 2.0 * c * self.sum_sq_norm_[k]
                - 4.0 * c * (self.sum_[k] @ m)
            )  # fmt: skip
        self.covariance_, self.shrinkage_ = shrink(S / n, n, quartic, self.shrinkage)
        self.means_ = mu + self.shift_
        self.priors_ = self._priors(n_k)
        cho = scipy.linalg.cho_factor(self.covariance_)
        self.coef_ = scipy.linalg.cho_solve(cho, self.means_.T).T
        self.intercept_ = -0.5 * np.sum(self.coef_ * self.means_, axis=1) + np.log(self.priors_)

    def _priors(self, n_k: np.ndarray) -> np.ndarray:
        if isinstance(self.priors, str):
            if self.priors == "empirical":
                return n_k / n_k.sum()
            if self.priors == "uniform":
                return np.full(n_k.size, 1.0 / n_k.size)
            raise ValueError(f"priors must be 'empirical', 'uniform' or numbers, got {self.priors}")
        p = np.asarray(self.priors, dtype=np.float64)
        if p.shape != n_k.shape or np.any(p <= 0):
            raise ValueError(f"priors must be {n_k.size} positive numbers, got {self.priors}")
        return p / p.sum()

    # ------------------------------------------------------------------ decoding
    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Discriminants ``a_k(x)``, float64 (n_samples, n_classes)."""
        self._check_fitted()
        X = as_features(X, type(self).__name__, self.n_features_in_, "features")
        return X @ self.coef_.T + self.intercept_

    @fill_doc
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class posteriors.

        Parameters
        ----------
        %(X_features)s

        Returns
        -------
        numpy.ndarray of float64, shape (n_samples, n_classes)
            Rows sum to 1; columns in the order of ``classes_``.
        """
        self._check_fitted()
        X = as_features(X, type(self).__name__, self.n_features_in_, "features")
        return softmax_posterior(X, self.coef_, self.intercept_)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Most probable class of each sample, shape (n_samples,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def step(self, x: np.ndarray) -> np.ndarray:
        """Class posteriors of one feature vector (n_features,) → (n_classes,)."""
        return self.predict_proba(np.asarray(x)[None, :])[0]
