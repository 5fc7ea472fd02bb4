"""Checks of a ``[loop]`` config that span its nodes, sinks and task (run at load time).

Each error names the node (or sink) and the key, with the file line, through the config
engine's :class:`~neurolink.config.engine.Scope`. Used by
:meth:`neurolink.loop.core.config.LoopConfig.validate`; it only reads the config objects.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from neurolink.loop.core.ports import NODE_PORTS, SINK_DEVICES, Port

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
        accepts, gives, _ = NODE_PORTS[n.kind]
        if out[src] not in accepts:
            raise err(
                (*here, "nodes", i, "input"),
                f"node {n.name!r} ({n.kind}) takes {'/'.join(accepts)}, but its input "
                f"{src!r} gives {out[src].value}{_hint(n.kind, out[src])}",
            )
        out[n.name], kinds[n.name] = gives, n.kind
        nodes.append(dataclasses.replace(n, input=src))
    sinks = _check_sinks(self, scope, kinds)
    task = _check_task(self, scope, nodes, sinks)
    for i, n in enumerate(nodes):
        calibrated = task is not None and task.decoder == n.name
        if n.kind == "decode" and n.decode.model is None and not calibrated:
            raise err(
                (*here, "nodes", i, "decode", "model"),
                f"decode node {n.name!r} has no model file: give `model`, or add a "
                "[loop.task] whose calibration fits it",
            )
    return dataclasses.replace(self, nodes=tuple(nodes), task=task)


def _check_sinks(self: Any, scope: Any, kinds: dict[str, str]) -> Any:
    err, here, seen = scope.context.error, scope.path, set()
    for j, s in enumerate(self.sinks):
        if s.name in seen:
            raise err((*here, "sinks", j, "name"), f"sink name {s.name!r} is used twice")
        seen.add(s.name)
        kind = kinds.get(s.input)
        if kind not in SINK_DEVICES:
            what = f"a {kind!r} node" if kind else "not a node"
            mappers = ", ".join(k for k, v in kinds.items() if v in SINK_DEVICES)
            have = mappers or "none defined: add a velocity, stim or discrete node"
            raise err(
                (*here, "sinks", j, "input"),
                f"sink {s.name!r}: input {s.input!r} is "
                f"{what}; a sink takes a mapper's commands ({have})",
            )
        if s.device not in SINK_DEVICES[kind]:
            raise err(
                (*here, "sinks", j, "device"),
                f"sink {s.name!r}: a {s.device} cannot "
                f"take the commands of {kind!r} node {s.input!r} (devices: "
                f"{', '.join(SINK_DEVICES[kind])})",
            )
    return self.sinks


def _check_task(self: Any, scope: Any, nodes: list[Any], sinks: Any) -> Any:
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
    decoders = [n.name for n in nodes if n.kind == "decode"]
    dec = t.decoder or next(
        (n.name for n in nodes if n.kind == "decode" and n.decode.model is None), None
    )  # type: ignore[union-attr]
    if dec is not None and dec not in decoders:
        raise err(
            (*here, "decoder"),
            f"{dec!r} is not a decode node ({', '.join(decoders) or 'none'})",
        )
    return dataclasses.replace(t, prosthesis=arm, decoder=dec)


def _hint(kind: str, got: Port) -> str:
    """How to fix a port mismatch, when there is a usual fix."""
    fixes = {
        ("decode", Port.EVENTS): "bin",
        ("decode", Port.SAMPLES): "detect and a bin",
        ("bin", Port.SAMPLES): "detect",
        ("velocity", Port.COUNTS): "decode",
        ("snn", Port.COUNTS): "decode",
        ("stim", Port.EVENTS): "burst",
    }
    fix = fixes.get((kind, got))
    return f"; put a {fix} node before it" if fix else ""
