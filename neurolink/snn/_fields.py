"""Field checks shared by the network spec's classes (messages name owner, parameter, range)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neurolink.snn.errors import SpecError
from neurolink.snn.profiles import Profile

__all__ = ["check_name", "check_range", "numeric", "to_json"]


def check_name(kind: str, name: object) -> str:
    if not isinstance(name, str) or not name or "." in name:
        raise SpecError(f"{kind} name must be a non-empty string without '.', got {name!r}")
    return name


def numeric(owner: str, param: str, value: ArrayLike, shape: tuple[int, ...] | None) -> np.ndarray:
    """``value`` as a read-only int64 or float64 array of ``shape`` (scalars broadcast)."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise SpecError(f"{owner}: {param} must be numeric, got dtype {arr.dtype}")
    if shape is not None:
        if arr.ndim == 0:
            arr = np.full(shape, arr)
        elif arr.shape != shape:
            raise SpecError(
                f"{owner}: {param} must be a scalar or of shape {shape}, got {arr.shape}"
            )
    real = arr.dtype.kind == "f" and arr.size > 0  # an empty list is taken as integers
    arr = arr.astype(np.float64 if real else np.int64)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise SpecError(f"{owner}: {param} must be finite")
    arr.flags.writeable = False
    return arr


def check_range(
    owner: str, param: str, arr: np.ndarray, profile: Profile, integer: bool, what: str
) -> None:
    """Raise SpecError naming ``owner``, ``param``, the offending element and the range."""
    real = arr.dtype.kind == "f" and not integer and param not in profile.shift_params
    if not real and not np.all(arr == np.round(arr)):
        i = int(np.flatnonzero(arr != np.round(arr))[0])
        raise SpecError(
            f"{owner}: {param} must be an integer, got {arr.flat[i]} ({what} {i}); "
            f"quantize the network first"
        )
    lo, hi = profile.range_of(param, real=real)
    bad = np.flatnonzero((arr < lo) | (arr > hi))
    if bad.size:
        i = int(bad[0])
        raise SpecError(
            f"{owner}: {param} = {arr.flat[i]} ({what} {i}) is outside the allowed range "
            f"{lo}..{hi} of profile {profile.name!r}"
        )


def to_json(arr: np.ndarray) -> Any:
    """Scalar if every element is equal, else a (nested) list; ints stay ints."""
    if arr.size and np.all(arr == arr.flat[0]) and arr.ndim == 1:
        return arr.flat[0].item()
    return arr.tolist()
