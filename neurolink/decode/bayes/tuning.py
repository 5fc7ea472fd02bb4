"""Tuning curves (firing rate as a function of the decoded variable) from calibration data.

Two estimators, both returning rates in Hz on the cells of a
:class:`~neurolink.decode.bayes.grid.Grid`. The calibration enters both as histograms over the
cells (:func:`cell_histograms`: bins spent in each cell and each unit's counts there), which add
up over chunks of data, so that
``BayesianDecoder.partial_fit`` updates either estimator exactly:

- :func:`histogram_rates` — occupancy-normalised histograms, both smoothed by the same Gaussian:
  ``r(x) = (G * spikes + a·c̄)(x) / ((G * occupancy + a)(x) · τ)``, where ``a`` =
  :data:`PSEUDO_BINS` bins of pseudo-occupancy at the unit's mean count ``c̄`` pull rarely
  visited cells toward the unit's mean rate instead of leaving them undefined;
- :func:`glm_fit` / :func:`glm_rates` — a Poisson GLM, ``log E[c] = β · φ(z)``, on a basis ``φ``
  of the variable scaled to [−1, 1] by the grid (``cosine``: 1 and the linear terms, i.e.
  exponential cosine tuning for a velocity; ``quadratic``: also all second-order terms), fitted
  for all units at once by Newton's method (IRLS) with step halving and a ridge on the
  non-constant terms. Best when data are sparse (few visits per cell). The variable is taken
  at the centre of its cell (binned: at most half a cell off), which makes the cell histograms
  the GLM's sufficient statistics; every fit starts Newton from the same point (the mean rate),
  so the result depends on the data only, not on how they were chunked.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import scipy.linalg
from scipy.ndimage import gaussian_filter

from neurolink.decode.bayes.grid import Grid

__all__ = [
    "PSEUDO_BINS",
    "Basis",
    "Tuning",
    "basis_matrix",
    "cell_histograms",
    "fit_tuning",
    "glm_fit",
    "glm_rates",
    "histogram_rates",
    "min_bins",
]

#: Pseudo-occupancy (bins) at the unit's mean count, added to every smoothed cell.
PSEUDO_BINS = 0.5
_ETA_MAX = 30.0  # clip of the linear predictor (log counts per bin) against overflow


class Tuning(StrEnum):
    """How tuning curves are estimated."""

    HISTOGRAM = "histogram"
    GLM = "glm"


class Basis(StrEnum):
    """Basis functions of the Poisson GLM."""

    COSINE = "cosine"
    QUADRATIC = "quadratic"


def cell_histograms(
    counts: np.ndarray, cells: np.ndarray, n_cells: int
) -> tuple[np.ndarray, np.ndarray]:
    """Bins spent in each cell, and the counts of each unit there (the running sums of fits).

    Parameters
    ----------
    counts : numpy.ndarray of float64, shape (n_bins, n_units)
    cells : numpy.ndarray of int64, shape (n_bins,)
        Grid cell of the variable in each bin.
    n_cells : int

    Returns
    -------
    bins : numpy.ndarray of float64, shape (n_cells,)
    spikes : numpy.ndarray of float64, shape (n_units, n_cells)
    """
    bins = np.bincount(cells, minlength=n_cells).astype(np.float64)
    spikes = np.empty((counts.shape[1], n_cells))
    for u in range(counts.shape[1]):
        spikes[u] = np.bincount(cells, weights=counts[:, u], minlength=n_cells)
    return bins, spikes


def histogram_rates(
    bins: np.ndarray,
    spikes: np.ndarray,
    mean_counts: np.ndarray,
    grid: Grid,
    bin_s: float,
    smoothing: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed, occupancy-normalised tuning curves.

    Parameters
    ----------
    bins, spikes : numpy.ndarray of float64, shapes (grid.size,) and (n_units, grid.size)
        Occupancy and spike counts per cell (:func:`cell_histograms`).
    mean_counts : numpy.ndarray of float64, shape (n_units,)
        Mean count per bin of each unit.
    grid : Grid
    bin_s : float
        Bin width τ (s).
    smoothing : float
        Gaussian σ (cells); 0 for none.

    Returns
    -------
    rates : numpy.ndarray of float64, shape (n_units, grid.size)
        Hz.
    occupancy : numpy.ndarray of float64, shape (grid.size,)
        Smoothed occupancy as a probability (sums to 1).
    """
    n_units = spikes.shape[0]
    occ = bins.reshape(grid.shape)
    spk = spikes.reshape((n_units, *grid.shape))
    if smoothing > 0:
        occ = gaussian_filter(occ, smoothing, mode="constant")
        spk = gaussian_filter(spk, (0, *([smoothing] * grid.n_dims)), mode="constant")
    occ_flat = occ.ravel()
    num = spk.reshape(n_units, grid.size) + PSEUDO_BINS * mean_counts[:, None]
    rates = num / ((occ_flat + PSEUDO_BINS)[None, :] * bin_s)
    return rates, occ_flat / occ_flat.sum()


def basis_matrix(z: np.ndarray, basis: Basis | str) -> np.ndarray:
    """Basis functions of scaled values.

    Parameters
    ----------
    z : numpy.ndarray of float64, shape (n, n_dims)
        The variable scaled to about [−1, 1].
    basis : Basis or str

    Returns
    -------
    numpy.ndarray of float64, shape (n, n_basis)
        Columns: 1, z_d, and for ``quadratic`` z_i z_j (i ≤ j).
    """
    cols = [np.ones(z.shape[0]), *z.T]
    if Basis(basis) is Basis.QUADRATIC:
        d = z.shape[1]
        cols += [z[:, i] * z[:, j] for i in range(d) for j in range(i, d)]
    return np.ascontiguousarray(np.stack(cols, axis=1))


def _evaluate(
    B: np.ndarray, C: np.ndarray, w: np.ndarray, beta: np.ndarray, ridge: float
) -> tuple[np.ndarray, np.ndarray]:
    """Expected counts per bin ``mu`` (n_rows, n_units) and penalised log-likelihood (n_units,)."""
    eta = np.minimum(B @ beta.T, _ETA_MAX)
    mu = np.exp(eta)
    ll = np.einsum("nu,nu->u", C, eta) - w @ mu
    return mu, ll - 0.5 * ridge * (beta[:, 1:] ** 2).sum(axis=1)


def glm_fit(
    B: np.ndarray,
    C: np.ndarray,
    ridge: float,
    weights: np.ndarray | None = None,
    max_iter: int = 50,
    tol: float = 1e-6,
) -> np.ndarray:
    """Fit ``log E[C[:, u]] = log w + B @ β_u`` for every unit by damped Newton steps.

    Parameters
    ----------
    B : numpy.ndarray of float64, shape (n_rows, n_basis)
        Basis, first column all ones (not penalised).
    C : numpy.ndarray of float64, shape (n_rows, n_units)
        Counts in each row.
    ridge : float
        L2 penalty on the non-constant coefficients (log-likelihood units).
    weights : numpy.ndarray of float64, shape (n_rows,), optional
        Bins each row sums (the exposure ``w``; default 1): ``C`` of a row of ``w`` bins with the
        same basis values is their summed counts, and the log-likelihood is that of the bins.
    max_iter : int
        Newton iterations at most.
    tol : float
        Stop when no coefficient moves by more than this.

    Returns
    -------
    numpy.ndarray of float64, shape (n_units, n_basis)
        Coefficients β (log counts per bin).
    """
    n, p = B.shape
    u = C.shape[1]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    beta = np.zeros((u, p))
    beta[:, 0] = np.log(np.maximum(C.sum(axis=0) / w.sum(), 1e-6))
    pen = np.full(p, float(ridge))
    pen[0] = 0.0
    BB = (B[:, :, None] * B[:, None, :]).reshape(n, p * p)
    mu, obj = _evaluate(B, C, w, beta, ridge)
    for _ in range(max_iter):
        grad = (C - w[:, None] * mu).T @ B - pen * beta  # (u, p)
        hess = ((w[:, None] * mu).T @ BB).reshape(u, p, p) + np.diag(pen + 1e-10)
        delta = np.stack(
            [scipy.linalg.solve(h, g, assume_a="pos") for h, g in zip(hess, grad, strict=True)]
        )
        t = np.ones(u)
        for _half in range(30):  # step halving, per unit, until no unit got worse
            mu_new, new = _evaluate(B, C, w, beta + t[:, None] * delta, ridge)
            worse = new < obj - 1e-12 * np.abs(obj)
            if not worse.any():
                break
            t[worse] *= 0.5
        beta = beta + t[:, None] * delta
        mu, obj = mu_new, new
        if np.max(np.abs(t[:, None] * delta)) < tol:
            break
    return beta


def glm_rates(
    beta: np.ndarray, grid: Grid, basis: Basis | str, bin_s: float, cap: np.ndarray
) -> np.ndarray:
    """Rates (Hz) of fitted GLMs on the grid cells, float64 (n_units, grid.size).

    ``cap`` (n_units,) bounds each unit's rate (Hz), so a quadratic term cannot extrapolate to
    absurd rates in cells the calibration never visited.
    """
    z = scale_to_grid(grid.points(), grid)
    eta = np.minimum(basis_matrix(z, basis) @ beta.T, _ETA_MAX)
    return np.minimum(np.exp(eta).T / bin_s, cap[:, None])


def scale_to_grid(y: np.ndarray, grid: Grid) -> np.ndarray:
    """Values mapped to [−1, 1] by the grid bounds, float64 (n, n_dims)."""
    mid = 0.5 * (grid.lower + grid.upper)
    half = 0.5 * (grid.upper - grid.lower)
    return (y - mid) / half


def min_bins(tuning: Tuning | str, basis: Basis | str, grid: Grid) -> tuple[int, str]:
    """Fewest calibration bins that can fit the tuning curves, and the rule, for messages."""
    if Tuning(tuning) is Tuning.HISTOGRAM:
        return grid.size, f"one per grid cell, {grid.shape}"
    n_basis = basis_matrix(np.zeros((1, grid.n_dims)), basis).shape[1]
    return 10 * n_basis, f"10 per GLM coefficient, {n_basis}"


def fit_tuning(
    bins: np.ndarray,
    spikes: np.ndarray,
    mean_counts: np.ndarray,
    max_counts: np.ndarray,
    grid: Grid,
    tuning: Tuning | str,
    basis: Basis | str,
    bin_s: float,
    smoothing: float,
    ridge: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Tuning curves on the grid by either estimator, and the smoothed occupancy.

    Both estimators take the calibration binned onto the grid (:func:`cell_histograms`): the
    histograms directly; the GLM with each visited cell as one row at the cell's centre,
    weighted by the bins spent there (the binned covariate makes these the GLM's sufficient
    statistics, so sums over chunks fit the GLM of the whole calibration).

    Parameters
    ----------
    bins, spikes : numpy.ndarray of float64, shapes (grid.size,) and (n_units, grid.size)
        Occupancy and spike counts per cell.
    mean_counts, max_counts : numpy.ndarray of float64, shape (n_units,)
        Mean and largest count per bin of each unit (the largest caps GLM rates).
    grid : Grid
    tuning, basis : str
    bin_s, smoothing, ridge : float
        See :class:`~neurolink.decode.bayes.BayesianDecoder`.

    Returns
    -------
    rates : numpy.ndarray of float64, shape (n_units, grid.size)
        Hz (not yet floored).
    occupancy : numpy.ndarray of float64, shape (grid.size,)
    coef : numpy.ndarray of float64, shape (n_units, n_basis), or None for histograms
    """
    rates, occupancy = histogram_rates(bins, spikes, mean_counts, grid, bin_s, smoothing)
    if Tuning(tuning) is Tuning.HISTOGRAM:
        return rates, occupancy, None
    seen = bins > 0
    B = basis_matrix(scale_to_grid(grid.points()[seen], grid), basis)
    coef = glm_fit(B, spikes[:, seen].T, ridge, weights=bins[seen])
    cap = np.maximum(max_counts, 1.0) / bin_s
    return glm_rates(coef, grid, basis, bin_s, cap), occupancy, coef
