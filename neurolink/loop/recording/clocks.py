"""Which clock a recorded stream's time stamps are on, and what its ClockOffset chunks say.

XDF keeps every stream's time stamps on the clock that produced them and adds ClockOffset
chunks: ``(collection_time, offset)`` pairs, where ``collection_time`` is on the stream's clock
and ``stream time + offset`` is the recording host's clock at that moment. LabRecorder measures
the offset with LSL's ``time_correction`` every 5 s and writes ``collection_time = now − offset``;
pyxdf fits a line through the pairs (``synchronize_clocks=True``) and maps every stream onto the
recording host's clock. A stream with samples but no ClockOffset chunk gets no clock segment,
and pyxdf warns "Segments and clock-segments differ".

neurolink records three kinds of stream:

* :attr:`StreamClock.HOST`: time stamps already on the host clock
  (:func:`neurolink.clock.now`; everything the engine records: sources convert on arrival,
  DESIGN.md §2). The offset to the host clock is exactly 0 and the recorder writes it itself: a
  ClockOffset chunk of ``(now, 0.0)`` when the stream is declared, every ``offset_interval``
  seconds (5 s, LabRecorder's interval) and at close. pyxdf's fit through zeros is exactly 0, so
  synchronising leaves these time stamps unchanged.
* :attr:`StreamClock.PRODUCER`: time stamps as a remote producer stamped them (an LSL stream
  recorded as LabRecorder does). The caller measures ``inlet.time_correction()`` and passes each
  measurement to :meth:`~neurolink.loop.recording.SessionRecorder.clock_offset`, which writes it
  as LabRecorder does.
* :attr:`StreamClock.CORRECTED`: host-clock time stamps that a source made from a producer's
  (an LSL source: each sample's producer stamp plus the newest ``time_correction`` measured at
  or before it, :mod:`neurolink.streams.meta.clock`). The caller writes host stamps and passes
  every correction to :meth:`~neurolink.loop.recording.SessionRecorder.clock_offset` before
  the samples it governs; the file holds the producer's stamps (found exactly:
  :func:`~neurolink.streams.meta.clock.producer_times`) and the corrections as ClockOffset
  chunks, as LabRecorder records an LSL stream. pyxdf synchronises them like any LSL stream;
  :func:`~neurolink.loop.recording.read_session` gives the host stamps back bit for bit.

Every pair written is also in the stream's footer and in the sidecar's ``clock_offsets``.
"""

from __future__ import annotations

import enum

__all__ = ["OFFSET_INTERVAL", "StreamClock"]

#: Seconds between the zero ClockOffset chunks of host-clock streams (LabRecorder: 5 s).
OFFSET_INTERVAL = 5.0


class StreamClock(enum.StrEnum):
    """The clock of a recorded stream's time stamps."""

    HOST = "host"
    PRODUCER = "producer"
    CORRECTED = "corrected"
