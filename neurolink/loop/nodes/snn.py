"""Spiking-network nodes: encoder → backend step → decoder, one network step per ``dt_ms``.

The network runs in sample time: a block of samples ``[first, stop)`` advances it by the number
of step boundaries (multiples of ``step_samples``) the block crosses, so its output does not
depend on how the stream is cut into blocks. A backend is anything with
``step(inputs) -> {population: spikes}`` and ``reset()``: the host ``fixed`` backend
(:func:`neurolink.snn.make_backend`) or the neuromorphic board over the wire
(:class:`~neurolink.hal.drivers.NeuroboardDriver`). The networks are built in
:mod:`neurolink.loop.nodes.networks`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import numpy as np

from neurolink.loop.core.ports import Port, Stage, Vector
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.dsp import Events
from neurolink.loop.nodes.networks import burst_spec, relay_spec, wta_spec
from neurolink.snn.coding import ExponentialDecoder, SigmaDeltaEncoder

__all__ = ["BurstNode", "SNNNode", "StepBackend", "WTANode", "steps_crossed"]


class StepBackend(Protocol):
    """What a node needs of a backend (host ``fixed`` backend or neuromorphic board)."""

    def load(self, spec: Any) -> None: ...

    def step(self, inputs: Any = None) -> dict[str, np.ndarray]: ...

    def reset(self) -> None: ...


def steps_crossed(first: int, stop: int, step_samples: int) -> int:
    """Network steps that end inside samples ``[first, stop)``: boundaries ``k·step_samples``
    with ``first < k·step_samples <= stop``."""
    return stop // step_samples - first // step_samples


class _Clocked:
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


class SNNNode(_Clocked):
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


class BurstNode(_Clocked):
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


class WTANode(_Clocked):
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
