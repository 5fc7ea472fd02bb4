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
from typing import Any, Literal, Self

from neurolink.config.tables import Scope, setting
from neurolink.loop.calibration.config import CalibrationConfig, check_calibration
from neurolink.loop.core.realtime import RealtimeConfig
from neurolink.loop.core.registry import node_kinds
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

_SOURCE = "source"


# ---- nodes: the schema of ``[[loop.nodes]]`` is derived from the node registry --------------
_KINDS = node_kinds()

#: Node kinds, in the order of the registry.
NODE_KINDS: tuple[str, ...] = tuple(_KINDS)


def _params(self: Any) -> object:
    """The parameters of this node's kind."""
    return getattr(self, self.kind)


def _validate_node(self: Any, scope: Scope) -> Any:
    """One parameter table, the node's own (defaults filled in)."""
    if not self.name.strip() or self.name == _SOURCE or "." in self.name:
        raise scope.error(
            "name",
            f"a node name must be non-empty, without '.', and not {_SOURCE!r}; got {self.name!r}",
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
            default = _KINDS[self.kind].Params()
        except TypeError:
            raise scope.error(
                self.kind,
                f"node {self.name!r} ({self.kind}) needs a "
                f"`{self.kind}` table (e.g. `{self.kind}.model = ...`)",
            ) from None
        return dataclasses.replace(self, **{self.kind: default})
    return self


#: Device kinds a sink may drive: every device kind some mapper kind declares (registered
#: drivers of :mod:`neurolink.hal.device`; :func:`~neurolink.loop.core.sinks.open_device`).
SINK_DEVICES: tuple[str, ...] = tuple(
    dict.fromkeys(d for cls in _KINDS.values() for d in getattr(cls, "devices", ()))
)


#: ``[[loop.nodes]]``: one node (``name``, ``kind``, ``input``); its parameters in the table
#: named after its kind, one optional field per registered kind (the kind's ``Params``).
NodeConfig = dataclasses.make_dataclass(
    "NodeConfig",
    [
        ("name", str),
        ("kind", str, setting(choices=NODE_KINDS)),
        ("input", str | None, None),  # type: ignore[list-item]
        *((kind, cls.Params | None, None) for kind, cls in _KINDS.items()),  # type: ignore[attr-defined]
    ],
    frozen=True,
    namespace={
        "__doc__": "``[[loop.nodes]]``: one node; its parameters in the table of its kind.",
        "params": property(_params),
        "validate": _validate_node,
    },
)
NodeConfig.__module__ = __name__


@dataclasses.dataclass(frozen=True)
class SinkConfig:
    """``[[loop.sinks]]``: a device fed by a mapper node."""

    name: str
    device: str = setting(choices=SINK_DEVICES)
    input: str
    url: str = "emulate"
    profile: str | None = None
    stream: str | None = None
    ack: Literal["async", "sync"] = "async"
    """How the engine waits for the device's replies (drivers that offer both: stimulator,
    prosthesis): ``async`` writes the command and collects its ACK off the engine thread (a NACK
    or a lost device is seen after the next block at the latest); ``sync`` waits for each ACK
    before the next block. Other devices ignore it."""


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
    ``calibration`` (what ``neurolink calibrate`` does) and ``realtime`` (measures for the engine
    thread: :mod:`neurolink.loop.core.realtime`)."""

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
    realtime: RealtimeConfig = dataclasses.field(default_factory=RealtimeConfig)

    def node(self, name: str) -> NodeConfig:
        """The node called ``name``."""
        return next(n for n in self.nodes if n.name == name)

    def validate(self, scope: Scope) -> Self:
        """Wire the graph (default inputs), check ports, sinks and the task
        (:func:`neurolink.loop.core.wiring.check_loop`) and the node to calibrate."""
        return check_calibration(check_loop(self, scope), scope)
