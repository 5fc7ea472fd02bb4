"""Lab Streaming Layer inlets as neurolink sources: continuous streams → Blocks, markers → events.

:class:`LSLSource` reads a regular (or irregular numeric) stream into :class:`Block` objects;
:class:`LSLMarkerSource` reads an irregular stream (string markers) into ``MARKER_DTYPE`` rows.

Pulling: what is queued, the rest of a chunk, never a full buffer
------------------------------------------------------------------
liblsl's chunk pull fills a fixed buffer: given ``timeout > 0`` it returns only when
``max_samples`` samples have arrived or the timeout expired. Measured on this project's dev host
(pylsl 1.18.6, liblsl 1.18.0b6, 8 ch at 1 kHz, 5 samples queued): ``pull_chunk(timeout=0.5,
max_samples=1024)`` returned the 5 samples after 501 ms; ``pull_chunk(timeout=0.0)`` returned
them after 0.2 ms. A closed loop cannot pay half a second per read. So :meth:`LSLSource.read`
first takes what is queued with ``timeout=0.0``; only when nothing was queued does it block for
*one* sample (``max_samples=1``, at most the caller's timeout). A test checks that
``read(timeout=0.5)`` returns at once.

A producer pushes chunks (30 rows per ms at 30 kHz, say) that liblsl hands over row by row, so a
reader woken by a chunk's first row would take part of it and pay a second block for the rest.
Once the producer's chunk size is known (given as ``chunk_size``, or learned from the first
bursts: :class:`~neurolink.streams.meta.chunking.ChunkPacer`), a read with ``timeout > 0`` waits
inside liblsl for exactly the rows the current chunk lacks, at most one chunk period plus a
small margin: a stalled or irregular stream still hands over what it has after that, and a
producer whose chunks are not what was learned is learned again. The pulls go straight into
preallocated arrays (:class:`~neurolink.streams.lsl_inlet.RowPuller`).

Sample indices, gaps, clock
---------------------------
LSL carries no sample index, so :class:`LSLSource` derives one: the first sample after
:meth:`~LSLSource.open` has index 0, and for a regular stream a step between consecutive
timestamps of more than 1.5/rate is a gap of ``round(dt · rate) − 1`` missing samples: the index
jumps by that much and the block that starts after it carries ``gap``. A block never spans a gap:
a chunk holding one is split and the rest is served by the next :meth:`~LSLSource.read` without
pulling. Gap and order checks use the producer's own timestamps (before clock correction), so a
re-measured clock offset can neither fake a gap nor a step backwards. Timestamps are moved onto the
host clock by adding ``inlet.time_correction()``, measured at open and every ``clock_interval``
seconds; every measurement is kept in :attr:`clock_history`. Each sample gets the newest
measurement taken at or before its own producer time stamp (:mod:`neurolink.streams.meta.clock`),
so a recording that keeps the producer's stamps and the measurements (the raw stream of the
engine's XDF, as LabRecorder records LSL) gives the host stamps back exactly.

Units
-----
Channel units and types are read from ``desc/channels`` at open, in either convention
(:mod:`neurolink.streams.meta.units`: unit names such as ``microvolts``/``uV``/``mV``/``V``, or
MNE-LSL's power of ten beside the channel type). Voltage channels are delivered in µV whatever
the stream sends; other channels as sent. An unknown unit is refused at open
(:class:`~neurolink.streams.meta.units.UnitError`). A stream that declares no unit at all is
taken as it comes, with a :class:`UnitWarning`, unless ``assume_unit`` says what it carries.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pylsl

from neurolink.clock import now
from neurolink.errors import StreamMismatchError, StreamStalledError, TimestampError
from neurolink.streams.block import Block, count_invalid
from neurolink.streams.discovery import (
    CHANNEL_FORMATS,
    NUMPY_DTYPES,
)
from neurolink.streams.events import empty_markers
from neurolink.streams.lsl_inlet import OPEN_TIMEOUT, ClockCorrection, LSLInlet, RowPuller
from neurolink.streams.lsl_markers import LSLMarkerSource
from neurolink.streams.lsl_outlet import channel_descriptions
from neurolink.streams.meta.chunking import ChunkPacer, steady_rows
from neurolink.streams.meta.units import channel_units

__all__ = ["OPEN_TIMEOUT", "ClockCorrection", "LSLMarkerSource", "LSLSource", "UnitWarning"]


class UnitWarning(UserWarning):
    """An LSL stream declares no channel units; its values are taken as they come."""


class LSLSource(LSLInlet):
    """A numeric LSL stream as a :class:`~neurolink.streams.source.Source` of Blocks.

    Parameters
    ----------
    name, type, source_id : str, optional
        Stream identity to resolve (any combination, at least one). Opening fails when more
        than one outlet matches (:class:`~neurolink.streams.discovery.AmbiguousStreamError`).
    hostname : str, optional
        Host the stream must come from (pins one of several outlets sharing a source id).
    expected_channels : int, optional
        Channel count the configuration expects; a different count raises at open.
    expected_rate : float, optional
        Nominal rate (Hz) the configuration expects; a difference over 1e-6 Hz raises at open.
    resolve_timeout : float
        Longest wait for a matching stream to answer (s); connecting takes up to
        ``OPEN_TIMEOUT`` more.
    stall_timeout : float
        A stream that delivers no sample for this long (s) raises
        :class:`~neurolink.errors.StreamStalledError` from :meth:`read`.
    clock_interval : float
        Seconds between clock-offset measurements.
    max_samples : int, optional
        Capacity of the preallocated pull buffer, i.e. the most samples one :meth:`read`
        returns (default: 1 s of data, at least 1024).
    max_buflen : int
        Seconds of data liblsl queues for this inlet before dropping the oldest (seen as a gap).
    assume_unit : str, optional
        Unit of every channel when the stream declares none (``"uV"``, ``"V"`` …); without it
        such a stream is read as it comes, with a :class:`UnitWarning`.
    markers : str, optional
        Name of a marker stream to read alongside (MNE-LSL's player publishes
        ``"<name>-annotations"``); opened and closed with this source, its events returned by
        :meth:`read_markers`, each paired with the sample index of this stream at its time.
    chunk_size : int, optional
        The producer's chunk size (rows) when known; None (default) learns it from the first
        bursts; 0 never waits for the rest of a chunk.

    Attributes
    ----------
    name : str
        Stream name (the resolved one once open).
    rate : float
        Nominal rate (Hz), 0 for irregular streams; known once open.
    channels : tuple of str
        Channel labels from ``desc/channels`` (``ch0``… when absent); known once open.
    units : tuple of str
        Unit of each delivered channel (``"microvolts"`` for every voltage channel; ``""`` when
        the stream declared none); known once open.
    types : tuple of str
        Channel types as the stream declares them (``""`` when absent); known once open.
    stats : SourceStats
        Running counters (samples, blocks, gaps, invalid values, data age).
    clock_history : list of ClockCorrection
        Every clock-offset measurement, oldest first.
    chunk_size : int
        The producer's chunk size (rows) the reads wait for; 0 while unknown (or not waited for).
    """

    def __init__(
        self,
        name: str | None = None,
        type: str | None = None,
        source_id: str | None = None,
        *,
        expected_channels: int | None = None,
        expected_rate: float | None = None,
        resolve_timeout: float = 5.0,
        stall_timeout: float = 2.0,
        clock_interval: float = 5.0,
        max_samples: int | None = None,
        max_buflen: int = 30,
        assume_unit: str | None = None,
        markers: str | None = None,
        hostname: str | None = None,
        chunk_size: int | None = None,
    ):
        super().__init__(
            name, type, source_id, resolve_timeout, clock_interval, max_buflen, hostname=hostname
        )
        if (
            not stall_timeout > 0
            or (max_samples is not None and max_samples < 2)
            or (chunk_size is not None and chunk_size < 0)
        ):
            raise ValueError(
                f"LSLSource {self.name!r}: stall_timeout must be > 0 s, max_samples >= 2 and "
                f"chunk_size >= 0, got {stall_timeout!r}, {max_samples!r}, {chunk_size!r}"
            )
        self.expected_channels = expected_channels
        self.expected_rate = expected_rate
        self.stall_timeout = float(stall_timeout)
        self.max_samples = max_samples
        self.assume_unit = assume_unit
        self.marker_name = markers
        self._markers: LSLMarkerSource | None = None
        self._ref: tuple[int, float] | None = None  # (index, host time) of the newest sample
        self._scale: np.ndarray | None = None  # float64 (n_channels,): factor to the Block's unit
        self._buf = np.empty((0, 0), np.float32)  # (capacity, n_channels), liblsl's dtype
        self._ts = np.empty(0, np.float64)  # producer timestamps of _buf rows (s)
        self._steps = np.empty(0, np.float64)  # scratch: steps between _ts rows (s)
        self._limit = math.inf  # longest step between stamps that is not a gap (s)
        self._pending = (0, 0)  # rows [start, stop) of _buf not yet delivered
        self._next_index = 0  # running index of the next sample
        self._last_ts: float | None = None  # producer timestamp of the last delivered sample
        self._last_arrival = 0.0  # host time samples last arrived (or of open)
        self._chunk_size = chunk_size
        self._pacer = ChunkPacer(0.0)  # the producer's chunking, set up at open
        self._puller: RowPuller | None = None  # pulls into _buf/_ts, made at open
        self._finite = True  # the stream's values are integers: every sample is finite

    def _configure(self, info: pylsl.StreamInfo) -> None:
        n_ch, fmt = int(info.channel_count()), info.channel_format()
        if fmt not in NUMPY_DTYPES:
            raise StreamMismatchError(
                f"LSL stream {self.name!r} carries {CHANNEL_FORMATS.get(fmt, 'undefined')} "
                "values, not numbers; read it with LSLMarkerSource"
            )
        if self.expected_channels is not None and n_ch != self.expected_channels:
            raise StreamMismatchError(
                f"LSL stream {self.name!r} has {n_ch} channels, expected {self.expected_channels}"
            )
        if self.expected_rate is not None and abs(self.rate - self.expected_rate) > 1e-6:
            raise StreamMismatchError(
                f"LSL stream {self.name!r} has a nominal rate of {self.rate:g} Hz, "
                f"expected {self.expected_rate:g} Hz"
            )
        labels, units, types = channel_descriptions(info)
        conv = channel_units(self.name, labels, units, types, self.assume_unit)
        if not conv.declared:
            warnings.warn(
                f"LSL stream {self.name!r} declares no channel units; its values are taken as "
                "they come (pass assume_unit, e.g. 'uV' or 'V', to say what they are)",
                UnitWarning,
                stacklevel=4,
            )
        self.channels, self.units, self.types = labels, conv.units, conv.types
        self._scale = conv.scale
        cap = self.max_samples or max(1024, math.ceil(self.rate))
        self._buf = np.zeros((cap, n_ch), dtype=NUMPY_DTYPES[fmt])
        self._ts = np.zeros(cap, dtype=np.float64)
        self._steps = np.zeros(cap, dtype=np.float64)  # steps between _ts rows (s)
        self._pending, self._next_index, self._last_ts = (0, 0), 0, None
        self._ref = None
        self._pacer = ChunkPacer(self.rate, self._chunk_size)
        self._limit = 1.5 / self.rate if self.rate > 0 else math.inf  # longest step, no gap (s)
        self._finite = np.issubdtype(self._buf.dtype, np.integer)

    @property
    def chunk_size(self) -> int:
        """The producer's chunk size (rows) reads wait for; 0 while unknown or not waited for."""
        return self._pacer.size

    def open(self) -> None:
        """Resolve, check, subscribe, measure the clock offset; starts the stall clock.

        With ``markers``, the marker stream is opened too (both or neither)."""
        if self.is_open:
            return
        super().open()
        self._puller = RowPuller(self._require_inlet(), self._buf, self._ts)
        self._last_arrival = now()
        if self.marker_name is not None:
            try:
                self._markers = LSLMarkerSource(  # from the host of the stream it marks
                    name=self.marker_name,
                    resolve_timeout=self.resolve_timeout,
                    hostname=self.hostname or None,
                )
                self._markers.open()
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        """Close the marker stream (if any) and the inlet (idempotent)."""
        markers, self._markers = self._markers, None
        if markers is not None:
            markers.close()
        super().close()
        self._puller = None

    def read(self, timeout: float = 0.0) -> Block | None:
        """Return the samples that arrived since the last call, or None if none arrived.

        Parameters
        ----------
        timeout : float
            Longest wait for the first sample (s); returns as soon as one is there, with
            everything else already queued and, when the producer's chunk size is known and
            ``timeout > 0``, the rest of the chunk it began (waited for at most one chunk period
            plus a small margin). Never waits for a full buffer.

        Returns
        -------
        Block or None
            ``data`` float32 of shape (n_samples, n_channels), host-clock ``timestamps`` (s),
            ``first_index``; ``gap`` > 0 when samples were lost before it; ``n_invalid`` counts
            NaN/Inf values. The block owns its arrays.

        Raises
        ------
        StreamStalledError
            No sample arrived for ``stall_timeout`` seconds (regular streams only: an irregular
            stream may be silent for any time).
        TimestampError
            A timestamp is earlier than the one before it (the samples before it are delivered
            first; every later read raises again).
        """
        inlet = self._require_inlet()
        if self._pending[0] == self._pending[1]:
            n = self._pull(timeout)
            t = now()
            if n == 0:
                if self.rate > 0 and t - self._last_arrival >= self.stall_timeout:
                    raise StreamStalledError(
                        f"LSL stream {self.name!r} delivered no sample for "
                        f"{t - self._last_arrival:.2f} s (stall_timeout {self.stall_timeout:g} s)"
                    )
                return None
            self._last_arrival = t
            self._maybe_correct_clock(inlet, t)
            self._pending = (0, n)
        return self._next_block()

    def _pull(self, timeout: float) -> int:
        """Pull into the buffer: what is queued, else the first sample (waiting at most
        ``timeout``, never past the stall deadline); then, with ``timeout > 0``, the rest of the
        chunk it began (see the module docstring)."""
        puller, pacer = self._puller, self._pacer
        assert puller is not None  # made at open
        n = puller.pull(0, puller.capacity, 0.0)
        waited = False
        if n == 0:
            wait, t0 = timeout, now()
            if self.rate > 0:
                wait = min(timeout, self._last_arrival + self.stall_timeout - t0)
            if wait <= 0 or not (n := puller.pull(0, 1, wait)):
                return 0
            waited = True
            pacer.waited(now() - t0)
        if timeout > 0 and pacer.size:
            if need := pacer.missing(n):
                t0 = now()
                got = puller.pull(n, need, pacer.bound)
                n += got
                pacer.rest(got >= need or n == puller.capacity, now() - t0)
        elif waited and timeout > 0 and pacer.learning:  # collect the whole burst
            n += puller.pull(n, puller.capacity, pacer.window)
            pacer.burst(n, cut=n == puller.capacity)
        elif waited:  # the rest of what arrived with the first sample
            n += puller.pull(n, puller.capacity, 0.0)
        pacer.advance(n)
        return n

    def _next_block(self) -> Block:
        """Deliver pending rows up to the next gap or backwards step."""
        start, stop = self._pending
        raw = self._ts[start:stop]
        gap = 0
        if self._last_ts is not None:
            dt = raw[0] - self._last_ts
            if dt < 0:
                raise TimestampError(
                    f"LSL stream {self.name!r}: timestamp went backwards from "
                    f"{self._last_ts:.6f} s to {raw[0]:.6f} s (producer clock)"
                )
            if self.rate > 0 and dt > 1.5 / self.rate:
                gap = round(dt * self.rate) - 1
                self._pacer.skip(gap)
        end = start + steady_rows(raw, self._limit, self._steps)
        if self._scale is None:
            data = np.array(self._buf[start:end], dtype=np.float32)
        else:  # scale in float64, then round once to float32
            data = np.empty((end - start, self._buf.shape[1]), np.float32)
            np.multiply(self._buf[start:end], self._scale, out=data, casting="unsafe")
        timestamps = self._to_host(self._ts[start:end])
        n_invalid = 0 if self._finite else count_invalid(data)
        first = self._next_index + gap
        block = Block(
            data=data,
            timestamps=timestamps,
            first_index=first,
            rate=self.rate,
            channels=self.channels,
            stream=self.name,
            gap=gap,
            n_invalid=n_invalid,
        )
        n = end - start
        self._pending = (end, stop)
        self._next_index = first + n
        self._last_ts = float(raw[n - 1])
        t_last = float(timestamps[-1])
        self._ref = (first + n - 1, t_last)
        s = self.stats
        s.n_samples += n
        s.n_blocks += 1
        if gap:
            s.n_gaps += 1
            s.gap_samples += gap
        s.n_invalid += n_invalid
        s.last_data_age = now() - t_last
        return block

    def samples_available(self) -> int:
        """Samples received but not yet returned by :meth:`read` (how far the reader lags)."""
        return int(self._require_inlet().samples_available()) + self._pending[1] - self._pending[0]

    def read_markers(self) -> np.ndarray:
        """Events of the paired marker stream that arrived since the last call.

        Returns
        -------
        numpy.ndarray of MARKER_DTYPE, shape (n_markers,)
            Host-clock ``timestamp``, ``label``, and ``sample_index``: this stream's sample at
            that time (``newest index + round((t − t_newest) · rate)``), -1 before the first
            sample or on an irregular stream. Empty without ``markers``.
        """
        if self._markers is None:
            return empty_markers()
        events = self._markers.read_markers()
        if len(events) and self._ref is not None and self.rate > 0:
            index, t_ref = self._ref
            shift = np.round((events["timestamp"] - t_ref) * self.rate).astype(np.int64)
            events["sample_index"] = np.maximum(index + shift, 0)
        self.stats.n_markers += len(events)
        return events
