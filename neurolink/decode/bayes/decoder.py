"""Bayesian population decoder: Poisson naive Bayes over a grid (Zhang et al. 1998).

Reference: Zhang K, Ginzburg I, McNaughton BL, Sejnowski TJ (1998) Interpreting neuronal
population activity by reconstruction: unified framework with application to hippocampal place
cells. J Neurophysiol 79:1017–1044. The "two-step" decoder of that paper is the continuity prior
here; the recursive prior is the full grid Bayes filter (prediction by a Gaussian random walk).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple, Self

import numpy as np

from neurolink.decode._docs import fill_doc
from neurolink.decode.base import Decoder
from neurolink.decode.bayes import _kernels as K
from neurolink.decode.bayes.filter import GridFilter
from neurolink.decode.bayes.grid import Grid, as_per_dim
from neurolink.decode.bayes.tuning import Basis, Tuning, cell_histograms, fit_tuning, min_bins
from neurolink.decode.checks import as_features, as_targets, check_enough, check_finite_counts
from neurolink.decode.errors import DecoderError
from neurolink.decode.moments import split_units, update_range

__all__ = ["BayesResult", "BayesianDecoder", "Estimate", "Prior", "Tuning"]

#: Calibration bins used to choose a prior's σ by its evidence, and the number of candidates.
SELECT_BINS = 3000
SELECT_STEPS = 9


class Prior(StrEnum):
    """Prior over the grid at each bin."""

    UNIFORM = "uniform"  # every cell equally likely
    OCCUPANCY = "occupancy"  # how often the calibration visited each cell
    CONTINUITY = "continuity"  # Gaussian around the previous estimate (two-step decoder)
    RECURSIVE = "recursive"  # previous posterior blurred by a Gaussian random walk (Bayes filter)


class Estimate(StrEnum):
    """Point estimate returned by ``predict`` and ``step``."""

    MAP = "map"
    MEAN = "mean"


class BayesResult(NamedTuple):
    """Everything decoded from a run of bins.

    Attributes
    ----------
    map : numpy.ndarray of float64, shape (n_bins, n_dims)
        Centre of the most probable cell.
    mean : numpy.ndarray of float64, shape (n_bins, n_dims)
        Posterior mean.
    posterior : numpy.ndarray of float64, shape (n_bins, *grid_shape)
        Posterior over the grid (each bin sums to 1).
    """

    map: np.ndarray
    mean: np.ndarray
    posterior: np.ndarray


class BayesianDecoder(Decoder):
    """Decode a 1-D or 2-D variable (position or velocity) from binned spike counts.

    For counts ``c`` (n_units,) in a bin of width τ, with tuning curves ``r_u(x)`` (Hz)::

        log p(x | c) = c · log r(x) − τ Σ_u r_u(x) + log prior(x) + const

    normalised over the grid by log-sum-exp.

    Parameters
    ----------
    bin_s : float
        Bin width τ (s) of the counts, in fitting and decoding alike.
    grid_shape : int or sequence of int
        Cells per dimension of the decoded variable.
    bounds : sequence of (float, float), optional
        Grid extent per dimension (units of the variable); default the calibration range
        widened by 5 % on each side.
    tuning : {"glm", "histogram"}
        Tuning-curve estimator (see :mod:`neurolink.decode.bayes.tuning`). Histograms need the
        calibration to visit most cells (e.g. position on a track); the GLM also extrapolates
        to cells rarely visited (e.g. velocity during center-out reaches, which fill only a few
        rays of the plane).
    smoothing : float
        Gaussian σ of the histogram smoothing (cells); also smooths the occupancy prior.
    basis : {"cosine", "quadratic"}
        GLM basis (``tuning="glm"`` only).
    ridge : float
        GLM L2 penalty on the non-constant coefficients.
    rate_floor : float
        Least rate of any unit in any cell (Hz), so no count is impossible.
    prior : {"uniform", "occupancy", "continuity", "recursive"}
        See :class:`Prior`. The first bin after :meth:`reset` always has a flat prior (or the
        occupancy prior).
    continuity_sigma : float or sequence of float, optional
        σ of the continuity prior (variable units, per dimension or one for all).
    transition_sigma : float or sequence of float, optional
        σ of the random walk of the recursive prior per bin (variable units).
        Default for both: chosen at fit time among ``s · 2^(k/2)``, ``k = 0 … 8``, where ``s``
        is the rms change of the variable from one bin to the next in the calibration data (at
        least half a cell), as the one under which the calibration counts are most probable
        (``Σ_t log p(c_t | c_1 … c_{t−1})`` over the first 3000 bins: type-II maximum
        likelihood). The random walk's own ``s`` is too narrow for smooth movements, whose
        velocity has momentum that a random walk lacks, and leaves the estimate lagging.
        :meth:`partial_fit` selects it on the call that first completes the model and keeps it.
    estimate : {"mean", "map"}
        Point estimate of :meth:`predict` and :meth:`step` (and centre of the continuity prior):
        the posterior mean (least squared error) or the centre of the most probable cell.

    Attributes
    ----------
    n_features_in_ : int
        Units in the input (dropped units included).
    channels_ : tuple of str or None
        Labels of the units.
    units_ : numpy.ndarray of int64, shape (n_kept,)
        Units used; ``dropped_units_`` holds the others (constant in calibration).
    grid_lower_, grid_upper_ : numpy.ndarray of float64, shape (n_dims,)
        Grid extent.
    grid_shape_ : tuple of int
    rates_ : numpy.ndarray of float64, shape (n_kept, n_cells)
        Tuning curves (Hz, floored) on the cells, in C order.
    occupancy_ : numpy.ndarray of float64, shape (n_cells,)
        Smoothed occupancy of the calibration, a probability.
    coef_ : numpy.ndarray of float64, shape (n_kept, n_basis)
        GLM coefficients (``tuning="glm"`` only).
    continuity_sigma_ : numpy.ndarray of float64, shape (n_dims,)
        σ of the continuity prior (``prior="continuity"`` only).
    transition_sigma_ : numpy.ndarray of float64, shape (n_dims,)
        σ of the random walk per bin (``prior="recursive"`` only).
    n_bins_seen_ : int
        Calibration bins seen by ``fit`` and ``partial_fit``.
    cell_bins_ : numpy.ndarray of float64, shape (n_cells,)
        Bins the variable spent in each cell (unsmoothed).
    cell_counts_ : numpy.ndarray of float64, shape (n_units, n_cells)
        Counts of every unit (dropped ones included) in each cell.
    sum_counts_, count_min_, count_max_ : numpy.ndarray of float64, shape (n_units,)
        Total, least and greatest count of each unit per bin.
    """

    model_version = 2  # 2: the cell histograms of partial_fit; the GLM fitted on them

    def __init__(
        self,
        bin_s: float = 0.02,
        grid_shape: int | Sequence[int] = 50,
        bounds: Sequence[tuple[float, float]] | None = None,
        tuning: Tuning | str = Tuning.GLM,
        smoothing: float = 1.5,
        basis: Basis | str = Basis.QUADRATIC,
        ridge: float = 1.0,
        rate_floor: float = 0.1,
        prior: Prior | str = Prior.UNIFORM,
        continuity_sigma: float | Sequence[float] | None = None,
        transition_sigma: float | Sequence[float] | None = None,
        estimate: Estimate | str = Estimate.MEAN,
    ) -> None:
        self.bin_s = bin_s
        self.grid_shape = grid_shape
        self.bounds = bounds
        self.tuning = tuning
        self.smoothing = smoothing
        self.basis = basis
        self.ridge = ridge
        self.rate_floor = rate_floor
        self.prior = prior
        self.continuity_sigma = continuity_sigma
        self.transition_sigma = transition_sigma
        self.estimate = estimate

    # ------------------------------------------------------------------ fit
    @fill_doc
    def fit(self, X: np.ndarray, y: np.ndarray, *, channels: Sequence[str] | None = None) -> Self:
        """Fit tuning curves, occupancy and prior widths.

        Parameters
        ----------
        X : array_like, shape (n_bins, n_units)
            Spike counts per bin (int or float, >= 0).
        y : array_like, shape (n_bins, n_dims) or (n_bins,)
            The decoded variable in each bin (n_dims = 1 or 2).
        channels : sequence of str, optional
            Labels of the units (checked by ``load(path, channels=...)``).

        %(returns_self)s

        Raises
        ------
        CalibrationError
            Fewer bins than grid cells (histogram) or than 10 per GLM coefficient.
        """
        X, Y = self._check_input(X, y, None)
        self._start_fit(X.shape[1], channels)
        return self._update(X, Y)

    @fill_doc
    def partial_fit(
        self, X: np.ndarray, y: np.ndarray, *, channels: Sequence[str] | None = None
    ) -> Self:
        """Add calibration bins to the cell histograms and fit the tuning curves again.

        The first call (on an unfitted decoder) starts a fit and fixes the grid: ``bounds``, or
        the range of its ``y`` widened by 5 % (later values outside it count in the edge cells).
        With given ``bounds`` (and, for the continuity or recursive prior, a given σ), fitting in
        chunks gives the model of one :meth:`fit` on their concatenation, for histograms and GLM
        alike (the GLM is refitted on the accumulated histograms, see
        :mod:`neurolink.decode.bayes.tuning`). A σ left to selection is chosen on the call that
        first completes the model and kept by later calls. The order of the bins does not matter.

        Parameters
        ----------
        %(X_counts_partial)s
        %(y_decoded)s
        %(channels_partial)s

        %(returns_self)s

        Raises
        ------
        CalibrationError
            Fewer bins seen in all than the tuning needs; the chunk is kept, so the next call
            goes on from it (the decoder stays unfitted until then).
        """
        first = "n_bins_seen_" not in vars(self)
        X, Y = self._check_input(X, y, None if first else self.n_features_in_)
        self._start_partial(first, X.shape[1], channels)
        if not first:
            self._check_same_width(Y.shape[1], len(self.grid_shape_), "dimensions")
        return self._update(X, Y)

    def _check_input(
        self, X: object, y: object, n_units: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        who = type(self).__name__
        X = as_features(X, who, n_units)
        check_finite_counts(X, who)
        Y = as_targets(y, X.shape[0], who)
        _ = (Tuning(self.tuning), Basis(self.basis), Prior(self.prior), Estimate(self.estimate))
        if not (self.bin_s > 0 and self.rate_floor > 0 and self.smoothing >= 0):
            raise ValueError(f"{who}: need bin_s > 0, rate_floor > 0, smoothing >= 0")
        return X, Y

    def _update(self, X: np.ndarray, Y: np.ndarray) -> Self:
        """Add a chunk to the histograms, then fit if enough bins have been seen."""
        u = X.shape[1]
        if "n_bins_seen_" not in vars(self):
            grid = Grid.cover(Y, self.grid_shape, self.bounds)
            self.grid_lower_, self.grid_upper_ = grid.lower, grid.upper
            self.grid_shape_ = grid.shape
            self.n_bins_seen_ = 0
            self.cell_bins_, self.cell_counts_ = np.zeros(grid.size), np.zeros((u, grid.size))
            self.sum_counts_ = np.zeros(u)
            self.count_min_, self.count_max_ = np.full(u, np.inf), np.full(u, -np.inf)
        grid = self.grid
        bins, spikes = cell_histograms(X, grid.index(Y), grid.size)
        self.cell_bins_ += bins
        self.cell_counts_ += spikes
        self.sum_counts_ += X.sum(axis=0)
        self.n_bins_seen_ += X.shape[0]
        update_range(self.count_min_, self.count_max_, X)
        self._solve(X, Y, grid)
        return self

    def _solve(self, X: np.ndarray, Y: np.ndarray, grid: Grid) -> None:
        """Tuning curves from the histograms; prior width (selected on ``X``, ``Y`` if new)."""
        who = type(self).__name__
        self._fitted = False
        need, why = min_bins(self.tuning, self.basis, grid)
        check_enough(who, self.n_bins_seen_, max(need, 2), "bins", why, self.bin_s)
        self.units_, self.dropped_units_ = split_units(
            self.count_min_, self.count_max_, vars(self).get("dropped_units_"), who, self.channels_
        )
        k = self.units_
        rates, self.occupancy_, coef = fit_tuning(
            self.cell_bins_,
            self.cell_counts_[k],
            self.sum_counts_[k] / self.n_bins_seen_,
            self.count_max_[k],
            grid,
            self.tuning,
            self.basis,
            self.bin_s,
            self.smoothing,
            self.ridge,
        )
        if coef is not None:
            self.coef_ = coef
        self.rates_ = np.maximum(rates, self.rate_floor)
        self._fit_prior_width(X, Y, grid)
        self._finish_fit()

    def _fit_prior_width(self, X: np.ndarray, Y: np.ndarray, grid: Grid) -> None:
        """``continuity_sigma_`` or ``transition_sigma_``: given, or selected by evidence."""
        prior = Prior(self.prior)
        if prior not in (Prior.CONTINUITY, Prior.RECURSIVE):
            return
        name = "continuity_sigma" if prior is Prior.CONTINUITY else "transition_sigma"
        given = getattr(self, name)
        if given is not None:
            setattr(self, name + "_", as_per_dim(given, grid.n_dims, name))
            return
        if name + "_" in vars(self):  # selected by an earlier partial_fit: kept
            return
        step_sd = np.std(np.diff(Y, axis=0), axis=0) if Y.shape[0] > 2 else np.zeros(grid.n_dims)
        self._select_sigma(X, name + "_", np.maximum(step_sd, 0.5 * grid.cell))

    def _select_sigma(self, X: np.ndarray, attr: str, step_sd: np.ndarray) -> None:
        """Set ``attr`` to the σ of largest calibration evidence among ``step_sd · 2^(k/2)``.

        The evidence is ``Σ_t log p(c_t | c_1 … c_{t−1})`` over the first :data:`SELECT_BINS`
        bins, each candidate decoding them with its prior (type-II maximum likelihood); the
        search tries every other factor, then the neighbours of the best.
        """
        Xs = X[:SELECT_BINS]
        evidence: dict[int, float] = {}

        def score(k: int) -> float:
            if k not in evidence:
                setattr(self, attr, step_sd * 2.0 ** (k / 2))
                self._prepare()
                est, _ = self._decode_rows(Xs, False)
                evidence[k] = float(est[1:, 5].sum())
            return evidence[k]

        best = max(range(0, SELECT_STEPS, 2), key=score)  # coarse: factors 1, 2, 4, …
        best = max((k for k in (best - 1, best, best + 1) if 0 <= k < SELECT_STEPS), key=score)
        setattr(self, attr, step_sd * 2.0 ** (best / 2))

    # ------------------------------------------------------------------ caches and state
    @property
    def grid(self) -> Grid:
        """The decoding grid (set by fit, before the decoder counts as fitted)."""
        if "grid_lower_" not in vars(self):
            self._check_fitted()
        return Grid(self.grid_lower_, self.grid_upper_, tuple(self.grid_shape_))

    def _prepare(self) -> None:
        grid = self.grid
        log_rates = np.zeros((self.n_features_in_, grid.size))
        log_rates[self.units_] = np.log(self.rates_)
        base = -self.bin_s * self.rates_.sum(axis=0)
        prior = Prior(self.prior)
        mode = {Prior.CONTINUITY: K.CONTINUITY, Prior.RECURSIVE: K.RECURSIVE}.get(prior, K.FLAT)
        if prior is Prior.OCCUPANCY:
            base = base + np.log(np.maximum(self.occupancy_, 1e-12))
        self._filter = GridFilter(
            log_rates,
            base,
            mode,
            grid,
            getattr(self, "continuity_sigma_", np.ones(grid.n_dims)),
            getattr(self, "transition_sigma_", grid.cell),
            Estimate(self.estimate) is Estimate.MEAN,
        )

    def reset(self) -> None:
        """Forget the previous bins: the next bin starts from the flat (or occupancy) prior."""
        if "_filter" in vars(self):
            self._filter.reset()

    # ------------------------------------------------------------------ online
    def step(self, x: np.ndarray) -> np.ndarray:
        """Decode one bin, updating the online state.

        Parameters
        ----------
        x : array_like, shape (n_units,)
            Counts of the bin (float64 avoids a conversion).

        Returns
        -------
        numpy.ndarray of float64, shape (n_dims,)
            The point estimate (``estimate``); :attr:`posterior` holds the posterior.
        """
        self._check_fitted()
        if type(x) is not np.ndarray or x.dtype != np.float64:
            x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.n_features_in_,):
            raise DecoderError(
                f"BayesianDecoder.step: counts have shape {x.shape}, the decoder was fitted on "
                f"{self.n_features_in_} units"
            )
        f = self._filter
        if not f.step(x):
            raise DecoderError(f"BayesianDecoder.step: counts must be finite and >= 0, got {x}")
        return f.res[f.mean_cols if f.use_mean else f.map_cols].copy()

    @property
    def posterior(self) -> np.ndarray:
        """Posterior of the last decoded bin, float64 (*grid_shape_,) (a copy)."""
        self._check_fitted()
        return self._filter.post.reshape(self.grid_shape_).copy()

    def _pick(self, est: np.ndarray, mean: bool | None = None) -> np.ndarray:
        """Columns of kernel results ``est`` (n, 6) holding the MAP or the mean."""
        f = self._filter
        return est[:, f.mean_cols if (f.use_mean if mean is None else mean) else f.map_cols]

    # ------------------------------------------------------------------ batch
    def _run(self, X: object, keep_posterior: bool) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        X = as_features(X, type(self).__name__, self.n_features_in_)
        check_finite_counts(X, type(self).__name__)
        return self._decode_rows(X, keep_posterior)

    def _decode_rows(self, X: np.ndarray, keep_posterior: bool) -> tuple[np.ndarray, np.ndarray]:
        """Kernel results (n_bins, 6) and posteriors of checked counts, from a reset state."""
        self._filter.reset()
        est, posts, bad = self._filter.run(X, keep_posterior)
        if bad >= 0:
            raise DecoderError(f"BayesianDecoder: bad counts in row {bad}")
        return est, posts

    @fill_doc
    def decode(self, X: np.ndarray) -> BayesResult:
        """MAP, posterior mean and posterior of every bin (from a reset state, in order).

        Parameters
        ----------
        %(X_counts)s

        Returns
        -------
        BayesResult
        """
        est, posts = self._run(X, True)
        return BayesResult(
            self._pick(est, False).copy(),
            self._pick(est, True).copy(),
            posts.reshape((-1, *self.grid_shape_)),
        )

    @fill_doc
    def predict(self, X: np.ndarray) -> np.ndarray:
        """Point estimates of every bin; the same as :meth:`reset` then :meth:`step` on each row.

        Parameters
        ----------
        %(X_counts)s

        Returns
        -------
        numpy.ndarray of float64, shape (n_bins, n_dims)
        """
        est, _ = self._run(X, False)
        return self._pick(est).copy()

    @fill_doc
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Posterior over the grid cells (flattened in C order) of every bin.

        Parameters
        ----------
        %(X_counts)s

        Returns
        -------
        numpy.ndarray of float64, shape (n_bins, n_cells)
            Rows sum to 1.
        """
        return self._run(X, True)[1]

    @fill_doc
    def log_likelihood(self, X: np.ndarray) -> np.ndarray:
        """Poisson log-likelihood of every cell, matrix form, without any prior.

        ``X @ log r − τ Σ_u r_u`` (dropped units ignored), i.e. ``Σ_u log Poisson(c_u; τ r_u(x))``
        up to a constant per bin (the ``−log c_u!`` and ``c_u log τ`` terms).

        Parameters
        ----------
        %(X_counts)s

        Returns
        -------
        numpy.ndarray of float64, shape (n_bins, n_cells)
        """
        self._check_fitted()
        X = as_features(X, type(self).__name__, self.n_features_in_)
        return X @ self._filter.log_rates - self.bin_s * self.rates_.sum(axis=0)
