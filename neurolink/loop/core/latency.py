"""Latency accounting: every value kept, in preallocated growable tables (DESIGN.md §2).

Two tables, one row each:

- per **block** — the host time stamp of its newest sample, and the time spent in each stage
  (:class:`~neurolink.loop.core.ports.Stage`): acquire (newest sample stamped → block in hand),
  filter+detect, bin+decode, SNN (each the sum of its nodes' step times; the engine's work
  between the read and the first node — dispatch, recording the block — counts in the first
  node's, as it comes before the filter), and wire: the rest
  until the engine finished with the block (mapping, safety checks and writing to the devices,
  recording, bookkeeping), so that the stages add up to the total. The block's total is when
  the engine finished with it minus the sample's stamp; above the deadline it is a *miss*.
- per **command** — ``t_wire − t_sample`` (the driver's write time minus the stamp of the newest
  sample that contributed), with the stages of the block that caused it; its wire stage ends at
  ``t_wire``.

The acquire stage is told apart in two parts, columns of both tables after the stages
(:data:`ACQUIRE_PARTS`; they add up to ``acquire``, they are not further stages):

- ``acquire_wait`` — how long the newest sample had been stamped when the engine asked the
  source for the block (``t_call − t_sample``, within ``0 … acquire``): the data waited for an
  engine that was busy with the block before (a sample still in transit at ``t_call`` counts
  as waiting for that part);
- ``acquire_age`` — the rest, ``t_read − max(t_call, t_sample)``: the data's age accrued in the
  pull itself, transport and read, as ``benchmarks/lsl_data_age.py`` measures it with a reader
  that always waits.

Tables are sized for the expected run and double when full (amortised; the engine sizes them so
that they do not grow during a run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neurolink.loop.core.ports import Stage

__all__ = [
    "ACQUIRE_AGE",
    "ACQUIRE_PARTS",
    "ACQUIRE_WAIT",
    "STAGES",
    "DeadlinePolicy",
    "GrowableTable",
    "LatencyBook",
    "LatencySummary",
    "describe",
    "describe_table",
    "summarize",
]

#: The acquire stage's two parts (module docstring); their sum is ``acquire``.
ACQUIRE_PARTS = ("acquire_age", "acquire_wait")
#: Every stage column of the latency tables: the :class:`Stage` labels, then the acquire parts.
STAGES = (*(s.label for s in Stage), *ACQUIRE_PARTS)
#: Index of each acquire part in :attr:`LatencyBook.stage`.
ACQUIRE_AGE, ACQUIRE_WAIT = len(Stage), len(Stage) + 1


class GrowableTable:
    """A float64 table of fixed columns whose rows are appended in place.

    Parameters
    ----------
    columns : sequence of str
        Column names.
    capacity : int
        Rows preallocated.
    """

    def __init__(self, columns: tuple[str, ...], capacity: int = 1024) -> None:
        self.columns = tuple(columns)
        self._data = np.zeros((max(1, int(capacity)), len(self.columns)), np.float64)
        self.n = 0
        self.n_grow = 0

    def next_row(self) -> np.ndarray:
        """The row to fill next (a view); it counts once returned."""
        if self.n == self._data.shape[0]:
            grown = np.zeros((2 * self._data.shape[0], self._data.shape[1]), np.float64)
            grown[: self.n] = self._data
            self._data = grown
            self.n_grow += 1
        row = self._data[self.n]
        self.n += 1
        return row

    @property
    def data(self) -> np.ndarray:
        """The filled rows, shape (n, n_columns) (a view)."""
        return self._data[: self.n]

    def column(self, name: str) -> np.ndarray:
        """One filled column (a view)."""
        return self._data[: self.n, self.columns.index(name)]

    def __len__(self) -> int:
        return self.n


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Statistics of a set of latencies; the one place they are computed.

    Attributes
    ----------
    n : int
        Finite values (the statistics are over these).
    n_invalid : int
        Non-finite values (left out).
    median, p99, max, mean : float
        Of the finite values (s; NaN when ``n == 0``). p99 is ``numpy.percentile(v, 99)``
        (linear interpolation).
    deadline : float or None
        Deadline (s) a value misses when it is greater; None when not given.
    misses : int or None
        Values over ``deadline``; None without a deadline.
    """

    n: int
    n_invalid: int
    median: float
    p99: float
    max: float
    mean: float
    deadline: float | None = None
    misses: int | None = None

    def as_ms(self, *, suffix: str = "_ms", digits: int | None = 4) -> dict[str, float | int]:
        """``n``, ``median``, ``p99``, ``max``, ``mean`` in ms, keys ending in ``suffix``,
        rounded to ``digits`` decimals (None: not rounded)."""
        out: dict[str, float | int] = {"n": self.n}
        for key in ("median", "p99", "max", "mean"):
            v = getattr(self, key)
            ms = v * 1e3 if self.n else float("nan")
            out[key + suffix] = ms if digits is None or not self.n else round(ms, digits)
        return out


def summarize(values_s: np.ndarray, deadline_s: float | None = None) -> LatencySummary:
    """Median, p99, max, mean and deadline misses of latencies in seconds.

    Parameters
    ----------
    values_s : array_like of float, shape (n,)
        Latencies (s); NaN and Inf are counted in ``n_invalid`` and left out.
    deadline_s : float, optional
        Count the finite values above it.

    Returns
    -------
    LatencySummary
    """
    v = np.asarray(values_s, np.float64).ravel()
    ok = np.isfinite(v)
    t = v[ok] if not ok.all() else v
    misses = None if deadline_s is None else int((t > deadline_s).sum())
    if not t.size:
        nan = float("nan")
        return LatencySummary(0, int(v.size), nan, nan, nan, nan, deadline_s, misses)
    return LatencySummary(
        n=int(t.size),
        n_invalid=int(v.size - t.size),
        median=float(np.median(t)),
        p99=float(np.percentile(t, 99)),
        max=float(t.max()),
        mean=float(t.mean()),
        deadline=deadline_s,
        misses=misses,
    )


def describe(values_s: np.ndarray) -> dict[str, float | int]:
    """Median, p99, max and mean (ms, 4 decimals) and the count of a latency array in seconds
    (the engine summary's entries)."""
    return summarize(values_s).as_ms()


class DeadlinePolicy:
    """Count deadline misses; after ``max_consecutive`` misses in a row, demand a safe state.

    Parameters
    ----------
    deadline_s : float
        Longest time from a block's newest sample to the end of its processing (s).
    max_consecutive : int
        Consecutive misses that stop stimulation (the engine trips the e-stop).
    """

    def __init__(self, deadline_s: float, max_consecutive: int) -> None:
        if not deadline_s > 0 or max_consecutive < 1:
            raise ValueError("deadline must be > 0 s and max_consecutive >= 1")
        self.deadline_s = float(deadline_s)
        self.max_consecutive = int(max_consecutive)
        self.misses = 0
        self.consecutive = 0
        self.worst_run = 0

    def check(self, total_s: float) -> bool:
        """Record one block; True when this miss completes a run of ``max_consecutive``."""
        if total_s <= self.deadline_s:
            self.consecutive = 0
            return False
        self.misses += 1
        self.consecutive += 1
        self.worst_run = max(self.worst_run, self.consecutive)
        return self.consecutive == self.max_consecutive


class LatencyBook:
    """Per-block and per-command latency tables.

    Parameters
    ----------
    capacity_blocks, capacity_commands : int
        Rows preallocated.
    """

    BLOCK_COLUMNS = ("t_sample", "total", *STAGES)
    COMMAND_COLUMNS = ("t_sample", "t_wire", "total", *STAGES)

    def __init__(self, capacity_blocks: int = 65536, capacity_commands: int = 8192) -> None:
        self.blocks = GrowableTable(self.BLOCK_COLUMNS, capacity_blocks)
        self.commands = GrowableTable(self.COMMAND_COLUMNS, capacity_commands)
        # this chunk's stage durations (s): indexed by Stage, then ACQUIRE_AGE, ACQUIRE_WAIT
        self.stage = np.zeros(len(STAGES), np.float64)
        #: (phase, first block row, first command row) of each phase begun, in order
        self.phase_starts: list[tuple[str, int, int]] = []

    def begin_phase(self, phase: str) -> None:
        """Rows recorded from now on belong to ``phase`` (``calibration``, ``closed_loop``)."""
        self.phase_starts.append((phase, self.blocks.n, self.commands.n))

    def phase_rows(self, phase: str, table: str) -> np.ndarray:
        """Row indices of ``table`` (``blocks`` or ``commands``) recorded during ``phase``."""
        col = 1 if table == "blocks" else 2
        n = (self.blocks if table == "blocks" else self.commands).n
        starts = self.phase_starts
        parts = [
            np.arange(start[col], starts[k + 1][col] if k + 1 < len(starts) else n)
            for k, start in enumerate(starts)
            if start[0] == phase
        ]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def split_acquire(self, t_sample: float, t_call: float) -> None:
        """Split this chunk's acquire stage at ``t_call``, when the engine asked the source
        for the block (s, host clock): :data:`ACQUIRE_WAIT` = ``t_call − t_sample`` clipped to
        ``0 … acquire``, :data:`ACQUIRE_AGE` = the rest."""
        stage = self.stage
        acquire = stage[Stage.ACQUIRE]
        wait = min(max(t_call - t_sample, 0.0), max(acquire, 0.0))
        stage[ACQUIRE_WAIT] = wait
        stage[ACQUIRE_AGE] = acquire - wait

    def add_block(self, t_sample: float, t_done: float) -> float:
        """Record the block just processed (stages from :attr:`stage`); its total (s)."""
        row = self.blocks.next_row()
        total = t_done - t_sample
        row[0] = t_sample
        row[1] = total
        row[2:] = self.stage
        return total

    def add_command(self, t_sample: float, t_wire: float, t_mapped: float) -> np.ndarray:
        """Record one command written at ``t_wire``; the block's stages until ``t_mapped``
        (end of its SNN stage), the wire stage = ``t_wire − t_mapped``. Returns the row."""
        row = self.commands.next_row()
        row[0] = t_sample
        row[1] = t_wire
        row[2] = t_wire - t_sample
        row[3:] = self.stage
        row[3 + Stage.WIRE] = t_wire - t_mapped
        return row

    def summary(self, deadline_s: float | None = None) -> dict[str, Any]:
        """Median/p99/max per table (the whole run), and the per-stage breakdown of each;
        ``phases``: the same for each phase begun, with the values over ``deadline_s``
        (``over_deadline``) when it is given.

        The wire stage differs between the tables: a command's ends when its bytes were
        written, a block's when the engine finished with it (all its commands, recording).
        """
        out: dict[str, Any] = {}
        for name, table in (("commands", self.commands), ("blocks", self.blocks)):
            out[name] = describe_table(table.data, table.columns, deadline_s)
        phases: dict[str, Any] = {}
        for phase in dict.fromkeys(p for p, _, _ in self.phase_starts):
            phases[phase] = {
                name: describe_table(
                    table.data[self.phase_rows(phase, name)], table.columns, deadline_s
                )
                for name, table in (("commands", self.commands), ("blocks", self.blocks))
            }
        out["phases"] = phases
        return out


def describe_table(
    data: np.ndarray, columns: tuple[str, ...], deadline_s: float | None
) -> dict[str, Any]:
    """``describe`` of the ``total`` column of a latency table (rows, seconds), ``stages``
    (each stage column), and ``over_deadline`` (totals above ``deadline_s``; with it only)."""
    total = data[:, columns.index("total")]
    out: dict[str, Any] = describe(total)
    stages = [c for c in columns if c not in ("t_sample", "t_wire", "total")]
    out["stages"] = {s: describe(data[:, columns.index(s)]) for s in stages}
    if deadline_s is not None:
        out["over_deadline"] = int((total[np.isfinite(total)] > deadline_s).sum())
    return out
