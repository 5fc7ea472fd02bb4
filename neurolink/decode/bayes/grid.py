"""A regular grid over the decoded variable (1-D or 2-D), and Gaussian kernels on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Grid", "as_per_dim", "gaussian_taps"]


def as_per_dim(value: float | Sequence[float], n: int, name: str) -> np.ndarray:
    """Broadcast a positive number, or one per dimension, to float64 (n,).

    Raises
    ------
    ValueError
        Not ``n`` values, or a value that is not positive and finite.
    """
    a = np.asarray(value, dtype=np.float64)
    a = np.full(n, float(a)) if a.ndim == 0 else a.ravel()
    if a.size != n or not np.all(np.isfinite(a) & (a > 0)):
        raise ValueError(f"{name} must be a positive number or {n} of them, got {value!r}")
    return a


@dataclass(frozen=True, eq=False)
class Grid:
    """Cells of equal size covering ``[lower, upper]`` along each dimension.

    Attributes
    ----------
    lower, upper : numpy.ndarray of float64, shape (n_dims,)
        Outer edges (units of the decoded variable).
    shape : tuple of int
        Cells per dimension (``n_dims`` = 1 or 2).
    """

    lower: np.ndarray
    upper: np.ndarray
    shape: tuple[int, ...]

    @classmethod
    def cover(
        cls,
        y: np.ndarray,
        shape: int | Sequence[int],
        bounds: Sequence[Sequence[float]] | None = None,
        margin: float = 0.05,
    ) -> Grid:
        """Grid over given bounds, or over the range of ``y`` widened by ``margin`` of it.

        Parameters
        ----------
        y : numpy.ndarray, shape (n_rows, n_dims)
            Values of the decoded variable.
        shape : int or sequence of int
            Cells per dimension.
        bounds : sequence of (low, high), optional
            One pair per dimension.
        margin : float
            Fraction of the range added on each side when bounds come from ``y``.
        """
        n_dims = y.shape[1]
        if n_dims not in (1, 2):
            raise ValueError(f"the decoded variable must have 1 or 2 dimensions, got {n_dims}")
        sh = np.broadcast_to(np.asarray(shape, dtype=np.int64), (n_dims,))
        if np.any(sh < 2) or np.size(shape) not in (1, n_dims):
            raise ValueError(f"grid_shape must be >= 2 cells per dimension, got {shape!r}")
        if bounds is None:
            lo, hi = y.min(axis=0), y.max(axis=0)
            pad = margin * np.maximum(hi - lo, 1e-9)
            lo, hi = lo - pad, hi + pad
        else:
            b = np.asarray(bounds, dtype=np.float64).reshape(-1, 2)
            if b.shape[0] != n_dims or not np.all(np.isfinite(b)) or np.any(b[:, 1] <= b[:, 0]):
                raise ValueError(f"bounds must be {n_dims} pairs (low < high), got {bounds!r}")
            lo, hi = b[:, 0], b[:, 1]
        return cls(lo.astype(np.float64), hi.astype(np.float64), tuple(int(s) for s in sh))

    @property
    def n_dims(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of cells."""
        return int(np.prod(self.shape))

    @property
    def cell(self) -> np.ndarray:
        """Cell size per dimension, float64 (n_dims,)."""
        return (self.upper - self.lower) / np.asarray(self.shape)

    def centers(self) -> list[np.ndarray]:
        """Cell centres along each dimension, float64 (shape[d],) each."""
        return [
            self.lower[d] + (np.arange(n) + 0.5) * self.cell[d] for d, n in enumerate(self.shape)
        ]

    def points(self) -> np.ndarray:
        """Centres of all cells, float64 (size, n_dims), in C order (last dimension fastest)."""
        mesh = np.meshgrid(*self.centers(), indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=1)

    def index(self, y: np.ndarray) -> np.ndarray:
        """Flat index (int64, (n_rows,)) of the cell holding each row of ``y``; clipped."""
        i = np.floor((y - self.lower) / self.cell).astype(np.int64)
        i = np.clip(i, 0, np.asarray(self.shape) - 1)
        return np.ravel_multi_index(tuple(i.T), self.shape)

    def axes2d(self) -> tuple[np.ndarray, np.ndarray]:
        """Centres as the two axes of the kernels' 2-D view (a 1-D grid gets a dummy axis 0)."""
        c = self.centers()
        return (np.zeros(1), c[0]) if self.n_dims == 1 else (c[0], c[1])


def gaussian_taps(sigma_cells: float, truncate: float = 3.0) -> np.ndarray:
    """Normalised Gaussian kernel, float64 (2r + 1,), σ in cells.

    ``r = max(1, int(truncate · σ + 0.5))``: the taps of ``scipy.ndimage.gaussian_filter1d``.
    """
    r = max(1, int(truncate * sigma_cells + 0.5))
    x = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma_cells) ** 2)
    return k / k.sum()
