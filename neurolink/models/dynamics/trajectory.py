"""The result of a simulation: sampled states by variable name and interpolated spike times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from neurolink.models.dynamics.params import ModelError
from neurolink.models.integrators import Method

__all__ = ["Trajectory"]


@dataclass(frozen=True)
class Trajectory:
    """Sampled states and spike times of ``n_units`` units of one model.

    Parameters
    ----------
    times : numpy.ndarray, shape (n_samples,)
        Sample times (ms).
    states : mapping of str to numpy.ndarray, shape (n_samples, n_units)
        Recorded state variables by name.
    units : mapping of str to str
        Unit of each recorded variable (e.g. ``{"V": "mV"}``).
    spike_times : tuple of numpy.ndarray
        One sorted array of spike times (ms) per unit (empty for non-spiking models).
    method : Method
        The integration method used.
    """

    times: np.ndarray
    states: Mapping[str, np.ndarray]
    units: Mapping[str, str]
    spike_times: tuple[np.ndarray, ...]
    method: Method

    def __getitem__(self, name: str) -> np.ndarray:
        """Samples of the state variable ``name``, shape (n_samples, n_units)."""
        try:
            return self.states[name]
        except KeyError:
            raise ModelError(
                f"trajectory has no variable {name!r} (has {tuple(self.states)})"
            ) from None

    @property
    def n_units(self) -> int:
        """Number of simulated units."""
        return len(self.spike_times)

    def spike_counts(self, t_from: float = -np.inf, t_to: float = np.inf) -> np.ndarray:
        """Spikes per unit with ``t_from <= t < t_to`` (int64, shape (n_units,))."""
        return np.array(
            [np.count_nonzero((s >= t_from) & (s < t_to)) for s in self.spike_times],
            dtype=np.int64,
        )

    def firing_rates(self, t_from: float, t_to: float) -> np.ndarray:
        """Mean firing rate (Hz) per unit over ``[t_from, t_to)`` (ms), shape (n_units,)."""
        if not t_to > t_from:
            raise ModelError(f"firing_rates: need t_to > t_from, got [{t_from}, {t_to})")
        return self.spike_counts(t_from, t_to) / ((t_to - t_from) * 1e-3)

    def interspike_intervals(self, unit: int) -> np.ndarray:
        """Intervals (ms) between consecutive spikes of ``unit``."""
        return np.diff(self.spike_times[unit])
