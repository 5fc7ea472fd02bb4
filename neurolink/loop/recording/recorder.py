"""The session recorder: every stream of a session into one XDF file, plus a JSON sidecar.

Durability. Samples are buffered per stream and written out by :meth:`SessionRecorder.flush`,
which runs on demand and, synchronously inside a ``write*`` call, whenever ``flush_interval``
seconds have passed since the last flush (or ``max_buffer_bytes`` are pending). A flush appends
complete chunks only and then flushes Python's buffer to the OS (``file.flush()``, no ``fsync``):
a process killed with SIGKILL loses at most the samples written since the last flush, and the
file up to the last completed flush reads with pyxdf. A kill *during* a flush may leave one
partial chunk at the end: pyxdf alone skips a partial Samples chunk (the usual case), and
:func:`~neurolink.loop.recording.reader.read_session` cuts off any partial chunk before parsing.
Surviving a power cut needs ``fsync``, done once, at :meth:`SessionRecorder.close`. Boundary
chunks are appended every ``boundary_interval`` seconds so readers can resynchronise after
corruption in the middle of a file.

Clocks. As LabRecorder writes it: every stream has ClockOffset chunks and its footer lists them
(:mod:`~neurolink.loop.recording.clocks`). A host-clock stream (the default, and every stream
the engine records) gets offsets of 0 from the recorder itself, at declaration, every
``offset_interval`` seconds and at close; a producer-clock stream gets the caller's
``time_correction`` measurements through :meth:`SessionRecorder.clock_offset`. pyxdf then loads
the file without warnings, with or without clock synchronisation.

Threads. Every public method takes one lock, so several threads may write (the engine thread,
an acknowledgement reader). There is no background thread: a flush happens in the thread whose
write finds the interval elapsed and costs that call one ``write`` of the pending bytes into the
page cache (``benchmarks/recording_throughput.py``: ~0.2 ms per 1.2 MB, ~1 ms per 6 MB, tens of
ms when the kernel throttles writeback). A loop with a 1 ms deadline should use a short
``flush_interval`` (0.1 s at 96 ch × 30 kHz) so each flush stays small.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from neurolink.clock import now
from neurolink.loop.recording import sidecar as _sidecar
from neurolink.loop.recording.buffers import (
    RecorderStats,
    StreamHandle,
    StreamState,
    StreamTotals,
)
from neurolink.loop.recording.clocks import OFFSET_INTERVAL, StreamClock
from neurolink.loop.recording.layouts import StreamKind, StreamLayout, to_json
from neurolink.loop.recording.xdf import (
    BOUNDARY_CHUNK,
    MAGIC,
    clock_offset_chunk,
    file_header_chunk,
)

__all__ = ["RecorderStats", "SessionRecorder", "StreamHandle"]


class SessionRecorder:
    """Record a session's streams into an XDF file with a JSON sidecar.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.xdf`` file to create. The sidecar is ``path.with_suffix(".json")``.
    sidecar : mapping, optional
        Caller content for the sidecar (``config``, ``seeds``, …), JSON-serialisable; its keys
        may not be any of :data:`~neurolink.loop.recording.sidecar.RESERVED_KEYS`.
    flush_interval : float
        Seconds between automatic flushes (default 0.5 s).
    boundary_interval : float
        Seconds between Boundary chunks (default 10 s).
    max_buffer_bytes : int
        Flush as well when this many bytes are pending, whatever the interval (default 16 MiB).
    overwrite : bool
        Replace an existing file; by default an existing recording is never clobbered.
    clock : callable returning float
        Clock that schedules flushes, boundaries and zero clock offsets (s); the host clock
        unless a test injects one. Recorded times (``created_at``, start and stop, the
        collection times of clock offsets) always use the host clock.
    offset_interval : float
        Seconds between the zero ClockOffset chunks of host-clock streams (default 5 s).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        sidecar: Mapping[str, Any] | None = None,
        *,
        flush_interval: float = 0.5,
        boundary_interval: float = 10.0,
        max_buffer_bytes: int = 16 << 20,
        overwrite: bool = False,
        clock: Callable[[], float] = now,
        offset_interval: float = OFFSET_INTERVAL,
    ) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() == ".json":
            raise ValueError(f"{self.path}: the recording must not have the sidecar suffix .json")
        if (
            not flush_interval > 0
            or not boundary_interval > 0
            or max_buffer_bytes <= 0
            or not offset_interval > 0
        ):
            raise ValueError(
                "flush_interval, boundary_interval, max_buffer_bytes and offset_interval must be "
                f"> 0, got {flush_interval!r}, {boundary_interval!r}, {max_buffer_bytes!r}, "
                f"{offset_interval!r}"
            )
        self.sidecar_path = _sidecar.sidecar_path(self.path)
        self._flush_interval = float(flush_interval)
        self._boundary_interval = float(boundary_interval)
        self._max_buffer_bytes = int(max_buffer_bytes)
        self._offset_interval = float(offset_interval)
        self._clock = clock
        self._lock = threading.Lock()
        self._streams: dict[int, StreamState] = {}
        self._misc: list[bytes] = []
        self._pending_bytes = 0
        self._closed = False
        self.stats = RecorderStats()
        self._hostname = socket.gethostname()
        session_id = uuid.uuid4().hex
        self._sidecar = _sidecar.Sidecar(self.path, session_id, sidecar or {})
        start = self._sidecar.start
        self._file = open(self.path, "wb" if overwrite else "xb", buffering=1 << 20)
        header = file_header_chunk(
            {
                "datetime": start["iso"],
                "session_id": session_id,
                "sidecar": self.sidecar_path.name,
                "writer": "neurolink",
            }
        )
        self._emit([MAGIC, header])
        self._last_flush = self._last_boundary = self._last_offsets = clock()
        self._write_sidecar()

    # ---- streams -----------------------------------------------------------------------------

    def add_stream(
        self,
        name: str,
        type: str,
        channels: Sequence[str] | int,
        rate: float,
        fmt: str,
        source_id: str,
        *,
        kind: StreamKind = StreamKind.OTHER,
        units: Sequence[str] | None = None,
        clock: StreamClock = StreamClock.HOST,
    ) -> StreamHandle:
        """Declare a stream and write its header.

        Parameters
        ----------
        name : str
            Stream name, unique within the session.
        type : str
            LSL content type.
        channels : sequence of str or int
            Channel labels, or a count (labels ``ch0``, ``ch1``, …).
        rate : float
            Nominal rate (Hz); 0 for an irregular stream.
        fmt : str
            ``float32``, ``double64``, ``int8``, ``int16``, ``int32``, ``int64`` or ``string``.
        source_id : str
            LSL source id.
        kind : StreamKind
            What the stream holds (see :mod:`~neurolink.loop.recording.layouts`).
        units : sequence of str, optional
            Per-channel units.
        clock : StreamClock
            The clock of the time stamps that will be written (see :meth:`add_layout`).

        Returns
        -------
        StreamHandle
        """
        labels = (
            tuple(f"ch{i}" for i in range(channels))
            if isinstance(channels, int)
            else tuple(str(c) for c in channels)
        )
        try:
            layout = StreamLayout(
                StreamKind(kind),
                str(type),
                labels,
                float(rate),
                fmt,
                None if units is None else tuple(units),
            )
        except ValueError as exc:
            raise ValueError(f"stream {name!r}: {exc}") from None
        return self.add_layout(name, layout, source_id, clock=clock)

    def add_layout(
        self,
        name: str,
        layout: StreamLayout,
        source_id: str,
        *,
        clock: StreamClock = StreamClock.HOST,
    ) -> StreamHandle:
        """Declare a stream from a layout (:func:`~.layouts.raw_layout`, …); see add_stream.

        Parameters
        ----------
        name, source_id : str
            Stream name (unique in the session) and LSL source id.
        layout : StreamLayout
            Kind, type, channels, rate, format, units and channel types.
        clock : StreamClock
            ``HOST`` (default): time stamps on the host clock; the recorder writes its zero
            clock offsets. ``PRODUCER``: time stamps as a remote producer stamped them; give
            every ``time_correction`` measurement to :meth:`clock_offset`. ``CORRECTED``: host
            stamps a source made from the producer's with those measurements (give each to
            :meth:`clock_offset` before the samples it governs); the producer's are stored.
        """
        with self._lock:
            self._check_open()
            if any(s.handle.name == name for s in self._streams.values()):
                raise ValueError(f"stream name {name!r} is already recorded in this session")
            handle = StreamHandle(len(self._streams) + 1, name, source_id, layout)
            state = StreamState(handle, self._flush_interval, StreamClock(clock))
            header = state.header_chunk(self._hostname)  # raises on text XML cannot hold
            self._streams[handle.stream_id] = state
            if state.clock is StreamClock.HOST:
                self._add_offset(state, now(), 0.0)
            self._flush_locked(extra=[header])
            self._write_sidecar()
        return handle

    # ---- writing ------------------------------------------------------------------------------

    def write(
        self,
        handle: StreamHandle,
        data: np.ndarray | Sequence[Sequence[str]],
        timestamps: np.ndarray | Sequence[float],
    ) -> None:
        """Buffer a block of samples (and flush if the interval has elapsed).

        Parameters
        ----------
        handle : StreamHandle
            The stream.
        data : array_like, shape (n_samples, n_channels)
            Numeric values (cast to the stream's format, same kind only), or for a string stream
            one sequence of ``n_channels`` str per sample. Copied; the caller may reuse it.
        timestamps : array_like of float64, shape (n_samples,)
            Host-clock time stamp of each sample (s), stored exactly (a ``CORRECTED`` stream
            stores the producer's stamps, which give them back exactly).
        """
        with self._lock:
            state = self._stream(handle)
            buffer, totals = state.buffer, state.totals
            before = buffer.pending_bytes
            if state.clock is StreamClock.CORRECTED:
                timestamps = state.producer_times(timestamps)
            ts = buffer.append(data, timestamps)  # type: ignore[arg-type]
            if len(ts):
                totals.note(float(ts[0]), float(ts[-1]), len(ts))
                self._pending_bytes += buffer.pending_bytes - before
            self._maybe_flush()

    def write_markers(
        self, handle: StreamHandle, labels: Sequence[str], timestamps: np.ndarray | Sequence[float]
    ) -> None:
        """Buffer labels on a one-channel string stream.

        Parameters
        ----------
        handle : StreamHandle
            A string stream with one channel.
        labels : sequence of str, length n
            One label per sample.
        timestamps : array_like of float64, shape (n,)
            Host-clock time stamps (s).
        """
        if isinstance(labels, str):
            raise TypeError("labels must be a sequence of str, not one str")
        self.write(handle, [(label,) for label in labels], timestamps)

    def write_json(
        self, handle: StreamHandle, records: Sequence[Any], timestamps: np.ndarray | Sequence[float]
    ) -> None:
        """Buffer records (commands, acks) as canonical JSON on a one-channel string stream.

        Parameters
        ----------
        handle : StreamHandle
            A string stream with one channel (:func:`~.layouts.commands_layout`).
        records : sequence, length n
            Dicts, dataclasses (commands) or other values :func:`~.layouts.to_json` accepts.
        timestamps : array_like of float64, shape (n,)
            Host-clock time stamps (s), e.g. ``t_wire`` of each command.
        """
        self.write(handle, [(to_json(r),) for r in records], timestamps)

    def clock_offset(self, handle: StreamHandle, host_time: float, offset: float) -> None:
        """Record a clock measurement of a producer-clock stream (written at the next flush).

        Written as LabRecorder writes it: a ClockOffset chunk ``(host_time − offset, offset)``
        (collection time on the stream's clock), listed again in the footer and the sidecar.
        A ``CORRECTED`` stream needs every measurement in the order taken, each before the
        samples it governs (the first before any sample).

        Parameters
        ----------
        handle : StreamHandle
            A stream declared with ``clock=StreamClock.PRODUCER`` or ``CORRECTED``.
        host_time : float
            Host-clock time of the measurement (s), e.g. ``now()`` right after it.
        offset : float
            Seconds to add to the stream's time stamps to get host-clock time (LSL's
            ``inlet.time_correction()``; pyxdf applies it when it synchronises clocks).

        Raises
        ------
        ValueError
            The stream is on the host clock: its offset is 0 and the recorder writes it.
        """
        with self._lock:
            state = self._stream(handle)
            if state.clock is StreamClock.HOST:
                raise ValueError(
                    f"stream {handle.name!r} is on the host clock: its clock offsets are 0 and "
                    "the recorder writes them (declare it with clock=StreamClock.PRODUCER or "
                    "CORRECTED to record producer time stamps with measured offsets)"
                )
            self._add_offset(state, float(host_time), float(offset))
            self._maybe_flush()

    def _add_offset(self, state: StreamState, host_time: float, offset: float) -> None:
        """Queue one ClockOffset chunk and note the pair for the footer and the sidecar."""
        collection = host_time - offset  # as ClockCorrection.collection_time computes it
        state.totals.clock_offsets.append((collection, offset))
        state.note_correction(collection, offset)
        self._misc.append(clock_offset_chunk(state.handle.stream_id, collection, offset))

    def _host_offsets(self) -> None:
        """A zero offset now for every host-clock stream (distinct times: pyxdf fits a line)."""
        t = now()
        for state in self._streams.values():
            offsets = state.totals.clock_offsets
            if state.clock is StreamClock.HOST and (not offsets or offsets[-1][0] < t):
                self._add_offset(state, t, 0.0)

    def flushed_samples(self, handle: StreamHandle) -> int:
        """Samples of ``handle`` already in the file as complete chunks."""
        with self._lock:
            return self._streams[handle.stream_id].totals.flushed

    # ---- flushing -----------------------------------------------------------------------------

    def flush(self) -> None:
        """Write every pending sample and clock offset now, as complete chunks."""
        with self._lock:
            self._check_open()
            self._flush_locked()

    def _maybe_flush(self) -> None:
        t = self._clock()
        if t - self._last_flush >= self._flush_interval or (
            self._pending_bytes >= self._max_buffer_bytes
        ):
            self._flush_locked()

    def _flush_locked(self, extra: Sequence[bytes] = ()) -> None:
        t0 = time.perf_counter()
        if self._clock() - self._last_offsets >= self._offset_interval:
            self._host_offsets()
            self._last_offsets = self._clock()
        # clock offsets before the samples they govern: a file cut inside this flush keeps them
        parts: list[bytes | memoryview] = [*extra, *self._misc]
        self._misc.clear()
        counts: list[tuple[StreamTotals, int]] = []
        for state in self._streams.values():
            n, chunk_parts = state.buffer.take()
            if n:
                parts.extend(chunk_parts)
                counts.append((state.totals, n))
        t = self._clock()
        if t - self._last_boundary >= self._boundary_interval and counts:
            parts.append(BOUNDARY_CHUNK)
            self._last_boundary = t
        self._last_flush = t
        self._pending_bytes = 0
        if not parts:
            return
        self._emit(parts)
        for totals, n in counts:
            totals.flushed += n
        self.stats.n_flushes += 1
        self.stats.flush_seconds.append(time.perf_counter() - t0)

    def _emit(self, parts: Sequence[bytes | memoryview]) -> None:
        for part in parts:
            self._file.write(part)
            self.stats.bytes_written += len(part) if isinstance(part, bytes) else part.nbytes
        self._file.flush()

    # ---- sidecar and closing ------------------------------------------------------------------

    def update_sidecar(self, items: Mapping[str, Any]) -> None:
        """Add or replace caller keys of the sidecar (``config``, ``seeds``…) and rewrite it."""
        with self._lock:
            self._sidecar.update(items)
            self._write_sidecar()

    def set_summary(self, summary: Mapping[str, Any]) -> None:
        """Set the sidecar's ``summary`` section (the engine's end-of-run summary); rewrite it."""
        with self._lock:
            self._sidecar.set_summary(summary)
            self._write_sidecar()

    def close(self) -> None:
        """Flush, write every stream's footer, fsync, close the file and finalise the sidecar.

        Idempotent: later calls do nothing.
        """
        with self._lock:
            if self._closed:
                return
            try:
                self._host_offsets()
                self._flush_locked()
                footers = [state.footer_chunk() for state in self._streams.values()]
                self._emit(footers)
                os.fsync(self._file.fileno())
            finally:
                self._closed = True
                self._file.close()
                self._write_sidecar(closed=True)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run."""
        return self._closed

    def __enter__(self) -> SessionRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- internals ----------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"{self.path}: the recorder is closed")

    def _stream(self, handle: StreamHandle) -> StreamState:
        self._check_open()
        state = self._streams.get(handle.stream_id)
        if state is None or state.handle is not handle:
            raise ValueError(f"stream {handle.name!r} does not belong to {self.path}")
        return state

    def _write_sidecar(self, *, closed: bool = False) -> None:
        offsets = {
            s.handle.name: [list(p) for p in s.totals.clock_offsets]
            for s in self._streams.values()
            if s.totals.clock_offsets
        }
        streams = [s.describe() for s in self._streams.values()]
        self._sidecar.write(streams, offsets, closed=closed)
