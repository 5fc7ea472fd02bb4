"""The :class:`Tick`: where in the stream the block a node is stepping on lies."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Tick"]


@dataclass(slots=True)
class Tick:
    """Position and time of the block being processed; one instance, updated in place.

    Attributes
    ----------
    first_index : int
        Running sample index of the block's first sample.
    stop_index : int
        One past the block's last sample index.
    t_last : float
        Host-clock time stamp of the block's newest sample (s): the ``t_sample`` of every
        command this block causes.
    rate : float
        Sampling rate of the stream (Hz).
    stream : str
        Name of the stream (the ``origin`` of commands).
    """

    first_index: int = 0
    stop_index: int = 0
    t_last: float = 0.0
    rate: float = 0.0
    stream: str = ""

    @property
    def n_samples(self) -> int:
        """Samples in the block."""
        return self.stop_index - self.first_index

    @property
    def last_index(self) -> int:
        """Running index of the newest sample."""
        return self.stop_index - 1

    def time_of(self, index: float) -> float:
        """Host-clock time (s) of sample ``index``, from the newest sample and the rate."""
        return self.t_last - (self.stop_index - 1 - index) / self.rate

    def set(self, first_index: int, stop_index: int, t_last: float) -> None:
        """Move to the next block (no allocation)."""
        self.first_index = first_index
        self.stop_index = stop_index
        self.t_last = t_last
