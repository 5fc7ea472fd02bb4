"""What the spiking-network nodes share: sample-time stepping of a network on a backend.

The network runs in sample time: a block of samples ``[first, stop)`` advances it by the number
of step boundaries (multiples of ``step_samples``) the block crosses, so its output does not
depend on how the stream is cut into blocks. A backend is anything with
``step(inputs) -> {population: spikes}`` and ``reset()``: the host ``fixed`` backend
(:func:`neurolink.snn.make_backend`) or the neuromorphic board over the wire
(:class:`~neurolink.hal.drivers.NeuroboardDriver`).
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

from neurolink.loop.core.registry import BuildContext
from neurolink.loop.core.tick import Tick
from neurolink.snn import BackendKind, make_backend

__all__ = [
    "CURRENT_ONLY",
    "NEUROBOARD",
    "PLACEMENTS",
    "Clocked",
    "StepBackend",
    "check_step",
    "decay_code",
    "open_backend",
    "place_network",
    "steps_crossed",
]


CURRENT_ONLY = 4095
"""``du`` code for a current that lasts one step (decay factor 4096 − (4095 + 1) = 0)."""

_W_MAX = 255  # largest excitatory weight (8 bits)


def decay_code(tau_steps: float) -> int:
    """The ``dv`` code of a leak with time constant ``tau_steps`` steps.

    ``v`` is multiplied by ``(4096 − dv) / 4096 = exp(−1/τ)`` each step, so
    ``dv = round(4096 · (1 − exp(−1/τ)))``; 0 for τ = ∞.

    Parameters
    ----------
    tau_steps : float
        Time constant in steps (> 0; ``math.inf`` for no leak).

    Returns
    -------
    int
        0..4095.
    """
    if not tau_steps > 0:
        raise ValueError(f"the leak time constant must be > 0 steps, got {tau_steps!r}")
    return min(4095, round(4096 * (1.0 - math.exp(-1.0 / tau_steps))))


class StepBackend(Protocol):
    """What a node needs of a backend (host ``fixed`` backend or neuromorphic board)."""

    def load(self, spec: Any) -> None: ...

    def step(self, inputs: Any = None) -> dict[str, np.ndarray]: ...

    def reset(self) -> None: ...


def steps_crossed(first: int, stop: int, step_samples: int) -> int:
    """Network steps that end inside samples ``[first, stop)``: boundaries ``k·step_samples``
    with ``first < k·step_samples <= stop``."""
    return stop // step_samples - first // step_samples


class Clocked:
    """Sample-time stepping and the output spike buffer shared by the network nodes."""

    def __init__(
        self,
        name: str,
        backend: StepBackend,
        spec: Any,
        population: str,
        n_out: int,
        step_samples: int,
        max_samples: int,
    ) -> None:
        if step_samples < 1:
            raise ValueError(f"snn node {name!r}: a step must be at least one sample")
        self.name = name
        self.backend = backend
        self.spec = spec
        backend.load(spec)
        self.population = population
        self.step_samples = int(step_samples)
        cap = max_samples // self.step_samples + 2
        self._spikes = np.zeros((cap, n_out), np.bool_)
        self.n_steps = 0
        self._n_last = 0
        self.n_out_spikes = 0
        #: Network step number of row 0 of the last output (for recording).
        self.first_step = 0

    def _n_steps(self, tick: Tick) -> int:
        n = steps_crossed(tick.first_index, tick.stop_index, self.step_samples)
        return min(n, self._spikes.shape[0])

    @property
    def last_spikes(self) -> np.ndarray:
        """Output spikes of the last block, bool (n_steps, n_out) (a view)."""
        return self._spikes[: self._n_last]

    def _run(self, n: int, inputs: list[dict[str, np.ndarray] | None]) -> np.ndarray:
        out = self._spikes[:n]
        self._n_last = n
        self.first_step = self.n_steps
        for k in range(n):
            out[k] = self.backend.step(inputs[k])[self.population]
        self.n_steps += n
        self.n_out_spikes += int(np.count_nonzero(out)) if n else 0
        return out

    def reset(self) -> None:
        """Back to the network's initial state, with step numbers counted from 0 again."""
        self.backend.reset()
        self.n_steps = self._n_last = self.n_out_spikes = self.first_step = 0


#: Where a network node's network can run: the host ``fixed`` backend, or the neuromorphic
#: board over the wire (the ``chip`` tier behind a serial port).
NEUROBOARD = "neuroboard"
PLACEMENTS: tuple[str, ...] = (BackendKind.FIXED.value, NEUROBOARD)


def check_step(ctx: BuildContext, dt_ms: float, key: str = "dt_ms") -> None:
    """Refuse a network step (``dt_ms``, the parameter ``key``) shorter than one sample."""
    if round(dt_ms * 1e-3 * ctx.fs) < 1:
        raise ctx.error(
            key,
            f"a network step of {dt_ms:g} ms is shorter than one sample at {ctx.fs:g} Hz; "
            f"use {key} >= {1e3 / ctx.fs:.3g}",
        )


def open_backend(ctx: BuildContext, placement: str, url: str, key: str = "backend") -> StepBackend:
    """A new host ``fixed`` backend, or the board at ``url`` opened through ``ctx.open_board``
    (its closer appended to ``ctx.closers``), as ``placement`` says."""
    if placement != NEUROBOARD:
        return make_backend(BackendKind(placement))  # type: ignore[return-value]
    if ctx.open_board is None:
        raise ctx.error(key, "a neuroboard backend needs a board opener")
    board, close = ctx.open_board(url)
    ctx.closers.append(close)
    return board


def place_network(ctx: BuildContext, backend: str, url: str) -> StepBackend:
    """The backend a network node runs on (its ``backend`` and ``url`` parameters), after
    checking that its ``dt_ms`` is at least one sample."""
    check_step(ctx, ctx.node.params.dt_ms)
    return open_backend(ctx, backend, url)
