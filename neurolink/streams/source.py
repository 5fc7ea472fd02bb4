"""The source interface shared by BrainFlow, LSL and file sources."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import numpy as np

from neurolink.streams.block import Block

__all__ = ["Source", "SourceStats"]


@dataclass(slots=True)
class SourceStats:
    """Running counters a source keeps while streaming.

    Attributes
    ----------
    n_samples : int
        Samples delivered in blocks.
    n_blocks : int
        Blocks delivered.
    n_gaps : int
        Discontinuities detected (dropped samples).
    gap_samples : int
        Total samples missing across all gaps.
    n_invalid : int
        NaN/Inf values seen (flagged on the blocks that held them).
    n_markers : int
        Marker events delivered.
    last_data_age : float
        Host time of delivery minus host timestamp of the newest sample of the last block (s).
    """

    n_samples: int = 0
    n_blocks: int = 0
    n_gaps: int = 0
    gap_samples: int = 0
    n_invalid: int = 0
    n_markers: int = 0
    last_data_age: float = float("nan")

    def as_dict(self) -> dict[str, float]:
        """Counters as a plain dict (for summaries and JSON)."""
        return asdict(self)


@runtime_checkable
class Source(Protocol):
    """What every acquisition source offers.

    Lifecycle: construct (stores parameters, no I/O) → :meth:`open` → :meth:`read` repeatedly →
    :meth:`close`. A source is also a context manager that always closes, also on errors and
    Ctrl-C, so no board session or inlet is left open.
    """

    name: str
    rate: float
    channels: tuple[str, ...]
    stats: SourceStats

    def open(self) -> None:
        """Acquire the resource (board session, inlet, file) and start streaming."""

    def read(self, timeout: float = 0.0) -> Block | None:
        """Return the samples that arrived since the last call, or None if none arrived.

        Waits at most ``timeout`` seconds for the first sample; never waits for a full chunk.
        Raises :class:`neurolink.errors.StreamStalledError` once no sample has arrived for the
        source's stall timeout.
        """

    def read_markers(self) -> np.ndarray:
        """Return marker events (``MARKER_DTYPE``) that arrived since the last call."""

    def close(self) -> None:
        """Release every resource; safe to call more than once."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
