"""The ``wta`` node: class posteriors accumulated by a winner-take-all network into decisions."""

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
from neurolink.snn.coding import SigmaDeltaEncoder
from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec, Population

__all__ = ["WTANode", "WtaParams", "wta_spec"]


@dataclasses.dataclass(frozen=True)
class WtaParams:
    """``wta``: winner-take-all accumulation of class evidence into decisions."""

    backend: str = setting(BackendKind.FIXED.value, choices=PLACEMENTS)
    url: str = "emulate"
    evidence_spikes: int = setting(50, ge=1, le=2047)
    leak: int = setting(0, ge=0, le=4095)
    dt_ms: float = setting(1.0, gt=0)
    refractory_ms: float = setting(500.0, ge=0)


def wta_spec(n_classes: int, evidence_spikes: int, leak: int = 0) -> NetworkSpec:
    """Winner-take-all evidence accumulators, one per class, with mutual inhibition.

    Input weight 64 and ``vth = 64 · evidence_spikes − 1``: an integrator fires on its
    ``evidence_spikes``-th input spike (without leak). Its spike reaches every other
    integrator one step later with weight −255 << 6 (``weight_exp = 6``): a drop of
    ``16320 << 6`` in ``v`` that wipes out any evidence short of the threshold.

    Parameters
    ----------
    n_classes : int
        Number of classes (≥ 2).
    evidence_spikes : int
        Input spikes an integrator needs (1..2047).
    leak : int
        ``dv`` decay code of the integrators (0: perfect integration).

    Returns
    -------
    NetworkSpec
        Port ``in`` (one axon per class), population ``wta``.
    """
    k = int(n_classes)
    w = 64
    if k < 2:
        raise ValueError(f"a winner-take-all needs at least 2 classes, got {k}")
    if not 1 <= evidence_spikes <= 131071 // w:
        raise ValueError(f"evidence_spikes must be 1..{131071 // w}, got {evidence_spikes}")
    pop = Population("wta", k, du=CURRENT_ONLY, dv=int(leak), vth=w * int(evidence_spikes) - 1)
    excite = DenseConnection("in_wta", "in", "wta", weights=w * np.eye(k, dtype=np.int64))
    inhibit = DenseConnection(
        "wta_wta", "wta", "wta", weight_exp=6, weights=-_W_MAX * (1 - np.eye(k, dtype=np.int64))
    )
    return NetworkSpec([pop], [excite, inhibit], [InputPort("in", k)])


@register_node
class WTANode(Clocked):
    """Class posteriors accumulated by a winner-take-all network into a discrete decision.

    Each class's evidence above chance, ``(p − 1/K)/(1 − 1/K)``, drives sigma-delta spikes into
    its integrator neuron; the first integrator to reach ``evidence_spikes`` input spikes fires
    and inhibits the others: that class is the decision. The network is then reset and holds no
    decision for ``refractory_steps`` steps.

    Parameters
    ----------
    name : str
    backend : StepBackend
    n_classes : int
    fs : float
        Sampling rate of the stream (Hz).
    evidence_spikes : int
        Input spikes an integrator needs to fire.
    leak : int
        Membrane decay code ``dv`` (0 = perfect integrator; 4095 forgets at once).
    dt_ms : float
        Network step (ms).
    refractory_steps : int
        Steps after a decision during which evidence is not accumulated.
    max_samples : int
    """

    kind: ClassVar[str] = "wta"
    inputs: ClassVar[tuple[Port, ...]] = (Port.POSTERIORS,)
    output: ClassVar[Port] = Port.DECISION
    stage: ClassVar[Stage] = Stage.SNN
    Params: ClassVar[type] = WtaParams

    @classmethod
    def from_config(cls, ctx: BuildContext) -> WTANode:
        """The node of a ``[[loop.nodes]]`` entry, its network placed as ``backend`` says."""
        p = ctx.node.params
        return cls(
            ctx.node.name,
            place_network(ctx, p.backend, p.url),
            len(ctx.source_labels),
            ctx.fs,
            evidence_spikes=p.evidence_spikes,
            leak=p.leak,
            dt_ms=p.dt_ms,
            refractory_steps=round(p.refractory_ms / p.dt_ms),
            max_samples=ctx.max_samples,
        )

    def __init__(
        self,
        name: str,
        backend: StepBackend,
        n_classes: int,
        fs: float,
        *,
        evidence_spikes: int = 50,
        leak: int = 0,
        dt_ms: float = 1.0,
        refractory_steps: int = 500,
        max_samples: int = 2048,
    ) -> None:
        super().__init__(
            name,
            backend,
            wta_spec(n_classes, evidence_spikes, leak),
            "wta",
            n_classes,
            round(dt_ms * 1e-3 * fs),
            max_samples,
        )
        self.n_classes = int(n_classes)
        self.refractory_steps = int(refractory_steps)
        self.encoder = SigmaDeltaEncoder(n_classes, threshold=1.0)
        self._level = np.zeros(n_classes, np.float64)
        self._in: list[dict[str, np.ndarray] | None] = [
            {"in": np.zeros(n_classes, np.bool_)} for _ in range(self._spikes.shape[0])
        ]
        self._hold = 0
        self.decisions: list[tuple[int, int]] = []  # (sample index, class), for the summary

    def reset(self) -> None:
        """Network, encoder and refractory period back to rest; no decision made yet."""
        super().reset()
        self.encoder.reset()
        self._level[:] = 0.0
        self._hold = 0
        self.decisions.clear()

    def step(self, p: Vector, tick: Tick) -> int:
        """Accumulate this block's evidence; the class decided in it, or -1."""
        k = self.n_classes
        if p.index >= 0:
            np.subtract(p.value, 1.0 / k, out=self._level)
            self._level *= k / (k - 1)
            np.clip(self._level, 0.0, 1.0, out=self._level)
        n = self._n_steps(tick)
        for s in range(n):
            if self._hold > 0:
                self._in[s]["in"][:] = False  # type: ignore[index]
                self._hold -= 1
            else:
                self._in[s]["in"][:] = self.encoder.step(self._level)  # type: ignore[index]
        spikes = self._run(n, self._in)
        for s in range(n):
            winners = np.flatnonzero(spikes[s])
            if winners.size:
                choice = int(winners[np.argmax(self._level[winners])])
                self.backend.reset()
                self.encoder.reset()
                self._hold = self.refractory_steps
                self.decisions.append((tick.last_index, choice))
                return choice
        return -1
