"""The processing graph: nodes in order, each reading the source or an earlier node.

A :class:`Graph` is a tree rooted at the source. Each node has one input — the source's samples
or the output of a node listed before it — and one output (see :mod:`neurolink.loop.core.ports`);
nodes whose output is ``commands`` are *mappers*, and sinks take their commands. Per block,
:meth:`Graph.process` steps every node once in order and adds the time each took to its
latency stage. Building a graph from a config is :mod:`neurolink.loop.core.build`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

import numpy as np

from neurolink.clock import now
from neurolink.hal.commands import Command
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.tick import Tick

__all__ = ["SOURCE", "Graph", "GraphError", "Node"]

#: The name by which a node reads the source's samples.
SOURCE = "source"


class GraphError(ValueError):
    """A graph that cannot run: an unknown input, a port mismatch, a duplicate name."""


class Node(Protocol):
    """What the graph needs of a node (see the node modules)."""

    kind: ClassVar[str]
    inputs: ClassVar[tuple[Port, ...]]
    output: ClassVar[Port]
    stage: ClassVar[Stage]
    name: str

    def reset(self) -> None: ...

    def step(self, x: Any, tick: Tick) -> Any: ...


class Graph:
    """Nodes in execution order, wired by name.

    Parameters
    ----------
    nodes : sequence of Node
        In execution order.
    inputs : sequence of str
        For each node, :data:`SOURCE` or the name of an earlier node.
    clock : callable returning float
        Clock for the stage timing (s).

    Raises
    ------
    GraphError
        Duplicate names, an input that is not an earlier node, or a port the node does not
        accept.
    """

    def __init__(
        self, nodes: Sequence[Node], inputs: Sequence[str], *, clock: Callable[[], float] = now
    ) -> None:
        if len(nodes) != len(inputs):
            raise GraphError("give one input per node")
        self.nodes = list(nodes)
        self.clock = clock
        index: dict[str, int] = {}
        self._wiring: list[int] = []
        for node, src in zip(self.nodes, inputs, strict=True):
            if node.name == SOURCE or node.name in index:
                raise GraphError(f"node name {node.name!r} is used twice (or is {SOURCE!r})")
            if src == SOURCE:
                port, k = Port.SAMPLES, -1
            elif src in index:
                k = index[src]
                port = self.nodes[k].output
            else:
                raise GraphError(
                    f"node {node.name!r}: input {src!r} is not the source or a node "
                    f"listed before it ({', '.join(index) or 'none'})"
                )
            if port not in node.inputs:
                want = " or ".join(p.value for p in node.inputs)
                raise GraphError(
                    f"node {node.name!r} ({node.kind}) takes {want}, but its input "
                    f"{src!r} gives {port.value}"
                )
            index[node.name] = len(self._wiring)
            self._wiring.append(k)
        self._index = index
        self.outputs: list[Any] = [None] * len(self.nodes)
        self.mappers = [i for i, n in enumerate(self.nodes) if n.output is Port.COMMANDS]
        self.node_seconds = np.zeros(len(self.nodes), np.float64)

    def __getitem__(self, name: str) -> Node:
        return self.nodes[self._index[name]]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def index(self, name: str) -> int:
        """Position of node ``name``."""
        return self._index[name]

    def input_of(self, name: str) -> str:
        """Name of the node (or :data:`SOURCE`) that node ``name`` reads."""
        k = self._wiring[self._index[name]]
        return SOURCE if k < 0 else self.nodes[k].name

    def of_kind(self, kind: str) -> list[Node]:
        """Nodes of a kind, in order."""
        return [n for n in self.nodes if n.kind == kind]

    def reset(self) -> None:
        """Reset every node."""
        for node in self.nodes:
            node.reset()

    def process(
        self, x: np.ndarray, tick: Tick, stage_seconds: np.ndarray, start: float | None = None
    ) -> None:
        """Step every node once on a block.

        Parameters
        ----------
        x : numpy.ndarray of float32, shape (n_samples, n_channels)
            The block's samples.
        tick : Tick
            Where the block lies.
        stage_seconds : numpy.ndarray of float64, shape (len(Stage),)
            Each node's step time is added to its stage's entry.
        start : float, optional
            Host time (s) the block's processing began (the engine: when it was read); the
            work between then and the first node (dispatch, recording the block) counts in
            the first node's time. Default: now.
        """
        outputs, wiring, clock = self.outputs, self._wiring, self.clock
        t = clock() if start is None else start
        for i, node in enumerate(self.nodes):
            k = wiring[i]
            outputs[i] = node.step(x if k < 0 else outputs[k], tick)
            t2 = clock()
            stage_seconds[node.stage] += t2 - t
            self.node_seconds[i] += t2 - t
            t = t2

    def commands(self, i: int) -> list[Command]:
        """Commands mapper ``i`` (a node index) emitted for the last block."""
        return self.outputs[i] or []
