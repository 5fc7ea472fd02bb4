"""Online machinery of the Bayesian decoder: preallocated buffers around the numba kernels.

A :class:`GridFilter` holds everything one bin needs (log rates, the fixed part of the log
posterior, prior parameters, scratch) so that :meth:`GridFilter.step` allocates nothing and a
run of bins (:meth:`GridFilter.run`) is bit-identical to the same bins stepped one by one.
"""

from __future__ import annotations

import numpy as np

from neurolink.decode.bayes import _kernels as K
from neurolink.decode.bayes.grid import Grid, gaussian_taps

__all__ = ["GridFilter"]


class GridFilter:
    """Posterior over a grid, updated one bin at a time.

    Parameters
    ----------
    log_rates : numpy.ndarray of float64, shape (n_units, n_cells)
        ``log r_u(x)`` (Hz); zero rows for units to ignore.
    base : numpy.ndarray of float64, shape (n_cells,)
        ``−τ Σ_u r_u(x)`` plus the log of a fixed prior.
    mode : int
        ``K.FLAT``, ``K.CONTINUITY`` or ``K.RECURSIVE``.
    grid : Grid
    continuity_sigma : numpy.ndarray of float64, shape (n_dims,)
        σ of the continuity prior (variable units).
    transition_sigma : numpy.ndarray of float64, shape (n_dims,)
        σ of the random walk per bin (variable units).
    use_mean : bool
        The continuity prior centres on the posterior mean (else on the MAP).

    Attributes
    ----------
    res : numpy.ndarray of float64, shape (6,)
        Result of the last bin: ``[map0, map1, mean0, mean1, k, log evidence]`` (kernel axes;
        a 1-D grid is axis 1).
    post : numpy.ndarray of float64, shape (n_cells,)
        Posterior of the last bin.
    """

    def __init__(
        self,
        log_rates: np.ndarray,
        base: np.ndarray,
        mode: int,
        grid: Grid,
        continuity_sigma: np.ndarray,
        transition_sigma: np.ndarray,
        use_mean: bool,
    ) -> None:
        self.log_rates = np.ascontiguousarray(log_rates, dtype=np.float64)
        self.base = np.ascontiguousarray(base, dtype=np.float64)
        self.mode = int(mode)
        self.c0, self.c1 = grid.axes2d()
        sig_t = np.asarray(transition_sigma) / grid.cell
        if grid.n_dims == 1:
            self.inv_var = np.array([0.0, 1.0 / continuity_sigma[0] ** 2])
            self.k0, self.k1 = np.ones(1), gaussian_taps(sig_t[0])
        else:
            self.inv_var = 1.0 / np.asarray(continuity_sigma) ** 2
            self.k0, self.k1 = gaussian_taps(sig_t[0]), gaussian_taps(sig_t[1])
        self.use_mean = bool(use_mean)
        n0, n1 = self.c0.size, self.c1.size
        self.work = np.zeros(K.work_size(n0, n1, self.k0.size // 2, self.k1.size // 2))
        self.post = np.full(grid.size, 1.0 / grid.size)
        self.prev = np.zeros(2)
        self.flag = np.zeros(1, dtype=np.int64)
        self.res = np.zeros(6)
        off = 1 if grid.n_dims == 1 else 0
        self.map_cols, self.mean_cols = slice(off, 2), slice(2 + off, 4)

    def reset(self) -> None:
        """Forget the previous bins (the next one has the flat or fixed prior)."""
        self.post.fill(1.0 / self.post.size)
        self.prev.fill(0.0)
        self.flag[0] = 0

    def _args(self) -> tuple:
        return (
            self.log_rates, self.base, self.mode, self.c0, self.c1, self.inv_var, self.k0,
            self.k1, self.use_mean, self.post, self.work, self.prev, self.flag,
        )  # fmt: skip

    def step(self, x: np.ndarray) -> bool:
        """Decode one bin of float64 counts (n_units,) into :attr:`res` and :attr:`post`.

        Returns False (state untouched) on a negative or non-finite count.
        """
        return bool(K.step_bin(x, *self._args(), self.res))

    def run(self, X: np.ndarray, keep_posterior: bool) -> tuple[np.ndarray, np.ndarray, int]:
        """Decode the rows of float64 counts ``X`` (n_bins, n_units) in order.

        Returns
        -------
        est : numpy.ndarray of float64, shape (n_bins, 6)
            Each bin's :attr:`res`.
        posts : numpy.ndarray of float64, shape (n_bins or 0, n_cells)
            Each bin's posterior, if kept.
        bad : int
            First bad row, or -1.
        """
        est = np.empty((X.shape[0], 6))
        posts = np.empty((X.shape[0] if keep_posterior else 0, self.post.size))
        bad = K.run_bins(X, *self._args(), est, posts)
        return est, posts, int(bad)
