"""Checks of a ``[loop]`` config that span its nodes, sinks and task (run at load time).

Each error names the node (or sink) and the key, with the file line, through the config
machinery's ``Scope``. Used by :meth:`neurolink.loop.core.config.LoopConfig.validate`; it only
reads the config objects and the node registry (ports, mappers' devices, calibrated kinds).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from neurolink.loop.core.ports import Port
from neurolink.loop.core.registry import fix_for, node_kinds

__all__ = ["check_loop"]

_SOURCE = "source"


def check_loop(self: Any, scope: Any) -> Any:
    """Give every node its input (default: the node before it), check that each node accepts
    what its input gives, that sinks take a mapper's commands on a device that can carry them,
    that the task has a prosthesis and a decoder to calibrate, and that every decoder has a
    model or is calibrated.

    Parameters
    ----------
    self : LoopConfig
        As loaded.
    scope : Scope
        Where ``[loop]`` is in the file.

    Returns
    -------
    LoopConfig
        With the inputs and the task's prosthesis and decoder filled in.

    Raises
    ------
    ConfigError
        ``FILE:LINE: `loop.nodes[i].key`: what is wrong``.
    """
    err = scope.context.error
    here = scope.path
    registry = node_kinds()
    out: dict[str, Port] = {_SOURCE: Port.SAMPLES}
    kinds: dict[str, str] = {}
    nodes = []
    for i, n in enumerate(self.nodes):
        if n.name in out:
            raise err((*here, "nodes", i, "name"), f"node name {n.name!r} is used twice")
        src = n.input or (nodes[-1].name if nodes else _SOURCE)
        if src not in out:
            raise err(
                (*here, "nodes", i, "input"),
                f"node {n.name!r}: input {src!r} is not "
                f"{_SOURCE!r} or a node listed before it ({', '.join(kinds) or 'none'})",
            )
        cls = registry[n.kind]
        accepts, gives = cls.inputs, cls.output
        if out[src] not in accepts:
            raise err(
                (*here, "nodes", i, "input"),
                f"node {n.name!r} ({n.kind}) takes {'/'.join(accepts)}, but its input "
                f"{src!r} gives {out[src].value}{_hint(n.kind, out[src], registry)}",
            )
        out[n.name], kinds[n.name] = gives, n.kind
        nodes.append(dataclasses.replace(n, input=src))
    sinks = _check_sinks(self, scope, kinds, registry)
    task = _check_task(self, scope, nodes, sinks, registry)
    for i, n in enumerate(nodes):
        calibrated = task is not None and task.decoder == n.name
        if _needs_fit(n, registry) and not calibrated:
            raise err(
                (*here, "nodes", i, n.kind, "model"),
                f"{n.kind} node {n.name!r} has no model file: give `model`, or add a "
                "[loop.task] whose calibration fits it",
            )
    return dataclasses.replace(self, nodes=tuple(nodes), task=task)


def _needs_fit(n: Any, registry: dict[str, type]) -> bool:
    """A node that the task's kinematics calibration fits, with no model file."""
    cls = registry[n.kind]
    return getattr(cls, "calibrates", None) == "kinematics" and n.params.model is None


def _devices(kind: str | None, registry: dict[str, type]) -> tuple[str, ...]:
    """Device kinds a sink fed by a node of ``kind`` may drive (none for a non-mapper)."""
    return tuple(getattr(registry[kind], "devices", ())) if kind in registry else ()


def _check_sinks(self: Any, scope: Any, kinds: dict[str, str], registry: dict[str, type]) -> Any:
    err, here, seen = scope.context.error, scope.path, set()
    mapper_kinds = [k for k, c in registry.items() if c.output is Port.COMMANDS]
    for j, s in enumerate(self.sinks):
        if s.name in seen:
            raise err((*here, "sinks", j, "name"), f"sink name {s.name!r} is used twice")
        seen.add(s.name)
        kind = kinds.get(s.input)
        devices = _devices(kind, registry)
        if not devices:
            what = f"a {kind!r} node" if kind else "not a node"
            mappers = ", ".join(k for k, v in kinds.items() if _devices(v, registry))
            have = mappers or f"none defined: add a {', '.join(mapper_kinds)} node"
            raise err(
                (*here, "sinks", j, "input"),
                f"sink {s.name!r}: input {s.input!r} is "
                f"{what}; a sink takes a mapper's commands ({have})",
            )
        if s.device not in devices:
            raise err(
                (*here, "sinks", j, "device"),
                f"sink {s.name!r}: a {s.device} cannot "
                f"take the commands of {kind!r} node {s.input!r} (devices: "
                f"{', '.join(devices)})",
            )
    return self.sinks


def _check_task(
    self: Any, scope: Any, nodes: list[Any], sinks: Any, registry: dict[str, type]
) -> Any:
    t = self.task
    if t is None:
        return None
    err, here = scope.context.error, (*scope.path, "task")
    arms = [s.name for s in sinks if s.device == "prosthesis"]
    arm = t.prosthesis or (arms[0] if arms else None)
    if arm not in arms:
        raise err(
            (*here, "prosthesis"),
            f"the task needs a prosthesis sink to read the "
            f"cursor from; {'prosthesis sinks: ' + ', '.join(arms) if arms else 'none'}"
            f" (got {arm!r})",
        )
    fitted = [n for n in nodes if getattr(registry[n.kind], "calibrates", None) == "kinematics"]
    decoders = [n.name for n in fitted]
    dec = t.decoder or next((n.name for n in fitted if n.params.model is None), None)
    if dec is not None and dec not in decoders:
        raise err(
            (*here, "decoder"),
            f"{dec!r} is not a decode node ({', '.join(decoders) or 'none'})",
        )
    return dataclasses.replace(t, prosthesis=arm, decoder=dec)


def _hint(kind: str, got: Port, registry: dict[str, type]) -> str:
    """How to fix a port mismatch, derived from the registry (the shortest chain of node kinds
    from what the input gives to what the node takes), when there is one."""
    fix = fix_for(kind, got, registry)
    return f"; put a {fix} node before it" if fix else ""
