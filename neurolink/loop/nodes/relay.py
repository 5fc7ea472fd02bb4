"""The ``snn`` node: a decoded vector through a spiking relay network and back.

The relay only delays: each sigma-delta spike comes back one network step later. It shows the
chip in the loop (host ``fixed`` backend or the board over the wire, bit for bit the same)
without computing anything.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from neurolink.config import setting
from neurolink.loop.core.ports import Port, Stage, Vector
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.clocked import (
    _W_MAX,
    CURRENT_ONLY,
    PLACEMENTS,
    Clocked,
    StepBackend,
    place_network,
)
from neurolink.snn import BackendKind
from neurolink.snn.coding import ExponentialDecoder, SigmaDeltaEncoder
from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec, Population

__all__ = ["SNNNode", "SnnParams", "relay_spec"]


@dataclasses.dataclass(frozen=True)
class SnnParams:
    """``snn``: the decoded vector through a spiking relay on the host or the board."""

    backend: str = setting(BackendKind.FIXED.value, choices=PLACEMENTS)
    url: str = "emulate"
    scale: float = setting(1.0, gt=0)
    dt_ms: float = setting(1.0, gt=0)
    tau_ms: float = setting(20.0, gt=0)


def relay_spec(n_values: int) -> NetworkSpec:
    """A one-to-one spiking relay of ``2·n_values`` channels (signed values: + then −).

    Every relay neuron has one input axon of weight 255 and ``vth = 100``: an input spike gives
    ``v = 255 << 6 = 16320 > 100 << 6 = 6400``, so the neuron fires once per input spike, one
    step later, and with ``dv = 4095`` nothing is left for the next step.

    Parameters
    ----------
    n_values : int
        Signed values relayed (2 channels each).

    Returns
    -------
    NetworkSpec
        Port ``in`` (2n axons), population ``relay`` (2n neurons).
    """
    n = 2 * int(n_values)
    pop = Population("relay", n, du=CURRENT_ONLY, dv=4095, vth=100)
    conn = DenseConnection("in_relay", "in", "relay", weights=_W_MAX * np.eye(n, dtype=np.int64))
    return NetworkSpec([pop], [conn], [InputPort("in", n)])


@register_node
class SNNNode(Clocked):
    """A decoded vector through a spiking relay and back (the chip in the loop).

    Each value becomes signed sigma-delta spikes (``scale`` = one spike per step), a relay
    population reproduces every input spike one step later in the chip's integer arithmetic,
    and an exponential filter of the output spikes (time constant ``tau_ms``) gives the value
    back. On the ``fixed`` backend and on the board the output is bit for bit the same.

    Parameters
    ----------
    name : str
    backend : StepBackend
        Where the network runs.
    labels : sequence of str
        Labels of the vector (its length n).
    fs : float
        Sampling rate of the stream (Hz).
    scale : float
        Magnitude that gives one spike per step.
    dt_ms : float
        Network step (ms).
    tau_ms : float
        Time constant of the read-out filter (ms).
    max_samples : int
        Largest block (samples).
    """

    kind: ClassVar[str] = "snn"
    inputs: ClassVar[tuple[Port, ...]] = (Port.STATE,)
    output: ClassVar[Port] = Port.STATE
    stage: ClassVar[Stage] = Stage.SNN
    Params: ClassVar[type] = SnnParams

    @classmethod
    def from_config(cls, ctx: BuildContext) -> SNNNode:
        """The node of a ``[[loop.nodes]]`` entry, its network placed as ``backend`` says."""
        p = ctx.node.params
        return cls(
            ctx.node.name,
            place_network(ctx, p.backend, p.url),
            ctx.source_labels,
            ctx.fs,
            scale=p.scale,
            dt_ms=p.dt_ms,
            tau_ms=p.tau_ms,
            max_samples=ctx.max_samples,
        )

    def __init__(
        self,
        name: str,
        backend: StepBackend,
        labels: tuple[str, ...],
        fs: float,
        *,
        scale: float = 1.0,
        dt_ms: float = 1.0,
        tau_ms: float = 20.0,
        max_samples: int = 2048,
    ) -> None:
        n = len(labels)
        super().__init__(
            name, backend, relay_spec(n), "relay", 2 * n, round(dt_ms * 1e-3 * fs), max_samples
        )
        self.n, self.scale = n, float(scale)
        self.encoder = SigmaDeltaEncoder(n, threshold=self.scale, signed=True)
        self.readout = ExponentialDecoder(2 * n, tau_ms=tau_ms, dt_ms=dt_ms)
        self._in: list[dict[str, np.ndarray] | None] = [
            {"in": np.zeros(2 * n, np.bool_)} for _ in range(self._spikes.shape[0])
        ]
        self._x = np.zeros(n, np.float64)
        self.labels = tuple(labels)
        self._out = Vector.zeros(self.labels)

    def reset(self) -> None:
        """Back to rest: network, encoder and read-out."""
        super().reset()
        self.encoder.reset()
        self.readout.reset()
        self._x[:] = 0.0

    def step(self, v: Vector, tick: Tick) -> Vector:
        """Advance the network through this block with the latest input value.

        Returns
        -------
        Vector
            The read-out (``fresh`` when the network stepped); :attr:`spikes` holds this
            block's output spikes.
        """
        if v.index >= 0:
            np.clip(v.value, -self.scale, self.scale, out=self._x)
        n = self._n_steps(tick)
        for k in range(n):
            self._in[k]["in"][:] = self.encoder.step(self._x)  # type: ignore[index]
        spikes = self._run(n, self._in)
        y = None
        for k in range(n):
            y = self.readout.step(spikes[k])
        out = self._out
        out.fresh = y is not None
        if y is not None:
            out.value[:] = self.scale * (y[: self.n] - y[self.n :])
            out.index = max(v.index, out.index)
        return out
