"""Entropy and mutual information ``I(S; R)`` with limited-sampling bias correction.

Discrete estimators work on integer labels: stimuli ``s`` of shape (n_trials,) and responses of
shape (n_trials,) or (n_trials, L) (each row a response "word"). The plug-in ("naive")
estimate is biased upwards by roughly ``[Σ_s (R_s − 1) − (R − 1)] / (2 N ln 2)`` bits
(Panzeri & Treves 1996; ``R_s`` and ``R`` are the numbers of response values with non-zero
probability given ``s`` and overall, here the observed ones, ``N`` the number of trials).
:class:`Correction` selects how the bias is removed:

- ``PANZERI_TREVES``: subtract the analytic estimate above;
- ``SHUFFLE``: subtract the mean plug-in MI of ``n_shuffles`` random permutations of the
  stimulus labels (which has the same bias and no information); the fraction of permutations at
  least as large as the data is the p-value;
- ``NONE``: the plug-in value.

Continuous estimators for real-valued ``x`` and ``y``: :func:`gaussian_mutual_information`
(exact for jointly Gaussian data, ``½ log₂(det Σ_x det Σ_y / det Σ)``) and
:func:`ksg_mutual_information` (Kraskov–Stögbauer–Grassberger k-nearest-neighbour estimator 1,
max-norm, no distributional assumption). All results are in bits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike
from scipy import special
from scipy.spatial import cKDTree

from neurolink.models.dynamics.params import ModelError, as_float_array

__all__ = [
    "Correction",
    "MIResult",
    "coding_efficiency",
    "entropy",
    "gaussian_mutual_information",
    "ksg_mutual_information",
    "labels",
    "mutual_information",
    "panzeri_treves_bias",
    "quantize",
]


class Correction(Enum):
    """Bias correction of the discrete MI estimate (see the module docstring)."""

    NONE = "none"
    PANZERI_TREVES = "panzeri-treves"
    SHUFFLE = "shuffle"


@dataclass(frozen=True)
class MIResult:
    """A mutual-information estimate (bits).

    Parameters
    ----------
    mi : float
        Bias-corrected estimate (may be slightly negative when the true value is ~0).
    naive : float
        Plug-in estimate.
    bias : float
        The subtracted bias (``naive − mi``).
    p_value : float
        Fraction of label shuffles with plug-in MI >= ``naive`` (``SHUFFLE`` only, else NaN).
    n_trials : int
        Number of trials used.
    """

    mi: float
    naive: float
    bias: float
    p_value: float
    n_trials: int


def labels(values: ArrayLike, name: str = "values") -> np.ndarray:
    """Integer labels 0..m−1 of the distinct values (or distinct rows of a 2-D array).

    Parameters
    ----------
    values : array_like, shape (n,) or (n, L)
        Symbols, or response words (one row per trial).

    Returns
    -------
    numpy.ndarray, int64, shape (n,)
    """
    arr = np.asarray(values)
    if arr.ndim == 0 or arr.ndim > 2:
        raise ModelError(f"{name} must be 1-D or 2-D (trials × word), got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ModelError(f"{name} contains NaN or infinite values")
    if arr.ndim == 1:
        return np.unique(arr, return_inverse=True)[1].astype(np.int64)
    return np.unique(arr, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def quantize(x: ArrayLike, n_bins: int, equal_populated: bool = True) -> np.ndarray:
    """Discretise real values into ``n_bins`` labels.

    Parameters
    ----------
    x : array_like, shape (n,)
        Values.
    n_bins : int
        Number of bins (>= 2).
    equal_populated : bool
        Bins at the quantiles of ``x`` (default; maximises the response entropy) or of equal
        width between min and max.
    """
    arr = as_float_array("quantize", "x", x, ndim=1)
    if n_bins < 2:
        raise ModelError(f"quantize: n_bins must be >= 2, got {n_bins}")
    if equal_populated:
        edges = np.quantile(arr, np.linspace(0, 1, n_bins + 1)[1:-1])
    else:
        edges = np.linspace(arr.min(), arr.max(), n_bins + 1)[1:-1]
    return np.searchsorted(edges, arr, side="right").astype(np.int64)


def entropy(values: ArrayLike, miller_madow: bool = False) -> float:
    """Plug-in entropy (bits) of discrete symbols or words, optionally Miller–Madow corrected
    (``+ (m − 1) / (2 N ln 2)`` with ``m`` the number of observed values)."""
    lab = labels(values)
    if lab.size == 0:
        raise ModelError("entropy: no samples")
    counts = np.bincount(lab)
    h = _entropy_counts(counts)
    if miller_madow:
        h += (np.count_nonzero(counts) - 1) / (2 * lab.size * np.log(2))
    return float(h)


def mutual_information(
    stimuli: ArrayLike,
    responses: ArrayLike,
    correction: Correction | str = Correction.PANZERI_TREVES,
    n_shuffles: int = 200,
    rng: int | np.random.Generator | None = 0,
) -> MIResult:
    """``I(S; R)`` (bits) of discrete stimuli and responses with bias correction.

    Parameters
    ----------
    stimuli : array_like, shape (n_trials,)
        Stimulus of each trial (any hashable symbols).
    responses : array_like, shape (n_trials,) or (n_trials, L)
        Response of each trial (a symbol or a word of ``L`` symbols). Quantise real values
        first (:func:`quantize`).
    correction : Correction or str
        ``"panzeri-treves"`` (default), ``"shuffle"`` or ``"none"``.
    n_shuffles : int
        Permutations for ``"shuffle"``.
    rng : int, Generator or None
        Seed of the permutations.
    """
    s, r = _paired(stimuli, responses)
    corr = _correction(correction)
    naive = _mi_labels(s, r)
    p_value = float("nan")
    if corr is Correction.NONE:
        bias = 0.0
    elif corr is Correction.PANZERI_TREVES:
        bias = panzeri_treves_bias(s, r)
    else:
        if n_shuffles < 1:
            raise ModelError(f"mutual_information: n_shuffles must be >= 1, got {n_shuffles}")
        gen = np.random.default_rng(rng)
        null = np.array([_mi_labels(gen.permutation(s), r) for _ in range(n_shuffles)])
        bias = float(null.mean())
        p_value = float((1 + np.count_nonzero(null >= naive - 1e-12)) / (1 + n_shuffles))
    return MIResult(naive - bias, naive, bias, p_value, int(s.size))


def panzeri_treves_bias(stimuli: ArrayLike, responses: ArrayLike) -> float:
    """First-order bias of the plug-in MI (bits), Panzeri & Treves (1996), with the observed
    numbers of response values ``R_s`` per stimulus and ``R`` overall."""
    s, r = _paired(stimuli, responses)
    n = s.size
    r_all = np.unique(r).size
    r_per_s = sum(np.unique(r[s == k]).size - 1 for k in np.unique(s))
    return float((r_per_s - (r_all - 1)) / (2 * n * np.log(2)))


def coding_efficiency(
    stimuli: ArrayLike,
    responses: ArrayLike,
    correction: Correction | str = Correction.PANZERI_TREVES,
) -> float:
    """Fraction of the response entropy that is information about the stimulus,
    ``I(S; R) / H(R)`` (both bias-corrected; 0 for a constant response)."""
    mi = mutual_information(stimuli, responses, correction).mi
    h = entropy(responses, miller_madow=_correction(correction) is not Correction.NONE)
    return float(mi / h) if h > 0 else 0.0


def gaussian_mutual_information(x: ArrayLike, y: ArrayLike) -> float:
    """MI (bits) of ``x`` and ``y`` assuming they are jointly Gaussian.

    ``½ log₂(det Σ_x det Σ_y / det Σ_xy)`` from the sample covariances; for scalars this is
    ``−½ log₂(1 − ρ²)``, and for ``y = x + noise`` it is ``½ log₂(1 + SNR)``.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d_x)
    y : array_like, shape (n,) or (n, d_y)
    """
    xa, ya = _columns("x", x), _columns("y", y)
    if xa.shape[0] != ya.shape[0]:
        raise ModelError(f"x and y differ in length ({xa.shape[0]} vs {ya.shape[0]})")
    if xa.shape[0] <= xa.shape[1] + ya.shape[1]:
        raise ModelError("gaussian_mutual_information: need more samples than dimensions")
    cov = np.cov(np.hstack([xa, ya]), rowvar=False)
    dx = xa.shape[1]
    _, ld_x = np.linalg.slogdet(cov[:dx, :dx])
    _, ld_y = np.linalg.slogdet(cov[dx:, dx:])
    _, ld = np.linalg.slogdet(cov)
    return float(0.5 * (ld_x + ld_y - ld) / np.log(2))


def ksg_mutual_information(x: ArrayLike, y: ArrayLike, k: int = 3) -> float:
    """Kraskov–Stögbauer–Grassberger (2004) estimator 1 of MI (bits), max-norm.

    ``I = ψ(k) + ψ(N) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩``, where ``ε_i`` is the distance to the
    ``k``-th neighbour in the joint space and ``n_x``, ``n_y`` count the points strictly closer
    than ``ε_i`` in each marginal space. Add a tiny jitter to data with ties.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d_x)
    y : array_like, shape (n,) or (n, d_y)
    k : int
        Neighbour order (3–10 usual; larger = less variance, more bias).
    """
    xa, ya = _columns("x", x), _columns("y", y)
    n = xa.shape[0]
    if ya.shape[0] != n:
        raise ModelError(f"x and y differ in length ({n} vs {ya.shape[0]})")
    if not 1 <= k < n:
        raise ModelError(f"ksg_mutual_information: need 1 <= k < n, got k = {k}, n = {n}")
    joint = np.hstack([xa, ya])
    eps = cKDTree(joint).query(joint, k=k + 1, p=np.inf)[0][:, -1]
    radius = np.nextafter(eps, 0)  # strictly closer than ε
    nx = cKDTree(xa).query_ball_point(xa, radius, p=np.inf, return_length=True) - 1
    ny = cKDTree(ya).query_ball_point(ya, radius, p=np.inf, return_length=True) - 1
    mi = (
        special.digamma(k)
        + special.digamma(n)
        - np.mean(special.digamma(nx + 1) + special.digamma(ny + 1))
    )
    return float(mi / np.log(2))


# --- helpers -----------------------------------------------------------------------------------
def _entropy_counts(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-np.sum(p * np.log2(p)))


def _mi_labels(s: np.ndarray, r: np.ndarray) -> float:
    """Plug-in MI (bits) of two label arrays."""
    joint = s * (r.max() + 1) + r
    return (
        _entropy_counts(np.bincount(s))
        + _entropy_counts(np.bincount(r))
        - _entropy_counts(np.bincount(joint))
    )


def _paired(stimuli: ArrayLike, responses: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    s = labels(stimuli, "stimuli")
    if np.asarray(stimuli).ndim != 1:
        raise ModelError(f"stimuli must be 1-D, got shape {np.asarray(stimuli).shape}")
    r = labels(responses, "responses")
    if s.size != r.size:
        raise ModelError(f"stimuli and responses differ in number of trials ({s.size} vs {r.size})")
    if s.size < 2:
        raise ModelError(f"need at least 2 trials, got {s.size}")
    return s, r


def _correction(value: Correction | str) -> Correction:
    try:
        return Correction(value)
    except ValueError:
        raise ModelError(
            f"unknown correction {value!r} (expected one of {[c.value for c in Correction]})"
        ) from None


def _columns(name: str, value: ArrayLike) -> np.ndarray:
    arr = as_float_array("mutual information", name, value)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ModelError(f"{name} must be 1-D or 2-D (samples × dims), got shape {arr.shape}")
    return arr
