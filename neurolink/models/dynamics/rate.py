"""Population rate model: ``τ dr/dt = −r + f(I_syn + I_ext)`` with ``I_syn = w r``.

``r`` is a firing rate (Hz), ``f`` a transfer function (Hz) of the total input (in the input
units of the transfer function, "a.u."), and ``w`` the recurrent self-coupling (a.u. per Hz).
Networks of several populations (``W r``) live with the network models; this is one population
(or many uncoupled ones, one per unit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurolink.models.dynamics.model import NeuronModel, StateVar
from neurolink.models.dynamics.params import check_finite, check_positive

__all__ = ["PopulationRate", "Sigmoid", "ThresholdLinear"]


@dataclass(frozen=True)
class Sigmoid:
    """Logistic transfer function ``f(x) = r_max / (1 + exp(−gain (x − threshold)))`` (Hz)."""

    gain: float = 1.0
    threshold: float = 0.0
    r_max: float = 100.0

    def __post_init__(self) -> None:
        check_positive("Sigmoid", "gain", self.gain)
        check_finite("Sigmoid", "threshold", self.threshold)
        check_positive("Sigmoid", "r_max", self.r_max, "Hz")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.r_max * 0.5 * (1.0 + np.tanh(0.5 * self.gain * (x - self.threshold)))

    def derivative(self, x: np.ndarray) -> np.ndarray:
        """``f'(x)`` (Hz per input unit)."""
        s = self(x) / self.r_max
        return self.r_max * self.gain * s * (1.0 - s)


@dataclass(frozen=True)
class ThresholdLinear:
    """``f(x) = min(gain · max(x − threshold, 0), r_max)`` (Hz); ``r_max = inf`` for no cap."""

    gain: float = 1.0
    threshold: float = 0.0
    r_max: float = np.inf

    def __post_init__(self) -> None:
        check_positive("ThresholdLinear", "gain", self.gain)
        check_finite("ThresholdLinear", "threshold", self.threshold)
        if not self.r_max > 0:
            check_positive("ThresholdLinear", "r_max", self.r_max, "Hz")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.minimum(self.gain * np.maximum(x - self.threshold, 0.0), self.r_max)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        """``f'(x)`` (Hz per input unit; 0 at the kinks' flat sides)."""
        on = (x > self.threshold) & (self.gain * (x - self.threshold) < self.r_max)
        return np.where(on, self.gain, 0.0)


@dataclass(frozen=True)
class PopulationRate(NeuronModel):
    """One population's mean rate.

    Parameters
    ----------
    tau : float
        Time constant (ms).
    w : float
        Recurrent self-coupling (input units per Hz); ``I_syn = w r``.
    transfer : Sigmoid or ThresholdLinear
        Transfer function ``f``.
    """

    tau: float = 10.0
    w: float = 0.0
    transfer: Sigmoid | ThresholdLinear = field(default_factory=ThresholdLinear)

    state = (StateVar("r", "Hz", 0.0),)
    input_unit = "a.u."

    def __post_init__(self) -> None:
        check_positive(type(self).__name__, "tau", self.tau, "ms")
        check_finite(type(self).__name__, "w", self.w)

    def derivatives(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        return (-y + self.transfer(self.w * y + inputs)) / self.tau

    def jacobian_diagonal(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        return (-1.0 + self.w * self.transfer.derivative(self.w * y + inputs)) / self.tau
