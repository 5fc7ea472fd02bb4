"""FitzHugh–Nagumo: a two-variable reduction of excitable membrane dynamics (dimensionless).

``dV/dt = V − V³/3 − w + I``,  ``dw/dt = ε (b V − w + a)``.

The fixed point solves ``−V³/3 + (1 − b) V + (I − a) = 0`` with ``w = bV + a``; the Jacobian
there is ``[[1 − V², −1], [ε b, −ε]]``, so the fixed point loses stability (Hopf) where the
trace vanishes, ``1 − V*² = ε``, provided the determinant ``ε (b − 1 + V*²)`` is positive.
Time is in model units (called ms here so that it plugs into the simulator unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolink.models.dynamics.model import NeuronModel, SpikeRule, StateVar
from neurolink.models.dynamics.params import check_finite, check_positive

__all__ = ["FitzHughNagumo"]


@dataclass(frozen=True)
class FitzHughNagumo(NeuronModel):
    """FitzHugh–Nagumo oscillator.

    Parameters
    ----------
    a : float
        Offset of the recovery nullcline.
    b : float
        Slope of the recovery nullcline (``b >= 1`` gives one fixed point for every I).
    epsilon : float
        Time-scale ratio of recovery to voltage (> 0, usually ≪ 1).
    spike_threshold : float
        Upward crossing of ``V`` recorded as a spike (no reset).

    Notes
    -----
    The defaults are FitzHugh's classic (a, b, ε) = (0.7, 0.8, 0.08) of the form
    ``dw/dt = ε (V + a − b w)`` rewritten in this form: ``a/b = 0.875``, ``1/b = 1.25``,
    ``ε b = 0.064``; the Hopf bifurcation is then at ``I ≈ 0.331``.
    """

    a: float = 0.875
    b: float = 1.25
    epsilon: float = 0.064
    spike_threshold: float = 1.0

    state = (StateVar("V", "1", -1.0), StateVar("w", "1", -0.5))
    input_unit = "1"

    def __post_init__(self) -> None:
        name = type(self).__name__
        check_finite(name, "a", self.a)
        check_finite(name, "b", self.b)
        check_positive(name, "epsilon", self.epsilon)
        check_finite(name, "spike_threshold", self.spike_threshold)

    @property
    def spike_rule(self) -> SpikeRule:
        return SpikeRule("V", self.spike_threshold, resets=False)

    def derivatives(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        v, w = y
        return np.stack((v - v**3 / 3.0 - w + inputs, self.epsilon * (self.b * v - w + self.a)))

    def jacobian_diagonal(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        v = y[0]
        return np.stack((1.0 - v**2, np.full_like(v, -self.epsilon)))

    def fixed_points(self, current: float) -> np.ndarray:
        """Real fixed points ``(V*, w*)`` at constant input ``current``, shape (n_fp, 2)."""
        roots = np.roots([-1.0 / 3.0, 0.0, 1.0 - self.b, current - self.a])
        v = np.sort(roots[np.abs(roots.imag) < 1e-9].real)
        return np.column_stack((v, self.b * v + self.a))
