"""Neural Engineering Framework pieces: an ensemble of integer LIF neurons, its decoders.

Notation (Eliasmith & Anderson 2003): neuron ``i`` has an encoder ``e_i`` (unit vector), a gain
``α_i`` and a bias ``β_i``; for a represented value ``x`` (in the unit ball) its input is
``J_i = α_i e_i·x + β_i`` (state units per step) and its rate ``a_i(x) = G(J_i)``, where ``G``
is the response curve of the profile's integer neuron measured on ``fixed``
(:mod:`neurolink.snn.compile.rates`). Decoders ``D`` (n, k) of a function ``f(x)`` minimise
``Σ_x ‖f(x) − Σ_i a_i(x) d_i‖² + m · (reg · a_max)² ‖D‖²`` over ``m`` sample points: the ridge
stands for the spike noise that the static rates do not show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolink.snn.compile.rates import ResponseCurve

__all__ = ["Ensemble", "make_ensemble", "sample_ball", "solve_decoders"]


def sample_ball(m: int, d: int, rng: np.random.Generator, radius: float = 1.0) -> np.ndarray:
    """``m`` points uniform in the ``d``-ball of ``radius``, float64 (m, d)."""
    x = rng.normal(size=(m, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x * radius * rng.uniform(0, 1, (m, 1)) ** (1.0 / d)


@dataclass(frozen=True)
class Ensemble:
    """Tuning of ``n`` neurons representing a ``d``-dimensional value.

    Attributes
    ----------
    encoders : numpy.ndarray of float64, shape (n, d)
    gain : numpy.ndarray of float64, shape (n,)
        ``α_i``: input per unit of ``e_i·x`` (state units per step).
    bias : numpy.ndarray of float64, shape (n,)
        ``β_i`` (state units per step).
    curve : ResponseCurve
    """

    encoders: np.ndarray
    gain: np.ndarray
    bias: np.ndarray
    curve: ResponseCurve

    @property
    def n(self) -> int:
        return int(self.gain.size)

    def rates(self, x: np.ndarray) -> np.ndarray:
        """Steady-state rates (spikes per step) at points ``x`` (m, d) → (m, n)."""
        j = (x @ self.encoders.T) * self.gain + self.bias
        return self.curve(j.ravel()).reshape(j.shape)


def make_ensemble(
    n: int,
    d: int,
    curve: ResponseCurve,
    rng: np.random.Generator,
    max_rates: tuple[float, float],
    intercepts: tuple[float, float] = (-0.9, 0.9),
) -> Ensemble:
    """Random NEF tuning: encoders on the sphere, uniform intercepts and rates at ``e·x = 1``.

    Parameters
    ----------
    n, d : int
        Neurons and dimensions.
    curve : ResponseCurve
    rng : numpy.random.Generator
    max_rates : (float, float)
        Range of the rate at ``e_i·x = 1`` (spikes per step).
    intercepts : (float, float)
        Range of the value of ``e_i·x`` where the neuron starts to fire.

    Returns
    -------
    Ensemble
    """
    enc = rng.normal(size=(n, d))
    enc /= np.linalg.norm(enc, axis=1, keepdims=True)
    c = rng.uniform(*intercepts, n)
    r = rng.uniform(*max_rates, n)
    j_top = curve.inverse(r)
    alpha = (j_top - curve.j_threshold) / (1.0 - c)
    beta = curve.j_threshold - alpha * c
    return Ensemble(enc, alpha, beta, curve)


def solve_decoders(
    activities: np.ndarray, targets: np.ndarray, reg: float
) -> tuple[np.ndarray, float]:
    """Ridge least-squares decoders.

    Parameters
    ----------
    activities : numpy.ndarray of float64, shape (m, n)
        Rates at the sample points (spikes per step).
    targets : numpy.ndarray of float64, shape (m, k)
        Function values to decode.
    reg : float
        Noise level relative to the largest rate.

    Returns
    -------
    D : numpy.ndarray of float64, shape (n, k)
    rmse : float
        Root mean square residual of the static fit over the sample points.
    """
    m, n = activities.shape
    sigma = reg * float(activities.max(initial=0.0))
    ridge = m * sigma**2
    if m < n:  # the dual form costs m²n instead of n²m
        D = activities.T @ np.linalg.solve(activities @ activities.T + ridge * np.eye(m), targets)
    else:
        G = activities.T @ activities + ridge * np.eye(n)
        D = np.linalg.solve(G, activities.T @ targets)
    rmse = float(np.sqrt(np.mean((activities @ D - targets) ** 2)))
    return D, rmse
