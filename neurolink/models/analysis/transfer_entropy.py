"""Transfer entropy between discrete time series, with a surrogate significance test.

``TE(X→Y) = I(Y_{t+1}; X_t^{(l)} | Y_t^{(k)})``: the information the last ``l`` values of the
source add about the next value of the target beyond the target's own last ``k`` values
(Schreiber 2000). With plug-in probabilities it equals
``H(Y⁺, Yᵏ) + H(Yᵏ, Xˡ) − H(Yᵏ) − H(Y⁺, Yᵏ, Xˡ)`` (bits).

Significance: the source is circularly shifted by random offsets (at least ``min_shift``
samples), which keeps both series' own dynamics but breaks their alignment. The surrogate
distribution gives a p-value and the bias, and ``effective = te − mean(surrogates)`` is the
bias-corrected TE (≈ 0 without coupling). Real-valued series must be quantised first
(:func:`~neurolink.models.analysis.information.quantize`); coarse bins of a source with its own
memory leak a little TE backwards (the binned past is not a sufficient statistic): use a
target history ``k`` that covers the target's memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.analysis.information import labels
from neurolink.models.dynamics.params import ModelError

__all__ = ["TEResult", "transfer_entropy"]


@dataclass(frozen=True)
class TEResult:
    """A transfer-entropy estimate (bits).

    Parameters
    ----------
    te : float
        Plug-in transfer entropy.
    effective : float
        ``te`` minus the mean of the surrogates (bias-corrected).
    p_value : float
        ``(1 + #{surrogate >= te}) / (1 + n_surrogates)``.
    null_mean, null_std : float
        Mean and standard deviation of the surrogate values.
    """

    te: float
    effective: float
    p_value: float
    null_mean: float
    null_std: float


def transfer_entropy(
    source: ArrayLike,
    target: ArrayLike,
    target_history: int = 1,
    source_history: int = 1,
    n_surrogates: int = 100,
    min_shift: int | None = None,
    rng: int | np.random.Generator | None = 0,
) -> TEResult:
    """Transfer entropy from ``source`` to ``target`` (discrete symbols).

    Parameters
    ----------
    source, target : array_like, shape (n_samples,)
        Symbol sequences sampled at the same times.
    target_history, source_history : int
        History lengths ``k`` of the target and ``l`` of the source (>= 1).
    n_surrogates : int
        Circular-shift surrogates for the test (0 = none; p-value and null then NaN).
    min_shift : int, optional
        Smallest shift of a surrogate (default ``max(k, l) + 10``).
    rng : int, Generator or None
        Seed of the shifts.

    Returns
    -------
    TEResult
    """
    x = labels(source, "source")
    y = labels(target, "target")
    if np.asarray(source).ndim != 1 or np.asarray(target).ndim != 1:
        raise ModelError("transfer_entropy: source and target must be 1-D sequences")
    if x.size != y.size:
        raise ModelError(f"source and target differ in length ({x.size} vs {y.size})")
    k, lag_s = target_history, source_history
    if k < 1 or lag_s < 1:
        raise ModelError(
            f"transfer_entropy: history lengths must be >= 1, got target {k}, source {lag_s}"
        )
    h = max(k, lag_s)
    if x.size < h + 10:
        raise ModelError(f"transfer_entropy: {x.size} samples is too short for history {h}")
    shift0 = h + 10 if min_shift is None else int(min_shift)
    if n_surrogates > 0 and not 0 < shift0 < x.size - shift0:
        raise ModelError(f"transfer_entropy: min_shift {shift0} leaves no room for shifts")
    y_next, y_past = _embed(y, k, h)
    te = _te(_embed(x, lag_s, h)[1], y_next, y_past)
    if n_surrogates <= 0:
        nan = float("nan")
        return TEResult(te, nan, nan, nan, nan)
    gen = np.random.default_rng(rng)
    shifts = gen.integers(shift0, x.size - shift0, size=n_surrogates)
    null = np.array([_te(_embed(np.roll(x, int(s)), lag_s, h)[1], y_next, y_past) for s in shifts])
    p = (1 + np.count_nonzero(null >= te - 1e-12)) / (1 + n_surrogates)
    return TEResult(
        te,
        te - float(null.mean()),
        float(p),
        float(null.mean()),
        float(null.std(ddof=1)) if n_surrogates > 1 else 0.0,
    )


def _embed(z: np.ndarray, depth: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Next values ``z[t+1]`` and history labels of ``z[t−depth+1..t]`` for ``t = h−1..n−2``."""
    n = z.size
    base = int(z.max()) + 1
    past = np.zeros(n - h, dtype=np.int64)
    for lag in range(depth):
        past = past * base + z[h - 1 - lag : n - 1 - lag]
    return z[h:], np.unique(past, return_inverse=True)[1].reshape(-1)


def _te(x_past: np.ndarray, y_next: np.ndarray, y_past: np.ndarray) -> float:
    """``H(Y⁺,Yᵏ) + H(Yᵏ,Xˡ) − H(Yᵏ) − H(Y⁺,Yᵏ,Xˡ)`` in bits."""
    ny, nx = y_past.max() + 1, x_past.max() + 1
    yy = y_next * ny + y_past
    yx = y_past * nx + x_past
    yyx = yy * nx + x_past
    return max(0.0, _h(yy) + _h(yx) - _h(y_past) - _h(yyx))


def _h(lab: np.ndarray) -> float:
    counts = np.bincount(lab)
    p = counts[counts > 0] / lab.size
    return float(-np.sum(p * np.log2(p)))
