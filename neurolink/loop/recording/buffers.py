"""State of the recorder: per stream a handle, sample buffer, totals, header and footer; stats.

Samples wait in a buffer, already encoded, until a flush.

A numeric stream keeps a preallocated packed record array (:func:`~.xdf.record_dtype`); a write
copies the block into it (two strided copies, no allocation unless the buffer must grow) and a
flush hands the filled prefix to the file as one Samples chunk without re-encoding. A string
stream keeps one encoded ``bytes`` per sample.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurolink.clock import now
from neurolink.loop.recording.clocks import StreamClock
from neurolink.loop.recording.layouts import StreamLayout
from neurolink.loop.recording.xdf import (
    record_dtype,
    samples_chunk_prefix,
    stream_footer_chunk,
    stream_header_chunk,
    string_sample,
)
from neurolink.streams.meta.clock import producer_times

__all__ = [
    "NumericBuffer",
    "RecorderStats",
    "StreamHandle",
    "StreamState",
    "StreamTotals",
    "StringBuffer",
]

#: Buffer capacity (samples) of an irregular numeric stream before it first grows.
_MIN_CAPACITY = 64


@dataclass
class StreamTotals:
    """What has been written to one stream so far (for the footer and the sidecar).

    Attributes
    ----------
    buffered : int
        Samples accepted by ``write`` (flushed or not).
    flushed : int
        Samples that reached the file in complete chunks.
    first_timestamp, last_timestamp : float or None
        Time stamps of the first and the latest sample accepted (s).
    clock_offsets : list of (float, float)
        ``(collection_time, offset)`` pairs recorded for the stream (s), as in its ClockOffset
        chunks: ``collection_time`` on the stream's clock.
    """

    buffered: int = 0
    flushed: int = 0
    first_timestamp: float | None = None
    last_timestamp: float | None = None
    clock_offsets: list[tuple[float, float]] = field(default_factory=list)

    def note(self, first: float, last: float, n: int) -> None:
        """Account for ``n`` accepted samples stamped ``first`` … ``last``."""
        if self.first_timestamp is None:
            self.first_timestamp = first
        self.last_timestamp = last
        self.buffered += n


def _timestamps(timestamps: Sequence[float] | np.ndarray, n: int, name: str) -> np.ndarray:
    ts = np.asarray(timestamps, dtype=np.float64)
    if ts.shape != (n,):
        raise ValueError(
            f"stream {name!r}: timestamps must have shape ({n},) to match the data, got {ts.shape}"
        )
    return ts


class NumericBuffer:
    """Pending samples of a numeric stream as packed XDF sample records.

    Parameters
    ----------
    stream_id : int
        File-local stream id.
    name : str
        Stream name (for error messages).
    fmt : str
        Numeric XDF ``channel_format``.
    n_channels : int
        Values per sample.
    capacity : int
        Initial capacity (samples); doubles when exceeded.
    """

    def __init__(self, stream_id: int, name: str, fmt: str, n_channels: int, capacity: int):
        self.stream_id = stream_id
        self.name = name
        self.n_channels = n_channels
        self.dtype = record_dtype(fmt, n_channels)
        self.value_dtype: np.dtype = self.dtype["values"].base
        self._int_target = self.value_dtype.kind == "i"
        self.itemsize = self.dtype.itemsize
        self.count = 0
        self._checked: np.dtype | None = None
        self._alloc(max(_MIN_CAPACITY, capacity))

    def _alloc(self, capacity: int) -> None:
        old = getattr(self, "_buf", None)
        self._buf = np.zeros(capacity, dtype=self.dtype)
        self._buf["flag"] = 8  # every sample carries its own 8-byte time stamp
        if old is not None and self.count:
            self._buf[: self.count] = old[: self.count]
        self._ts = self._buf["ts"]
        self._values = self._buf["values"]

    def _check_dtype(self, dtype: np.dtype) -> None:
        if self._checked is not None and dtype == self._checked:  # (dtype == None is float64)
            return
        if not np.can_cast(dtype, self.value_dtype, casting="same_kind"):
            raise TypeError(
                f"stream {self.name!r}: cannot record {dtype} data in a {self.value_dtype} stream"
            )
        self._checked = dtype

    def append(self, data: np.ndarray, timestamps: Sequence[float] | np.ndarray) -> np.ndarray:
        """Copy a block into the buffer.

        Parameters
        ----------
        data : array_like, shape (n_samples, n_channels)
            Values; cast to the stream's format (same kind only: float → float32 is allowed,
            float → int is not; integers must fit the stream's width).
        timestamps : array_like of float64, shape (n_samples,)
            Host-clock time stamps (s).

        Returns
        -------
        numpy.ndarray of float64, shape (n_samples,)
            The time stamps as stored.
        """
        arr = np.asarray(data)
        if arr.ndim != 2 or arr.shape[1] != self.n_channels:
            raise ValueError(
                f"stream {self.name!r}: data must have shape (n_samples, {self.n_channels}), "
                f"got {arr.shape}"
            )
        n = arr.shape[0]
        ts = _timestamps(timestamps, n, self.name)
        self._check_dtype(arr.dtype)
        if self._int_target and arr.dtype.itemsize >= self.value_dtype.itemsize and n:
            info = np.iinfo(self.value_dtype)
            if arr.min() < info.min or arr.max() > info.max:
                raise ValueError(
                    f"stream {self.name!r}: values outside the {self.value_dtype} range"
                )
        end = self.count + n
        if end > len(self._buf):
            self._alloc(max(end, 2 * len(self._buf)))
        self._ts[self.count : end] = ts
        self._values[self.count : end] = arr
        self.count = end
        return ts

    @property
    def pending_bytes(self) -> int:
        """Bytes of sample records waiting for a flush."""
        return self.count * self.itemsize

    def take(self) -> tuple[int, list[bytes | memoryview]]:
        """Hand over the pending samples as the parts of one Samples chunk and empty the buffer.

        The returned memoryview aliases the buffer: write it out before the next ``append``.

        Returns
        -------
        n_samples : int
        parts : list of bytes-like
            Chunk prefix, then the records; empty when nothing is pending.
        """
        n = self.count
        if n == 0:
            return 0, []
        self.count = 0
        body = memoryview(self._buf[:n].view(np.uint8))
        return n, [samples_chunk_prefix(self.stream_id, n, body.nbytes), body]


class StringBuffer:
    """Pending samples of a string stream, each already encoded.

    Parameters
    ----------
    stream_id : int
        File-local stream id.
    name : str
        Stream name (for error messages).
    n_channels : int
        Strings per sample.
    """

    def __init__(self, stream_id: int, name: str, n_channels: int):
        self.stream_id = stream_id
        self.name = name
        self.n_channels = n_channels
        self.count = 0
        self._samples: list[bytes] = []
        self._bytes = 0

    def append(
        self, rows: Sequence[Sequence[str]] | np.ndarray, timestamps: Sequence[float] | np.ndarray
    ) -> np.ndarray:
        """Encode and keep samples.

        Parameters
        ----------
        rows : sequence of sequences of str, shape (n_samples, n_channels)
            One string per channel per sample.
        timestamps : array_like of float64, shape (n_samples,)
            Host-clock time stamps (s).

        Returns
        -------
        numpy.ndarray of float64, shape (n_samples,)
        """
        rows = list(rows)
        ts = _timestamps(timestamps, len(rows), self.name)
        encoded = []
        for row in rows:
            if isinstance(row, str) or len(row) != self.n_channels:
                raise ValueError(
                    f"stream {self.name!r}: each sample must be a sequence of "
                    f"{self.n_channels} strings, got {row!r}"
                )
            if not all(isinstance(v, str) for v in row):
                raise TypeError(f"stream {self.name!r}: sample values must be str, got {row!r}")
            encoded.append(row)
        for t, row in zip(ts.tolist(), encoded, strict=True):
            sample = string_sample(t, row)
            self._samples.append(sample)
            self._bytes += len(sample)
        self.count += len(encoded)
        return ts

    @property
    def pending_bytes(self) -> int:
        """Bytes of encoded samples waiting for a flush."""
        return self._bytes

    def take(self) -> tuple[int, list[bytes | memoryview]]:
        """Hand over the pending samples as the parts of one Samples chunk and empty the buffer."""
        n = self.count
        if n == 0:
            return 0, []
        body = b"".join(self._samples)
        self._samples.clear()
        self._bytes = 0
        self.count = 0
        return n, [samples_chunk_prefix(self.stream_id, n, len(body)), body]


@dataclass(frozen=True, slots=True, eq=False)
class StreamHandle:
    """A stream of one recorder, returned by ``SessionRecorder.add_stream``.

    Attributes
    ----------
    stream_id : int
        XDF stream id within the file (1, 2, …).
    name : str
        Stream name (unique within the session).
    source_id : str
        LSL source id.
    layout : StreamLayout
        Kind, type, channel labels, rate and format.
    """

    stream_id: int
    name: str
    source_id: str
    layout: StreamLayout


class StreamState:
    """Everything the recorder keeps for one stream.

    Parameters
    ----------
    handle : StreamHandle
        The stream.
    flush_interval : float
        Recorder flush interval (s), to size a regular stream's buffer (two intervals of samples).
    clock : StreamClock
        The clock of the stream's time stamps (see :mod:`~neurolink.loop.recording.clocks`).
    """

    def __init__(
        self, handle: StreamHandle, flush_interval: float, clock: StreamClock = StreamClock.HOST
    ) -> None:
        self.handle = handle
        self.clock = StreamClock(clock)
        self.totals = StreamTotals()
        self._corrections = (np.empty(0), np.empty(0))  # collection times, offsets (s)
        layout = handle.layout
        n_ch = len(layout.channels)
        self.buffer: NumericBuffer | StringBuffer
        if layout.fmt == "string":
            self.buffer = StringBuffer(handle.stream_id, handle.name, n_ch)
        else:
            capacity = int(2 * layout.rate * flush_interval) + 1
            self.buffer = NumericBuffer(handle.stream_id, handle.name, layout.fmt, n_ch, capacity)

    def note_correction(self, collection: float, offset: float) -> None:
        """Keep a clock correction for :meth:`producer_times`."""
        c, o = self._corrections
        self._corrections = (np.append(c, collection), np.append(o, offset))

    def producer_times(self, host: np.ndarray | Sequence[float]) -> np.ndarray:
        """The producer's time stamps of a ``CORRECTED`` stream's host stamps (exact inverse).

        Raises
        ------
        ValueError
            No clock correction was given yet.
        """
        if not self._corrections[0].size:
            raise ValueError(
                f"stream {self.handle.name!r} is CORRECTED: give its first clock correction "
                "(clock_offset) before its first samples"
            )
        return producer_times(np.asarray(host, np.float64).reshape(-1), *self._corrections)

    def header_chunk(self, hostname: str) -> bytes:
        """The StreamHeader chunk, stamped now; the kind goes to ``desc/neurolink/kind``."""
        h, layout = self.handle, self.handle.layout
        return stream_header_chunk(
            h.stream_id,
            name=h.name,
            type=layout.type,
            channels=layout.channels,
            rate=layout.rate,
            fmt=layout.fmt,
            source_id=h.source_id,
            created_at=now(),
            uid=uuid.uuid4().hex,
            hostname=hostname,
            units=layout.units,
            types=layout.channel_types(),
            extra_desc={"neurolink": {"kind": layout.kind.value, "clock": self.clock.value}},
        )

    def footer_chunk(self) -> bytes:
        """The StreamFooter chunk: first/last time stamps, flushed sample count, clock offsets."""
        t = self.totals
        return stream_footer_chunk(
            self.handle.stream_id,
            first_timestamp=t.first_timestamp or 0.0,
            last_timestamp=t.last_timestamp or 0.0,
            sample_count=t.flushed,
            clock_offsets=t.clock_offsets,
        )

    def describe(self) -> dict[str, Any]:
        """The stream's entry in the sidecar's ``streams`` list."""
        h, layout = self.handle, self.handle.layout
        return {
            "name": h.name,
            "stream_id": h.stream_id,
            "source_id": h.source_id,
            "kind": layout.kind.value,
            "type": layout.type,
            "fmt": layout.fmt,
            "rate": layout.rate,
            "channels": list(layout.channels),
            "clock": self.clock.value,
            "sample_count": self.totals.flushed,
        }


@dataclass
class RecorderStats:
    """Counters of a recorder.

    Attributes
    ----------
    n_flushes : int
        Flushes that wrote at least one chunk.
    bytes_written : int
        Bytes in the file so far (magic included).
    flush_seconds : list of float
        Wall time of each of those flushes (s).
    """

    n_flushes: int = 0
    bytes_written: int = 0
    flush_seconds: list[float] = field(default_factory=list)
