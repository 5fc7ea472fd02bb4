"""Numba kernels of the Bayesian population decoder: one bin, and a run of bins.

The grid is always handled as 2-D, shape ``(n0, n1)`` flattened in C order (a 1-D grid has
``n0 == 1``). For one bin of counts ``c`` (n_units,)::

    log p(x | c) = Σ_u c_u log r_u(x) + base(x) + log prior(x) + const
    base(x)      = −τ Σ_u r_u(x)   (+ log occupancy for the occupancy prior)

The first sum runs over the units that fired only (counts are sparse in 10–50 ms bins), one
contiguous row of ``log_rates`` each. The posterior is normalised by log-sum-exp (the maximum is
subtracted before ``exp``), so hundreds of units cannot overflow or underflow it.

Every kernel writes the result of a bin into ``res`` (6,): ``[map0, map1, mean0, mean1, k, e]``
— grid coordinates of the MAP cell, the posterior mean, the flat index ``k`` of the MAP cell,
and ``e = log Σ_x exp(log p(x | c))`` before normalisation: the log evidence of the bin given
the previous ones (up to a constant per bin) when the prior is a normalised distribution.
Online state lives in caller-owned arrays (``post``, ``prev``, ``flag``) so that a run of bins
and the same bins one ``step`` at a time give bit-identical results.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["run_bins", "step_bin", "work_size"]

#: Prior modes understood by the kernels.
FLAT, CONTINUITY, RECURSIVE = 0, 1, 2
#: Weight of a uniform distribution mixed into the recursive prior, so no cell becomes impossible.
PRIOR_MIX = 1e-9


@njit(nogil=True, cache=True)
def _loglik(counts: np.ndarray, log_rates: np.ndarray, base: np.ndarray, out: np.ndarray) -> bool:
    """``out = base + counts @ log_rates``; False on a negative or non-finite count."""
    n_units, n_grid = log_rates.shape
    for g in range(n_grid):
        out[g] = base[g]
    for u in range(n_units):
        c = counts[u]
        if not (c >= 0.0 and c < np.inf):
            return False
        if c != 0.0:
            for g in range(n_grid):
                out[g] += c * log_rates[u, g]
    return True


@njit(nogil=True, cache=True)
def _add_continuity(
    out: np.ndarray, c0: np.ndarray, c1: np.ndarray, prev: np.ndarray, inv_var: np.ndarray
) -> None:
    """Add the separable Gaussian log prior centred on ``prev`` (2,), normalised on the grid."""
    n0, n1 = c0.size, c1.size
    m0 = 0.0
    for i in range(n0):  # log normalisers of the two factors (each factor's maximum is <= 0)
        m0 += math.exp(-0.5 * (c0[i] - prev[0]) ** 2 * inv_var[0])
    m1 = 0.0
    for j in range(n1):
        m1 += math.exp(-0.5 * (c1[j] - prev[1]) ** 2 * inv_var[1])
    log_z = math.log(max(m0, 1e-300)) + math.log(max(m1, 1e-300))
    for i in range(n0):
        a = -0.5 * (c0[i] - prev[0]) ** 2 * inv_var[0] - log_z
        for j in range(n1):
            d = c1[j] - prev[1]
            out[i * n1 + j] += a - 0.5 * d * d * inv_var[1]


def work_size(n0: int, n1: int, r0: int, r1: int) -> int:
    """Length of the scratch buffer of :func:`step_bin` for a grid (n0, n1), kernel radii r0, r1."""
    return 2 * n0 * n1 + n0 * (n1 + 2 * r1) + (n0 + 2 * r0) * n1


@njit(nogil=True, cache=True)
def _blur(
    post: np.ndarray, k0: np.ndarray, k1: np.ndarray, n0: int, work: np.ndarray
) -> np.ndarray:
    """The prior ``(1 − PRIOR_MIX) K * post + PRIOR_MIX / n``: the previous posterior blurred by
    the separable kernel ``k0 ⊗ k1``, with zero padding (mass that leaves the grid is lost).

    ``work`` holds, after the first ``n`` cells, a row-padded copy of ``post``, the
    column-padded result of the first pass, and the prior (returned, a view of ``work``); the
    padding is never written, so it stays zero. The tap loops run over contiguous rows.
    """
    n = post.size
    n1 = n // n0
    r0, r1 = k0.size // 2, k1.size // 2
    w1 = n1 + 2 * r1
    pad = work[n : n + n0 * w1]
    tmp = work[n + n0 * w1 : n + n0 * w1 + (n0 + 2 * r0) * n1]
    prior = work[work.size - n :]
    for i in range(n0):
        for j in range(n1):
            pad[i * w1 + r1 + j] = post[i * n1 + j]
    for i in range(n0):  # along axis 1, into rows r0 … r0 + n0 of tmp
        row = (r0 + i) * n1
        for j in range(n1):
            tmp[row + j] = 0.0
        for t in range(k1.size):
            w = k1[t]
            src = i * w1 + t
            for j in range(n1):
                tmp[row + j] += w * pad[src + j]
    for g in range(n):
        prior[g] = 0.0
    for i in range(n0):  # along axis 0
        for t in range(k0.size):
            w = k0[t]
            src = (i + t) * n1
            for j in range(n1):
                prior[i * n1 + j] += w * tmp[src + j]
    mix = PRIOR_MIX / n
    for g in range(n):
        prior[g] = (1.0 - PRIOR_MIX) * prior[g] + mix
    return prior


@njit(nogil=True, cache=True)
def _normalise(
    out: np.ndarray,
    prior: np.ndarray,
    use_prior: bool,
    c0: np.ndarray,
    c1: np.ndarray,
    res: np.ndarray,
) -> None:
    """Log posterior ``out`` (times ``prior`` when ``use_prior``) to the posterior, in place.

    ``res`` receives the MAP cell, the mean and the log evidence ``m + log Σ exp(out − m)·prior``.
    Without a prior the MAP is the argmax of ``out`` itself (no rounding by ``exp``).
    """
    n0, n1 = c0.size, c1.size
    k = 0
    m = out[0]
    for g in range(1, out.size):
        if out[g] > m:
            m = out[g]
            k = g
    s = 0.0
    s0 = 0.0
    s1 = 0.0
    best = -1.0
    for i in range(n0):
        row = 0.0
        for j in range(n1):
            g = i * n1 + j
            e = math.exp(out[g] - m)
            if use_prior:
                e *= prior[g]
                if e > best:
                    best = e
                    k = g
            out[g] = e
            row += e
            s1 += e * c1[j]
        s += row
        s0 += row * c0[i]
    inv = 1.0 / s
    for g in range(out.size):
        out[g] *= inv
    res[0] = c0[k // n1]
    res[1] = c1[k % n1]
    res[2] = s0 * inv
    res[3] = s1 * inv
    res[4] = k
    res[5] = m + math.log(s)


@njit(nogil=True, cache=True)
def step_bin(
    counts: np.ndarray,
    log_rates: np.ndarray,
    base: np.ndarray,
    mode: int,
    c0: np.ndarray,
    c1: np.ndarray,
    inv_var: np.ndarray,
    k0: np.ndarray,
    k1: np.ndarray,
    use_mean: bool,
    post: np.ndarray,
    work: np.ndarray,
    prev: np.ndarray,
    flag: np.ndarray,
    res: np.ndarray,
) -> bool:
    """Decode one bin; update the online state. False (state untouched) on a bad count.

    Parameters
    ----------
    counts : float64 (n_units,)
    log_rates : float64 (n_units, n_grid)
        ``log r_u(x)`` (rates in Hz; zero rows for dropped units).
    base : float64 (n_grid,)
        ``−τ Σ_u r_u(x)`` plus the log of a fixed prior.
    mode : int
        FLAT, CONTINUITY or RECURSIVE.
    c0, c1 : float64 (n0,), (n1,)
        Cell centres along each axis.
    inv_var : float64 (2,)
        ``1/σ²`` of the continuity prior per axis.
    k0, k1 : float64 (odd,)
        Transition kernel taps per axis (each sums to 1).
    use_mean : bool
        The continuity prior centres on the posterior mean (else on the MAP).
    post : float64 (n_grid,)
        In: previous posterior (recursive mode). Out: this bin's posterior.
    work : float64 (work_size(n0, n1, r0, r1),)
        Scratch (zeros where padding; see :func:`_blur`).
    prev : float64 (2,)
        Previous estimate (continuity mode), updated.
    flag : int64 (1,)
        1 once a bin has been decoded since reset (the first bin has a flat prior).
    res : float64 (6,)
        Output: ``[map0, map1, mean0, mean1, k, e]``.
    """
    n_grid = base.size
    out = work[:n_grid]
    if not _loglik(counts, log_rates, base, out):
        return False
    blurred = flag[0] == 1 and mode == RECURSIVE
    prior = _blur(post, k0, k1, c0.size, work) if blurred else out
    if flag[0] == 1 and mode == CONTINUITY:
        _add_continuity(out, c0, c1, prev, inv_var)
    _normalise(out, prior, blurred, c0, c1, res)
    for g in range(n_grid):
        post[g] = out[g]
    if use_mean:
        prev[0] = res[2]
        prev[1] = res[3]
    else:
        prev[0] = res[0]
        prev[1] = res[1]
    flag[0] = 1
    return True


@njit(nogil=True, cache=True)
def run_bins(
    X: np.ndarray,
    log_rates: np.ndarray,
    base: np.ndarray,
    mode: int,
    c0: np.ndarray,
    c1: np.ndarray,
    inv_var: np.ndarray,
    k0: np.ndarray,
    k1: np.ndarray,
    use_mean: bool,
    post: np.ndarray,
    work: np.ndarray,
    prev: np.ndarray,
    flag: np.ndarray,
    est: np.ndarray,
    posts: np.ndarray,
) -> int:
    """Decode the rows of ``X`` (n_bins, n_units) in order, exactly as repeated :func:`step_bin`.

    ``est`` (n_bins, 6) receives each bin's ``res``; ``posts`` (n_bins, n_grid) each posterior,
    unless it has zero rows. Returns the index of the first bad row, or -1.
    """
    keep = posts.shape[0] > 0
    for t in range(X.shape[0]):
        ok = step_bin(
            X[t], log_rates, base, mode, c0, c1, inv_var, k0, k1, use_mean,
            post, work, prev, flag, est[t],
        )  # fmt: skip
        if not ok:
            return t
        if keep:
            posts[t, :] = post
    return -1
