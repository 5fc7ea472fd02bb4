"""Session recording: every stream of a session into an XDF file, a JSON sidecar, and a reader.

:class:`SessionRecorder` writes XDF 1.0 (readable by pyxdf and the LSL tools) with buffered,
periodic flushes of complete chunks, so a killed session leaves a readable file up to its last
flush, and ClockOffset chunks and footers as LabRecorder writes them (:mod:`.clocks`);
:func:`read_session` reads a recording back as numpy arrays by stream name. The layout functions
fix the channel layout of each kind of stream the engine records (DESIGN.md §6).
"""

from neurolink.loop.recording.clocks import StreamClock
from neurolink.loop.recording.layouts import (
    StreamKind,
    StreamLayout,
    acks_layout,
    commands_layout,
    decoded_layout,
    events_layout,
    events_to_rows,
    from_json,
    latencies_layout,
    markers_layout,
    raw_layout,
    rows_to_events,
    snn_spikes_layout,
    to_json,
)
from neurolink.loop.recording.reader import RecordedStream, Session, read_session
from neurolink.loop.recording.recorder import RecorderStats, SessionRecorder, StreamHandle

__all__ = [
    "RecordedStream",
    "RecorderStats",
    "Session",
    "SessionRecorder",
    "StreamClock",
    "StreamHandle",
    "StreamKind",
    "StreamLayout",
    "acks_layout",
    "commands_layout",
    "decoded_layout",
    "events_layout",
    "events_to_rows",
    "from_json",
    "latencies_layout",
    "markers_layout",
    "raw_layout",
    "read_session",
    "rows_to_events",
    "snn_spikes_layout",
    "to_json",
]
