"""Shared LSL inlet lifecycle: resolve, open, clock correction, close."""

from __future__ import annotations

import ctypes
from bisect import bisect_right
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import numpy as np
import pylsl
from pylsl.lib import lib as pylsl_lib
from pylsl.util import handle_error

from neurolink.clock import now
from neurolink.errors import SourceError
from neurolink.streams.discovery import (
    AmbiguousStreamError,
    describe_query,
    query_predicate,
    start_resolve,
)
from neurolink.streams.meta.clock import host_times
from neurolink.streams.source import SourceStats

__all__ = ["OPEN_TIMEOUT", "ClockCorrection", "LSLInlet", "RowPuller"]

#: Longest wait (s) for a resolved stream's inlet to connect and take its first clock measurement
#: (liblsl probes the clock 8 times 64 ms apart: the first ``time_correction`` takes ~0.6 s).
OPEN_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class ClockCorrection:
    """One ``inlet.time_correction()`` measurement.

    Attributes
    ----------
    host_time : float
        Host-clock time of the measurement (s).
    offset : float
        Add it to a producer timestamp to get host-clock time (s).
    """

    host_time: float
    offset: float

    @property
    def collection_time(self) -> float:
        """Producer-clock time of the measurement, ``host_time − offset`` (s): the collection
        time of the ClockOffset chunk LabRecorder would write for it."""
        return self.host_time - self.offset


class RowPuller:
    """liblsl's numeric chunk pull straight into preallocated arrays, no allocation per call.

    ``pylsl``'s ``pull_chunk(dest_obj=...)`` makes a ctypes view of the destination and a fresh
    timestamp array of ``max_samples`` on every call; this calls the same liblsl function
    (``lsl_pull_chunk_<type>``, the one ``pylsl`` picked for the stream's format) with pointers
    into ``data`` and ``stamps``, fixed once.

    Parameters
    ----------
    inlet : pylsl.StreamInlet
        A numeric inlet.
    data : numpy.ndarray, shape (capacity, n_channels)
        C-contiguous, in the stream's value type; kept alive by this object.
    stamps : numpy.ndarray of float64, shape (capacity,)
        Producer time stamps of the rows (s).
    """

    def __init__(self, inlet: pylsl.StreamInlet, data: np.ndarray, stamps: np.ndarray) -> None:
        if not (data.flags.c_contiguous and stamps.flags.c_contiguous):
            raise ValueError("RowPuller: data and stamps must be C-contiguous")
        if data.shape[0] != stamps.shape[0] or stamps.dtype != np.float64:
            raise ValueError("RowPuller: stamps must be float64 with one entry per data row")
        self.data, self.stamps = data, stamps
        self.capacity, self._n_ch = data.shape[0], data.shape[1]
        self._inlet = inlet
        # pylsl internals (stable since 1.13); a pylsl without them gets its public pull_chunk
        self._fn = getattr(inlet, "do_pull_chunk", None)
        self._obj = getattr(inlet, "obj", None)
        self._avail = getattr(pylsl_lib, "lsl_samples_available", None)
        if self._fn is None or self._obj is None or self._avail is None:
            self._fn = None
        self._row, self._data, self._ts = data.strides[0], data.ctypes.data, stamps.ctypes.data
        self._err = ctypes.c_int()
        self._errp = ctypes.byref(self._err)

    def pull(self, start: int, n: int, timeout: float) -> int:
        """Pull up to ``n`` rows into rows ``start…`` (waiting for all ``n`` at most ``timeout``
        s; 0 takes what is queued); returns how many came."""
        n = min(n, self.capacity - start)
        if n <= 0:
            return 0
        if self._fn is None:
            return self._pull_public(start, n, timeout)
        got = self._fn(
            self._obj,
            ctypes.c_void_p(self._data + start * self._row),
            ctypes.c_void_p(self._ts + 8 * start),
            ctypes.c_size_t(n * self._n_ch),
            ctypes.c_size_t(n),
            ctypes.c_double(timeout),
            self._errp,
        )
        if self._err.value:
            handle_error(self._err.value)
        return int(got) // self._n_ch

    def _pull_public(self, start: int, n: int, timeout: float) -> int:
        """The same pull through pylsl's public ``pull_chunk`` (allocates per call)."""
        _, stamps = self._inlet.pull_chunk(
            timeout=timeout, max_samples=n, dest_obj=self.data[start : start + n]
        )
        got = len(stamps)
        self.stamps[start : start + got] = stamps
        return got

    def available(self) -> int:
        """Rows queued in liblsl for immediate pickup."""
        if self._fn is None:
            return int(self._inlet.samples_available())
        return int(self._avail(self._obj))


class LSLInlet:
    """Resolve, open, clock correction and close, shared by both LSL sources."""

    def __init__(
        self,
        name: str | None,
        type: str | None,
        source_id: str | None,
        resolve_timeout: float,
        clock_interval: float,
        max_buflen: int,
        *,
        hostname: str | None = None,
    ):
        query_predicate(name, type, source_id, hostname)  # refuses an empty query before any I/O
        if not resolve_timeout > 0 or not clock_interval > 0 or max_buflen < 1:
            raise ValueError(
                f"LSL source {describe_query(name, type, source_id)}: resolve_timeout and "
                f"clock_interval must be > 0 s and max_buflen >= 1, got {resolve_timeout!r}, "
                f"{clock_interval!r}, {max_buflen!r}"
            )
        self.query = {"name": name, "type": type, "source_id": source_id, "hostname": hostname}
        self.hostname = hostname or ""  # the resolved stream's host once open
        self.resolve_timeout = float(resolve_timeout)
        self.clock_interval = float(clock_interval)
        self.max_buflen = int(max_buflen)
        self.name = name or ""
        self.rate = 0.0
        self.channels: tuple[str, ...] = ()
        self.units: tuple[str, ...] = ()  # per channel, after conversion ("" when undeclared)
        self.types: tuple[str, ...] = ()  # per channel, as declared ("" when absent)
        self.stats = SourceStats()
        self.clock_history: list[ClockCorrection] = []
        self._clock_arrays = (np.empty(0), np.empty(0))  # collection times, offsets (s)
        self._clock_edges: list[float] = []  # running maximum of the collection times (s)
        self._inlet: pylsl.StreamInlet | None = None

    @property
    def is_open(self) -> bool:
        """True between a successful :meth:`open` and :meth:`close`."""
        return self._inlet is not None

    def open(self) -> None:
        """Resolve the stream, check it, subscribe and take the first clock measurement.

        Raises
        ------
        StreamNotFoundError
            No matching stream answered within ``resolve_timeout``.
        StreamMismatchError
            The stream differs from what was expected (channels, rate, format).
        """
        if self._inlet is not None:
            return
        # the first answer is connected to while resolving listens on for a second outlet
        # matching (an ambiguous query is refused before anything is read)
        pending = start_resolve(**self.query, timeout=self.resolve_timeout)
        info = pending.info
        inlet = pylsl.StreamInlet(info, max_buflen=self.max_buflen, recover=True)
        try:
            full = inlet.info(timeout=OPEN_TIMEOUT)
            self.hostname = info.hostname()
            self.name = full.name()
            self.rate = float(full.nominal_srate())
            self._configure(full)
            inlet.open_stream(timeout=OPEN_TIMEOUT)
            offset = inlet.time_correction(timeout=OPEN_TIMEOUT)
            pending.result()
        except BaseException as exc:
            inlet.close_stream()
            if not isinstance(exc, AmbiguousStreamError):
                pending.result()  # two outlets matching is what to say, whatever the first did
            if isinstance(exc, TimeoutError):
                raise SourceError(
                    f"LSL stream {info.name()!r} answered but did not open (connect, clock "
                    f"probe) within {OPEN_TIMEOUT:g} s"
                ) from exc
            raise
        self._add_correction(float(offset))
        self._inlet = inlet

    def _configure(self, info: pylsl.StreamInfo) -> None:
        """Check the full stream description and allocate what reading needs."""
        raise NotImplementedError

    def _require_inlet(self) -> pylsl.StreamInlet:
        if self._inlet is None:
            what = repr(self.name) if self.name else f"with {describe_query(**self.query)}"
            raise SourceError(f"LSL stream {what} is not open; call open() first")
        return self._inlet

    def _maybe_correct_clock(self, inlet: pylsl.StreamInlet, t: float) -> None:
        """Re-measure the clock offset when the last measurement is ``clock_interval`` old."""
        if t - self.clock_history[-1].host_time >= self.clock_interval:
            self._add_correction(float(inlet.time_correction(timeout=OPEN_TIMEOUT)))

    def _add_correction(self, offset: float) -> None:
        """Keep a measurement taken just now (in :attr:`clock_history` and for :meth:`_to_host`)."""
        self.clock_history.append(ClockCorrection(now(), offset))
        c, o = self._clock_arrays
        collection = self.clock_history[-1].collection_time
        self._clock_arrays = (np.append(c, collection), np.append(o, offset))
        edges = self._clock_edges
        edges.append(max(edges[-1], collection) if edges else collection)

    def _to_host(self, producer: np.ndarray) -> np.ndarray:
        """Producer time stamps on the host clock (:func:`~neurolink.streams.meta.clock.host_times`:
        each sample with the newest correction measured at or before its own stamp).

        ``producer`` must be non-decreasing (a block: the sources split at a step back). Where
        one correction covers it all (its first and last stamps fall under the same one, the
        usual case), that correction is added to the whole block; ``host_times`` gives the
        same numbers, with more work."""
        if not producer.size:
            return host_times(producer, *self._clock_arrays)
        edges, offsets = self._clock_edges, self._clock_arrays[1]
        first = float(producer[0])
        if first >= edges[-1]:  # every sample after the newest measurement
            return producer + offsets[-1]
        k = bisect_right(edges, first)
        if k == bisect_right(edges, float(producer[-1])):
            return producer + offsets[max(k - 1, 0)]
        return host_times(producer, *self._clock_arrays)

    def close(self) -> None:
        """Unsubscribe and destroy the inlet (idempotent)."""
        inlet, self._inlet = self._inlet, None
        if inlet is not None:
            inlet.close_stream()

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
