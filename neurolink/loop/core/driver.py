"""The graph driver: what every loop that runs a graph on a stream does the same way.

Three loops run a graph: the live engine (:mod:`neurolink.loop.core.engine`), calibration
(:func:`neurolink.loop.calibration.record.pump`) and a stage process
(:mod:`neurolink.loop.stages.process`). Each takes blocks from its input, refuses one with more
invalid values or a larger gap than the ``[loop]`` tolerances allow, cuts it into chunks of at
most ``max_chunk`` samples (the size every node preallocated for), moves the
:class:`~neurolink.loop.core.tick.Tick` to each chunk and steps the graph on it, timing each
stage. :class:`GraphDriver` does that, with :func:`check_block` and :func:`chunk_bounds` for a
loop that hands the chunks on rather than stepping them itself (a stage's raw input).

What differs stays with the caller: what a refused block means (a fault that trips the e-stop,
an error that ends a calibration), when to stop, and what to do after each chunk (send the
mappers' commands, keep the calibration data, publish the stage's output).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from neurolink.loop.core.faults import FaultKind
from neurolink.loop.core.ports import Stage
from neurolink.loop.core.tick import Tick
from neurolink.streams.block import Block
from neurolink.streams.source import Source

if TYPE_CHECKING:
    from neurolink.loop.core.config import LoopConfig

__all__ = ["GraphDriver", "Refusal", "Steps", "Tolerances", "check_block", "chunk_bounds"]

#: ``on_chunk(block, a, b, tick)``: rows ``a:b`` of ``block`` were just stepped at ``tick``.
OnChunk = Callable[[Block, int, int, Tick], None]


class Steps(Protocol):
    """What the driver steps: a :class:`~neurolink.loop.core.graph.Graph` or a stage's nodes."""

    def process(
        self, x: Any, tick: Tick, stage_seconds: np.ndarray, start: float | None = None
    ) -> None:
        """Step every node once on ``x``; add each node's time to its stage's entry (s), the
        first node's counted from ``start`` when given."""


@dataclass(frozen=True)
class Tolerances:
    """What a loop tolerates of its input (the ``[loop]`` keys of the same names).

    Attributes
    ----------
    max_gap_samples : int
        Largest gap (samples lost before a block) accepted after the first block.
    max_invalid : int
        NaN/Inf values accepted in one block.
    max_chunk : int
        Most samples stepped at once (the nodes' buffers).
    poll_s : float
        Longest wait for a block (s).
    """

    max_gap_samples: int = 0
    max_invalid: int = 0
    max_chunk: int = 2048
    poll_s: float = 0.05

    def __post_init__(self) -> None:
        if self.max_gap_samples < 0 or self.max_invalid < 0:
            raise ValueError("max_gap_samples and max_invalid must be >= 0")
        if self.max_chunk < 1 or not self.poll_s > 0:
            raise ValueError("max_chunk must be >= 1 and poll_s > 0 s")

    @classmethod
    def of(cls, loop: LoopConfig) -> Tolerances:
        """The tolerances of a ``[loop]`` section."""
        return cls(loop.max_gap_samples, loop.max_invalid, loop.max_chunk, loop.poll_ms * 1e-3)


@dataclass(frozen=True)
class Refusal:
    """Why a block was refused.

    Attributes
    ----------
    kind : FaultKind
        :attr:`~FaultKind.INVALID_DATA` or :attr:`~FaultKind.GAP`.
    message : str
        What was wrong, with the numbers and the stream.
    index : int
        The block's first sample index.
    """

    kind: FaultKind
    message: str
    index: int


def check_block(block: Block, tolerances: Tolerances, *, first: bool) -> Refusal | None:
    """Refuse a block with more invalid values, or a larger gap, than tolerated.

    Parameters
    ----------
    block : Block
    tolerances : Tolerances
    first : bool
        No block was accepted before: a gap before it is where the stream started, not a loss.

    Returns
    -------
    Refusal or None
        None when the block is accepted.
    """
    if block.n_invalid > tolerances.max_invalid:
        return Refusal(
            FaultKind.INVALID_DATA,
            f"{block.n_invalid} NaN/Inf values in samples {block.first_index}.."
            f"{block.stop_index - 1} of {block.stream!r}",
            block.first_index,
        )
    if block.gap > tolerances.max_gap_samples and not first:
        return Refusal(
            FaultKind.GAP,
            f"{block.gap} samples missing before sample {block.first_index} of "
            f"{block.stream!r} (tolerance {tolerances.max_gap_samples})",
            block.first_index,
        )
    return None


def chunk_bounds(n_samples: int, max_chunk: int) -> Iterator[tuple[int, int]]:
    """``(a, b)`` row ranges that cover ``n_samples`` rows in order, none over ``max_chunk``."""
    for a in range(0, n_samples, max_chunk):
        yield a, min(n_samples, a + max_chunk)


class GraphDriver:
    """Takes blocks through a graph: pull, check, chunk, tick, step with stage timing.

    Parameters
    ----------
    graph : Steps
        What is stepped on every chunk.
    rate : float
        The input stream's rate (Hz).
    stream : str
        Its name (the ``origin`` of commands).
    tolerances : Tolerances
    stage : numpy.ndarray of float64, shape (len(Stage),), optional
        Where each chunk's stage times go (s), reset per chunk (default: an array of its own;
        the engine gives its latency book's).

    Attributes
    ----------
    tick : Tick
        Where the chunk being stepped lies (one instance, updated in place).
    first_index : int or None
        Sample index of the first chunk stepped (None before).
    n_samples : int
        Samples fed, with the gaps before them.
    n_blocks : int
        Blocks fed.
    """

    def __init__(
        self,
        graph: Steps,
        *,
        rate: float,
        stream: str,
        tolerances: Tolerances,
        stage: np.ndarray | None = None,
    ) -> None:
        self.graph, self.tolerances = graph, tolerances
        self.tick = Tick(rate=float(rate), stream=stream)
        self.stage = np.zeros(len(Stage), np.float64) if stage is None else stage
        self.first_index: int | None = None
        self.n_samples = self.n_blocks = 0

    def pull(self, source: Source) -> Block | None:
        """The source's next block, waiting at most ``poll_s``; None when it had none.

        Raises
        ------
        StreamStalledError
            From the source, when it delivered nothing for its stall timeout.
        """
        block = source.read(self.tolerances.poll_s)
        if block is None or block.n_samples == 0:
            return None
        return block

    def check(self, block: Block) -> Refusal | None:
        """:func:`check_block` against these tolerances (a gap before the first block is fine)."""
        return check_block(block, self.tolerances, first=self.first_index is None)

    def feed(
        self,
        block: Block,
        *,
        take: int | None = None,
        t_read: float | None = None,
        on_chunk: OnChunk | None = None,
    ) -> int:
        """Step the graph on a checked block, chunk by chunk.

        Parameters
        ----------
        block : Block
            Accepted by :meth:`check`.
        take : int, optional
            Step only its first ``take`` samples (default all).
        t_read : float, optional
            Host time the block was read (s): each chunk's acquire stage is
            ``t_read − t_last`` (default 0).
        on_chunk : callable, optional
            After each chunk: ``on_chunk(block, a, b, tick)``.

        Returns
        -------
        int
            Samples stepped.
        """
        n = block.n_samples if take is None else int(take)
        i0, data, stamps = block.first_index, block.data, block.timestamps
        step = self.tolerances.max_chunk
        for a in range(0, n, step):  # chunk_bounds, without a generator on the hot path
            b = min(n, a + step)
            self.step(
                data[a:b], i0 + a, i0 + b, float(stamps[b - 1]), t_read, t_read if a == 0 else None
            )
            if on_chunk is not None:
                on_chunk(block, a, b, self.tick)
        self.n_samples += n + block.gap
        self.n_blocks += 1
        return n

    def step(
        self,
        x: Any,
        first_index: int,
        stop_index: int,
        t_last: float,
        t_read: float | None = None,
        start: float | None = None,
    ) -> None:
        """Step the graph once on a chunk that lies at ``first_index:stop_index``.

        Parameters
        ----------
        x : object
            What the graph's entry takes (samples, shape (n, n_channels); or a node's output).
        first_index, stop_index : int
            Sample indices of the chunk (of the origin stream).
        t_last : float
            Host time stamp of its newest sample (s).
        t_read : float, optional
            Host time it was read (s); the acquire stage is ``t_read − t_last`` (default 0).
        start : float, optional
            Host time (s) the engine began on it (a block's first chunk: ``t_read``): the work
            since counts in the first node's stage (:meth:`Graph.process`). Default: now.
        """
        if self.first_index is None:
            self.first_index = first_index
        self.tick.set(first_index, stop_index, t_last)
        stage = self.stage
        stage[:] = 0.0
        if t_read is not None:
            stage[Stage.ACQUIRE] = t_read - t_last
        self.graph.process(x, self.tick, stage, start)
