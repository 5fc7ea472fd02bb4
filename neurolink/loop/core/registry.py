"""The node registry: every node kind is declared once, by its class.

A node class states its kind name, its parameter class (a frozen dataclass whose fields carry
their defaults and bounds through :func:`neurolink.config.setting`), the ports it reads and
writes, its latency stage, and how it is built from a config (``from_config``); for a mapper
(output ``commands``), the device kinds its commands can go to. :func:`register_node` checks the
declaration and files the class under its kind. The config schema of ``[[loop.nodes]]``
(:mod:`neurolink.loop.core.config`), the wiring check (:mod:`neurolink.loop.core.wiring`) and
the graph builder (:mod:`neurolink.loop.core.build`) read the registry; nothing else names a
kind. Adding a node kind is one new module in :mod:`neurolink.loop.nodes` (the package imports
every module in it).

In the style of Nengo's ``Builder.register`` and SpikeInterface's method dictionaries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from neurolink.errors import ConfigError
from neurolink.loop.core.ports import Port, Stage

__all__ = [
    "BoardOpener",
    "BuildContext",
    "DeviceLimits",
    "NodeDeclarationError",
    "fix_for",
    "node_kinds",
    "register_node",
]

#: Opens a neuromorphic board at a URL (``"emulate"`` starts its emulator); returns the driver
#: and a function that closes it.
BoardOpener = Callable[[str], tuple[Any, Callable[[], None]]]

_KINDS: dict[str, type] = {}


class NodeDeclarationError(TypeError):
    """A node class that does not declare everything a node kind needs."""


@dataclass(frozen=True)
class DeviceLimits:
    """What a mapper must respect of the device it feeds.

    Attributes
    ----------
    n_dof : int
        Degrees of freedom of the device.
    max_speed, max_accel : float
        The device's limits (units per s, units per s²).
    """

    n_dof: int
    max_speed: float
    max_accel: float


@dataclass
class BuildContext:
    """What a node class needs to build itself from its config entry.

    Attributes
    ----------
    node : NodeConfig
        The node's config entry (``name``, ``kind``, ``input``, its parameters).
    channels : tuple of str
        The source's channel labels.
    fs : float
        The source's sampling rate (Hz).
    max_samples : int
        Largest block the graph is given (samples): sets the nodes' preallocated outputs.
    source : object or None
        The built node this node reads (None when it reads the source).
    limits : DeviceLimits or None
        For a mapper, the limits of the device its sink drives.
    open_board : callable or None
        Opens a neuromorphic board (for networks placed on the board).
    closers : list of callable
        Functions that close what the nodes opened; a node appends to it.
    """

    node: Any
    channels: tuple[str, ...]
    fs: float
    max_samples: int
    source: Any = None
    limits: DeviceLimits | None = None
    open_board: BoardOpener | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def n_channels(self) -> int:
        """Number of source channels."""
        return len(self.channels)

    @property
    def source_labels(self) -> tuple[str, ...]:
        """Labels of the vector the input node outputs (decode dims, classes, features)."""
        return tuple(getattr(self.source, "labels", ()))

    def error(self, key: str, message: str) -> ConfigError:
        """A config error naming this node and its parameter ``key``."""
        n = self.node
        return ConfigError(f"`loop.nodes` node {n.name!r} ({n.kind}): `{n.kind}.{key}`: {message}")


def register_node(cls: type) -> type:
    """File a node class under its kind, after checking its declaration.

    Parameters
    ----------
    cls : type
        A node class with class attributes ``kind`` (str), ``Params`` (a dataclass), ``inputs``
        (tuple of :class:`Port`), ``output`` (:class:`Port`), ``stage`` (:class:`Stage`),
        ``devices`` (tuple of device kinds, required when ``output`` is ``commands``) and a
        ``from_config(ctx)`` class method.

    Returns
    -------
    type
        ``cls`` (so this works as a class decorator).

    Raises
    ------
    NodeDeclarationError
        What the class lacks, or a kind that is already registered by another class.
    """
    where = f"node class {cls.__module__}.{cls.__qualname__}"
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, str) or not kind.isidentifier():
        raise NodeDeclarationError(f"{where}: declare `kind` (an identifier string)")
    params = getattr(cls, "Params", None)
    if not (isinstance(params, type) and dataclasses.is_dataclass(params)):
        raise NodeDeclarationError(f"{where} ({kind}): declare `Params` (a frozen dataclass)")
    inputs = getattr(cls, "inputs", None)
    if not inputs or not all(isinstance(p, Port) for p in inputs):
        raise NodeDeclarationError(f"{where} ({kind}): declare `inputs` (a tuple of Port)")
    if not isinstance(getattr(cls, "output", None), Port):
        raise NodeDeclarationError(f"{where} ({kind}): declare `output` (a Port)")
    if not isinstance(getattr(cls, "stage", None), Stage):
        raise NodeDeclarationError(f"{where} ({kind}): declare `stage` (a Stage)")
    if not callable(getattr(cls, "from_config", None)):
        raise NodeDeclarationError(f"{where} ({kind}): declare `from_config(ctx)`")
    if cls.output is Port.COMMANDS and not getattr(cls, "devices", ()):
        raise NodeDeclarationError(
            f"{where} ({kind}): a mapper declares `devices` (the device kinds it can drive)"
        )
    old = _KINDS.get(kind)
    if old is not None and old.__qualname__ != cls.__qualname__:
        raise NodeDeclarationError(f"{where}: kind {kind!r} is already {old.__qualname__}")
    _KINDS[kind] = cls
    return cls


def node_kinds() -> dict[str, type]:
    """Every registered node class, by kind, in registration order.

    Importing :mod:`neurolink.loop.nodes` registers the node kinds that ship with neurolink.
    """
    import neurolink.loop.nodes  # noqa: F401  (registers the built-in kinds)

    return dict(_KINDS)


def fix_for(kind: str, got: Port, kinds: dict[str, type] | None = None) -> str:
    """How to feed node kind ``kind`` from an input that gives ``got``: the shortest chain of
    one or two node kinds that turns ``got`` into a port ``kind`` accepts, derived from the
    registry (``"bin"``, ``"detect and a bin"``), or ``""`` when there is none.
    """
    kinds = node_kinds() if kinds is None else kinds
    want = set(kinds[kind].inputs)
    firsts = [k for k, c in kinds.items() if got in c.inputs and c.output != got]
    for k in firsts:
        if kinds[k].output in want:
            return k
    for k in firsts:
        for k2, c2 in kinds.items():
            if kinds[k].output in c2.inputs and c2.output in want:
                return f"{k} and a {k2}"
    return ""
