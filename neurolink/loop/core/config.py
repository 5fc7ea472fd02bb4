"""Config sections of the closed loop: ``[loop]`` (graph, sinks, task, recording, deadline).
The ``simulated`` source kind lives with the subject (:mod:`neurolink.sim.source_config`).

The graph is a list of nodes, ``[[loop.nodes]]``, each with a ``name``, a ``kind`` and an
``input`` (``"source"`` or an earlier node; default the node before it), and its parameters in
a table named after its kind; sinks, ``[[loop.sinks]]``, take the commands of a mapper node::

    [[loop.nodes]]
    name = "spikes"
    kind = "detect"
    detect.threshold = 4.5

    [[loop.sinks]]
    name = "arm"
    device = "prosthesis"
    input = "velocity"

Validation names the node and the key, with the file line: an input that is not an earlier
node, a node fed the wrong kind of data (``decode`` needs ``counts``: put a ``bin`` node
before it), a sink fed by something that is not a mapper or a device that cannot take its
commands, a decoder with neither a model file nor a task to calibrate it. ``[loop.calibration]``
(:mod:`neurolink.loop.calibration.config`) says what ``neurolink calibrate`` records and fits.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal, Self

from neurolink.config.tables import Scope, setting
from neurolink.loop.calibration.config import CalibrationConfig, check_calibration
from neurolink.loop.core.ports import NODE_PORTS
from neurolink.loop.core.wiring import check_loop
from neurolink.sim.source_config import SimulatedConfig

__all__ = [
    "NODE_KINDS",
    "LoopConfig",
    "NodeConfig",
    "RecordingConfig",
    "SimulatedConfig",
    "SinkConfig",
    "TaskConfig",
]

#: Node kinds, in the order of :data:`neurolink.loop.core.ports.NODE_PORTS`.
NODE_KINDS: tuple[str, ...] = tuple(NODE_PORTS)
_SOURCE = "source"


# ---- node parameters -------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class FilterParams:
    """``filter``: causal Butterworth band/high/low-pass or IIR notch."""

    type: Literal["bandpass", "highpass", "lowpass", "notch"] = "bandpass"
    band: tuple[float, float] = setting((300.0, 6000.0), gt=0)
    cutoff: float | None = setting(None, gt=0)
    freq: float | None = setting(None, gt=0)
    order: int = setting(2, ge=1, le=8)
    init: Literal["zeros", "step"] = "zeros"


@dataclasses.dataclass(frozen=True)
class RerefParams:
    """``reref``: common average (``car``) or median (``cmr``) reference."""

    method: Literal["car", "cmr"] = "car"
    exclude: tuple[int, ...] = setting((), ge=0)


@dataclasses.dataclass(frozen=True)
class DetectParams:
    """``detect``: threshold at ``threshold`` × MAD noise, peak within a dead time."""

    method: Literal["by_channel", "locally_exclusive"] = "by_channel"
    threshold: float = setting(4.5, gt=0)
    sign: Literal["neg", "pos", "both"] = "neg"
    dead_time_ms: float = setting(1.0, ge=0)
    refractory_ms: float = setting(1.5, ge=0)
    calibration_s: float = setting(0.5, gt=0)
    noise_tau_s: float | None = setting(10.0, gt=0)


@dataclasses.dataclass(frozen=True)
class BinParams:
    """``bin``: spike counts per channel in bins of ``width_ms``."""

    width_ms: float = setting(20.0, gt=0)


@dataclasses.dataclass(frozen=True)
class DecodeParams:
    """``decode``: a bin decoder, loaded from ``model`` or calibrated by the task."""

    method: Literal["bayes", "kalman", "wiener"] = "bayes"
    model: Path | None = dataclasses.field(default=None, metadata={"exists": True})
    save: Path | None = None
    dims: tuple[str, ...] = ("vx", "vy")
    grid: int = setting(25, ge=3, le=200)
    prior: Literal["uniform", "occupancy", "continuity", "recursive"] = "continuity"
    estimate: Literal["mean", "map"] = "mean"


@dataclasses.dataclass(frozen=True)
class FeaturesParams:
    """``features``: causal log band power per channel and band."""

    bands: tuple[tuple[float, float], ...] = ((8.0, 12.0), (13.0, 30.0))
    window_s: float = setting(1.0, gt=0)
    order: int = setting(4, ge=1, le=8)


@dataclasses.dataclass(frozen=True)
class ClassifyParams:
    """``classify``: class posteriors of a fitted EEG decoder (``model``, required)."""

    model: Path = dataclasses.field(metadata={"exists": True})


@dataclasses.dataclass(frozen=True)
class SnnParams:
    """``snn``: the decoded vector through a spiking relay on the host or the board."""

    backend: Literal["fixed", "neuroboard"] = "fixed"
    url: str = "emulate"
    scale: float = setting(1.0, gt=0)
    dt_ms: float = setting(1.0, gt=0)
    tau_ms: float = setting(20.0, gt=0)


@dataclasses.dataclass(frozen=True)
class BurstParams:
    """``burst``: a leaky integrate-and-fire detector of coincident spikes."""

    backend: Literal["fixed", "neuroboard"] = "fixed"
    url: str = "emulate"
    n_coincident: int = setting(20, ge=1, le=16383)
    leak_ms: float = setting(5.0, gt=0)
    dt_ms: float = setting(1.0, gt=0)


@dataclasses.dataclass(frozen=True)
class WtaParams:
    """``wta``: winner-take-all accumulation of class evidence into decisions."""

    backend: Literal["fixed", "neuroboard"] = "fixed"
    url: str = "emulate"
    evidence_spikes: int = setting(50, ge=1, le=2047)
    leak: int = setting(0, ge=0, le=4095)
    dt_ms: float = setting(1.0, gt=0)
    refractory_ms: float = setting(500.0, ge=0)


@dataclasses.dataclass(frozen=True)
class VelocityParams:
    """``velocity``: decoded velocity → prosthesis commands every ``interval_ms``."""

    gain: float = 1.0
    interval_ms: float = setting(20.0, gt=0)
    deadband: float = setting(0.0, ge=0)
    max_speed: float | None = setting(None, gt=0)
    max_accel: float | None = setting(None, gt=0)
    accel_margin: float = setting(0.5, gt=0, le=1)


@dataclasses.dataclass(frozen=True)
class StimParams:
    """``stim``: network spikes → charge-balanced trains (whole µA and µs)."""

    channel: int = setting(0, ge=0)
    amplitude_ua: int = setting(20, ge=1)
    phase_width_us: int = setting(100, ge=1)
    interphase_gap_us: int = setting(50, ge=0)
    frequency_hz: float = setting(100.0, gt=0)
    pulse_count: int = setting(5, ge=1)
    refractory_ms: float = setting(200.0, ge=0)


@dataclasses.dataclass(frozen=True)
class DiscreteParams:
    """``discrete``: a decision → that class's velocity for ``hold_ms``."""

    velocities: tuple[tuple[float, ...], ...] = ((0.3, 0.0), (-0.3, 0.0))
    hold_ms: float = setting(500.0, gt=0)
    interval_ms: float = setting(20.0, gt=0)
    max_speed: float | None = setting(None, gt=0)
    max_accel: float | None = setting(None, gt=0)
    accel_margin: float = setting(0.5, gt=0, le=1)


_PARAMS: dict[str, type] = {
    "filter": FilterParams, "reref": RerefParams, "detect": DetectParams, "bin": BinParams,
    "features": FeaturesParams, "decode": DecodeParams, "classify": ClassifyParams,
    "snn": SnnParams, "burst": BurstParams, "wta": WtaParams, "velocity": VelocityParams,
    "stim": StimParams, "discrete": DiscreteParams,
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class NodeConfig:
    """``[[loop.nodes]]``: one node; its parameters in the table named after its kind."""

    name: str
    kind: str = setting(choices=NODE_KINDS)
    input: str | None = None
    filter: FilterParams | None = None
    reref: RerefParams | None = None
    detect: DetectParams | None = None
    bin: BinParams | None = None
    features: FeaturesParams | None = None
    decode: DecodeParams | None = None
    classify: ClassifyParams | None = None
    snn: SnnParams | None = None
    burst: BurstParams | None = None
    wta: WtaParams | None = None
    velocity: VelocityParams | None = None
    stim: StimParams | None = None
    discrete: DiscreteParams | None = None

    @property
    def params(self) -> object:
        """The parameters of this node's kind."""
        return getattr(self, self.kind)

    def validate(self, scope: Scope) -> Self:
        """One parameter table, the node's own (defaults filled in)."""
        if not self.name.strip() or self.name == _SOURCE or "." in self.name:
            raise scope.error(
                "name",
                f"a node name must be non-empty, without '.', and not "
                f"{_SOURCE!r}; got {self.name!r}",
            )
        for kind in NODE_KINDS:
            if kind != self.kind and getattr(self, kind) is not None:
                raise scope.error(
                    kind,
                    f"node {self.name!r} is a {self.kind!r} node; a `{kind}` "
                    f"table belongs to a {kind!r} node",
                )
        if self.params is None:
            try:
                default = _PARAMS[self.kind]()
            except TypeError:
                raise scope.error(
                    self.kind,
                    f"node {self.name!r} ({self.kind}) needs a "
                    f"`{self.kind}` table (e.g. `{self.kind}.model = ...`)",
                ) from None
            return dataclasses.replace(self, **{self.kind: default})
        return self


@dataclasses.dataclass(frozen=True)
class SinkConfig:
    """``[[loop.sinks]]``: a device fed by a mapper node."""

    name: str
    device: Literal["prosthesis", "stimulator", "lsl", "null"]
    input: str
    url: str = "emulate"
    profile: str | None = None
    stream: str | None = None


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    """``[loop.task]``: the closed-loop center-out task (needs the simulated subject)."""

    kind: Literal["center_out"] = "center_out"
    prosthesis: str | None = None
    decoder: str | None = None
    calibration_s: float = setting(15.0, ge=0)
    n_targets: int = setting(8, ge=1)
    radius: float = setting(0.6, gt=0)
    target_radius: float = setting(0.12, gt=0)
    hold_s: float = setting(0.1, ge=0)
    timeout_s: float = setting(4.0, gt=0)
    speed: float = setting(1.0, gt=0)
    slow_radius: float = setting(0.25, ge=0)
    seed: int = setting(0, ge=0)


@dataclasses.dataclass(frozen=True)
class RecordingConfig:
    """``[loop.recording]``: XDF + JSON sidecar of the session."""

    enabled: bool = True
    directory: Path | None = None
    raw: bool = True
    flush_interval: float = setting(0.25, gt=0)


@dataclasses.dataclass(frozen=True)
class LoopConfig:
    """``[loop]``: deadline and fault tolerances, the graph, the sinks, the task, recording,
    and ``calibration`` (what ``neurolink calibrate`` does)."""

    deadline_ms: float = setting(5.0, gt=0)
    max_consecutive_misses: int = setting(250, ge=1)
    max_gap_samples: int = setting(0, ge=0)
    max_invalid: int = setting(0, ge=0)
    poll_ms: float = setting(50.0, gt=0)
    max_chunk: int = setting(2048, ge=16)
    nodes: tuple[NodeConfig, ...] = ()
    sinks: tuple[SinkConfig, ...] = ()
    task: TaskConfig | None = None
    recording: RecordingConfig = dataclasses.field(default_factory=RecordingConfig)
    calibration: CalibrationConfig = dataclasses.field(default_factory=CalibrationConfig)

    def node(self, name: str) -> NodeConfig:
        """The node called ``name``."""
        return next(n for n in self.nodes if n.name == name)

    def validate(self, scope: Scope) -> Self:
        """Wire the graph (default inputs), check ports, sinks and the task
        (:func:`neurolink.loop.core.wiring.check_loop`) and the node to calibrate."""
        return check_calibration(check_loop(self, scope), scope)
