"""Binning of spike events into counts (DESIGN.md §2: Counts, int32 (n_bins, n_units)).

Bins are aligned to sample indices: bin ``k`` covers ``[origin + k * width, origin + (k+1) *
width)``, and its edges are returned as sample indices. Events are counted per channel (threshold
crossings, multi-unit activity) or per sorted unit (``unit >= 0``; unsorted events, ``unit == -1``,
are left out). Events before ``origin`` are ignored.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

__all__ = ["BinBy", "StreamingBinner", "bin_spikes"]


class BinBy(StrEnum):
    """Which field of a spike names its column in the counts."""

    CHANNEL = "channel"
    UNIT = "unit"


def _check(width: int, n_units: int, by: BinBy | str) -> BinBy:
    if int(width) != width or width < 1:
        raise ValueError(f"bin width must be a positive number of samples, got {width!r}")
    if int(n_units) != n_units or n_units < 1:
        raise ValueError(f"n_units must be a positive integer, got {n_units!r}")
    try:
        return BinBy(by)
    except ValueError:
        raise ValueError(f"by must be 'channel' or 'unit', got {by!r}") from None


def _columns(spikes: np.ndarray, by: BinBy, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices and columns of the events that count (unit mode drops unit < 0)."""
    col = spikes[by.value].astype(np.int64)
    idx = spikes["sample_index"]
    if by is BinBy.UNIT:
        keep = col >= 0
        col, idx = col[keep], idx[keep]
    if col.size and (col.min() < 0 or col.max() >= n_units):
        raise ValueError(
            f"spike {by.value} {int(col.min() if col.min() < 0 else col.max())} is outside "
            f"[0, {n_units}) (n_units = {n_units})"
        )
    return idx, col


def bin_spikes(
    spikes: np.ndarray,
    width: int,
    n_units: int,
    *,
    origin: int = 0,
    stop: int | None = None,
    by: BinBy | str = "channel",
) -> tuple[np.ndarray, np.ndarray]:
    """Count spikes in fixed bins of sample indices.

    Parameters
    ----------
    spikes : numpy.ndarray of SPIKE_DTYPE, shape (n_spikes,)
    width : int
        Bin width (samples).
    n_units : int
        Number of columns (channels or units).
    origin : int
        Sample index of the first bin's left edge.
    stop : int, optional
        Sample index up to which bins are made (only complete bins, i.e. ``(stop - origin) //
        width`` of them); default: up to and including the bin of the last spike.
    by : {"channel", "unit"}

    Returns
    -------
    counts : numpy.ndarray of int32, shape (n_bins, n_units)
    edges : numpy.ndarray of int64, shape (n_bins + 1,)
        Bin edges as sample indices.
    """
    by = _check(width, n_units, by)
    idx, col = _columns(spikes, by, n_units)
    if stop is None:
        last = int(idx.max()) if idx.size else origin - 1
        n_bins = max(0, (last - origin) // width + 1)
    else:
        n_bins = max(0, (int(stop) - origin) // width)
    b = (idx - origin) // width
    keep = (idx >= origin) & (b < n_bins)
    flat = b[keep] * n_units + col[keep]
    counts = np.bincount(flat, minlength=n_bins * n_units).astype(np.int32)
    edges = origin + width * np.arange(n_bins + 1, dtype=np.int64)
    return counts.reshape(n_bins, n_units), edges


class StreamingBinner:
    """Bin a stream of spike events, emitting each bin once it is complete.

    Parameters
    ----------
    width : int
        Bin width (samples).
    n_units : int
        Number of columns (channels or units).
    origin : int
        Sample index of the first bin's left edge.
    by : {"channel", "unit"}

    Attributes
    ----------
    next_edge : int
        Left edge (sample index) of the oldest bin not yet emitted.
    n_ignored : int
        Events before ``origin`` (or unsorted in unit mode) that were left out.
    """

    def __init__(
        self, width: int, n_units: int, *, origin: int = 0, by: BinBy | str = "channel"
    ) -> None:
        self.by = _check(width, n_units, by)
        self.width = int(width)
        self.n_units = int(n_units)
        self.origin = int(origin)
        self.reset()

    def reset(self) -> None:
        """Drop the partial bins and start again at ``origin``."""
        self.next_edge = self.origin
        self._pending = np.zeros((0, self.n_units), np.int32)  # bins from next_edge on
        self.n_ignored = 0

    def step(self, spikes: np.ndarray, complete_until: int) -> tuple[np.ndarray, np.ndarray]:
        """Add events and emit the bins that are complete.

        Parameters
        ----------
        spikes : numpy.ndarray of SPIKE_DTYPE, shape (n_spikes,)
            New events; none may fall before :attr:`next_edge` (those bins were emitted).
        complete_until : int
            Every event with ``sample_index < complete_until`` has now been given (for a detector,
            its ``complete_until``). Bins ending at or before it are emitted.

        Returns
        -------
        counts : numpy.ndarray of int32, shape (n_bins, n_units)
            The newly completed bins (``n_bins`` may be 0).
        edges : numpy.ndarray of int64, shape (n_bins + 1,)
            Their edges as sample indices.

        Raises
        ------
        ValueError
            An event in a bin already emitted, or a column outside ``[0, n_units)``.
        """
        idx, col = _columns(spikes, self.by, self.n_units)
        self.n_ignored += int(spikes.size - idx.size)
        early = idx < self.origin
        if early.any():
            self.n_ignored += int(early.sum())
            idx, col = idx[~early], col[~early]
        if idx.size and int(idx.min()) < self.next_edge:
            raise ValueError(
                f"spike at sample {int(idx.min())} falls in a bin already emitted "
                f"(bins before sample {self.next_edge} are closed)"
            )
        n_done = max(0, (int(complete_until) - self.next_edge) // self.width)
        if idx.size:
            b = (idx - self.next_edge) // self.width
            need = int(b.max()) + 1
            if need > self._pending.shape[0]:
                grown = np.zeros((max(need, n_done), self.n_units), np.int32)
                grown[: self._pending.shape[0]] = self._pending
                self._pending = grown
            np.add.at(self._pending, (b, col), 1)
        if n_done > self._pending.shape[0]:
            grown = np.zeros((n_done, self.n_units), np.int32)
            grown[: self._pending.shape[0]] = self._pending
            self._pending = grown
        counts = self._pending[:n_done].copy()
        self._pending = self._pending[n_done:]
        edges = self.next_edge + self.width * np.arange(n_done + 1, dtype=np.int64)
        self.next_edge += n_done * self.width
        return counts, edges
