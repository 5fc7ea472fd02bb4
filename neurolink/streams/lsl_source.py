"""Lab Streaming Layer inlets as neurolink sources: continuous streams → Blocks, markers → events.

:class:`LSLSource` reads a regular (or irregular numeric) stream into :class:`Block` objects;
:class:`LSLMarkerSource` reads an irregular stream (string markers) into ``MARKER_DTYPE`` rows.

Pulling without waiting for a full chunk
----------------------------------------
liblsl's chunk pull fills a fixed buffer: given ``timeout > 0`` it returns only when
``max_samples`` samples have arrived or the timeout expired. Measured on this project's dev host
(pylsl 1.18.6, liblsl 1.18.0b6, 8 ch at 1 kHz, 5 samples queued): ``pull_chunk(timeout=0.5,
max_samples=1024)`` returned the 5 samples after 501 ms; ``pull_chunk(timeout=0.0)`` returned
them after 0.2 ms. A closed loop cannot pay half a second per read. So :meth:`LSLSource.read`
first drains what is queued with ``timeout=0.0`` into its preallocated buffer; only when nothing
was queued does it block for *one* sample (``max_samples=1``, at most the caller's timeout), then
drains the rest with ``timeout=0.0`` (pylsl ≥ 1.18's ``min_samples=1`` does the same; this form
also works with older pylsl). A test checks that ``read(timeout=0.5)`` returns at once.

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
from neurolink.streams.lsl_inlet import OPEN_TIMEOUT, ClockCorrection, LSLInlet
from neurolink.streams.lsl_markers import LSLMarkerSource
from neurolink.streams.lsl_outlet import channel_descriptions
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
    ):
        super().__init__(
            name, type, source_id, resolve_timeout, clock_interval, max_buflen, hostname=hostname
        )
        if not stall_timeout > 0 or (max_samples is not None and max_samples < 2):
            raise ValueError(
                f"LSLSource {self.name!r}: stall_timeout must be > 0 s and max_samples >= 2, "
                f"got {stall_timeout!r}, {max_samples!r}"
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
        self._pending = (0, 0)  # rows [start, stop) of _buf not yet delivered
        self._next_index = 0  # running index of the next sample
        self._last_ts: float | None = None  # producer timestamp of the last delivered sample
        self._last_arrival = 0.0  # host time samples last arrived (or of open)

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
        self._pending, self._next_index, self._last_ts = (0, 0), 0, None
        self._ref = None

    def open(self) -> None:
        """Resolve, check, subscribe, measure the clock offset; starts the stall clock.

        With ``markers``, the marker stream is opened too (both or neither)."""
        if self.is_open:
            return
        super().open()
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

    def read(self, timeout: float = 0.0) -> Block | None:
        """Return the samples that arrived since the last call, or None if none arrived.

        Parameters
        ----------
        timeout : float
            Longest wait for the first sample (s); returns as soon as one is there, with
            everything else already queued. Never waits for a full chunk.

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
            n = self._pull(inlet, timeout)
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

    def _pull(self, inlet: pylsl.StreamInlet, timeout: float) -> int:
        """Pull queued samples into the buffer, waiting for the first one at most ``timeout``."""
        buf, ts, cap = self._buf, self._ts, self._buf.shape[0]
        _, got = inlet.pull_chunk(timeout=0.0, max_samples=cap, dest_obj=buf)
        if got:
            ts[: len(got)] = got
            return len(got)
        # Wait for one sample only, never beyond the stall deadline (see module docstring).
        wait = timeout
        if self.rate > 0:
            wait = min(timeout, self._last_arrival + self.stall_timeout - now())
        if wait <= 0:
            return 0
        _, got = inlet.pull_chunk(timeout=wait, max_samples=1, dest_obj=buf)
        if not got:
            return 0
        ts[0] = got[0]
        _, more = inlet.pull_chunk(timeout=0.0, max_samples=cap - 1, dest_obj=buf[1:])
        ts[1 : 1 + len(more)] = more
        return 1 + len(more)

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
        steps = np.diff(raw)
        brk = steps < 0
        if self.rate > 0:
            brk |= steps > 1.5 / self.rate
        end = stop if not brk.any() else start + 1 + int(np.argmax(brk))
        if self._scale is None:
            data = np.array(self._buf[start:end], dtype=np.float32)
        else:  # scale in float64, then round once to float32
            data = np.empty((end - start, self._buf.shape[1]), np.float32)
            np.multiply(self._buf[start:end], self._scale, out=data, casting="unsafe")
        timestamps = self._to_host(self._ts[start:end])
        n_invalid = count_invalid(data)
        block = Block(
            data=data,
            timestamps=timestamps,
            first_index=self._next_index + gap,
            rate=self.rate,
            channels=self.channels,
            stream=self.name,
            gap=gap,
            n_invalid=n_invalid,
        )
        self._pending = (end, stop)
        self._next_index = block.stop_index
        self._last_ts = float(self._ts[end - 1])
        self._ref = (block.stop_index - 1, float(timestamps[-1]))
        s = self.stats
        s.n_samples += block.n_samples
        s.n_blocks += 1
        s.n_gaps += gap > 0
        s.gap_samples += gap
        s.n_invalid += n_invalid
        s.last_data_age = now() - float(timestamps[-1])
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
