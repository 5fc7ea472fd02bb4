"""Common spatial patterns (CSP) for two classes, with regularised covariances.

Koles ZJ (1991) Electroencephalogr Clin Neurophysiol 79:440–447; Ramoser H, Müller-Gerking J,
Pfurtscheller G (2000) IEEE Trans Rehabil Eng 8:441–446; Blankertz B et al. (2008) IEEE Signal
Process Mag 25:41–56. Filters ``w`` solve the generalised eigenproblem ``C_a w = λ (C_a + C_b) w``
(``scipy.linalg.eigh``); those of largest and smallest ``λ`` maximise the variance of one class
relative to the other. Each class covariance is the Ledoit–Wolf shrunk (or fixed-shrinkage)
covariance of its trials' samples, each trial centred.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import scipy.linalg

from neurolink.decode.base import Decoder
from neurolink.decode.checks import as_labels, check_enough
from neurolink.decode.eeg.covariance import ledoit_wolf
from neurolink.decode.errors import DecoderError

__all__ = ["CSP", "as_epochs"]


def as_epochs(X: object, who: str, n_channels: int | None = None) -> np.ndarray:
    """Return epochs as float64 (n_trials, n_samples, n_channels), time-major like a Block.

    Raises
    ------
    DecoderError
        Not 3-D, another channel count, or a non-finite value.
    """
    a = np.asarray(X)
    if a.ndim != 3 or a.dtype.kind not in "biuf":
        raise DecoderError(
            f"{who}: epochs must be numeric (n_trials, n_samples, n_channels), got shape "
            f"{a.shape}, dtype {a.dtype}"
        )
    if n_channels is not None and a.shape[2] != n_channels:
        raise DecoderError(f"{who}: epochs have {a.shape[2]} channels, fitted on {n_channels}")
    a = np.asarray(a, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        t, s, c = np.argwhere(~np.isfinite(a))[0]
        raise DecoderError(
            f"{who}: epochs hold non-finite values (NaN or inf), first at trial {t}, sample "
            f"{s}, channel {c}"
        )
    return a


class CSP(Decoder):
    """Two-class common spatial patterns; transforms epochs into log-variance features.

    No ``partial_fit``: the filters define the features that a classifier downstream is fitted
    on, and updated online they would change those features under it; refit the pair instead.

    Parameters
    ----------
    n_components : int
        Filters kept: ``ceil(n/2)`` of largest and ``floor(n/2)`` of smallest eigenvalue.
    reg : float, optional
        Fixed shrinkage of the class covariances in [0, 1]; default (None) Ledoit–Wolf.

    Attributes
    ----------
    classes_ : numpy.ndarray, shape (2,)
    n_features_in_ : int
        Channels.
    channels_ : tuple of str or None
    filters_ : numpy.ndarray of float64, shape (n_channels, n_components)
        Spatial filters (columns), normalised so that ``wᵀ (C_a + C_b) w = 1``.
    patterns_ : numpy.ndarray of float64, shape (n_channels, n_components)
        Forward-model patterns ``(C_a + C_b) w`` (Haufe et al. 2014).
    eigenvalues_ : numpy.ndarray of float64, shape (n_components,)
        ``λ`` of each kept filter (share of class ``classes_[0]`` in the filtered variance).
    shrinkage_ : numpy.ndarray of float64, shape (2,)
        Shrinkage used for each class covariance.
    """

    def __init__(self, n_components: int = 4, reg: float | None = None) -> None:
        self.n_components = n_components
        self.reg = reg

    def fit(self, X: np.ndarray, y: np.ndarray, *, channels: Sequence[str] | None = None) -> Self:
        """Fit the filters.

        Parameters
        ----------
        X : array_like, shape (n_trials, n_samples, n_channels)
            Band-passed epochs (µV).
        y : array_like, shape (n_trials,)
            Two distinct labels.
        channels : sequence of str, optional

        Returns
        -------
        self

        Raises
        ------
        CalibrationError
            Fewer than 2 trials of a class.
        """
        who = type(self).__name__
        X = as_epochs(X, who)
        y = as_labels(y, X.shape[0], who)
        classes = np.unique(y)
        if classes.size != 2:
            raise DecoderError(f"{who}: CSP needs exactly 2 classes, got {classes.tolist()}")
        n_ch = X.shape[2]
        if not 1 <= int(self.n_components) <= n_ch:
            raise ValueError(f"{who}: n_components must be in [1, {n_ch}]")
        for c in classes:
            check_enough(who, int(np.sum(y == c)), 2, f"trials of class {c.item()!r}")
        self._start_fit(n_ch, channels)
        self.classes_ = classes
        covs, lams = [], []
        for c in classes:
            E = X[y == c]
            E = E - E.mean(axis=1, keepdims=True)
            cov, lam = ledoit_wolf(E.reshape(-1, n_ch), self.reg)
            covs.append(cov)
            lams.append(lam)
        total = covs[0] + covs[1]
        try:
            evals, evecs = scipy.linalg.eigh(covs[0], total)
        except np.linalg.LinAlgError as e:
            raise DecoderError(
                f"{who}: class covariances are singular ({e}); use reg > 0 or drop flat channels"
            ) from e
        order = np.argsort(evals)[::-1]
        n = int(self.n_components)
        pick = np.concatenate([order[: (n + 1) // 2], order[len(order) - n // 2 :]])
        self.filters_ = np.ascontiguousarray(evecs[:, pick])
        self.patterns_ = total @ self.filters_
        self.eigenvalues_ = evals[pick]
        self.shrinkage_ = np.asarray(lams)
        self._finish_fit()
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Log of the variance of each filtered epoch.

        Parameters
        ----------
        X : array_like, shape (n_trials, n_samples, n_channels)

        Returns
        -------
        numpy.ndarray of float64, shape (n_trials, n_components)
        """
        self._check_fitted()
        X = as_epochs(X, type(self).__name__, self.n_features_in_)
        S = X @ self.filters_
        return np.log(np.var(S, axis=1))
