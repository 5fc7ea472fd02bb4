"""Parameter grids over a config: ``NODE.KEY=v1,v2,…`` axes, their product, and the configs.

A path addresses a node of ``[[loop.nodes]]`` by its name, or by its kind when one node only
has that kind (``spikes.threshold`` or ``detect.threshold``), then a key of the node's parameter
table; ``task.KEY`` addresses ``[loop.task]``. A value is read as a TOML value (``4.5``,
``true``, ``[300, 6000]``, ``"text"``) or else taken as a bare string (``continuity``); values
are separated by commas outside brackets. Every grid point becomes a config validated as a file
would be, so a bad value is refused before anything runs.
"""

from __future__ import annotations

import dataclasses
import itertools
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from neurolink.config.words import suggest
from neurolink.errors import ConfigError
from neurolink.loop.core.config import TaskConfig
from neurolink.loop.session.config import Config, config_from_dict, config_to_dict

__all__ = ["Axis", "apply_point", "expand", "parse_axis", "parse_value", "valid_paths"]


@dataclass(frozen=True)
class Axis:
    """One parameter of the grid.

    Attributes
    ----------
    path : str
        As given (the column name of the results).
    values : tuple
        Values, in the order given.
    """

    path: str
    values: tuple[Any, ...]


def parse_value(text: str) -> Any:
    """A TOML value (number, boolean, array, quoted string), else the bare string."""
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _split(text: str) -> list[str]:
    """Split on commas that are not inside brackets or quotes."""
    out, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return [s.strip() for s in out]


def parse_axis(spec: str) -> Axis:
    """``"detect.threshold=4,5,6"`` → :class:`Axis`.

    Raises
    ------
    ConfigError
        No ``=``, no path or an empty value.
    """
    path, eq, values = spec.partition("=")
    path = path.strip()
    parts = _split(values)
    if not eq or not path or not all(parts):
        raise ConfigError(f"--grid {spec!r}: expected PATH=V1,V2,... (e.g. detect.threshold=4,5,6)")
    return Axis(path, tuple(parse_value(v) for v in parts))


def valid_paths(config: Config) -> list[str]:
    """Every path a grid may set in ``config``: ``NODE.KEY`` per node, ``task.KEY``."""
    out = []
    for n in config.loop.nodes:
        out += [f"{n.name}.{f.name}" for f in dataclasses.fields(n.params)]  # type: ignore[arg-type]
    if config.loop.task is not None:
        out += [f"task.{f.name}" for f in dataclasses.fields(TaskConfig)]
    return out


def _resolve(config: Config, path: str) -> tuple[str | None, str]:
    """``(node name, key)``, or ``(None, key)`` for the task."""
    head, dot, key = path.partition(".")
    loop = config.loop
    names = [n.name for n in loop.nodes]
    if not dot or not key:
        raise ConfigError(
            f"--grid path {path!r}: expected NODE.KEY (a node name or kind, then a parameter); "
            f"valid paths: {', '.join(valid_paths(config))}"
        )
    if head == "task" and head not in names:
        if loop.task is None:
            raise ConfigError(f"--grid path {path!r}: the config has no [loop.task]")
        keys = [f.name for f in dataclasses.fields(TaskConfig)]
        if key not in keys:
            raise ConfigError(f"--grid path {path!r}: no task key {key!r}{suggest(key, keys)}")
        return None, key
    if head in names:
        node = loop.node(head)
    else:
        same_kind = [n for n in loop.nodes if n.kind == head]
        if len(same_kind) != 1:
            kinds = ", ".join(f"{n.name} ({n.kind})" for n in loop.nodes)
            why = (
                f"nodes {', '.join(n.name for n in same_kind)} are all {head!r} nodes: use a name"
                if same_kind
                else f"no node or node kind {head!r}"
            )
            raise ConfigError(
                f"--grid path {path!r}: {why}; nodes: {kinds or 'none'}; valid paths: "
                f"{', '.join(valid_paths(config))}"
            )
        node = same_kind[0]
    keys = [f.name for f in dataclasses.fields(node.params)]  # type: ignore[arg-type]
    if key not in keys:
        raise ConfigError(
            f"--grid path {path!r}: node {node.name!r} ({node.kind}) has no parameter {key!r}"
            f"{suggest(key, keys)}; its paths: {', '.join(f'{node.name}.{k}' for k in keys)}"
        )
    return node.name, key


def expand(axes: Sequence[Axis]) -> list[dict[str, Any]]:
    """Every combination, the last axis varying fastest: ``[{path: value, …}, …]``."""
    paths = [a.path for a in axes]
    return [
        dict(zip(paths, combo, strict=True))
        for combo in itertools.product(*(a.values for a in axes))
    ]


def apply_point(config: Config, point: dict[str, Any], *, origin: str = "sweep") -> Config:
    """``config`` with the point's values set, validated.

    Raises
    ------
    ConfigError
        An unknown path (naming it and the valid ones) or a value the config refuses.
    """
    data = config_to_dict(config)
    nodes = {n["name"]: n for n in data["loop"]["nodes"]}
    for path, value in point.items():
        name, key = _resolve(config, path)
        if name is None:
            data["loop"]["task"][key] = value
        else:
            node = nodes[name]
            node.setdefault(node["kind"], {})[key] = value
    where = ", ".join(f"{k}={v!r}" for k, v in point.items())
    return config_from_dict(data, filename=f"{origin} ({where})")
