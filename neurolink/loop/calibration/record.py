"""Recording a calibration block: the graph up to one node, run on a source, its output kept.

:func:`pump` drives the graph on the source with the engine's
:class:`~neurolink.loop.core.driver.GraphDriver` (the same checks of gaps and NaN against the
loop's tolerances, the same ``max_chunk`` pieces) and hands each piece to a callback; it stops
after ``limit`` samples or at the end of a file. No devices, no deadline: calibration is open
loop.

:class:`Autopilot` is the scripted subject of a kinematics calibration on the simulated
subject: a :class:`~neurolink.sim.task.CenterOutTask` whose cursor follows the intent exactly
(as the prosthesis does under the autopilot of
:mod:`neurolink.loop.session.closed_loop`), each intent pushed on the subject's control stream.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from typing import TextIO

import numpy as np

from neurolink.clock import now
from neurolink.errors import SourceError
from neurolink.loop.calibration.config import SOURCE
from neurolink.loop.core.config import LoopConfig
from neurolink.loop.core.driver import GraphDriver, Refusal, Tolerances
from neurolink.loop.core.faults import FaultKind
from neurolink.loop.core.graph import Graph
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


def _refused(refusal: Refusal, tolerances: Tolerances) -> SourceError:
    """The error that ends a calibration on a refused block."""
    if refusal.kind is FaultKind.GAP:
        return SourceError(f"{refusal.message}: calibrate again")
    return SourceError(f"{refusal.message} (tolerance {tolerances.max_invalid})")


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


def tolerances_of(loop: LoopConfig) -> Tolerances:
    """The ``[loop]`` tolerances (:meth:`Tolerances.of`)."""
    return Tolerances.of(loop)


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
        subject = src.make_subject((seconds or 0.0) + 120.0)  # channels, seed … as configured
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
    tolerances: Tolerances | None = None,
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
    tolerances : Tolerances, optional
        Default :class:`Tolerances` ().

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
    tolerances = tolerances or Tolerances()
    driver = GraphDriver(graph, rate=source.rate, stream=source.name, tolerances=tolerances)
    while limit is None or driver.n_samples < limit:
        block = driver.pull(source)
        if block is None:
            if getattr(source, "exhausted", False):
                break
            continue
        refused = driver.check(block)
        if refused is not None:
            raise _refused(refused, tolerances)
        n = driver.n_samples
        take = block.n_samples if limit is None else min(block.n_samples, limit - n)
        driver.feed(block, take=take, on_chunk=on_chunk)
        if on_block is not None:
            on_block(driver.tick, driver.n_samples)
    return driver.n_samples
