"""Homeostatic synaptic scaling: all inputs of a neuron scale together toward a target rate.

``dW_ij/dt = W_ij (r_target − r_i) / (τ_scaling r_target)`` (multiplicative; after Turrigiano
et al. 1998 and van Rossum, Bi & Turrigiano 2000). Every weight of row ``i`` is multiplied by the
same factor, so relative weights — what Hebbian learning stored — are preserved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolink.models.dynamics.params import check_positive

__all__ = ["SynapticScaling"]


@dataclass(frozen=True)
class SynapticScaling:
    """Multiplicative synaptic scaling.

    Parameters
    ----------
    target_rate : float
        Target postsynaptic rate (Hz).
    tau : float
        Scaling time constant (ms); biological values are hours to days.
    """

    target_rate: float = 5.0
    tau: float = 1e6

    def __post_init__(self) -> None:
        check_positive(type(self).__name__, "target_rate", self.target_rate, "Hz")
        check_positive(type(self).__name__, "tau", self.tau, "ms")

    def weight_derivative(self, w: np.ndarray, r_pre: np.ndarray, r_post: np.ndarray) -> np.ndarray:
        """``dW/dt`` (per ms), shape (n_post, n_pre); ``r_pre`` is not used."""
        factor = (self.target_rate - r_post) / (self.tau * self.target_rate)
        return w * factor[:, None]
