"""Set up a stage process from a config: input, nodes, output (what ``neurolink node`` does).

:func:`open_node` opens the input stream, builds and warms up the stage's nodes for its
channels and rate, and opens the output outlet; :meth:`NodeProcess.run` does the rest.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from neurolink.loop.core.graph import SOURCE, Node
from neurolink.loop.core.ports import Port
from neurolink.loop.nodes.bin import BinNode
from neurolink.loop.session.config import Config
from neurolink.loop.stages.graph import StagePlan, build_stage, parse_stage, plan_stage
from neurolink.loop.stages.inlet import PortInlet
from neurolink.loop.stages.io import PortOutlet
from neurolink.loop.stages.lsl_ports import PortMeta
from neurolink.loop.stages.process import NodeProcess, PortInput, RawInput
from neurolink.streams.lsl_source import LSLSource

__all__ = ["open_node", "output_meta"]


def output_meta(
    plan: StagePlan, node: Node, origin: str, rate: float, channels: Sequence[str]
) -> PortMeta:
    """The metadata of the stream that publishes ``node``'s output."""
    labels: tuple[str, ...] = tuple(getattr(node, "labels", ()))
    if plan.output_port is Port.SPIKES:
        labels = tuple(f"n{i}" for i in range(node.last_spikes.shape[1]))  # type: ignore[attr-defined]
    width = node.width if isinstance(node, BinNode) else 0
    return PortMeta(plan.output_port, plan.output, origin, rate, tuple(channels), labels, width)


def open_node(
    config: Config,
    stage: str | Sequence[str],
    input_stream: str,
    output_stream: str,
    *,
    output_node: str | None = None,
    duration: float | None = None,
    wait_consumer: float = 30.0,
    resolve_timeout: float = 30.0,
    stall_timeout: float = 2.0,
    status_out: TextIO | None = sys.stderr,
) -> NodeProcess:
    """Open the input, build the stage, open the output; ready to :meth:`~NodeProcess.run`.

    Parameters
    ----------
    config : Config
        Validated; its ``[loop]`` holds the nodes.
    stage : str or sequence of str
        Node names (``"a,b,c"`` or ``"a..c"``, see :func:`parse_stage`).
    input_stream : str
        LSL name of the input: the raw source when the stage's first node reads ``source``,
        else the stream another node process publishes.
    output_stream : str
        LSL name (and source id) of the output.
    output_node : str, optional
        The node to publish (default: the stage's last).
    duration : float, optional
        Seconds of data to process.
    wait_consumer : float
        Seconds to wait for the output's first consumer.
    resolve_timeout, stall_timeout : float
        Longest wait for the input to appear; then for data (s).
    status_out : TextIO, optional
        Where the status line goes.

    Raises
    ------
    ConfigError
        A selection that cannot run alone (:func:`plan_stage`).
    SourceError
        The input is missing or is not what the stage reads.
    """
    loop = config.loop
    plan = plan_stage(loop, parse_stage(stage, loop), output_node)
    source: RawInput | PortInput
    if plan.entry == SOURCE:
        lsl = LSLSource(
            name=input_stream, resolve_timeout=resolve_timeout, stall_timeout=stall_timeout
        )
        source = RawInput(lsl, loop.max_chunk, loop.max_gap_samples, loop.max_invalid)
    else:
        inlet = PortInlet(
            input_stream,
            port=plan.entry_port,
            node=plan.entry,
            resolve_timeout=resolve_timeout,
            stall_timeout=stall_timeout,
            max_samples=loop.max_chunk,
        )
        source = PortInput(inlet)
    source.open()
    try:
        if isinstance(source, RawInput):
            origin, rate, channels = source.name, source.rate, source.channels
        else:
            meta = source.inlet.meta
            assert meta is not None
            origin, rate, channels = meta.origin, meta.rate, meta.channels
        from neurolink.loop.session.run import open_board

        graph = build_stage(loop, plan, channels=channels, fs=rate, open_board=open_board)
        try:
            meta_out = output_meta(plan, graph.published, origin, rate, channels)
            outlet = PortOutlet(output_stream, meta_out)
        except BaseException:
            graph.close()
            raise
    except BaseException:
        source.close()
        raise
    return NodeProcess(
        plan,
        graph,
        source,
        outlet,
        rate=rate,
        max_chunk=loop.max_chunk,
        duration=duration,
        wait_consumer=wait_consumer,
        poll_s=loop.poll_ms * 1e-3,
        status_out=status_out,
    )
