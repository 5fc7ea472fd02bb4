"""Wiener filter: ridge regression of the decoded variable on a causal history of bins.

The standard linear baseline of intracortical BCIs (Carmena et al. 2003, PLoS Biol 1:e42;
Hochberg et al. 2006, Nature 442:164)::

    ŷ_t = b + Σ_{i=0}^{L−1} β_iᵀ (x_{t−i} − x̄)

where ``x̄`` are the calibration mean counts; bins before the start of a run count as ``x̄`` (no
information). The normal equations are built from lagged cross-products of the counts (block
Toeplitz up to edge terms), never from the ``(n_bins, L·n_units)`` design matrix.

Those products, the sums, and the first and last ``L − 1`` bins are kept as learned attributes:
:meth:`WienerFilter.partial_fit` adds consecutive chunks of a recording to them (the last
``L − 1`` bins of one chunk are the history of the next), so fitting in chunks solves the very
normal equations of one fit on the whole recording, and a loaded model can go on learning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import scipy.linalg

from neurolink.decode._docs import fill_doc
from neurolink.decode.base import Decoder
from neurolink.decode.checks import as_features, as_targets, check_enough
from neurolink.decode.errors import DecoderError
from neurolink.decode.moments import centred, first_mean, split_units, update_range

__all__ = ["WienerFilter"]


def _accumulate_lags(
    P: np.ndarray, Q: np.ndarray, tail: np.ndarray, Xs: np.ndarray, Ys: np.ndarray
) -> np.ndarray:
    """Add a chunk to the lagged products, in place; return the stream extended by it.

    ``P[k] += Σ_s x_s x_{s−k}ᵀ`` and ``Q[i] += Σ_t x_{t−i} y_tᵀ`` over the new bins ``s, t`` whose
    partner bin exists (``s − k ≥ 0``, ``t − i ≥ 0`` in the whole stream); ``tail`` holds the last
    ``n_lags − 1`` bins of the earlier chunks (fewer only at the start of the stream).

    Parameters
    ----------
    P : numpy.ndarray of float64, shape (n_lags, n_units, n_units)
    Q : numpy.ndarray of float64, shape (n_lags, n_units, n_dims)
    tail : numpy.ndarray of float64, shape (<= n_lags − 1, n_units)
    Xs : numpy.ndarray of float64, shape (n_bins, n_units)
    Ys : numpy.ndarray of float64, shape (n_bins, n_dims)

    Returns
    -------
    numpy.ndarray of float64, shape (len(tail) + n_bins, n_units)
    """
    ext = np.vstack([tail, Xs])
    t0, m = tail.shape[0], ext.shape[0]
    for k in range(P.shape[0]):
        a = max(t0, k)
        if a < m:
            P[k] += ext[a:].T @ ext[a - k : m - k]
            Q[k] += ext[a - k : m - k].T @ Ys[a - t0 :]
    return ext


def _normal_equations(
    P: np.ndarray,
    Q: np.ndarray,
    sx: np.ndarray,
    sy: np.ndarray,
    head_x: np.ndarray,
    head_y: np.ndarray,
    tail_x: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Centred normal equations of the zero-padded lagged design, from running sums.

    The design row of bin ``t`` is ``D_t = [x̃_t, x̃_{t−1}, …]`` with ``x̃ = x − x̄`` (``x̄``: the
    mean of all ``n`` bins) and ``x̃_s = 0`` for ``s < 0`` (bins before the run count as the
    mean). Block ``(i, j)``, ``k = j − i ≥ 0``, of ``Σ_t D_t D_tᵀ`` is
    ``Σ_{s=k}^{n−1−i} x̃_s x̃_{s−k}ᵀ``: the centred ``P[k]`` less the last ``i`` bins' terms.

    Parameters
    ----------
    P, Q : numpy.ndarray of float64, shapes (L, u, u) and (L, u, d)
        Lagged products of the shifted counts ``x`` and targets ``y`` (see
        :func:`_accumulate_lags`).
    sx, sy : numpy.ndarray of float64, shapes (u,) and (d,)
        ``Σ x``, ``Σ y``.
    head_x, head_y : numpy.ndarray of float64, shapes (>= L − 1, u) and (>= L − 1, d)
        The first bins of the stream.
    tail_x : numpy.ndarray of float64, shape (>= L − 1, u)
        The last bins of the stream.
    n : int
        Bins in the stream (``n ≥ L − 1``).

    Returns
    -------
    G : numpy.ndarray of float64, shape (L·u, L·u)
        ``Σ_t (D_t − m)(D_t − m)ᵀ`` (no ridge).
    C : numpy.ndarray of float64, shape (L·u, d)
        ``Σ_t (D_t − m)(y_t − ȳ)ᵀ``.
    m : numpy.ndarray of float64, shape (L·u,)
        Mean design row.
    y_mean : numpy.ndarray of float64, shape (d,)
    """
    L, u, _ = Q.shape
    a, y_mean = sx / n, sy / n
    tail = tail_x[tail_x.shape[0] - (L - 1) :] - a if L > 1 else tail_x[:0]
    last = [tail[tail.shape[0] - i :].sum(axis=0) for i in range(L)]  # Σ x̃ of the last i bins
    G = np.empty((L * u, L * u))
    for k in range(L):
        Rk = centred(P[k], sx - head_x[:k].sum(axis=0), sx - (last[k] + k * a), n - k, a, a)
        for i in range(L - k):
            j = i + k
            blk = Rk - tail[L - 1 - i :].T @ tail[L - 1 - i - k : L - 1 - k] if i else Rk
            G[i * u : (i + 1) * u, j * u : (j + 1) * u] = blk
            G[j * u : (j + 1) * u, i * u : (i + 1) * u] = blk.T
    m = np.concatenate([(sx - n * a) - last[i] for i in range(L)]) / n
    C = np.empty((L * u, Q.shape[2]))
    for i in range(L):
        mi = m[i * u : (i + 1) * u]
        C[i * u : (i + 1) * u] = (
            Q[i] - np.outer(a, sy - head_y[:i].sum(axis=0)) - np.outer(n * mi, y_mean)
        )
    G -= n * np.outer(m, m)
    return G, C, m, y_mean


class WienerFilter(Decoder):
    """Causal linear decoder on the last ``n_lags`` bins, ridge-regularised.

    Parameters
    ----------
    n_lags : int
        Bins of history, the current one included (10 bins of 20 ms = 200 ms).
    alpha : float
        Ridge penalty on the coefficients (counts² · variable² units; 0 = least squares).

    Attributes
    ----------
    n_features_in_ : int
    channels_ : tuple of str or None
    units_, dropped_units_ : numpy.ndarray of int64
        Units used, and units left out (constant in all the calibration data seen).
    mean_counts_ : numpy.ndarray of float64, shape (n_kept,)
        Calibration mean counts of the kept units.
    coef_ : numpy.ndarray of float64, shape (n_lags, n_kept, n_dims)
        ``β_i``: weight of the counts ``i`` bins back.
    intercept_ : numpy.ndarray of float64, shape (n_dims,)
    n_bins_seen_ : int
        Calibration bins seen by ``fit`` and ``partial_fit``.
    count_shift_, target_shift_ : numpy.ndarray of float64, shapes (n_units,) and (n_dims,)
        Reference subtracted from the counts and the variable before summing (the means of the
        first chunk); the sums below are of the shifted values ``x``, ``y``.
    sum_counts_, sum_target_ : numpy.ndarray of float64, shapes (n_units,) and (n_dims,)
        ``Σ x``, ``Σ y``.
    lag_products_ : numpy.ndarray of float64, shape (n_lags, n_units, n_units)
        ``Σ_s x_s x_{s−k}ᵀ`` for lag ``k``.
    lag_cross_ : numpy.ndarray of float64, shape (n_lags, n_units, n_dims)
        ``Σ_t x_{t−i} y_tᵀ`` for lag ``i``.
    head_counts_, head_target_ : numpy.ndarray of float64, shape (<= n_lags − 1, ·)
        The first bins of the calibration (shifted).
    tail_counts_ : numpy.ndarray of float64, shape (<= n_lags − 1, n_units)
        The last bins (shifted): the history of the next chunk.
    count_min_, count_max_ : numpy.ndarray of float64, shape (n_units,)
        Range of each unit so far (constant units are dropped).
    """

    model_version = 2  # 2: the running sums of partial_fit

    def __init__(self, n_lags: int = 10, alpha: float = 1.0) -> None:
        self.n_lags = n_lags
        self.alpha = alpha

    @fill_doc
    def fit(self, X: np.ndarray, y: np.ndarray, *, channels: Sequence[str] | None = None) -> Self:
        """Solve the ridge normal equations.

        Parameters
        ----------
        %(X_counts)s
        %(y_decoded)s
        %(channels_units)s

        %(returns_self)s

        Raises
        ------
        CalibrationError
            Fewer than ``n_lags · n_kept + 1`` bins.
        """
        X, Y = self._check_input(X, y, None)
        self._start_fit(X.shape[1], channels)
        return self._update(X, Y)

    @fill_doc
    def partial_fit(
        self, X: np.ndarray, y: np.ndarray, *, channels: Sequence[str] | None = None
    ) -> Self:
        """Add the next chunk of the calibration recording and solve again.

        Chunks are consecutive bins of one recording: the last ``n_lags − 1`` bins of the
        previous chunk are the history of this one's first bins. Fitting in chunks gives the
        coefficients of one :meth:`fit` on their concatenation (to rounding). The first call (on
        an unfitted decoder) starts a fit; ``n_lags`` is read then, ``alpha`` at every call.

        Parameters
        ----------
        %(X_counts_partial)s
        %(y_decoded)s
        %(channels_partial)s

        %(returns_self)s

        Raises
        ------
        CalibrationError
            Fewer than ``n_lags · n_kept + 1`` bins seen in all; the chunk is kept, so the next
            call goes on from it (the decoder stays unfitted until then).
        """
        first = "n_bins_seen_" not in vars(self)
        X, Y = self._check_input(X, y, None if first else self.n_features_in_)
        self._start_partial(first, X.shape[1], channels)
        if not first:
            if self.lag_products_.shape[0] != int(self.n_lags):
                raise DecoderError("WienerFilter.partial_fit: n_lags changed; call fit")
            self._check_same_width(Y.shape[1], self.sum_target_.size, "dimensions")
        return self._update(X, Y)

    def _check_input(
        self, X: object, y: object, n_units: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        who = type(self).__name__
        if int(self.n_lags) != self.n_lags or self.n_lags < 1 or not self.alpha >= 0:
            raise ValueError(f"{who}: need an integer n_lags >= 1 and alpha >= 0")
        X = as_features(X, who, n_units)
        return X, as_targets(y, X.shape[0], who)

    def _update(self, X: np.ndarray, Y: np.ndarray) -> Self:
        """Accumulate a chunk's sums, then solve if enough bins have been seen."""
        L, (u, d) = int(self.n_lags), (X.shape[1], Y.shape[1])
        if "n_bins_seen_" not in vars(self):
            self.count_shift_, self.target_shift_ = first_mean(X), first_mean(Y)
            self.n_bins_seen_ = 0
            self.sum_counts_, self.sum_target_ = np.zeros(u), np.zeros(d)
            self.lag_products_, self.lag_cross_ = np.zeros((L, u, u)), np.zeros((L, u, d))
            self.head_counts_, self.head_target_ = np.zeros((0, u)), np.zeros((0, d))
            self.tail_counts_ = np.zeros((0, u))
            self.count_min_, self.count_max_ = np.full(u, np.inf), np.full(u, -np.inf)
        Xs, Ys = X - self.count_shift_, Y - self.target_shift_
        ext = _accumulate_lags(self.lag_products_, self.lag_cross_, self.tail_counts_, Xs, Ys)
        self.tail_counts_ = ext[ext.shape[0] - min(ext.shape[0], L - 1) :].copy()
        if self.head_counts_.shape[0] < L - 1:
            self.head_counts_ = np.vstack([self.head_counts_, Xs])[: L - 1]
            self.head_target_ = np.vstack([self.head_target_, Ys])[: L - 1]
        self.sum_counts_ += Xs.sum(axis=0)
        self.sum_target_ += Ys.sum(axis=0)
        self.n_bins_seen_ += X.shape[0]
        update_range(self.count_min_, self.count_max_, X)
        self._solve()
        return self

    def _solve(self) -> None:
        """Coefficients from the running sums of the units that varied."""
        who = type(self).__name__
        self._fitted = False
        self.units_, self.dropped_units_ = split_units(
            self.count_min_, self.count_max_, vars(self).get("dropped_units_"), who, self.channels_
        )
        L, n, k = int(self.n_lags), self.n_bins_seen_, self.units_
        need = max(L * k.size + 1, L)  # (L: the edge terms need L − 1 bins, even with no unit)
        check_enough(who, n, need, "bins", f"n_lags · n_kept_units + 1, {L}·{k.size} + 1")
        G, C, m, y_mean = _normal_equations(
            self.lag_products_[:, k[:, None], k],
            self.lag_cross_[:, k],
            self.sum_counts_[k],
            self.sum_target_,
            self.head_counts_[:, k],
            self.head_target_,
            self.tail_counts_[:, k],
            n,
        )
        G[np.diag_indices_from(G)] += self.alpha
        beta = scipy.linalg.solve(G, C, assume_a="pos")
        self.mean_counts_ = self.sum_counts_[k] / n + self.count_shift_[k]
        self.coef_ = beta.reshape(L, k.size, C.shape[1])
        self.intercept_ = y_mean + self.target_shift_ - m @ beta
        self._finish_fit()

    def _prepare(self) -> None:
        L, u, d = self.coef_.shape
        self._flat = np.ascontiguousarray(self.coef_.reshape(L * u, d))
        self._hist = np.zeros((L, u))

    def reset(self) -> None:
        """Forget the history: earlier bins count as the calibration mean."""
        if "_hist" in vars(self):
            self._hist.fill(0.0)

    def step(self, x: np.ndarray) -> np.ndarray:
        """Decode one bin.

        Parameters
        ----------
        x : array_like, shape (n_units,)

        Returns
        -------
        numpy.ndarray of float64, shape (n_dims,)
        """
        self._check_fitted()
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.n_features_in_,):
            raise DecoderError(
                f"WienerFilter.step: counts have shape {x.shape}, the decoder was fitted on "
                f"{self.n_features_in_} units"
            )
        if not np.all(np.isfinite(x)):
            raise DecoderError("WienerFilter.step: counts hold a non-finite value")
        h = self._hist
        h[1:] = h[:-1]
        np.subtract(x[self.units_], self.mean_counts_, out=h[0])
        return h.ravel() @ self._flat + self.intercept_

    @fill_doc
    def predict(self, X: np.ndarray) -> np.ndarray:
        """Decode every bin from a reset history (equal to :meth:`step` on each row, to rounding).

        Parameters
        ----------
        %(X_counts)s

        Returns
        -------
        numpy.ndarray of float64, shape (n_bins, n_dims)
        """
        self._check_fitted()
        X = as_features(X, type(self).__name__, self.n_features_in_)
        Xc = X[:, self.units_] - self.mean_counts_
        n = X.shape[0]
        out = np.tile(self.intercept_, (n, 1))
        for i in range(self.coef_.shape[0]):
            out[i:] += Xc[: n - i] @ self.coef_[i]
        self.reset()
        return out
