"""The one interface every backend implements, and the explicit "not supported" check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

from neurolink.snn.enums import BackendKind, Feature
from neurolink.snn.errors import NotSupportedError
from neurolink.snn.spec import NetworkSpec, SparseConnection

__all__ = ["Backend", "StepInputs", "check_supported", "features_of"]

#: Spikes sent this step, by input port name: bool arrays of shape (n_axons,).
StepInputs = Mapping[str, ArrayLike]


@runtime_checkable
class Backend(Protocol):
    """A numeric tier that executes a :class:`NetworkSpec`.

    Time advances in steps. ``step`` sends one step of input spikes and returns the spikes of
    every population in that step; ``run(T, raster)`` does ``T`` steps at once and returns the
    probes. Both continue from the current state; ``reset`` returns to the spec's initial state.
    A spike sent at step t reaches the target's current ``u`` at step t + 1.
    """

    kind: BackendKind
    #: Features of :class:`Feature` that this backend refuses with NotSupportedError.
    not_supported: frozenset[Feature]

    def load(self, spec: NetworkSpec) -> None:
        """Compile ``spec`` and reset to its initial state."""
        ...

    def step(self, inputs: StepInputs | None = None) -> dict[str, np.ndarray]:
        """Advance one step.

        Parameters
        ----------
        inputs : mapping of port name to bool array, shape (n_axons,), optional
            Spikes sent at this step; missing ports send none.

        Returns
        -------
        dict of population name to bool array, shape (n_neurons,)
            Spikes emitted at this step (fresh arrays).
        """
        ...

    def run(
        self, T: int, inputs: Mapping[str, ArrayLike] | ArrayLike | None = None
    ) -> dict[str, np.ndarray]:
        """Advance ``T`` steps.

        Parameters
        ----------
        T : int
            Number of steps.
        inputs : mapping of port name to bool array of shape (T, n_axons), optional
            Row k is sent at the (k+1)-th step of this call. A plain array is accepted when the
            spec has exactly one input port.

        Returns
        -------
        dict of probe key to array, shape (T, n_neurons)
            Row k holds the probed variable after step k + 1 (spikes bool; u, v in state units).
        """
        ...

    def reset(self) -> None:
        """Return to the spec's initial state (u0, v0, no pending input, t = 0)."""
        ...

    def get_state(self) -> dict[str, np.ndarray]:
        """Copy of the state: ``"t"`` and ``"<population>.<var>"`` for each state variable."""
        ...

    def set_state(self, state: Mapping[str, ArrayLike]) -> None:
        """Restore a state returned by :meth:`get_state`."""
        ...


def features_of(spec: NetworkSpec) -> set[Feature]:
    """The optional features that ``spec`` uses."""
    used: set[Feature] = set()
    if len(spec.populations) > 1:
        used.add(Feature.MULTI_POPULATION)
    if len(spec.inputs) > 1:
        used.add(Feature.MULTI_PORT)
    if any(isinstance(c, SparseConnection) for c in spec.connections):
        used.add(Feature.SPARSE)
    if any(c.source in spec.population_names for c in spec.connections):
        used.add(Feature.RECURRENT)
    if spec.is_real_valued():
        used.add(Feature.REAL_VALUED)
    return used


def check_supported(backend: Backend, feature: Feature | set[Feature]) -> None:
    """Raise NotSupportedError if ``backend`` lacks any of ``feature``."""
    wanted = {feature} if isinstance(feature, Feature) else feature
    missing = sorted(f.value for f in wanted & backend.not_supported)
    if missing:
        raise NotSupportedError(
            f"{backend.kind.value} backend does not support: {', '.join(missing)} "
            f"(see {type(backend).__name__}.not_supported)"
        )
