"""The interface every neuron model follows: declared state, validated parameters, pure maths.

A model is a frozen dataclass of parameters (checked in ``__post_init__``) that declares its
state variables (:class:`StateVar`: name, unit, resting value) and provides a pure
``derivatives(t, y, inputs)`` over arrays of shape ``(n_vars, n_units)``. A spiking model also
declares a :class:`SpikeRule` (watched variable, threshold, whether it resets, refractory period)
and, if it resets, a pure ``reset(y)``. Integration, spike detection and recording belong to
:class:`~neurolink.models.dynamics.base.NeuralDynamics`, not to the model.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import ModelError

__all__ = ["NeuronModel", "SpikeRule", "StateVar"]


@dataclass(frozen=True)
class StateVar:
    """One state variable: its name, unit and default initial value."""

    name: str
    unit: str
    initial: float


@dataclass(frozen=True)
class SpikeRule:
    """When a model spikes and what happens then.

    Parameters
    ----------
    variable : str
        Watched state variable (usually the membrane potential).
    threshold : float
        A spike is an upward crossing of this value (unit of ``variable``).
    resets : bool
        If True, the state is replaced by ``model.reset(state)`` at the crossing time.
    refractory : float
        Time (ms) after a spike during which the unit's state is held (resetting models only).
    """

    variable: str
    threshold: float
    resets: bool = True
    refractory: float = 0.0


class NeuronModel(ABC):
    """Base of the point-neuron and population models.

    Subclasses set the class attributes ``state`` and ``input_unit`` and implement
    :meth:`derivatives`; spiking ones override :attr:`spike_rule` (and :meth:`reset`).
    """

    #: Declared state variables, in the order of the rows of a state array.
    state: ClassVar[tuple[StateVar, ...]]
    #: Unit of the external input (e.g. "µA/cm²", "nA", "mV").
    input_unit: ClassVar[str]
    #: A value beyond ±bound is reported as divergence.
    bound: ClassVar[float] = 1e6

    @property
    def spike_rule(self) -> SpikeRule | None:
        """The spike rule, or None for a non-spiking model."""
        return None

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the state variables, in row order."""
        return tuple(v.name for v in self.state)

    def index(self, name: str) -> int:
        """Row of the state variable ``name``."""
        try:
            return self.names.index(name)
        except ValueError:
            raise ModelError(
                f"{type(self).__name__}: no state variable {name!r} (has {self.names})"
            ) from None

    @abstractmethod
    def derivatives(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """Time derivatives of the state.

        Parameters
        ----------
        t : float
            Time (ms).
        y : numpy.ndarray, shape (n_vars, n_units)
            State, rows in the order of :attr:`state`.
        inputs : numpy.ndarray, shape (n_units,)
            External input per unit (:attr:`input_unit`).

        Returns
        -------
        numpy.ndarray, shape (n_vars, n_units)
            ``dy/dt`` (state units per ms).
        """

    def jacobian_diagonal(self, t: float, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """``∂f_i/∂y_i`` (1/ms), used by exponential Euler; a central difference by default."""
        out = np.empty_like(y)
        for i in range(y.shape[0]):
            eps = 1e-6 * np.maximum(1.0, np.abs(y[i]))
            yp, ym = y.copy(), y.copy()
            yp[i] += eps
            ym[i] -= eps
            out[i] = (self.derivatives(t, yp, inputs)[i] - self.derivatives(t, ym, inputs)[i]) / (
                2 * eps
            )
        return out

    def reset(self, y: np.ndarray) -> np.ndarray:
        """State right after a spike, from the state at the crossing (resetting models)."""
        raise NotImplementedError(f"{type(self).__name__} does not reset")

    def initial_state(
        self, n_units: int = 1, values: Mapping[str, ArrayLike] | None = None
    ) -> np.ndarray:
        """A state array of shape (n_vars, n_units): the declared defaults, overridden by
        ``values`` (name → scalar or array of shape (n_units,))."""
        y = np.empty((len(self.state), n_units))
        for i, var in enumerate(self.state):
            y[i] = self.resting_value(var.name)
        for name, value in (values or {}).items():
            arr = np.asarray(value, dtype=np.float64)
            if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n_units):
                raise ModelError(
                    f"{type(self).__name__}: initial {name!r} must be a scalar or shape "
                    f"({n_units},), got shape {arr.shape}"
                )
            y[self.index(name)] = arr
        return y

    def resting_value(self, name: str) -> float:
        """Default initial value of ``name`` (the declared one unless a model computes it)."""
        return self.state[self.index(name)].initial
