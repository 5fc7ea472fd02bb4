"""Weight bounds: hard (clip) and soft (changes scaled by the distance to the bound)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolink.models.dynamics.params import ModelError, check_finite

__all__ = ["HardBounds", "SoftBounds", "WeightBounds"]


@dataclass(frozen=True)
class HardBounds:
    """Weights are clipped to ``[w_min, w_max]``; changes are not scaled."""

    w_min: float = 0.0
    w_max: float = 1.0

    def __post_init__(self) -> None:
        _check(self)

    def scale(self, w: np.ndarray, dw: np.ndarray) -> np.ndarray:
        """The change actually applied for a proposed change ``dw`` (unchanged here)."""
        return dw

    def clip(self, w: np.ndarray) -> np.ndarray:
        """``w`` clipped to the bounds."""
        return np.clip(w, self.w_min, self.w_max)


@dataclass(frozen=True)
class SoftBounds:
    """Weight-dependent (multiplicative) bounds: a positive change ``dw`` becomes
    ``dw (w_max − w)`` and a negative one ``dw (w − w_min)``, so weights approach the bounds
    exponentially and never cross them (e.g. van Rossum, Bi & Turrigiano 2000)."""

    w_min: float = 0.0
    w_max: float = 1.0

    def __post_init__(self) -> None:
        _check(self)

    def scale(self, w: np.ndarray, dw: np.ndarray) -> np.ndarray:
        """The change actually applied for a proposed change ``dw``."""
        return np.where(dw > 0, dw * (self.w_max - w), dw * (w - self.w_min))

    def clip(self, w: np.ndarray) -> np.ndarray:
        """``w`` clipped to the bounds (guards against rounding and large steps)."""
        return np.clip(w, self.w_min, self.w_max)


WeightBounds = HardBounds | SoftBounds


def _check(b: HardBounds | SoftBounds) -> None:
    name = type(b).__name__
    check_finite(name, "w_min", b.w_min)
    check_finite(name, "w_max", b.w_max)
    if not b.w_min < b.w_max:
        raise ModelError(f"{name}: need w_min < w_max, got [{b.w_min}, {b.w_max}]")
