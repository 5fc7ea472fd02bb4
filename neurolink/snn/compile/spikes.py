"""Detected spikes → one input axon per channel, one chip step per ``dt_ms``.

An axon carries at most one spike per step (Loihi's input spikes are binary). When a channel
has several spikes in one step, none is dropped: the extra ones wait in a per-channel backlog
and go out one per step in the following steps (a delay of one step per extra spike). With the
1.5 ms refractory period of cortical units, a channel of one unit never needs the backlog at
1 ms steps; a multi-unit channel rarely does. The count per channel is conserved, so a decoder
whose model is counts per bin sees the right counts, a few steps late at most.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from neurolink.snn.errors import SpecError

__all__ = ["SpikeBacklog", "counts_to_raster", "events_to_counts"]


def _counts(x: ArrayLike, n: int, what: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim == 0 or arr.shape[-1] != n:
        raise SpecError(f"{what}: expected {n} channels in the last axis, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf" or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise SpecError(f"{what}: spike counts must be integers ≥ 0")
    return arr.astype(np.int64)


class SpikeBacklog:
    """Turns spike counts per step into binary axon spikes, carrying extra spikes forward.

    Parameters
    ----------
    n_channels : int
        Input axons (one per channel).

    Attributes
    ----------
    pending : numpy.ndarray of int64, shape (n_channels,)
        Spikes still to send (the backlog).
    """

    def __init__(self, n_channels: int) -> None:
        self.n_channels = int(n_channels)
        self.pending = np.zeros(self.n_channels, dtype=np.int64)
        self._out = np.zeros(self.n_channels, dtype=np.bool_)

    def reset(self) -> None:
        """Forget the backlog."""
        self.pending[:] = 0

    def step(self, counts: ArrayLike) -> np.ndarray:
        """Spikes to send this step.

        Parameters
        ----------
        counts : array_like of int, shape (n_channels,)
            Spikes detected on each channel during this step.

        Returns
        -------
        numpy.ndarray of bool, shape (n_channels,)
            One spike per channel with anything pending (a view reused by the next call).
        """
        self.pending += _counts(counts, self.n_channels, "spikes")
        np.greater(self.pending, 0, out=self._out)
        self.pending -= self._out
        return self._out

    def run(self, counts: ArrayLike) -> np.ndarray:
        """:meth:`step` on every row of ``counts`` (T, n_channels); returns bool (T, n_channels)."""
        c = _counts(counts, self.n_channels, "spikes")
        if c.ndim != 2:
            raise SpecError(f"spikes: expected shape (T, {self.n_channels}), got {c.shape}")
        if c.max(initial=0) <= 1 and not self.pending.any():
            return c.astype(np.bool_)
        out = np.zeros(c.shape, dtype=np.bool_)
        for t in range(c.shape[0]):
            out[t] = self.step(c[t])
        return out


def counts_to_raster(counts: ArrayLike) -> np.ndarray:
    """Counts per step (T, n) → binary raster (T, n) with the backlog rule (from empty)."""
    c = np.asarray(counts)
    return SpikeBacklog(c.shape[-1]).run(c)


def events_to_counts(
    sample_index: ArrayLike, channel: ArrayLike, n_channels: int, samples_per_step: int, T: int
) -> np.ndarray:
    """Detected spike events → counts per chip step and channel.

    Parameters
    ----------
    sample_index, channel : array_like of int, shape (n_events,)
        The ``sample_index`` and ``channel`` fields of SpikeEvents (DESIGN §2).
    n_channels : int
    samples_per_step : int
        Samples per chip step (``fs · dt_ms / 1000``).
    T : int
        Steps; events at or after ``T · samples_per_step`` are left out.

    Returns
    -------
    numpy.ndarray of int32, shape (T, n_channels)
    """
    step = np.asarray(sample_index, dtype=np.int64) // int(samples_per_step)
    ch = np.asarray(channel, dtype=np.int64)
    keep = (step >= 0) & (step < T) & (ch >= 0) & (ch < n_channels)
    flat = np.bincount(step[keep] * n_channels + ch[keep], minlength=T * n_channels)
    return flat.reshape(T, n_channels).astype(np.int32)
