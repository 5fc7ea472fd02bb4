"""External input of a simulation, normalized to a value per unit at any time or step."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import ModelError

__all__ = ["Drive", "InputsLike"]

#: A constant (scalar or per unit), a sampled array (n_steps, n_units) or a function of time.
InputsLike = float | ArrayLike | Callable[[float], ArrayLike]


class Drive:
    """Input per unit, from a constant, a sampled array or a function of time (ms).

    Parameters
    ----------
    inputs : float, array_like or callable
        Scalar or shape (n_units,): constant; shape (n_steps, n_units): row ``k`` is held over
        step ``k`` (piecewise constant); callable ``inputs(t) -> scalar or (n_units,)``.
    n_units : int
        Number of simulated units (the input is broadcast to it).
    t0, dt : float
        Start time and step (ms) of the grid that rows of a sampled array refer to.
    n_steps : int
        Number of steps of the grid.
    owner : str
        Name used in error messages.
    """

    def __init__(
        self, inputs: InputsLike, n_units: int, t0: float, dt: float, n_steps: int, owner: str
    ) -> None:
        self.n_units, self.t0, self.dt, self.n_steps = n_units, t0, dt, n_steps
        self._fn: Callable[[float], ArrayLike] | None = None
        self._rows: np.ndarray | None = None
        self._const: np.ndarray | None = None
        if callable(inputs):
            self._fn = inputs
            self._check(np.asarray(inputs(t0), dtype=np.float64), owner, "inputs(t0)")
            return
        arr = np.asarray(inputs, dtype=np.float64)
        if arr.ndim == 2:
            if arr.shape != (n_steps, n_units) and arr.shape != (n_steps, 1):
                raise ModelError(
                    f"{owner}: sampled inputs must have shape (n_steps, n_units) = "
                    f"({n_steps}, {n_units}), got {arr.shape}"
                )
            if not np.all(np.isfinite(arr)):
                raise ModelError(f"{owner}: inputs contain NaN or infinite values")
            self._rows = np.ascontiguousarray(np.broadcast_to(arr, (n_steps, n_units)))
            return
        self._const = self._check(arr, owner, "inputs")

    def _check(self, arr: np.ndarray, owner: str, what: str) -> np.ndarray:
        if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] not in (1, self.n_units)):
            raise ModelError(
                f"{owner}: {what} must be a scalar or shape ({self.n_units},) "
                f"(one value per unit), got shape {arr.shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise ModelError(f"{owner}: {what} contains NaN or infinite values")
        return np.broadcast_to(arr, (self.n_units,)).astype(np.float64)

    @staticmethod
    def units_of(inputs: InputsLike, t0: float) -> int | None:
        """Number of units implied by ``inputs`` (None if it broadcasts to any number)."""
        value = inputs(t0) if callable(inputs) else inputs
        arr = np.asarray(value)
        if arr.ndim == 0:
            return None
        n = arr.shape[-1]
        return None if n == 1 else n

    def __call__(self, t: float, k: int | None = None) -> np.ndarray:
        """Input per unit (shape (n_units,)) at time ``t`` (ms), in step ``k`` if known."""
        if self._const is not None:
            return self._const
        if self._rows is not None:
            if k is None:
                k = int(np.floor((t - self.t0) / self.dt + 1e-9))
            return self._rows[min(max(k, 0), self.n_steps - 1)]
        assert self._fn is not None
        value = np.asarray(self._fn(t), dtype=np.float64)
        return np.broadcast_to(value, (self.n_units,))
