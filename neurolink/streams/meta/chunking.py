"""A producer's chunking: learn its chunk size and say how many rows complete the current chunk.

An LSL producer pushes its samples in chunks (30 rows per millisecond at 30 kHz, say); liblsl
hands them to the inlet row by row, so a reader that wakes on a chunk's first row and takes what
has arrived gets part of it, and the rest in a second, partial block that pays the whole
per-block cost again. Once the chunk size ``c`` is known and the reader knows how far into the
current chunk it is (the *phase*, counted in rows), it can wait inside liblsl for exactly the rows
the chunk lacks: one block per chunk.

The size is learned from *bursts*: after waiting for a first row on an empty queue, the reader
collects for ``window`` seconds; a whole chunk lands within the window (a wide one in several
transfers: 15 rows of 1 024 float32 channels fill a 64 KiB socket buffer), and the next one a
chunk period later. ``agree`` bursts in a row of the same size ``c`` (with ``c >= 2`` and
``c / rate >= 2 · window``, so two chunks never fall into one window) fix the size. Learning
costs ``window`` of latency per burst and stops for good after ``budget`` bursts (a producer with
irregular chunks is then read without waiting, as before).

The phase is set, to 0, by a wait for a first row that lasted more than half a chunk period: the
queue was empty that long, so the row begins a chunk (a chunk's transfers follow each other
within microseconds; chunks come a period apart). Until then, and after a wait for a chunk's rest
that took more than half a period (the rows belonged to the next chunk: the phase was wrong),
the reader does not wait for rests. ``misses`` such slow rests, or ``misses`` rests that timed
out, in a row forget a learned size (learning starts again, within the same budget); so does a
gap (liblsl dropped rows). A size given by the caller is kept; a gap then moves its phase by the
missing rows.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ChunkPacer", "steady_rows"]

#: Runs up to this many stamps are checked in Python, longer ones with numpy.
_SHORT = 64


class ChunkPacer:
    """The chunk size of a regular stream's producer and the reader's phase within a chunk.

    Parameters
    ----------
    rate : float
        Nominal rate (Hz); 0 (irregular) never waits and never learns.
    chunk_size : int, optional
        The producer's chunk size in rows when known (kept); None learns it; 0 never waits.
    window : float
        Burst collection time while learning (s).
    margin : float
        Slack on top of one chunk period for the wait for a chunk's rest (s).
    agree : int
        Equal bursts in a row that fix the size.
    budget : int
        Most bursts ever collected for learning.
    misses : int
        Timed-out waits in a row that forget a learned size.

    Attributes
    ----------
    size : int
        Chunk size in rows (0 while unknown).
    phase : int
        Rows of the current chunk received so far, 0..size−1 (meaningful when ``aligned``).
    aligned : bool
        The phase is known.
    """

    def __init__(
        self,
        rate: float,
        chunk_size: int | None = None,
        *,
        window: float = 0.3e-3,
        margin: float = 0.3e-3,
        agree: int = 4,
        budget: int = 64,
        misses: int = 3,
    ) -> None:
        if chunk_size is not None and chunk_size < 0:
            raise ValueError(f"chunk_size must be >= 0 rows or None, got {chunk_size!r}")
        self.rate = float(rate)
        self.fixed = chunk_size is not None
        self.size = int(chunk_size or 0) if self.rate > 0 else 0
        self.phase = 0
        self.window, self.margin = float(window), float(margin)
        self.agree, self.misses = int(agree), int(misses)
        self._budget = int(budget) if self.rate > 0 and not self.fixed else 0
        self._candidate = self._streak = self._missed = self._slowed = 0
        self._idle = 0.0  # how long the last wait for a first row lasted (s)
        self.aligned = self.fixed  # a given size: the first row after open begins a chunk
        self.bound = 0.0  # longest wait for a chunk's rest (s): one period + margin
        self._slow = 0.0  # a rest that took longer than this (s) means a wrong phase
        self._set(self.size)

    def _set(self, size: int) -> None:
        self.size, self.phase, self._missed, self._slowed = size, 0, 0, 0
        period = size / self.rate if size else 0.0
        self.bound, self._slow = period + self.margin, period / 2

    @property
    def learning(self) -> bool:
        """True while the size is unknown and learning bursts are left."""
        return not self.size and self._budget > 0

    def missing(self, n: int) -> int:
        """Rows that complete the current chunk once ``n`` more have come (0 when unknown)."""
        if not (self.size and self.aligned):
            return 0
        return -(self.phase + n) % self.size

    def advance(self, n: int) -> None:
        """``n`` rows were received."""
        if self.size:
            self.phase = (self.phase + n) % self.size

    def waited(self, idle: float) -> None:
        """The queue was empty and its next row came after ``idle`` s (call before
        :meth:`advance` counts that row): a long wait begins a chunk."""
        self._idle = idle
        if self.size and idle > self._slow:
            self.phase, self.aligned = 0, True

    def burst(self, n: int, *, cut: bool = False) -> None:
        """A learning burst of ``n`` rows was collected (``cut``: it filled the buffer)."""
        if not self.learning:
            return
        self._budget -= 1
        if cut or n < 2 or n < 2 * self.window * self.rate:
            self._candidate = self._streak = 0
            return
        if n == self._candidate:
            self._streak += 1
        else:
            self._candidate, self._streak = n, 1
        if self._streak >= self.agree:
            self._set(n)
            # a burst after a long wait is one whole chunk: the phase is 0 after it (phase 0
            # now; the caller's advance(n) keeps it 0)
            self.aligned = self._idle > self._slow

    def rest(self, complete: bool, took: float) -> None:
        """A wait for a chunk's rest ended: ``complete`` or timed out, after ``took`` s (call
        before :meth:`advance` counts its rows)."""
        if not complete:
            self._missed += 1
        elif took > self._slow:
            self._slowed += 1
            self.aligned = False
        else:
            self._missed = self._slowed = 0
        if max(self._missed, self._slowed) >= self.misses and not self.fixed:
            self.forget()

    def skip(self, n: int) -> None:
        """``n`` rows were lost before the next delivered one (a gap)."""
        if self.fixed:
            self.advance(n)
        elif self.size:
            self.forget()

    def forget(self) -> None:
        """Drop a learned size; learn again while budget is left."""
        self._candidate = self._streak = 0
        self.aligned = False
        self._set(0)


def steady_rows(stamps: np.ndarray, limit: float, scratch: np.ndarray) -> int:
    """Leading rows of ``stamps`` that may form one block: up to the first step back or gap.

    Parameters
    ----------
    stamps : numpy.ndarray of float64, shape (n,)
        Producer time stamps of consecutive rows (s).
    limit : float
        Longest step that is not a gap (s): ``1.5 / rate``, ``inf`` for an irregular stream.
    scratch : numpy.ndarray of float64, shape (>= n − 1,)
        Work space for the steps.

    Returns
    -------
    int
        ``i`` such that the step from row ``i − 1`` to row ``i`` is the first one < 0 or
        > ``limit``; ``n`` when there is none (NaN steps are no break, as numpy compares them).

    Notes
    -----
    A block of a chunk or two is checked in one Python pass over its stamps: on a core that has
    just woken up from a wait in liblsl, each numpy call costs more than that whole pass. Longer
    runs take one subtraction and a reduction each way, and the exact search only where a step
    fails.
    """
    n = stamps.shape[0]
    if n <= _SHORT:
        rows = stamps.tolist()
        prev = rows[0] if n else 0.0
        for i in range(1, n):
            t = rows[i]
            step = t - prev
            if (step < 0.0 or step > limit) and step == step:
                return i
            prev = t
        return n
    steps = np.subtract(stamps[1:], stamps[:-1], out=scratch[: n - 1])
    if steps.min() >= 0 and steps.max() <= limit:
        return n
    brk = (steps < 0) | (steps > limit)
    return 1 + int(np.argmax(brk)) if brk.any() else n
