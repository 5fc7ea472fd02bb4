"""Errors and parameter checks shared by the models (dynamics, synapses, dendrites, plasticity).

Every check raises :class:`ModelError` with a message that names the model, the parameter, the
value and what was expected, e.g. ``LIF: tau_m must be > 0 ms, got -5.0``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from neurolink.errors import NeurolinkError

__all__ = [
    "ModelError",
    "as_float_array",
    "as_trains",
    "check_finite",
    "check_nonnegative",
    "check_positive",
    "check_range",
]


class ModelError(NeurolinkError, ValueError):
    """A model parameter, an input shape or a morphology is invalid."""


def check_finite(owner: str, name: str, value: float, unit: str = "") -> float:
    """Return ``value`` as float if it is finite, else raise :class:`ModelError`."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{owner}: {name} must be a number, got {value!r}") from exc
    if not math.isfinite(v):
        raise ModelError(f"{owner}: {name} must be finite{_u(unit)}, got {v}")
    return v


def check_positive(owner: str, name: str, value: float, unit: str = "") -> float:
    """Return ``value`` if it is finite and > 0 (time constants, capacitances, lengths)."""
    v = check_finite(owner, name, value, unit)
    if v <= 0:
        raise ModelError(f"{owner}: {name} must be > 0{_u(unit)}, got {v}")
    return v


def check_nonnegative(owner: str, name: str, value: float, unit: str = "") -> float:
    """Return ``value`` if it is finite and >= 0 (conductances, refractory periods, rates)."""
    v = check_finite(owner, name, value, unit)
    if v < 0:
        raise ModelError(f"{owner}: {name} must be >= 0{_u(unit)}, got {v}")
    return v


def check_range(owner: str, name: str, value: float, low: float, high: float) -> float:
    """Return ``value`` if ``low <= value <= high`` (fractions such as release probabilities)."""
    v = check_finite(owner, name, value)
    if not low <= v <= high:
        raise ModelError(f"{owner}: {name} must be in [{low}, {high}], got {v}")
    return v


def as_float_array(owner: str, name: str, value: ArrayLike, ndim: int | None = None) -> np.ndarray:
    """``value`` as a finite float64 array (copied), optionally of a given number of dimensions."""
    arr = np.array(value, dtype=np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ModelError(f"{owner}: {name} must be {ndim}-D, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"{owner}: {name} contains NaN or infinite values")
    return arr


def as_trains(owner: str, trains: Sequence[ArrayLike], n: int, what: str) -> list[np.ndarray]:
    """``n`` spike trains as sorted, finite float64 arrays of times (ms)."""
    if len(trains) != n:
        raise ModelError(f"{owner}: {what} has {len(trains)} spike trains, expected {n}")
    out = []
    for i, train in enumerate(trains):
        a = np.sort(np.asarray(train, dtype=np.float64).ravel())
        if not np.all(np.isfinite(a)):
            raise ModelError(f"{owner}: {what}[{i}] contains NaN or infinite spike times")
        out.append(a)
    return out


def _u(unit: str) -> str:
    return f" {unit}" if unit else ""
