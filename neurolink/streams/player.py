"""Replay a :class:`~neurolink.streams.files.Recording` as a live LSL stream (a fake device).

Like MNE-LSL's ``PlayerLSL``: the samples go out on a float32 outlet, the annotations on a second,
string outlet (``"<name>-markers"``), from a background thread. Sample ``i`` (counted from the
start of playback, across loops) is stamped ``start_time + i / rate`` on the host clock
(:func:`neurolink.clock.now`), and each marker with the timestamp of its sample, so a receiver can
locate any window and any event in the file.

Two pacings:

* real time (default): the chunk ending at sample ``i`` is pushed once the host clock reaches its
  timestamp. The schedule is computed from ``start_time`` for every chunk, so delays do not
  accumulate: a late chunk is followed by the next ones as fast as needed to catch up.
* as fast as possible (``realtime=False``): LSL drops what is pushed before an inlet connects, so
  the player first waits until every outlet has a consumer (``wait_for_consumer`` bounds the wait)
  and only then pushes. A receiver must therefore open the data inlet and, when the recording has
  markers, the marker inlet (``open_stream``) to start playback.

Errors raised in the thread are not swallowed: the thread closes the outlets, stores the error and
:meth:`FilePlayer.join` / :meth:`FilePlayer.stop` raise it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Self

import numpy as np

from neurolink.clock import now
from neurolink.errors import SourceError
from neurolink.streams.files import Recording
from neurolink.streams.lsl_outlet import BlockOutlet, MarkerOutlet
from neurolink.streams.meta.channels import recording_stream_type
from neurolink.streams.meta.identity import file_source_id

__all__ = ["FilePlayer"]

_POLL = 0.05  # s: longest uninterrupted wait, so stop() is honoured promptly


class FilePlayer:
    """Publish a recording on LSL from a background thread.

    Parameters
    ----------
    recording : Recording
        What to play: ``data`` (n_samples, n_channels) float32 in ``recording.unit``.
    name : str
        LSL name of the data stream.
    source_id : str, optional
        LSL source id of the data stream; the marker stream gets ``source_id + "-markers"``.
        Default: stable for a file (:func:`~neurolink.streams.meta.identity.file_source_id` of
        ``recording.source``: its name and content hash), ``name`` plus a random suffix for a
        recording made in memory.
    realtime : bool
        Pace samples at the recording's rate (True) or push as fast as possible (False).
    loop : bool
        Start again at the first sample after the last one. Sample indices and timestamps keep
        increasing across loops; markers repeat in every loop.
    chunk_ms : float, optional
        Milliseconds of data per pushed chunk (default 20 ms); at least one sample.
    chunk_size : int, optional
        Samples per pushed chunk, instead of ``chunk_ms``.
    marker_name : str, optional
        LSL name of the marker stream (default ``f"{name}-markers"``). The marker stream exists
        only when the recording has markers and ``markers`` is True.
    start_time : float, optional
        Host-clock time (s) of sample 0 (default: when pushing begins, after the consumer wait).
        In real time, sample ``i`` is not pushed before ``start_time + i / rate``.
    duration : float, optional
        Stop after this many seconds of data (counted across loops); default: the whole file
        once, or forever with ``loop``.
    wait_for_consumer : float, optional
        Seconds to wait for a consumer on every outlet before the first push; if none comes, the
        thread fails with :class:`~neurolink.errors.SourceError`. Default: in fast mode, wait
        until consumers connect or :meth:`stop` is called; in real time, do not wait.
    stype : str, optional
        LSL content type of the data stream (``"EEG"``, ``"Extracellular"`` …); default by
        rate (:func:`~neurolink.streams.meta.channels.recording_stream_type`: Extracellular at
        10 kHz and above, else EEG). Channels get this type and the recording's unit.
    markers : bool
        Publish the recording's markers (True) or not.

    Attributes
    ----------
    done : threading.Event
        Set when the thread has finished (end of data, stop, or error).
    error : BaseException or None
        What the thread raised, if anything.
    start_time : float or None
        Host-clock time of sample 0, known once pushing begins.
    total : int or None
        Samples the player will push (None: until stopped).
    """

    def __init__(
        self,
        recording: Recording,
        name: str,
        source_id: str | None = None,
        *,
        realtime: bool = True,
        loop: bool = False,
        chunk_ms: float | None = None,
        chunk_size: int | None = None,
        marker_name: str | None = None,
        start_time: float | None = None,
        duration: float | None = None,
        wait_for_consumer: float | None = None,
        stype: str | None = None,
        markers: bool = True,
    ) -> None:
        if chunk_ms is not None and chunk_size is not None:
            raise ValueError("give chunk_ms or chunk_size, not both")
        if chunk_size is None:
            ms = 20.0 if chunk_ms is None else float(chunk_ms)
            if not ms > 0:
                raise ValueError(f"chunk_ms must be > 0, got {chunk_ms}")
            chunk_size = max(1, round(recording.rate * ms / 1000.0))
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1 sample, got {chunk_size}")
        if duration is not None and not duration > 0:
            raise ValueError(f"duration must be > 0 s, got {duration}")
        if wait_for_consumer is not None and wait_for_consumer < 0:
            raise ValueError(f"wait_for_consumer must be >= 0 s, got {wait_for_consumer}")
        self.recording = recording
        self.name = name
        if source_id is None:
            src = recording.source
            source_id = file_source_id(src) if src.is_file() else f"{name}-{uuid.uuid4().hex[:12]}"
        self.source_id = source_id
        self.marker_name = marker_name or f"{name}-markers"
        self.realtime = realtime
        self.loop = loop
        self.chunk_size = int(chunk_size)
        self.stype = stype or recording_stream_type(recording.rate)
        self.wait_for_consumer = wait_for_consumer
        self.publishes_markers = markers and len(recording.markers) > 0
        n = recording.n_samples
        self.total: int | None = None if loop else n
        if duration is not None:
            wanted = max(1, round(duration * recording.rate))
            self.total = wanted if loop else min(wanted, n)
        self.start_time = start_time
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._outlet: BlockOutlet | None = None
        self._marker_outlet: MarkerOutlet | None = None
        self._raised = False
        self._n_pushed = 0
        self._n_markers = 0
        order = np.argsort(recording.markers["sample_index"], kind="stable")
        self._marker_index = np.clip(recording.markers["sample_index"][order], 0, n - 1)
        self._marker_labels = [str(x) for x in recording.markers["label"][order]]

    # ---------------------------------------------------------------------------------- state

    @property
    def n_pushed(self) -> int:
        """Samples pushed so far (across loops)."""
        return self._n_pushed

    @property
    def n_markers_pushed(self) -> int:
        """Markers pushed so far (across loops)."""
        return self._n_markers

    @property
    def running(self) -> bool:
        """True between :meth:`start` and the end of the thread."""
        return self._thread is not None and not self.done.is_set()

    # ------------------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Create the outlets (in the caller's thread, so their errors raise here) and play."""
        if self._thread is not None:
            raise RuntimeError(f"player {self.name!r} was already started")
        rec = self.recording
        self._outlet = BlockOutlet(
            self.name,
            self.stype,
            rec.channels,
            rec.rate,
            self.source_id,
            chunk_size=self.chunk_size,
            unit="" if rec.unit in ("", "mixed") else rec.unit,  # "": not known per channel
        )
        if self.publishes_markers:
            try:
                self._marker_outlet = MarkerOutlet(self.marker_name, self.source_id + "-markers")
            except BaseException:
                self._close_outlets()
                raise
        self._thread = threading.Thread(
            target=self._run, name=f"FilePlayer-{self.name}", daemon=True
        )
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the thread ends; outlets stay open (consumers may still be draining).

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait; None waits without limit.

        Returns
        -------
        bool
            True if the thread has ended.

        Raises
        ------
        BaseException
            The error the thread raised (once).
        """
        if self._thread is not None:
            self._thread.join(timeout)
        finished = self._thread is None or not self._thread.is_alive()
        if finished:
            self._raise_error()
        return finished

    def stop(self, linger: float = 0.0) -> None:
        """Stop playing, end the thread, close the outlets, and raise the thread's error if any.

        Parameters
        ----------
        linger : float
            Before closing, wait up to this many seconds for consumers to disconnect, so that
            they can drain what was pushed (closing an outlet drops data still in transit).
        """
        self._halt(linger)
        self._raise_error()

    def __enter__(self) -> Self:
        return self.start() if self._thread is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.stop()
            return
        self._halt(0.0)
        if self.error is not None and self.error is not exc and not self._raised:
            exc.add_note(f"FilePlayer {self.name!r} thread also failed: {self.error!r}")

    # ------------------------------------------------------------------------------- internals

    def _halt(self, linger: float) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if linger > 0 and self.error is None:
            deadline = now() + linger
            while self._has_consumer(any) and now() < deadline:
                time.sleep(_POLL)
        self._close_outlets()

    def _raise_error(self) -> None:
        if self.error is not None and not self._raised:
            self._raised = True
            raise self.error

    def _close_outlets(self) -> None:
        for outlet in (self._outlet, self._marker_outlet):
            if outlet is not None:
                outlet.close()

    def _outlets(self) -> list[BlockOutlet | MarkerOutlet]:
        return [o for o in (self._outlet, self._marker_outlet) if o is not None]

    def _has_consumer(self, combine: Callable[[Iterable[bool]], bool]) -> bool:
        return combine(o.have_consumers() for o in self._outlets())

    def _await_consumers(self) -> None:
        """Wait for a consumer on every outlet (fast mode, or when a wait was asked for)."""
        limit = self.wait_for_consumer
        if limit is None and self.realtime:
            return
        deadline = None if limit is None else now() + limit
        while not self._has_consumer(all):
            if self._stop.is_set():
                return
            if deadline is not None and now() >= deadline:
                names = [o.info.name() for o in self._outlets() if not o.have_consumers()]
                raise SourceError(
                    f"player {self.name!r}: no consumer connected to {names} within {limit} s"
                )
            waiting = [o for o in self._outlets() if not o.have_consumers()]
            if waiting:
                waiting[0].wait_for_consumers(_POLL)

    def _run(self) -> None:
        try:
            self._await_consumers()
            if not self._stop.is_set():
                self._play()
        except BaseException as exc:  # stored and re-raised by join()/stop(), never swallowed
            self.error = exc
            self._close_outlets()
        finally:
            self.done.set()

    def _play(self) -> None:
        rec, outlet = self.recording, self._outlet
        assert outlet is not None
        n, rate = rec.n_samples, rec.rate
        if self.start_time is None:
            self.start_time = now()
        t0 = self.start_time
        index = 0  # running sample index since the start of playback
        while (self.total is None or index < self.total) and not self._stop.is_set():
            pos = index % n
            k = min(self.chunk_size, n - pos)
            if self.total is not None:
                k = min(k, self.total - index)
            stamps = t0 + np.arange(index, index + k, dtype=np.float64) / rate
            if self.realtime and not self._sleep_until(stamps[-1]):
                break
            outlet.push(rec.data[pos : pos + k], stamps)
            self._n_pushed = index + k
            if self._marker_outlet is not None:
                lo, hi = np.searchsorted(self._marker_index, [pos, pos + k])
                for m in range(lo, hi):
                    self._marker_outlet.push(
                        self._marker_labels[m], stamps[self._marker_index[m] - pos]
                    )
                    self._n_markers += 1
            index += k

    def _sleep_until(self, t: float) -> bool:
        """Sleep until host time ``t``; False when stopped meanwhile."""
        while True:
            delay = t - now()
            if delay <= 0:
                return not self._stop.is_set()
            if self._stop.wait(min(delay, _POLL)):
                return False
