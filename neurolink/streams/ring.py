"""A preallocated multichannel ring buffer (no reallocation per chunk)."""

from __future__ import annotations

import numpy as np

__all__ = ["RingBuffer"]


class RingBuffer:
    """Fixed-capacity ring of samples with their timestamps and running sample indices.

    Writing never allocates; reading copies into a caller-provided array or a new one.

    Parameters
    ----------
    capacity : int
        Number of samples held (the oldest are overwritten).
    n_channels : int
        Number of channels.
    dtype : numpy dtype
        Sample dtype (default float32).
    """

    def __init__(self, capacity: int, n_channels: int, dtype: np.dtype | type = np.float32):
        if capacity <= 0 or n_channels <= 0:
            raise ValueError(
                f"RingBuffer needs capacity > 0 and n_channels > 0, got {capacity}, {n_channels}"
            )
        self.capacity = int(capacity)
        self.n_channels = int(n_channels)
        self._data = np.zeros((self.capacity, self.n_channels), dtype=dtype)
        self._ts = np.zeros(self.capacity, dtype=np.float64)
        self._written = 0  # total samples ever written == running index of the next sample

    @property
    def total_written(self) -> int:
        """Samples written since creation (the running index one past the newest sample)."""
        return self._written

    @property
    def n_available(self) -> int:
        """Samples currently held (≤ capacity)."""
        return min(self._written, self.capacity)

    @property
    def oldest_index(self) -> int:
        """Running index of the oldest sample still held."""
        return self._written - self.n_available

    def write(self, data: np.ndarray, timestamps: np.ndarray) -> None:
        """Append samples.

        Parameters
        ----------
        data : numpy.ndarray, shape (n, n_channels)
        timestamps : numpy.ndarray, shape (n,)
            Seconds on the host clock.
        """
        n = data.shape[0]
        if data.ndim != 2 or data.shape[1] != self.n_channels:
            raise ValueError(
                f"RingBuffer.write: expected shape (n, {self.n_channels}), got {data.shape}"
            )
        if timestamps.shape != (n,):
            raise ValueError(
                f"RingBuffer.write: {n} samples but timestamps of shape {timestamps.shape}"
            )
        if n == 0:
            return
        if n >= self.capacity:  # only the newest `capacity` samples survive
            data, timestamps = data[-self.capacity :], timestamps[-self.capacity :]
            self._written += n - self.capacity
            n = self.capacity
        start = self._written % self.capacity
        first = min(n, self.capacity - start)
        self._data[start : start + first] = data[:first]
        self._ts[start : start + first] = timestamps[:first]
        if first < n:
            self._data[: n - first] = data[first:]
            self._ts[: n - first] = timestamps[first:]
        self._written += n

    def read(
        self, start_index: int, stop_index: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Copy out samples ``[start_index, stop_index)`` by running index.

        Parameters
        ----------
        start_index : int
            Running index of the first sample wanted; must still be held.
        stop_index : int, optional
            One past the last sample wanted (default: newest).

        Returns
        -------
        data : numpy.ndarray, shape (n, n_channels)
        timestamps : numpy.ndarray of float64, shape (n,)
        """
        stop = self._written if stop_index is None else stop_index
        if start_index < self.oldest_index or stop > self._written or start_index > stop:
            raise IndexError(
                f"RingBuffer.read: [{start_index}, {stop}) not within held range "
                f"[{self.oldest_index}, {self._written})"
            )
        idx = np.arange(start_index, stop) % self.capacity
        return self._data[idx], self._ts[idx]

    def latest(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Copy out the newest ``n`` samples (fewer if fewer are held)."""
        n = min(n, self.n_available)
        return self.read(self._written - n)
