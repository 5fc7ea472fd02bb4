"""Irregular LSL streams (string markers) as ``MARKER_DTYPE`` events."""

from __future__ import annotations

import numpy as np
import pylsl

from neurolink.clock import now
from neurolink.errors import StreamMismatchError
from neurolink.streams.block import Block
from neurolink.streams.events import empty_markers, make_markers
from neurolink.streams.lsl_inlet import LSLInlet
from neurolink.streams.lsl_outlet import channel_labels

__all__ = ["LSLMarkerSource"]


class LSLMarkerSource(LSLInlet):
    """An irregular LSL stream (string or numeric markers) as ``MARKER_DTYPE`` events.

    The label of a marker is its first channel's value as text, except on a numeric stream of
    several channels, which is read as one-hot (MNE-LSL's ``-annotations`` streams: one channel
    per description, non-zero where it occurs): there the label is the label of the first
    non-zero channel. Longer labels are cut to 64 characters. Markers are delivered in arrival
    order, as stamped by the producer; the pairing ``sample_index`` is -1 (the loop pairs
    markers with a continuous stream).

    Parameters
    ----------
    name, type, source_id : str, optional
        Stream identity to resolve (any combination, at least one); more than one matching
        outlet is an error.
    hostname : str, optional
        Host the stream must come from.
    resolve_timeout : float
        Longest wait for a matching stream to answer (s); connecting takes up to
        ``OPEN_TIMEOUT`` more.
    clock_interval : float
        Seconds between clock-offset measurements.
    max_markers : int
        Most markers returned by one :meth:`read_markers`.
    max_buflen : int
        Markers liblsl queues, in hundreds, before dropping the oldest.
    """

    def __init__(
        self,
        name: str | None = None,
        type: str | None = None,
        source_id: str | None = None,
        *,
        resolve_timeout: float = 5.0,
        clock_interval: float = 5.0,
        max_markers: int = 1024,
        max_buflen: int = 360,
        hostname: str | None = None,
    ):
        super().__init__(
            name, type, source_id, resolve_timeout, clock_interval, max_buflen, hostname=hostname
        )
        if max_markers < 2:
            raise ValueError(f"LSLMarkerSource: max_markers must be >= 2, got {max_markers!r}")
        self.max_markers = int(max_markers)
        self._one_hot = False

    def _configure(self, info: pylsl.StreamInfo) -> None:
        if self.rate != 0:
            raise StreamMismatchError(
                f"LSL stream {self.name!r} is regular ({self.rate:g} Hz), expected an irregular "
                "marker stream (0 Hz); read it with LSLSource"
            )
        self.channels = channel_labels(info)
        self._one_hot = info.channel_format() != pylsl.cf_string and len(self.channels) > 1

    def read(self, timeout: float = 0.0) -> Block | None:
        """A marker stream has no continuous data: always None, without waiting."""
        self._require_inlet()
        return None

    def read_markers(self, timeout: float = 0.0) -> np.ndarray:
        """Return the markers that arrived since the last call.

        Parameters
        ----------
        timeout : float
            Longest wait for the first marker (s); never waits for more than one.

        Returns
        -------
        numpy.ndarray of MARKER_DTYPE, shape (n_markers,)
            Host-clock ``timestamp`` (s), ``label``, ``sample_index`` = -1.
        """
        inlet = self._require_inlet()
        values, stamps = inlet.pull_chunk(timeout=0.0, max_samples=self.max_markers)
        if not stamps and timeout > 0:
            first, t0 = inlet.pull_sample(timeout=timeout)
            if t0 is None:
                return empty_markers()
            values, stamps = inlet.pull_chunk(timeout=0.0, max_samples=self.max_markers - 1)
            values, stamps = [first, *values], [t0, *stamps]
        if not stamps:
            return empty_markers()
        self._maybe_correct_clock(inlet, now())
        host = np.asarray(stamps, dtype=np.float64) + self.clock_history[-1].offset
        self.stats.n_markers += len(stamps)
        return make_markers(host, [self._label(v) for v in values])

    def _label(self, values: list) -> str:
        """The label of one sample: its first value, or the first non-zero channel (one-hot)."""
        if self._one_hot:
            for label, v in zip(self.channels, values, strict=False):
                if v != 0:
                    return label
        return str(values[0])
