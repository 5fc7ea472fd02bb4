"""Recording a calibration block: the graph up to one node, run on a source, its output kept.

:func:`pump` reads the source block by block (split into ``max_chunk`` pieces, as the engine
does), steps the graph and hands each piece to a callback; it stops after ``limit`` samples or
at the end of a file, and refuses gaps and NaN beyond the loop's tolerances as the engine does.
No devices, no deadline: calibration is open loop.

:class:`Autopilot` is the scripted subject of a kinematics calibration on the simulated
subject: a :class:`~neurolink.sim.task.CenterOutTask` whose cursor follows the intent exactly
(as the prosthesis does under the autopilot of
:mod:`neurolink.loop.session.closed_loop`), each intent pushed on the subject's control stream.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from neurolink.clock import now
from neurolink.errors import SourceError
from neurolink.loop.calibration.config import SOURCE
from neurolink.loop.core.config import LoopConfig
from neurolink.loop.core.graph import Graph
from neurolink.loop.core.ports import Stage
from neurolink.loop.core.tick import Tick
from neurolink.loop.session.config import Config
from neurolink.sim.source_config import SimulatedConfig
from neurolink.sim.subject import ControlOutlet, SimulatedSubject
from neurolink.sim.task import CenterOutTask
from neurolink.streams.block import Block
from neurolink.streams.factory import source_from_config
from neurolink.streams.source import Source

__all__ = [
    "Autopilot",
    "Progress",
    "Rows",
    "Tolerances",
    "chain_to",
    "open_source",
    "pump",
    "tolerances_of",
]

#: ``on_chunk(block, a, b, tick)``: rows ``a:b`` of ``block`` were just processed.
OnChunk = Callable[[Block, int, int, Tick], None]


class Rows:
    """Rows appended to an array that doubles when full.

    Parameters
    ----------
    width : int
        Columns (0 for a 1-D array).
    dtype : numpy dtype
    capacity : int
        Initial rows.
    """

    def __init__(self, width: int, dtype: np.dtype | type, capacity: int = 1024) -> None:
        shape = (capacity, width) if width else (capacity,)
        self._a = np.zeros(shape, dtype)
        self.n = 0

    def add(self, rows: np.ndarray) -> None:
        """Append ``rows`` (shape (k, width) or (k,))."""
        k = len(rows)
        while self.n + k > len(self._a):
            self._a = np.concatenate([self._a, np.zeros_like(self._a)])
        self._a[self.n : self.n + k] = rows
        self.n += k

    @property
    def array(self) -> np.ndarray:
        """The rows so far (a view)."""
        return self._a[: self.n]


class Autopilot:
    """Drives the simulated subject along center-out reaches while calibrating.

    Every ``dt`` seconds of host time the task is advanced with a virtual cursor that moves by
    exactly the intended velocity, and the intent is pushed on the subject's control stream.

    Parameters
    ----------
    task : CenterOutTask
    control : ControlOutlet
    dt : float
        Update interval (s).
    """

    def __init__(self, task: CenterOutTask, control: ControlOutlet, dt: float = 0.02) -> None:
        self.task, self.control, self.dt = task, control, float(dt)
        self.cursor = np.zeros(2)
        self._t: float | None = None

    def advance(self, t: float) -> None:
        """Catch up to host time ``t`` (s)."""
        if self._t is None:
            self._t = t
        while self._t + self.dt <= t:
            self._t += self.dt
            intent = self.task.update(self._t, self.cursor)
            self.cursor = np.clip(self.cursor + intent * self.dt, -1.0, 1.0)
            self.control.push(intent)

    def stop(self) -> None:
        """Tell the subject to intend nothing."""
        self.control.push(np.zeros(2))


class Progress:
    """A status line while recording: ``calibrating: 4.0/15 s of data, 200 bins``.

    Parameters
    ----------
    out : TextIO or None
        Where it goes (None: nowhere); rewritten in place on a terminal.
    total_s : float or None
        Seconds of data planned.
    interval_s : float
        Seconds between updates.
    """

    def __init__(self, out: TextIO | None, total_s: float | None, interval_s: float = 1.0):
        self.out, self.total_s, self.interval_s = out, total_s, interval_s
        self._tty = bool(out is not None and getattr(out, "isatty", lambda: False)())
        self._t = now()
        self._printed = False

    def update(self, seconds: float, what: str) -> None:
        """Print ``seconds`` of data recorded and ``what`` was collected, if it is time."""
        if self.out is None or now() - self._t < self.interval_s:
            return
        self._t = now()
        total = f"/{self.total_s:g}" if self.total_s else ""
        line = f"calibrating: {seconds:.1f}{total} s of data, {what}"
        self.out.write("\r" + line + "\x1b[K" if self._tty else line + "\n")
        self.out.flush()
        self._printed = True

    def done(self) -> None:
        """End the line in place."""
        if self.out is not None and self._tty and self._printed:
            self.out.write("\n")
            self.out.flush()


@dataclass(frozen=True)
class Tolerances:
    """What the loop tolerates of the source (``[loop]`` keys of the same names)."""

    max_gap_samples: int = 0
    max_invalid: int = 0
    max_chunk: int = 2048
    poll_s: float = 0.05


def tolerances_of(loop: LoopConfig) -> Tolerances:
    """The ``[loop]`` tolerances."""
    return Tolerances(loop.max_gap_samples, loop.max_invalid, loop.max_chunk, loop.poll_ms * 1e-3)


def chain_to(loop: LoopConfig, name: str) -> LoopConfig:
    """``loop`` with only node ``name`` and the nodes it reads from (no sinks, task), in order;
    no nodes for ``name = "source"``."""
    keep, at = set(), name
    while at != SOURCE:
        keep.add(at)
        at = loop.node(at).input or SOURCE
    nodes = tuple(n for n in loop.nodes if n.name in keep)
    return dataclasses.replace(loop, nodes=nodes, sinks=(), task=None)


def open_source(
    config: Config, seconds: float | None, stack: contextlib.ExitStack, *, control: bool = False
) -> tuple[Source, SimulatedSubject | None, ControlOutlet | None]:
    """The config's source, open (the simulated subject started first), closed by ``stack``.

    Parameters
    ----------
    config : Config
    seconds : float or None
        Seconds of data planned (the simulated subject streams that plus a margin).
    stack : contextlib.ExitStack
        Gets the closers.
    control : bool
        Also open the simulated subject's control stream (closed after the subject stopped,
        so that the subject never loses it while it runs).

    Returns
    -------
    source : Source
    subject : SimulatedSubject or None
    control : ControlOutlet or None
    """
    src = config.source
    subject = outlet = None
    if isinstance(src, SimulatedConfig):
        subject = SimulatedSubject(
            src.name, seed=src.seed, units=src.units, fs=src.fs, chunk_ms=src.chunk_ms,
            duration=(seconds or 0.0) + 120.0,
        )  # fmt: skip
        if control:
            outlet = ControlOutlet(subject.name)
            stack.callback(outlet.close)
        subject.start()
        stack.callback(subject.stop)
        source: Source = subject.source(
            resolve_timeout=src.resolve_timeout, stall_timeout=src.stall_timeout
        )
    else:
        source = source_from_config(src)  # type: ignore[arg-type]
        source.open()
    stack.callback(source.close)
    return source, subject, outlet


def pump(
    source: Source,
    graph: Graph,
    *,
    limit: int | None,
    on_chunk: OnChunk,
    on_block: Callable[[Tick, int], None] | None = None,
    tolerances: Tolerances = Tolerances(),
) -> int:
    """Run ``graph`` on ``source`` until ``limit`` samples (or the end of a file).

    Parameters
    ----------
    source : Source
        Open.
    graph : Graph
        Run on every piece of every block.
    limit : int or None
        Samples to take (None: until the source is exhausted).
    on_chunk : callable
        After each piece: ``on_chunk(block, a, b, tick)``.
    on_block : callable, optional
        After each block: ``on_block(tick, n_samples_so_far)``.
    tolerances : Tolerances

    Returns
    -------
    int
        Samples taken (gaps included).

    Raises
    ------
    SourceError
        A gap or invalid values beyond the tolerances; a stalled stream. (A file that ends
        before ``limit`` is not an error: fewer samples are returned.)
    """
    tol = tolerances
    tick = Tick(rate=source.rate, stream=source.name)
    stage = np.zeros(len(Stage))
    n = 0
    while limit is None or n < limit:
        block = source.read(tol.poll_s)
        if block is None or block.n_samples == 0:
            if getattr(source, "exhausted", False):
                break
            continue
        if block.n_invalid > tol.max_invalid:
            raise SourceError(
                f"{block.n_invalid} NaN/Inf values in samples {block.first_index}.."
                f"{block.stop_index - 1} of {block.stream!r} (tolerance {tol.max_invalid})"
            )
        if block.gap > tol.max_gap_samples and n > 0:
            raise SourceError(
                f"{block.gap} samples missing before sample {block.first_index} of "
                f"{block.stream!r} (tolerance {tol.max_gap_samples}): calibrate again"
            )
        take = block.n_samples if limit is None else min(block.n_samples, limit - n)
        for a in range(0, take, tol.max_chunk):
            b = min(take, a + tol.max_chunk)
            tick.set(block.first_index + a, block.first_index + b, float(block.timestamps[b - 1]))
            graph.process(block.data[a:b], tick, stage)
            on_chunk(block, a, b, tick)
        n += take + (block.gap if n > 0 else 0)
        if on_block is not None:
            on_block(tick, n)
    return n
