"""Model assessment: R², stratified cross-validation, chance level and permutation tests.

Small and deterministic (seeded), so that calibration reports and tests are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from neurolink.decode.base import Decoder

__all__ = [
    "PermutationResult",
    "chance_level",
    "clone",
    "cross_val_accuracy",
    "permutation_test",
    "r2_score",
    "stratified_folds",
]


def r2_score(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Coefficient of determination per column, ``1 − SS_res / SS_tot``.

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n, n_dims) or (n,)

    Returns
    -------
    numpy.ndarray of float64, shape (n_dims,)
    """
    t = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    p = np.asarray(y_pred, dtype=np.float64).reshape(len(y_pred), -1)
    ss_res = np.sum((t - p) ** 2, axis=0)
    ss_tot = np.sum((t - t.mean(axis=0)) ** 2, axis=0)
    return 1.0 - ss_res / ss_tot


def clone(decoder: Decoder) -> Decoder:
    """An unfitted decoder with the same parameters."""
    return type(decoder)(**decoder.get_params())


def chance_level(y: np.ndarray) -> float:
    """Accuracy of always answering the most frequent class."""
    _, counts = np.unique(np.asarray(y), return_counts=True)
    return float(counts.max() / counts.sum())


def stratified_folds(
    y: np.ndarray, n_folds: int, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split sample indices into folds with the class proportions kept.

    Parameters
    ----------
    y : array_like, shape (n,)
        Class labels.
    n_folds : int
        Number of folds (≥ 2, at most the size of the smallest class).
    seed : int
        Seed of the shuffle within each class.

    Returns
    -------
    list of (train, test) index arrays (int64)
    """
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    if not 2 <= n_folds <= counts.min():
        raise ValueError(f"n_folds must be in [2, {counts.min()}] (smallest class), got {n_folds}")
    rng = np.random.default_rng(seed)
    fold = np.empty(y.size, dtype=np.int64)
    offset = 0
    for c in classes:
        idx = rng.permutation(np.flatnonzero(y == c))
        fold[idx] = (offset + np.arange(idx.size)) % n_folds
        offset += idx.size
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(n_folds)]


def cross_val_accuracy(
    make: Callable[[], Decoder], X: np.ndarray, y: np.ndarray, n_folds: int = 5, seed: int = 0
) -> np.ndarray:
    """Accuracy on each held-out fold of a freshly fitted decoder.

    Parameters
    ----------
    make : callable
        Returns a new unfitted decoder with ``fit`` and ``predict``.
    X : numpy.ndarray, shape (n, ...)
        Samples or epochs (first axis indexes them).
    y : array_like, shape (n,)
    n_folds, seed : int
        See :func:`stratified_folds`.

    Returns
    -------
    numpy.ndarray of float64, shape (n_folds,)
    """
    y = np.asarray(y)
    acc = []
    for train, test in stratified_folds(y, n_folds, seed):
        model = make().fit(X[train], y[train])
        acc.append(np.mean(model.predict(X[test]) == y[test]))  # type: ignore[attr-defined]
    return np.asarray(acc)


@dataclass(frozen=True)
class PermutationResult:
    """Outcome of :func:`permutation_test`.

    Attributes
    ----------
    score : float
        Mean cross-validated accuracy with the true labels.
    null : numpy.ndarray of float64, shape (n_permutations,)
        The same with shuffled labels.
    p_value : float
        ``(1 + #(null ≥ score)) / (1 + n_permutations)``, in (0, 1].
    chance : float
        Majority-class rate.
    """

    score: float
    null: np.ndarray
    p_value: float
    chance: float


def permutation_test(
    make: Callable[[], Decoder],
    X: np.ndarray,
    y: np.ndarray,
    n_permutations: int = 100,
    n_folds: int = 5,
    seed: int = 0,
) -> PermutationResult:
    """Cross-validated accuracy and its permutation p-value (Ojala & Garriga 2010, test 1).

    Folds are stratified by the labels in use; a shuffle keeps the class counts, so every
    labelling is cross-validated with folds of the same sizes.

    Parameters
    ----------
    make : callable
        Returns a new unfitted decoder.
    X : numpy.ndarray, shape (n, ...)
    y : array_like, shape (n,)
    n_permutations : int
        Number of label shuffles.
    n_folds, seed : int
        Folds, and the seed of the folds and of the shuffles.

    Returns
    -------
    PermutationResult
    """
    y = np.asarray(y)
    score = float(np.mean(cross_val_accuracy(make, X, y, n_folds, seed)))
    rng = np.random.default_rng(seed + 1)
    null = np.array(
        [
            np.mean(cross_val_accuracy(make, X, rng.permutation(y), n_folds, seed))
            for _ in range(n_permutations)
        ]
    )
    p = (1.0 + np.sum(null >= score)) / (1.0 + n_permutations)
    return PermutationResult(score, null, float(p), chance_level(y))
