"""Declared integer widths and the one helper that applies wrap or saturation.

Every state of the chip declares its legal range and what happens when an update leaves it
(:class:`Width`); :func:`fit_scalar` is the only code that applies those rules, used by the
numba kernels directly and by :func:`fit` for whole arrays. Parameters never wrap: they are
checked at load by :func:`check_range` and refused when out of range.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numba
import numpy as np


class Overflow(IntEnum):
    """What a state does when an update leaves its range (ints, so kernels can take them)."""

    NONE = 0  # a parameter: out-of-range values are refused, never brought back
    WRAP_ONCE = 1  # one step of the range's span (2**24 for a 24-bit state), not a modulo
    SATURATE = 2  # clip to [lo, hi]


@dataclass(frozen=True)
class Width:
    """Declared range of an integer state or parameter.

    Parameters
    ----------
    name : str
        Name used in error messages.
    lo, hi : int
        Inclusive range of legal values.
    overflow : Overflow
        How :func:`fit` brings an out-of-range value back.
    """

    name: str
    lo: int
    hi: int
    overflow: Overflow = Overflow.NONE


@numba.njit(cache=True)
def fit_scalar(x: int, lo: int, hi: int, overflow: int) -> int:
    """Bring one value into ``[lo, hi]`` by rule ``overflow`` (an :class:`Overflow` value).

    ``WRAP_ONCE``: ``x - span`` if ``x > hi``, ``x + span`` if ``x < lo`` (``span = hi - lo + 1``),
    once, so a value more than one span out stays out (as in Lava). ``SATURATE``: clip.
    """
    if overflow == 1:  # Overflow.WRAP_ONCE
        span = hi - lo + 1
        if x > hi:
            return x - span
        if x < lo:
            return x + span
        return x
    if overflow == 2:  # Overflow.SATURATE
        return min(max(x, lo), hi)
    return x


@numba.njit(cache=True)
def _fit_array(x: np.ndarray, lo: int, hi: int, overflow: int) -> np.ndarray:
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = fit_scalar(x[i], lo, hi, overflow)
    return out


def fit(x: np.ndarray, width: Width) -> np.ndarray:
    """Apply ``width``'s overflow rule to every element.

    Parameters
    ----------
    x : array-like of int, any shape
        Values computed with headroom.
    width : Width
        With ``overflow`` other than ``NONE``.

    Returns
    -------
    ndarray of int64, same shape
    """
    if width.overflow is Overflow.NONE:
        raise ValueError(f"{width.name} is a parameter: it has no overflow rule")
    arr = np.asarray(x, dtype=np.int64)
    flat = _fit_array(arr.ravel(), width.lo, width.hi, int(width.overflow))
    return flat.reshape(arr.shape)


def check_range(values: np.ndarray, width: Width, where: str) -> None:
    """Refuse values outside ``width`` (parameters and initial states never wrap silently).

    Raises
    ------
    ValueError
        Naming ``where``, the field, the first bad value and the legal range.
    """
    values = np.asarray(values)
    bad = (values < width.lo) | (values > width.hi)
    if np.any(bad):
        first = values[bad].flat[0]
        raise ValueError(f"{where}: {width.name} = {int(first)} outside [{width.lo}, {width.hi}]")
