"""Labelling a calibration block, fitting the decoder and scoring it by cross-validation.

Pure functions of arrays, no I/O (the recording is :mod:`neurolink.loop.calibration.record`):

- kinematics: :func:`label_bins` (the value of a sampled kinematics stream in force at each
  bin's centre), :func:`contiguous_folds` and :func:`fit_kinematics` (fit on all bins; R² per
  dimension on held-out contiguous stretches, never shuffled: neighbouring bins of a time series
  are not independent);
- classes: :func:`epochs_at_markers` and :func:`fit_classes` (fit on all epochs; stratified
  cross-validated accuracy, majority-class chance level and a permutation p-value).

A calibration too short for the fit or for the folds raises
:class:`~neurolink.decode.CalibrationError` with ``have`` and ``need`` counted on the whole block.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from neurolink.decode import (
    CalibrationError,
    Decoder,
    chance_level,
    cross_val_accuracy,
    cut_epochs,
    permutation_test,
    r2_score,
)

__all__ = [
    "ClassesFit",
    "KinematicsFit",
    "contiguous_folds",
    "epochs_at_markers",
    "fit_classes",
    "fit_kinematics",
    "label_bins",
]


def label_bins(
    times: np.ndarray, kin_times: np.ndarray, kin_values: np.ndarray, max_age: float
) -> tuple[np.ndarray, np.ndarray]:
    """The kinematics in force at each bin's centre: the last sample at or before it.

    Parameters
    ----------
    times : numpy.ndarray of float64, shape (n_bins,)
        Host time of each bin's centre (s).
    kin_times : numpy.ndarray of float64, shape (m,)
        Host time of each kinematics sample (s), non-decreasing.
    kin_values : numpy.ndarray, shape (m, n_dims)
    max_age : float
        A bin whose last kinematics sample is older than this (s) has no label.

    Returns
    -------
    keep : numpy.ndarray of bool, shape (n_bins,)
        Bins that have a label.
    labels : numpy.ndarray of float64, shape (keep.sum(), n_dims)
    """
    k = np.searchsorted(kin_times, times, side="right") - 1
    keep = k >= 0
    keep[keep] = times[keep] - kin_times[k[keep]] <= max_age
    return keep, np.asarray(kin_values, np.float64)[k[keep]]


def contiguous_folds(n: int, n_folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_folds`` consecutive stretches of ``range(n)``, each held out once (no shuffling).

    Returns
    -------
    list of (train, test) index arrays (int64)
    """
    idx = np.arange(n)
    return [(np.setdiff1d(idx, test), test) for test in np.array_split(idx, n_folds)]


def _fit(make: Callable[[], Decoder], X: np.ndarray, y: np.ndarray, channels, notes) -> Decoder:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dec = make().fit(X, y, channels=channels)  # type: ignore[call-arg]
    notes.extend(str(w.message) for w in caught)
    return dec


def _folds_too_short(exc: CalibrationError, n: int, k: int, unit: str) -> CalibrationError:
    """Restate a fold's shortfall for the whole block (each fold trains on (k-1)/k of it)."""
    need = math.ceil(exc.need * k / (k - 1)) if exc.need is not None else n + 1
    return CalibrationError(
        f"calibration too short for {k}-fold cross-validation: {n} {unit}; each fold trains "
        f"on {k - 1}/{k} of them and the decoder needs {exc.need} ({exc}); record "
        f"{need - n} more {unit}, or use fewer folds",
        have=n,
        need=need,
    )


@dataclass(frozen=True)
class KinematicsFit:
    """A decoder fitted on binned counts and its cross-validated R².

    Attributes
    ----------
    decoder : Decoder
        Fitted on every bin.
    r2 : numpy.ndarray of float64, shape (n_dims,)
        R² of the held-out predictions of all folds pooled, per dimension.
    r2_folds : numpy.ndarray of float64, shape (n_folds, n_dims)
        R² of each fold.
    n_bins : int
    notes : list of str
        Warnings of the fit (e.g. constant units left out).
    """

    decoder: Decoder
    r2: np.ndarray
    r2_folds: np.ndarray
    n_bins: int
    notes: list[str] = field(default_factory=list)


def fit_kinematics(
    make: Callable[[], Decoder],
    X: np.ndarray,
    Y: np.ndarray,
    *,
    n_folds: int,
    channels: Sequence[str] | None = None,
) -> KinematicsFit:
    """Fit ``make()`` on all bins; score new fits on held-out contiguous folds.

    Each held-out stretch is decoded from the decoder's reset state (``predict``, the same as
    ``step`` bin by bin).

    Parameters
    ----------
    make : callable
        A new unfitted bin decoder.
    X : numpy.ndarray, shape (n_bins, n_units)
        Counts.
    Y : numpy.ndarray of float64, shape (n_bins, n_dims)
        Kinematics of each bin.
    n_folds : int
        ≥ 2.
    channels : sequence of str, optional
        Labels of the count columns (kept in the model).

    Raises
    ------
    CalibrationError
        Too few bins for the fit, or for the folds.
    """
    n = X.shape[0]
    if n < 2 * n_folds:
        raise CalibrationError(
            f"calibration too short: {n} labelled bins, need at least {2 * n_folds} for "
            f"{n_folds}-fold cross-validation; record {2 * n_folds - n} more bins",
            have=n,
            need=2 * n_folds,
        )
    notes: list[str] = []
    try:
        dec = _fit(make, X, Y, channels, notes)
    except CalibrationError as exc:
        if exc.need is None:
            raise
        need = math.ceil(exc.need * n_folds / (n_folds - 1))
        raise CalibrationError(
            f"{exc}; {n_folds}-fold cross-validation trains on {n_folds - 1}/{n_folds} of "
            f"them, so {need} bins are needed in all: record {need - n} more",
            have=n,
            need=need,
        ) from None
    pred = np.zeros_like(Y)
    per_fold = []
    for train, test in contiguous_folds(n, n_folds):
        try:
            model = _fit(make, X[train], Y[train], None, [])
        except CalibrationError as exc:
            raise _folds_too_short(exc, n, n_folds, "bins") from None
        pred[test] = model.predict(X[test])  # type: ignore[attr-defined]
        per_fold.append(r2_score(Y[test], pred[test]))
    return KinematicsFit(dec, r2_score(Y, pred), np.asarray(per_fold), n, notes)


def epochs_at_markers(
    data: np.ndarray,
    timestamps: np.ndarray,
    markers: np.ndarray,
    rate: float,
    classes: Sequence[str],
    epoch: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, int]:
    """Cut an epoch around every marker of ``classes`` that fits in the recording.

    Parameters
    ----------
    data : numpy.ndarray, shape (n_samples, n_channels)
    timestamps : numpy.ndarray of float64, shape (n_samples,)
        Host time of each sample (s).
    markers : numpy.ndarray of MARKER_DTYPE
        Host-clock ``timestamp`` and ``label``.
    rate : float
        Sampling rate (Hz).
    classes : sequence of str
        Labels kept.
    epoch : (float, float)
        Span around each marker (s).

    Returns
    -------
    X : numpy.ndarray of float64, shape (n_epochs, n_epoch_samples, n_channels)
    y : numpy.ndarray of str, shape (n_epochs,)
    n_left_out : int
        Markers of ``classes`` whose epoch reaches outside the recording (or that fall in a
        stretch without samples).
    """
    m = markers[np.isin(markers["label"], list(classes))]
    start, stop = round(epoch[0] * rate), round(epoch[1] * rate)
    if not len(m) or not len(timestamps):
        return np.zeros((0, stop - start, data.shape[1])), np.zeros(0, "U64"), len(m)
    k = np.clip(np.searchsorted(timestamps, m["timestamp"]), 1, len(timestamps) - 1)
    k -= np.abs(timestamps[k - 1] - m["timestamp"]) <= np.abs(timestamps[k] - m["timestamp"])
    near = np.abs(timestamps[k] - m["timestamp"]) <= 1.0 / rate
    inside = near & (k + start >= 0) & (k + stop <= len(timestamps))
    X = cut_epochs(data, k[inside], start, stop)
    return X, np.asarray(m["label"][inside]), int((~inside).sum())


@dataclass(frozen=True)
class ClassesFit:
    """A class decoder fitted on epochs, and its cross-validated accuracy.

    Attributes
    ----------
    decoder : Decoder
        Fitted on every epoch.
    accuracy : float
        Mean accuracy over the held-out folds.
    fold_accuracy : numpy.ndarray of float64, shape (n_folds,)
    chance : float
        Majority-class rate.
    p_value : float or None
        Permutation p-value (None without permutations).
    n_permutations : int
    trials : dict of str to int
        Epochs per class.
    notes : list of str
    """

    decoder: Decoder
    accuracy: float
    fold_accuracy: np.ndarray
    chance: float
    p_value: float | None
    n_permutations: int
    trials: dict[str, int]
    notes: list[str] = field(default_factory=list)


def fit_classes(
    make: Callable[[], Decoder],
    X: np.ndarray,
    y: np.ndarray,
    *,
    n_folds: int,
    n_permutations: int,
    seed: int = 0,
    channels: Sequence[str] | None = None,
) -> ClassesFit:
    """Fit ``make()`` on all epochs; stratified CV accuracy, chance level, permutation p-value.

    Raises
    ------
    CalibrationError
        Fewer than two classes, or fewer trials of a class than the fit or the folds need.
    """
    labels, counts = np.unique(y, return_counts=True)
    trials = {str(c): int(k) for c, k in zip(labels, counts, strict=True)}
    notes: list[str] = []
    dec = _fit(make, X, y, channels, notes)  # raises for < 2 classes or < 2 trials of one
    if counts.min() < n_folds:
        c = str(labels[np.argmin(counts)])
        raise CalibrationError(
            f"calibration too short for {n_folds}-fold cross-validation: {counts.min()} trials "
            f"of class {c!r} (trials: {trials}); record {n_folds - counts.min()} more trials "
            f"of it, or use fewer folds",
            have=int(counts.min()),
            need=n_folds,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if n_permutations:
            res = permutation_test(make, X, y, n_permutations, n_folds, seed)
            folds = cross_val_accuracy(make, X, y, n_folds, seed)
            p: float | None = res.p_value
        else:
            folds, p = cross_val_accuracy(make, X, y, n_folds, seed), None
    return ClassesFit(
        dec, float(folds.mean()), folds, chance_level(y), p, n_permutations, trials, notes
    )
