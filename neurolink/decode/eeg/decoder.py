"""EEG class decoding: causal log band power (optionally CSP-filtered) + shrinkage LDA.

Calibration takes labelled epochs; decoding runs online on raw blocks (:meth:`EEGClassDecoder.step`)
and returns class posteriors at the end of each block. The features of an epoch are those the
online path has at the epoch's last sample when started at the epoch's first sample, so what is
fitted is what runs (see :class:`~neurolink.decode.eeg.bandpower.BandPower`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np

from neurolink.decode.base import Decoder
from neurolink.decode.checks import as_labels, check_enough, constant_columns, warn_dropped
from neurolink.decode.eeg.bandpower import BandPower
from neurolink.decode.eeg.csp import CSP, as_epochs
from neurolink.decode.eeg.lda import ShrinkageLDA, softmax_posterior
from neurolink.decode.errors import DecoderError

__all__ = ["EEGClassDecoder", "cut_epochs"]


def cut_epochs(data: np.ndarray, onsets: Sequence[int], start: int, stop: int) -> np.ndarray:
    """Cut epochs around event onsets.

    Parameters
    ----------
    data : numpy.ndarray, shape (n_samples, n_channels)
        Continuous recording, time-major.
    onsets : sequence of int
        Event sample indices.
    start, stop : int
        Epoch span relative to each onset (samples, ``start < stop``; ``start`` may be < 0).

    Returns
    -------
    numpy.ndarray of float64, shape (n_events, stop − start, n_channels)

    Raises
    ------
    DecoderError
        An epoch reaching outside the recording.
    """
    on = np.asarray(onsets, dtype=np.int64)
    if stop <= start:
        raise DecoderError(f"cut_epochs: need start < stop, got {start}, {stop}")
    bad = (on + start < 0) | (on + stop > data.shape[0])
    if bad.any():
        raise DecoderError(
            f"cut_epochs: epochs at onsets {on[bad].tolist()} reach outside the recording "
            f"(0..{data.shape[0]} samples)"
        )
    idx = on[:, None] + np.arange(start, stop)[None, :]
    return np.asarray(data, dtype=np.float64)[idx]


class EEGClassDecoder(Decoder):
    """Band power (+ CSP per band) + shrinkage LDA, fitted on epochs, run on raw blocks.

    No ``partial_fit``: with CSP a new trial changes the filters and with them the features of
    every earlier trial, which are not kept. (Without CSP an update could be the LDA's
    ``partial_fit`` on the band powers; not offered yet.)

    Parameters
    ----------
    fs : float
        Sampling rate (Hz).
    bands : sequence of (float, float)
        Pass bands (Hz); default mu 8–12 and beta 13–30 Hz.
    window_s : float
        Power is averaged over the last ``window_s`` seconds (the end of each epoch in fit).
    filter_order : int
        Butterworth order of each band-pass.
    n_components : int, optional
        CSP filters per band (two classes only); None: log power of every channel.
    csp_reg : float, optional
        Fixed shrinkage of the CSP class covariances; default Ledoit–Wolf.
    shrinkage : float, optional
        Fixed LDA shrinkage; default Ledoit–Wolf.
    priors : "empirical", "uniform" or sequence of float
        LDA class priors.

    Attributes
    ----------
    n_features_in_ : int
        Channels of the input.
    channels_ : tuple of str or None
    kept_channels_, dropped_channels_ : numpy.ndarray of int64
        Channels used, and channels left out (constant, e.g. flat, in the calibration).
    filters_ : numpy.ndarray of float64, shape (n_bands, n_kept, n_components)
        CSP filters per band (``n_components`` set only).
    classes_ : numpy.ndarray, shape (n_classes,)
    coef_ : numpy.ndarray of float64, shape (n_classes, n_features)
    intercept_ : numpy.ndarray of float64, shape (n_classes,)
    shrinkage_ : float
        LDA shrinkage used.
    priors_ : numpy.ndarray of float64, shape (n_classes,)
        Class priors (the output of :meth:`step` before any sample).
    """

    def __init__(
        self,
        fs: float,
        bands: Sequence[tuple[float, float]] = ((8.0, 12.0), (13.0, 30.0)),
        window_s: float = 2.0,
        filter_order: int = 4,
        n_components: int | None = 4,
        csp_reg: float | None = None,
        shrinkage: float | None = None,
        priors: str | Sequence[float] = "empirical",
    ) -> None:
        self.fs = fs
        self.bands = bands
        self.window_s = window_s
        self.filter_order = filter_order
        self.n_components = n_components
        self.csp_reg = csp_reg
        self.shrinkage = shrinkage
        self.priors = priors

    def _node(self, filters: np.ndarray | None) -> BandPower:
        return BandPower(self.fs, self.bands, self.window_s, self.filter_order, filters)

    def fit(self, X: np.ndarray, y: np.ndarray, *, channels: Sequence[str] | None = None) -> Self:
        """Fit CSP filters per band (if any) and the LDA on the epochs' features.

        Parameters
        ----------
        X : array_like, shape (n_trials, n_samples, n_channels)
            Raw epochs (µV), each filtered from its first sample: include a lead-in of about
            a second before the part of interest, which is the last ``window_s`` seconds.
        y : array_like, shape (n_trials,)
            Class labels.
        channels : sequence of str, optional
            Channel labels (checked by ``load(path, channels=...)``).

        Returns
        -------
        self

        Raises
        ------
        CalibrationError
            Fewer than 2 trials of a class, or fewer than 2 classes.
        """
        who = type(self).__name__
        X = as_epochs(X, who)
        y = as_labels(y, X.shape[0], who)
        labels, per_class = np.unique(y, return_counts=True)
        check_enough(who, labels.size, 2, "classes")
        for c, n in zip(labels, per_class, strict=True):
            check_enough(who, int(n), 2, f"trials of class {c.item()!r}")
        self._start_fit(X.shape[2], channels)
        dropped = constant_columns(X.reshape(-1, X.shape[2]))
        warn_dropped(who, dropped, self.channels_)
        self.dropped_channels_ = dropped
        self.kept_channels_ = np.setdiff1d(np.arange(X.shape[2]), dropped)
        node = self._node(None)
        filtered = node.filtered(X[:, :, self.kept_channels_])
        filters = None
        if self.n_components is not None:
            N = node.window
            filters = np.stack(
                [
                    CSP(int(self.n_components), self.csp_reg).fit(F[:, -N:, :], y).filters_
                    for F in filtered
                ]
            )
            self.filters_ = filters
        feats = self._node(filters).features(filtered)
        lda = ShrinkageLDA(self.shrinkage, self.priors).fit(feats, y)
        self.classes_, self.coef_, self.intercept_ = lda.classes_, lda.coef_, lda.intercept_
        self.shrinkage_, self.priors_ = lda.shrinkage_, lda.priors_
        self._finish_fit()
        return self

    def _prepare(self) -> None:
        self._bp = self._node(getattr(self, "filters_", None))
        self._prior = np.asarray(self.priors_, dtype=np.float64)

    def reset(self) -> None:
        """Forget the filter states and the power window."""
        if "_bp" in vars(self):
            self._bp.reset()
            self._last = self._prior.copy()

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Features at the end of each epoch.

        Parameters
        ----------
        X : array_like, shape (n_trials, n_samples, n_channels)

        Returns
        -------
        numpy.ndarray of float64, shape (n_trials, n_features)
        """
        self._check_fitted()
        X = as_epochs(X, type(self).__name__, self.n_features_in_)
        return self._node(getattr(self, "filters_", None)).transform(X[:, :, self.kept_channels_])

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class posteriors of each epoch (at its last sample).

        Parameters
        ----------
        X : array_like, shape (n_trials, n_samples, n_channels)

        Returns
        -------
        numpy.ndarray of float64, shape (n_trials, n_classes)
            Rows sum to 1; columns in the order of ``classes_``.
        """
        return softmax_posterior(self.transform(X), self.coef_, self.intercept_)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Most probable class of each epoch, shape (n_trials,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def step(self, x: np.ndarray) -> np.ndarray:
        """Class posteriors at the end of a raw block.

        Parameters
        ----------
        x : array_like, shape (n_samples, n_channels)
            Raw EEG (µV), consecutive with the previous block.

        Returns
        -------
        numpy.ndarray of float64, shape (n_classes,)
            Posteriors after the block's last sample (the priors before any sample).
        """
        self._check_fitted()
        block = np.asarray(x)
        if block.ndim != 2 or block.shape[1] != self.n_features_in_:
            raise DecoderError(
                f"EEGClassDecoder.step: block must be (n_samples, {self.n_features_in_}), got "
                f"shape {block.shape}"
            )
        if block.shape[0]:
            feats = self._bp.step(block[:, self.kept_channels_])
            self._last = softmax_posterior(feats[-1:], self.coef_, self.intercept_)[0]
        return self._last.copy()
