"""The ``bin`` node: spike counts per channel in fixed bins of sample indices."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numba import njit

from neurolink.config import setting
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.detect import Events
from neurolink.streams.events import empty_spikes

__all__ = ["BinNode", "BinParams", "Bins"]


@dataclasses.dataclass(frozen=True)
class BinParams:
    """``bin``: spike counts per channel in bins of ``width_ms``."""

    width_ms: float = setting(20.0, gt=0)


@njit(nogil=True, cache=True)
def _accumulate(
    index: np.ndarray,
    column: np.ndarray,
    next_edge: int,
    width: int,
    pending: np.ndarray,
    skip_negative: bool,
) -> int:  # pragma: no cover - njit
    """Count spikes into ``pending`` (row k = bin starting at ``next_edge + k·width``).

    Returns the number of spikes left out (before ``next_edge``, column < 0 when
    ``skip_negative``, or beyond the pending rows).
    """
    left_out = 0
    rows, cols = pending.shape
    for i in range(index.shape[0]):
        c = column[i]
        if c < 0 and skip_negative:
            left_out += 1
            continue
        d = index[i] - next_edge
        if d < 0 or c < 0 or c >= cols:
            left_out += 1
            continue
        b = d // width
        if b >= rows:
            left_out += 1
            continue
        pending[b, c] += 1
    return left_out


@dataclass(slots=True)
class Bins:
    """Bins completed by one block (views of preallocated buffers).

    Attributes
    ----------
    counts : numpy.ndarray of int32, shape (n, n_units)
    edges : numpy.ndarray of int64, shape (n + 1,)
        Bin edges as sample indices.
    spikes : numpy.ndarray of SPIKE_DTYPE
        The spikes the block brought (for a decoder on the chip, which takes spikes, not bins;
        empty when the bins come from another process).
    """

    counts: np.ndarray
    edges: np.ndarray
    spikes: np.ndarray = field(default_factory=empty_spikes)

    @property
    def n(self) -> int:
        """Number of bins."""
        return int(self.counts.shape[0])


@register_node
class BinNode:
    """Count spikes in fixed bins of sample indices; emit each bin once it is complete.

    Bins are aligned to the first sample index seen; a bin is complete when the detector's
    ``complete_until`` passes its right edge (DESIGN.md §2 "Counts").

    Parameters
    ----------
    name : str
        Node name.
    n_units : int
        Columns (channels, or sorted units with ``by="unit"``).
    width : int
        Bin width (samples).
    by : {"channel", "unit"}
        Which spike field names the column.
    max_samples : int
        Largest block (samples): sets how many bins one block can complete.
    """

    kind: ClassVar[str] = "bin"
    inputs: ClassVar[tuple[Port, ...]] = (Port.EVENTS,)
    output: ClassVar[Port] = Port.COUNTS
    stage: ClassVar[Stage] = Stage.BIN_DECODE
    Params: ClassVar[type] = BinParams

    @classmethod
    def from_config(cls, ctx: BuildContext) -> BinNode:
        """The node of a ``[[loop.nodes]]`` entry (see :class:`BuildContext`)."""
        w = max(1, round(ctx.node.params.width_ms * 1e-3 * ctx.fs))
        return cls(ctx.node.name, ctx.n_channels, w, max_samples=ctx.max_samples)

    def __init__(
        self, name: str, n_units: int, width: int, *, by: str = "channel", max_samples: int = 2048
    ) -> None:
        if width < 1 or n_units < 1:
            raise ValueError(f"bin node {name!r}: width and n_units must be >= 1")
        self.name = name
        self.width = int(width)
        self.n_units = int(n_units)
        self.by = by
        cap = max_samples // self.width + 3
        self._pending = np.zeros((cap + 2, self.n_units), np.int32)
        self._counts = np.zeros((cap, self.n_units), np.int32)
        self._edges = np.zeros(cap + 1, np.int64)
        self._bins = Bins(self._counts[:0], self._edges[:1])
        self.reset()

    def reset(self) -> None:
        """Forget the partial bins; the next block sets the bin origin again."""
        self.next_edge: int | None = None
        self._pending[:] = 0
        self.n_left_out = 0
        self.n_bins = 0

    def step(self, ev: Events, tick: Tick) -> Bins:
        """Add the block's spikes and emit the bins completed by ``ev.complete_until``.

        Returns
        -------
        Bins
            Reused object; ``n`` may be 0.
        """
        if self.next_edge is None:
            self.next_edge = tick.first_index
        edge, w, pend = self.next_edge, self.width, self._pending
        sp = ev.spikes
        if sp.shape[0]:
            col = sp["unit"] if self.by == "unit" else sp["channel"]
            self.n_left_out += _accumulate(
                sp["sample_index"], col, edge, w, pend, self.by == "unit"
            )
        n_done = min(max(0, (ev.complete_until - edge) // w), self._counts.shape[0])
        out = self._bins
        if n_done:
            self._counts[:n_done] = pend[:n_done]
            rest = pend.shape[0] - n_done
            pend[:rest] = pend[n_done:]
            pend[rest:] = 0
            e = self._edges[: n_done + 1]
            e[0] = edge
            for k in range(1, n_done + 1):
                e[k] = edge + k * w
            self.next_edge = edge + n_done * w
            self.n_bins += n_done
        out.counts = self._counts[:n_done]
        out.edges = self._edges[: n_done + 1]
        out.spikes = sp
        if not n_done:
            self._edges[0] = edge
        return out
