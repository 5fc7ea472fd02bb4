"""Detection accuracy against ground truth: one-to-one matching of spike times.

A detection matches a true spike when their sample indices differ by at most ``tol`` samples
(e.g. 0.4 ms: ``round(0.4e-3 * fs)``), each true spike and each detection matching at most once.
Because every true spike accepts the same window ``[t - tol, t + tol]``, taking true spikes in
time order and giving each the earliest unmatched detection in its window yields a maximum
matching (intervals of equal width, sorted by both ends).

Scoring a multichannel detection against ground-truth *units* (which channels count for a unit,
the filter's lag, attribution of false positives, SNR) is defined in :mod:`.evaluate`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["match_pairs", "match_spikes", "precision", "recall"]


def match_pairs(
    detected_idx: np.ndarray, true_idx: np.ndarray, tol_samples: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pair detections with true spikes one to one, within ``±tol_samples``.

    Parameters
    ----------
    detected_idx : array_like of int, shape (n_detected,)
        Sample indices of the detections (any order, repeats allowed).
    true_idx : array_like of int, shape (n_true,)
        Sample indices of the true spikes.
    tol_samples : int
        Largest accepted ``|detected - true|`` (samples), >= 0.

    Returns
    -------
    det_pos, true_pos : numpy.ndarray of int64, shape (n_matched,)
        Positions in the input arrays of the matched pairs (a maximum matching).
    """
    if tol_samples < 0:
        raise ValueError(f"tol_samples must be >= 0, got {tol_samples!r}")
    det = np.asarray(detected_idx, dtype=np.int64).reshape(-1)
    tru = np.asarray(true_idx, dtype=np.int64).reshape(-1)
    d_order = np.argsort(det, kind="stable")
    t_order = np.argsort(tru, kind="stable")
    ds, ts = det[d_order], tru[t_order]
    dp: list[int] = []
    tp: list[int] = []
    j = 0
    for i, t in enumerate(ts):
        while j < ds.size and ds[j] < t - tol_samples:
            j += 1  # too early for this and every later true spike
        if j < ds.size and ds[j] <= t + tol_samples:
            dp.append(int(d_order[j]))
            tp.append(int(t_order[i]))
            j += 1
    return np.asarray(dp, np.int64), np.asarray(tp, np.int64)


def match_spikes(
    detected_idx: np.ndarray, true_idx: np.ndarray, tol_samples: int
) -> tuple[int, int, int]:
    """Count true positives, false positives and false negatives of a detection.

    Parameters
    ----------
    detected_idx, true_idx : array_like of int
        Sample indices of the detections and of the true spikes.
    tol_samples : int
        Matching tolerance (samples).

    Returns
    -------
    tp, fp, fn : int
        Matched pairs, unmatched detections, unmatched true spikes.
    """
    dp, _ = match_pairs(detected_idx, true_idx, tol_samples)
    n_det = int(np.size(detected_idx))
    n_true = int(np.size(true_idx))
    return dp.size, n_det - dp.size, n_true - dp.size


def recall(tp: int, fn: int) -> float:
    """``tp / (tp + fn)`` (1.0 when there is nothing to find)."""
    return 1.0 if tp + fn == 0 else tp / (tp + fn)


def precision(tp: int, fp: int) -> float:
    """``tp / (tp + fp)`` (1.0 when nothing was detected)."""
    return 1.0 if tp + fp == 0 else tp / (tp + fp)
