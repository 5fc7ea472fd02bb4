"""The ``burst`` node: detected spikes into a leaky integrate-and-fire burst detector."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from neurolink.config import setting
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.clocked import (
    CURRENT_ONLY,
    PLACEMENTS,
    Clocked,
    StepBackend,
    decay_code,
    place_network,
)
from neurolink.loop.nodes.detect import Events
from neurolink.snn import BackendKind
from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec, Population

__all__ = ["BurstNode", "BurstParams", "burst_spec"]


@dataclasses.dataclass(frozen=True)
class BurstParams:
    """``burst``: a leaky integrate-and-fire detector of coincident spikes."""

    backend: str = setting(BackendKind.FIXED.value, choices=PLACEMENTS)
    url: str = "emulate"
    n_coincident: int = setting(20, ge=1, le=16383)
    leak_ms: float = setting(5.0, gt=0)
    dt_ms: float = setting(1.0, gt=0)


def burst_spec(n_channels: int, n_coincident: int, leak_steps: float) -> NetworkSpec:
    """One leaky integrate-and-fire neuron listening to every channel: a burst detector.

    Weight 8 per input, ``vth = 8 · n_coincident − 1``: without leak it fires on the
    ``n_coincident``-th input spike; the leak (time constant ``leak_steps``) forgets spikes
    that are spread out in time.

    Parameters
    ----------
    n_channels : int
        Input axons (one per recording channel).
    n_coincident : int
        Spikes needed (1..16383).
    leak_steps : float
        Membrane time constant in steps.

    Returns
    -------
    NetworkSpec
        Port ``in``, population ``burst`` (1 neuron).
    """
    w = 8
    if not 1 <= n_coincident <= 131071 // w:
        raise ValueError(f"n_coincident must be 1..{131071 // w}, got {n_coincident}")
    pop = Population(
        "burst", 1, du=CURRENT_ONLY, dv=decay_code(leak_steps), vth=w * int(n_coincident) - 1
    )
    conn = DenseConnection(
        "in_burst", "in", "burst", weights=np.full((1, n_channels), w, dtype=np.int64)
    )
    return NetworkSpec([pop], [conn], [InputPort("in", int(n_channels))])


@register_node
class BurstNode(Clocked):
    """Detected spikes into a leaky integrate-and-fire detector of population bursts.

    Every channel is an input axon; a spike at sample ``t`` is sent at the network step that
    ends after it. The detector neuron fires when about ``n_coincident`` spikes arrive within
    its leak time constant.

    Parameters
    ----------
    name : str
    backend : StepBackend
    n_channels : int
    fs : float
        Sampling rate (Hz).
    n_coincident : int
        Input spikes that make the detector fire (without leak).
    leak_ms : float
        Time constant of the membrane leak (ms).
    dt_ms : float
        Network step (ms).
    max_samples : int
    """

    kind: ClassVar[str] = "burst"
    inputs: ClassVar[tuple[Port, ...]] = (Port.EVENTS,)
    output: ClassVar[Port] = Port.SPIKES
    stage: ClassVar[Stage] = Stage.SNN
    Params: ClassVar[type] = BurstParams

    @classmethod
    def from_config(cls, ctx: BuildContext) -> BurstNode:
        """The node of a ``[[loop.nodes]]`` entry, its network placed as ``backend`` says."""
        p = ctx.node.params
        return cls(
            ctx.node.name,
            place_network(ctx, p.backend, p.url),
            ctx.n_channels,
            ctx.fs,
            n_coincident=p.n_coincident,
            leak_ms=p.leak_ms,
            dt_ms=p.dt_ms,
            max_samples=ctx.max_samples,
        )

    def __init__(
        self,
        name: str,
        backend: StepBackend,
        n_channels: int,
        fs: float,
        *,
        n_coincident: int = 20,
        leak_ms: float = 5.0,
        dt_ms: float = 1.0,
        max_samples: int = 2048,
    ) -> None:
        super().__init__(
            name,
            backend,
            burst_spec(n_channels, n_coincident, leak_ms / dt_ms),
            "burst",
            1,
            round(dt_ms * 1e-3 * fs),
            max_samples,
        )
        self._raster = np.zeros((self._spikes.shape[0], n_channels), np.bool_)
        self._carry = np.zeros(n_channels, np.bool_)
        self._in: list[dict[str, np.ndarray] | None] = [
            {"in": self._raster[k]} for k in range(self._raster.shape[0])
        ]

    def reset(self) -> None:
        """Network back to rest; no spike waiting."""
        super().reset()
        self._carry[:] = False

    def step(self, ev: Events, tick: Tick) -> np.ndarray:
        """Send this block's spikes through the detector.

        A spike goes in at the network step its sample belongs to, or — when that step has
        already run (the detector decides a spike ``dead_time`` after it) — at the first step
        this block runs; spikes of a block that runs no step wait for the next one.

        Returns
        -------
        numpy.ndarray of bool, shape (n_steps, 1)
            Detector spikes per network step of this block (a view).
        """
        n = self._n_steps(tick)
        sp = ev.spikes
        if sp.shape[0]:
            if n == 0:
                self._carry[sp["channel"]] = True
                return self._run(0, self._in)
            j0 = tick.stop_index // self.step_samples - n
            rows = np.clip(sp["sample_index"] // self.step_samples - j0, 0, n - 1)
            r = self._raster[:n]
            r[:] = False
            r[rows, sp["channel"]] = True
        else:
            self._raster[:n] = False
        if n:
            self._raster[0] |= self._carry
            self._carry[:] = False
        return self._run(n, self._in)
