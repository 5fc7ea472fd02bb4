"""Rate-based Hebbian rules: Hebb with decay, and Oja's normalizing rule.

Weights are ``W[post, pre]``, rates in Hz, time in ms; each rule gives ``dW/dt`` (per ms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolink.models.dynamics.params import check_nonnegative, check_positive

__all__ = ["Hebbian", "Oja"]


@dataclass(frozen=True)
class Hebbian:
    """``dW/dt = η (r_post r_preᵀ − α W)``: correlation-driven growth with passive decay.

    For constant rates ``W`` relaxes to ``W* = r_post r_preᵀ / α`` with rate ``η α``.

    Parameters
    ----------
    eta : float
        Learning rate (1/(ms·Hz²)).
    alpha : float
        Decay coefficient (Hz²); 0 gives pure, unbounded Hebb.
    """

    eta: float = 1e-6
    alpha: float = 0.0

    def __post_init__(self) -> None:
        check_positive(type(self).__name__, "eta", self.eta, "1/(ms·Hz²)")
        check_nonnegative(type(self).__name__, "alpha", self.alpha, "Hz²")

    def weight_derivative(self, w: np.ndarray, r_pre: np.ndarray, r_post: np.ndarray) -> np.ndarray:
        """``dW/dt`` (per ms), shape (n_post, n_pre)."""
        return self.eta * (np.outer(r_post, r_pre) - self.alpha * w)


@dataclass(frozen=True)
class Oja:
    """Oja's rule ``dW_ij/dt = η (y_i x_j − y_i² W_ij)`` (Oja 1982).

    For a linear neuron ``y = W x`` driven by zero-mean inputs, each row converges to the unit
    principal eigenvector of the input covariance (up to sign).

    Parameters
    ----------
    eta : float
        Learning rate (1/(ms·Hz²) for rates in Hz).
    """

    eta: float = 1e-3

    def __post_init__(self) -> None:
        check_positive(type(self).__name__, "eta", self.eta)

    def weight_derivative(self, w: np.ndarray, r_pre: np.ndarray, r_post: np.ndarray) -> np.ndarray:
        """``dW/dt`` (per ms), shape (n_post, n_pre)."""
        return self.eta * (np.outer(r_post, r_pre) - (r_post**2)[:, None] * w)
