"""Izhikevich (2003) simple model: quadratic voltage with a linear recovery variable.

``dv/dt = 0.04 v² + 5 v + 140 − u + I``,  ``du/dt = a (b v − u)``; when ``v >= 30 mV``:
``v ← c``, ``u ← u + d``. (v in mV, t in ms, I in the model's dimensionless current units.)
Presets of Izhikevich (2003), Fig. 2: regular spiking, intrinsically bursting, chattering,
fast spiking, low-threshold spiking, thalamo-cortical and resonator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolink.models.dynamics.model import NeuronModel, SpikeRule, StateVar
from neurolink.models.dynamics.params import ModelError, check_finite

__all__ = ["IZHIKEVICH_PRESETS", "Izhikevich"]

#: (a, b, c, d) of the named cell classes of Izhikevich (2003).
IZHIKEVICH_PRESETS: dict[str, tuple[float, float, float, float]] = {
    "RS": (0.02, 0.2, -65.0, 8.0),  # regular spiking (excitatory cortical)
    "IB": (0.02, 0.2, -55.0, 4.0),  # intrinsically bursting
    "CH": (0.02, 0.2, -50.0, 2.0),  # chattering
    "FS": (0.1, 0.2, -65.0, 2.0),  # fast spiking (inhibitory)
    "LTS": (0.02, 0.25, -65.0, 2.0),  # low-threshold spiking
    "TC": (0.02, 0.25, -65.0, 0.05),  # thalamo-cortical
    "RZ": (0.1, 0.26, -65.0, 2.0),  # resonator
}


@dataclass(frozen=True)
class Izhikevich(NeuronModel):
    """Izhikevich neuron.

    Parameters
    ----------
    a : float
        Recovery rate (1/ms).
    b : float
        Sensitivity of the recovery to ``v``.
    c : float
        Reset potential (mV).
    d : float
        Recovery increment at a spike.
    v_peak : float
        Spike cut-off (mV), 30 in the original.
    """

    a: float = 0.02
    b: float = 0.2
    c: float = -65.0
    d: float = 8.0
    v_peak: float = 30.0

    state = (StateVar("v", "mV", -65.0), StateVar("u", "1", -13.0))
    input_unit = "1"

    def __post_init__(self) -> None:
        name = type(self).__name__
        for p in ("a", "b", "c", "d", "v_peak"):
            check_finite(name, p, getattr(self, p))
        if self.a <= 0:
            raise ModelError(f"{name}: a (recovery rate) must be > 0 1/ms, got {self.a}")
        if not self.c < self.v_peak:
            raise ModelError(f"{name}: reset c ({self.c} mV) must be below v_peak")

    @classmethod
    def preset(cls, name: str) -> Izhikevich:
        """A named cell class (``"RS"``, ``"IB"``, ``"CH"``, ``"FS"``, ``"LTS"``, ``"TC"``,
        ``"RZ"``)."""
        try:
            a, b, c, d = IZHIKEVICH_PRESETS[name.upper()]
        except KeyError:
            raise ModelError(
                f"Izhikevich: unknown preset {name!r}; choose one of {sorted(IZHIKEVICH_PRESETS)}"
            ) from None
        return cls(a=a, b=b, c=c, d=d)

    @property
    def spike_rule(self) -> SpikeRule:
        return SpikeRule("v", self.v_peak, resets=True)

    def resting_value(self, name: str) -> float:
        """Initial values as in Izhikevich (2003): ``v = −65 mV``, ``u = b v``."""
        return {"v": -65.0, "u": self.b * -65.0}[name]

    def derivatives(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        v, u = y
        return np.stack((0.04 * v * v + 5.0 * v + 140.0 - u + inputs, self.a * (self.b * v - u)))

    def jacobian_diagonal(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        v = y[0]
        return np.stack((0.08 * v + 5.0, np.full_like(v, -self.a)))

    def reset(self, y: np.ndarray) -> np.ndarray:
        return np.stack((np.full_like(y[0], self.c), y[1] + self.d))
