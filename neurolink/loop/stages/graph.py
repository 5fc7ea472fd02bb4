"""Which nodes of a config one process runs, and the sub-graph that runs them.

A *stage* is a set of nodes of ``[loop]`` that reads one stream — the source's samples, or the
output of one node that runs elsewhere (the *entry*) — and publishes the output of one of its
nodes. :func:`plan_stage` checks a selection against the config; :func:`build_stage` makes the
nodes with :func:`~neurolink.loop.core.open.open_graph` (exactly as one process would, so both
ways compute the same) and returns a :class:`StageGraph` that steps them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurolink.clock import now
from neurolink.errors import ConfigError
from neurolink.loop.core.build import BoardOpener
from neurolink.loop.core.config import LoopConfig, NodeConfig
from neurolink.loop.core.graph import SOURCE, Node
from neurolink.loop.core.open import open_graph
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.registry import node_kinds
from neurolink.loop.core.tick import Tick

__all__ = ["StageGraph", "StagePlan", "build_stage", "parse_stage", "plan_stage"]


@dataclass(frozen=True)
class StagePlan:
    """A checked selection of nodes.

    Attributes
    ----------
    names : tuple of str
        The nodes, in config order.
    entry : str
        :data:`~neurolink.loop.core.graph.SOURCE` or the node (run elsewhere) whose output the stage
        reads.
    entry_port : Port
        What the stage reads.
    output : str
        The node whose output the stage publishes.
    output_port : Port
        What it publishes.
    """

    names: tuple[str, ...]
    entry: str
    entry_port: Port
    output: str
    output_port: Port


def parse_stage(text: str | Sequence[str], loop: LoopConfig) -> tuple[str, ...]:
    """Node names from ``"a,b,c"`` or a range ``"a..c"`` (config order, both ends included).

    Raises
    ------
    ConfigError
        An unknown name (with the node names of the config).
    """
    parts = [text] if isinstance(text, str) else list(text)
    order = [n.name for n in loop.nodes]
    out: list[str] = []
    for part in (p.strip() for item in parts for p in item.split(",")):
        if not part:
            continue
        ends = part.split("..") if ".." in part else [part, part]
        for name in ends:
            if name not in order:
                raise ConfigError(
                    f"--stage: no node {name!r} in [loop]; nodes: {', '.join(order) or 'none'}"
                )
        a, b = order.index(ends[0]), order.index(ends[1])
        if b < a:
            raise ConfigError(f"--stage {part!r}: {ends[1]!r} comes before {ends[0]!r}")
        out += [n for n in order[a : b + 1] if n not in out]
    if not out:
        raise ConfigError("--stage: give at least one node name")
    return tuple(n for n in order if n in out)


def plan_stage(loop: LoopConfig, names: Sequence[str], output: str | None = None) -> StagePlan:
    """Check that ``names`` read one stream and publish one node's output.

    Parameters
    ----------
    loop : LoopConfig
        Validated (every node's ``input`` filled in).
    names : sequence of str
        The nodes (see :func:`parse_stage`).
    output : str, optional
        The node to publish (default: the last one).

    Raises
    ------
    ConfigError
        Several entries, a mapper in the stage (devices are driven by ``neurolink run``), an
        output that is not in the stage, a decoder without a model file.
    """
    chosen = [loop.node(n) for n in names]
    inside = {n.name for n in chosen}
    entries = sorted({n.input or SOURCE for n in chosen if (n.input or SOURCE) not in inside})
    if len(entries) != 1:
        raise ConfigError(
            f"--stage {','.join(names)}: a node process reads one stream, these nodes read "
            f"{', '.join(map(repr, entries))}; add the nodes between them to the stage"
        )
    kinds = node_kinds()
    for n in chosen:
        if kinds[n.kind].output is Port.COMMANDS:
            raise ConfigError(
                f"--stage: node {n.name!r} ({n.kind}) makes device commands; a node process "
                "drives no device: leave the mappers to `neurolink run`"
            )
        if getattr(kinds[n.kind], "calibrates", None) and n.params.model is None:
            raise ConfigError(
                f"--stage: {n.kind} node {n.name!r} has no model file and a node process cannot "
                f"calibrate it: set `{n.kind}.model` (a model saved by a calibrated session)"
            )
    out = output or chosen[-1].name
    if out not in inside:
        raise ConfigError(f"--node {out!r} is not in the stage ({', '.join(names)})")
    entry = entries[0]
    entry_port = Port.SAMPLES if entry == SOURCE else kinds[loop.node(entry).kind].output
    return StagePlan(tuple(names), entry, entry_port, out, kinds[loop.node(out).kind].output)


def _ancestors(loop: LoopConfig, names: Sequence[str]) -> list[NodeConfig]:
    """The stage's nodes and every node upstream of them, in config order."""
    need = set(names)
    for n in reversed(loop.nodes):
        if n.name in need and n.input and n.input != SOURCE:
            need.add(n.input)
    return [n for n in loop.nodes if n.name in need]


def _on_host(n: NodeConfig) -> NodeConfig:
    """A node built only for what it tells the next one (labels): never on a board."""
    p: Any = n.params
    if getattr(p, "backend", "fixed") == "fixed":
        return n
    return dataclasses.replace(n, **{n.kind: dataclasses.replace(p, backend="fixed")})


class StageGraph:
    """The stage's nodes, stepped in order on what the entry gives (by the graph driver,
    :class:`~neurolink.loop.core.driver.GraphDriver`, as a whole graph is).

    Parameters
    ----------
    nodes : sequence of Node
        In config order.
    wiring : sequence of int
        For each node, the position of its input in ``nodes``, or -1 for the entry.
    output : int
        Position of the published node.
    clock : callable returning float
        Clock for the step timing (s).
    """

    def __init__(
        self,
        nodes: Sequence[Node],
        wiring: Sequence[int],
        output: int,
        *,
        clock: Callable[[], float] = now,
    ) -> None:
        self.nodes, self.wiring, self.output = list(nodes), list(wiring), int(output)
        self.clock = clock
        self.outputs: list[Any] = [None] * len(self.nodes)
        self.node_seconds = np.zeros(len(self.nodes), np.float64)
        self.closers: list[Callable[[], None]] = []
        self._scratch = np.zeros(len(Stage), np.float64)  # stage times of :meth:`step`

    @property
    def published(self) -> Node:
        """The node whose output is published."""
        return self.nodes[self.output]

    @property
    def value(self) -> Any:
        """The published node's output of the last step."""
        return self.outputs[self.output]

    def process(
        self, x: Any, tick: Tick, stage_seconds: np.ndarray, start: float | None = None
    ) -> None:
        """Step every node once on what the entry gave.

        Parameters
        ----------
        x : object
            The entry's value: samples, shape (n_samples, n_channels), or a node's output.
        tick : Tick
            Where the step lies.
        stage_seconds : numpy.ndarray of float64, shape (len(Stage),)
            Each node's step time is added to its stage's entry (s).
        start : float, optional
            Host time (s) the step began; the first node's time counts from it (default now),
            as :meth:`neurolink.loop.core.graph.Graph.process`.
        """
        self._run(x, tick, self.clock, stage_seconds, start)

    def step(self, x: Any, tick: Tick, clock: Callable[[], float]) -> Any:
        """Step every node once outside a loop (fitting on a stage's output, tests), timed by
        ``clock``; the published node's output."""
        self._run(x, tick, clock, self._scratch)
        return self.outputs[self.output]

    def _run(
        self,
        x: Any,
        tick: Tick,
        clock: Callable[[], float],
        stage_seconds: np.ndarray,
        start: float | None = None,
    ) -> None:
        outputs, t = self.outputs, (clock() if start is None else start)
        for i, node in enumerate(self.nodes):
            k = self.wiring[i]
            outputs[i] = node.step(x if k < 0 else outputs[k], tick)
            t2 = clock()
            stage_seconds[node.stage] += t2 - t
            self.node_seconds[i] += t2 - t
            t = t2

    def reset(self) -> None:
        """Reset every node."""
        for node in self.nodes:
            node.reset()

    def close(self) -> None:
        """Close what the nodes opened (boards)."""
        while self.closers:
            self.closers.pop()()


def build_stage(
    loop: LoopConfig,
    plan: StagePlan,
    *,
    channels: Sequence[str],
    fs: float,
    open_board: BoardOpener | None = None,
    warm: bool = True,
) -> StageGraph:
    """Make the stage's nodes (and, to size them, the nodes upstream, never stepped).

    Parameters
    ----------
    loop : LoopConfig
    plan : StagePlan
    channels : sequence of str
        Channel labels of the origin stream.
    fs : float
        Its rate (Hz).
    open_board : callable, optional
        Opens a neuromorphic board for a stage node with ``backend = "neuroboard"``.
    warm : bool
        Run the nodes once on noise first (compiles every kernel), then reset them.

    Returns
    -------
    StageGraph
    """
    kept = [n if n.name in plan.names else _on_host(n) for n in _ancestors(loop, plan.names)]
    sub = dataclasses.replace(loop, nodes=tuple(kept), sinks=(), task=None)
    parts = open_graph(sub, channels=channels, fs=fs, open_board=open_board, warm=warm)
    g = parts.graph
    pos = {name: i for i, name in enumerate(plan.names)}
    wiring = [pos.get(g.input_of(name), -1) for name in plan.names]
    stage = StageGraph([g[name] for name in plan.names], wiring, pos[plan.output])
    stage.closers = list(parts.closers)
    return stage
