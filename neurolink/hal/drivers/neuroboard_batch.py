"""Batched stepping of the neuromorphic board: frames of several steps, and a one-thread pipeline.

At 1 ms chip steps a round trip per step (~0.45 ms on a pty, most of it the two processes
waking up) leaves the loop no time of its own. Two things fix it:

- :func:`batch_frames`: the input rows of ``k`` steps go in one NEURO_STEP_BATCH (as many
  steps per frame as the payload and INFO's ``max_steps`` allow; a step whose inputs alone do
  not fit one frame goes as NEURO_STEP pieces, ``n_steps = 0`` then 1). The board answers one
  NEURO_SPIKES per step and one ACK per frame: one round trip per ``k`` steps.
- :class:`StepPipeline`: frames are written by a worker thread, so the caller hands a batch
  over (:meth:`StepPipeline.submit`, no waiting on the wire) and takes the outputs of an
  earlier batch (:meth:`StepPipeline.collect`), which has long arrived when the board keeps
  up. Batches are run strictly in order, one at a time (the link is stop-and-wait); when the
  caller hands over several at once (a late block) they are written back to back and the
  board, which steps several times faster than real time, catches up.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurolink.hal import wire
from neurolink.hal.errors import DeviceError
from neurolink.hal.wire.neuro_batch import BATCH_HEAD_BYTES, record_bytes

__all__ = [
    "MAX_INDICES_PER_STEP_FRAME",
    "BatchJob",
    "StepPipeline",
    "batch_frames",
    "spikes_of",
    "step_frames",
]

MAX_INDICES_PER_STEP_FRAME = (wire.MAX_PAYLOAD - 3 - 3) // 2
"""Most axon indices one NEURO_STEP carries in one group (509)."""


def step_frames(groups: Sequence[wire.SpikeGroup], n_steps: int) -> list[wire.NeuroStep]:
    """NEURO_STEP frames of one step's inputs: all but the last only queue inputs
    (``n_steps = 0``); the last runs ``n_steps``."""
    pieces = [
        (n, idx[k : k + MAX_INDICES_PER_STEP_FRAME])
        for n, idx in groups
        for k in range(0, len(idx), MAX_INDICES_PER_STEP_FRAME)
    ]
    frames: list[list[wire.SpikeGroup]] = [[]]
    size = 3
    for n, idx in pieces:
        need = 3 + 2 * len(idx)
        if size + need > wire.MAX_PAYLOAD or len(frames[-1]) == 255:
            frames.append([])
            size = 3
        frames[-1].append((n, idx))
        size += need
    last = len(frames) - 1
    return [wire.NeuroStep(n_steps if i == last else 0, f) for i, f in enumerate(frames)]


def batch_frames(
    steps: Sequence[Sequence[wire.SpikeGroup]], max_steps: int
) -> list[tuple[wire.Message, int]]:
    """The frames that run ``steps`` (one list of spike groups per step), in order.

    Parameters
    ----------
    steps : sequence of sequences of (port, axon indices)
        The inputs of each step.
    max_steps : int
        INFO's ``max_steps``: most steps in one frame.

    Returns
    -------
    list of (message, steps it runs)
        NEURO_STEP_BATCH frames holding as many consecutive steps as fit; NEURO_STEP pieces
        for a step too large for a batch record (those queueing inputs run 0 steps).
    """
    if max_steps < 1:
        raise ValueError(f"max_steps = {max_steps} must be >= 1")
    out: list[tuple[wire.Message, int]] = []
    run: list[tuple[wire.SpikeGroup, ...]] = []
    size = BATCH_HEAD_BYTES

    def flush() -> None:
        nonlocal run, size
        if run:
            out.append((wire.NeuroStepBatch(tuple(run)), len(run)))
        run, size = [], BATCH_HEAD_BYTES

    for groups in steps:
        record = tuple(groups)
        need = record_bytes(record)
        if BATCH_HEAD_BYTES + need > wire.MAX_PAYLOAD or len(record) > 255:
            flush()
            out.extend((f, f.n_steps) for f in step_frames(record, 1))
            continue
        if size + need > wire.MAX_PAYLOAD or len(run) == max_steps:
            flush()
        run.append(record)
        size += need
    flush()
    return out


def spikes_of(
    collected: Sequence[wire.Frame],
    first: int,
    n: int,
    names: Sequence[str],
    sizes: Sequence[int],
    url: str,
) -> list[dict[str, np.ndarray]]:
    """The spikes of steps ``first … first + n − 1`` from their NEURO_SPIKES frames.

    Parameters
    ----------
    collected : sequence of Frame
        The NEURO_SPIKES frames that came before the ACK, in order.
    first, n : int
        Number of the first step (from 1 since load or reset) and steps expected.
    names, sizes : sequences
        Population names and sizes, in the order the wire numbers them.
    url : str
        The port (for messages).

    Returns
    -------
    list of dict of population name to bool array, shape (size,)
        One per step.

    Raises
    ------
    DeviceError
        A frame of an unexpected step or unknown population, or a step not complete (its last
        frame still flagged MORE, or missing).
    """
    pops = list(zip(names, sizes, strict=True))
    out = [{name: np.zeros(k, dtype=bool) for name, k in pops} for _ in range(n)]
    done = 0  # steps whose frames are complete
    for frame in collected:
        msg = frame.message
        assert isinstance(msg, wire.NeuroSpikes)
        if done == n or msg.step != first + done:
            raise DeviceError(f"{url}: NEURO_SPIKES of step {msg.step}, expected {first + done}")
        for number, idx in msg.spikes:
            if number >= len(names):
                raise DeviceError(f"{url}: spikes of unknown population {number}")
            out[done][names[number]][list(idx)] = True
        if not msg.flags & wire.SpikesFlags.MORE:
            done += 1
    if done != n:
        raise DeviceError(
            f"{url}: the spikes of steps {first}..{first + n - 1} did not all arrive "
            f"({done} step(s) complete in {len(collected)} NEURO_SPIKES frame(s))"
        )
    return out


@dataclass(frozen=True)
class BatchJob:
    """One batch handed to the pipeline.

    Attributes
    ----------
    frames : list of (message, steps it runs)
        From :func:`batch_frames`.
    first_step : int
        Step number (from 1 since load or reset) of its first step.
    n_steps : int
        Steps it runs.
    """

    frames: list[tuple[wire.Message, int]]
    first_step: int
    n_steps: int


class StepPipeline:
    """Runs :class:`BatchJob` s in order on a worker thread; results come back in order.

    Parameters
    ----------
    run : callable
        ``run(job) -> result``: writes the job's frames and waits for their replies (called on
        the worker thread; an exception is kept and raised by every later :meth:`collect`).
    name : str
        Thread name.
    """

    def __init__(self, run: Callable[[BatchJob], Any], name: str = "neuroboard-steps") -> None:
        self._run = run
        self._name = name
        self._cond = threading.Condition()
        self._jobs: collections.deque[BatchJob | None] = collections.deque()
        self._results: collections.deque[Any] = collections.deque()
        self._busy = 0  # jobs handed over whose result is not in yet
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    @property
    def in_flight(self) -> int:
        """Batches handed over and not yet collected (running, queued or done)."""
        with self._cond:
            return self._busy + len(self._results)

    def submit(self, job: BatchJob) -> None:
        """Hand a batch over; returns at once."""
        with self._cond:
            if self._error is not None:
                raise DeviceError(f"board stepping failed earlier: {self._error}") from self._error
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._busy += 1
            self._jobs.append(job)
            self._cond.notify_all()

    def collect(self, timeout: float) -> Any:
        """The result of the oldest batch not yet collected, waiting for it if needed.

        Raises
        ------
        DeviceError
            Nothing was handed over, no result within ``timeout`` s, or running a batch failed
            (its error chained).
        """
        with self._cond:
            if not self._results and not self._busy and self._error is None:
                raise DeviceError("no batch in flight to collect")
            if not self._cond.wait_for(lambda: self._results or self._error is not None, timeout):
                raise DeviceError(f"no batch result within {timeout:g} s")
            if self._results:
                return self._results.popleft()
            assert self._error is not None
            raise DeviceError(f"board stepping failed: {self._error}") from self._error

    def settle(self, timeout: float) -> None:
        """Wait until every batch handed over has run (results stay to be collected)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._busy == 0, timeout):
                raise DeviceError(f"board batches still running after {timeout:g} s")

    def discard(self, timeout: float) -> None:
        """Let running batches finish, then forget every result and a kept error."""
        self.settle(timeout)
        with self._cond:
            self._results.clear()
            self._error = None

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker (after the batches handed over)."""
        with self._cond:
            thread, self._thread = self._thread, None
            if thread is None:
                return
            self._jobs.append(None)
            self._cond.notify_all()
        thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._jobs))
                job = self._jobs.popleft()
            if job is None:
                return
            try:
                failed = self._error is not None
                result = None if failed else self._run(job)
            except BaseException as e:  # kept and raised on the caller's thread
                with self._cond:
                    self._error = e
                    self._busy -= 1
                    self._cond.notify_all()
                continue
            with self._cond:
                if not failed:
                    self._results.append(result)
                self._busy -= 1
                self._cond.notify_all()
