"""The :class:`Block`: what a source yields and a DSP node consumes (DESIGN.md §2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Block"]


@dataclass(frozen=True, slots=True)
class Block:
    """A chunk of a regularly (or irregularly) sampled multichannel stream.

    Parameters
    ----------
    data : numpy.ndarray of float32, shape (n_samples, n_channels)
        Samples, time-major and C-contiguous (as LSL chunks are). Units are the stream's own
        (µV for EEG, µV or raw ADC units for extracellular data).
    timestamps : numpy.ndarray of float64, shape (n_samples,)
        Host-clock time of each sample (s), see :func:`neurolink.clock.now`.
    first_index : int
        Running sample index of ``data[0]`` since the stream started. Dropped samples show as a
        jump between consecutive blocks; ``gap`` gives its size.
    rate : float
        Nominal sampling rate (Hz); 0 for irregular streams.
    channels : tuple of str, length n_channels
        Channel labels.
    stream : str
        Name of the stream the block came from.
    gap : int
        Number of samples missing immediately before ``data[0]`` (0 when contiguous).
    n_invalid : int
        Number of NaN/Inf values in ``data``. Sources count and flag them; they never pass them
        on silently. Consumers decide (a detector skips them, the engine goes to a safe state).
    """

    data: np.ndarray
    timestamps: np.ndarray
    first_index: int
    rate: float
    channels: tuple[str, ...]
    stream: str
    gap: int = 0
    n_invalid: int = 0

    def __post_init__(self) -> None:
        d, t = self.data, self.timestamps
        if not isinstance(d, np.ndarray) or d.dtype != np.float32 or d.ndim != 2:
            raise TypeError(
                f"Block.data of stream {self.stream!r} must be a 2-D float32 array "
                f"(n_samples, n_channels), got {getattr(d, 'dtype', type(d))} "
                f"with shape {getattr(d, 'shape', None)}"
            )
        if not d.flags.c_contiguous:
            raise ValueError(f"Block.data of stream {self.stream!r} must be C-contiguous")
        if not isinstance(t, np.ndarray) or t.dtype != np.float64 or t.shape != (d.shape[0],):
            raise TypeError(
                f"Block.timestamps of stream {self.stream!r} must be float64 with shape "
                f"({d.shape[0]},), got {getattr(t, 'dtype', type(t))} {getattr(t, 'shape', None)}"
            )
        if len(self.channels) != d.shape[1]:
            raise ValueError(
                f"Block of stream {self.stream!r} has {d.shape[1]} data columns but "
                f"{len(self.channels)} channel labels"
            )
        if self.first_index < 0 or self.gap < 0 or self.n_invalid < 0:
            raise ValueError(
                f"Block of stream {self.stream!r}: first_index, gap and n_invalid must be >= 0"
            )

    @property
    def n_samples(self) -> int:
        """Number of samples in the block."""
        return int(self.data.shape[0])

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return int(self.data.shape[1])

    @property
    def stop_index(self) -> int:
        """Sample index one past the last sample (``first_index + n_samples``)."""
        return self.first_index + self.n_samples

    @property
    def has_invalid(self) -> bool:
        """True when the block holds NaN or Inf values."""
        return self.n_invalid > 0


def count_invalid(data: np.ndarray) -> int:
    """Count NaN and ±Inf values.

    Parameters
    ----------
    data : numpy.ndarray, any shape

    Returns
    -------
    int
    """
    return int(data.size - np.count_nonzero(np.isfinite(data)))
