"""Which recorded stream the report reads for what, and the task events it understands.

Streams are found by name first, then by :class:`~neurolink.loop.recording.StreamKind`; see
the package docstring (:mod:`neurolink.loop.report`) for the full convention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neurolink.loop.recording import RecordedStream, Session, StreamKind, from_json

__all__ = [
    "CURSOR",
    "DECODED",
    "DECODED_HOST",
    "INTENT",
    "TASK",
    "TASK_TRIAL_END",
    "TASK_TRIAL_START",
    "ReportStreams",
    "TaskEvent",
    "find_streams",
    "parse_task_events",
]

#: Name of the decoder-output stream (kind ``decoded``; e.g. channels ``vx, vy``).
DECODED = "decoded"
#: Name of the host decoder's output beside a decoder on the chip (kind ``decoded``).
DECODED_HOST = "decoded_host"
#: Name of the subject's intended output (kind ``decoded``, same channel labels as ``decoded``).
INTENT = "intent"
#: Name of the cursor / effector position the device reports (kind ``decoded``, ``x, y``).
CURSOR = "cursor"
#: Name of the task-event stream (one-channel string stream, one JSON object per sample).
TASK = "task"
#: ``event`` value of a task record that opens a trial (carries ``trial`` and ``target``).
TASK_TRIAL_START = "trial_start"
#: ``event`` value of a task record that closes a trial (carries the trial's outcome).
TASK_TRIAL_END = "trial_end"


@dataclass(frozen=True)
class TaskEvent:
    """One parsed record of the ``task`` stream.

    Attributes
    ----------
    timestamp : float
        Host-clock time stamp of the record (s).
    event : str
        The record's ``event`` value (``trial_start``, ``trial_end`` or any other).
    fields : dict
        The whole JSON object.
    """

    timestamp: float
    event: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class ReportStreams:
    """The streams of a session the report reads, each None when not recorded.

    Attributes
    ----------
    session : Session
        The recording.
    events, snn_spikes, decoded, intent, cursor, task, commands, acks, latencies
        The stream used for each purpose, or None.
    decoded_host : RecordedStream or None
        The host decoder in shadow of a decoder on the chip (``decoded`` is then the chip's).
    task_events : tuple of TaskEvent
        Parsed records of ``task`` (empty without one).
    n_unparsed_task : int
        Samples of ``task`` that were not a JSON object with an ``event`` key (ignored).
    t0 : float
        Earliest time stamp of any stream (s, host clock); figures plot time from here.
    """

    session: Session
    events: RecordedStream | None
    snn_spikes: RecordedStream | None
    decoded: RecordedStream | None
    intent: RecordedStream | None
    cursor: RecordedStream | None
    task: RecordedStream | None
    commands: RecordedStream | None
    acks: RecordedStream | None
    latencies: RecordedStream | None
    task_events: tuple[TaskEvent, ...]
    n_unparsed_task: int
    t0: float
    decoded_host: RecordedStream | None = None

    def trial_ends(self) -> list[TaskEvent]:
        """The ``trial_end`` records, in recorded order."""
        return [e for e in self.task_events if e.event == TASK_TRIAL_END]

    def trial_starts(self) -> list[TaskEvent]:
        """The ``trial_start`` records, in recorded order."""
        return [e for e in self.task_events if e.event == TASK_TRIAL_START]


def _by_kind(
    session: Session, name: str, kind: StreamKind, exclude: tuple[str, ...] = ()
) -> RecordedStream | None:
    """The stream called ``name`` if it has ``kind``, else the first other stream of ``kind``."""
    if name in session and session[name].kind is kind:
        return session[name]
    for s in session.by_kind(kind):
        if s.name not in exclude:
            return s
    return None


def _by_name(session: Session, name: str, kind: StreamKind) -> RecordedStream | None:
    """The stream called ``name`` when it has ``kind``, else None."""
    if name in session and session[name].kind is kind:
        return session[name]
    return None


def _is_text(stream: RecordedStream) -> bool:
    return stream.fmt == "string" and len(stream.channels) == 1


def parse_task_events(stream: RecordedStream) -> tuple[tuple[TaskEvent, ...], int]:
    """Parse a task stream: the JSON objects with an ``event`` key, and how many were not.

    Parameters
    ----------
    stream : RecordedStream
        A one-channel string stream.

    Returns
    -------
    events : tuple of TaskEvent
        In recorded order.
    n_unparsed : int
        Samples that were not JSON objects with a str ``event`` (plain markers; ignored).
    """
    parsed: list[TaskEvent] = []
    bad = 0
    for label, ts in zip(stream.labels(), stream.timestamps, strict=True):
        try:
            obj = from_json(label)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get("event"), str):
            parsed.append(TaskEvent(float(ts), obj["event"], obj))
        else:
            bad += 1
    return tuple(parsed), bad


def _t0(session: Session) -> float:
    firsts = [float(s.timestamps[0]) for s in session if len(s)]
    return min(firsts) if firsts else 0.0


def find_streams(session: Session) -> ReportStreams:
    """Pick the stream for each part of the report (see :mod:`neurolink.loop.report`).

    Parameters
    ----------
    session : Session
        A recording read by :func:`~neurolink.loop.recording.read_session`.

    Returns
    -------
    ReportStreams
    """
    task = session[TASK] if TASK in session and _is_text(session[TASK]) else None
    task_events, n_bad = parse_task_events(task) if task is not None else ((), 0)
    return ReportStreams(
        session=session,
        events=_by_kind(session, "events", StreamKind.EVENTS),
        snn_spikes=_by_kind(session, "snn_spikes", StreamKind.SNN_SPIKES),
        decoded=_by_kind(
            session, DECODED, StreamKind.DECODED, exclude=(INTENT, CURSOR, DECODED_HOST)
        ),
        decoded_host=_by_name(session, DECODED_HOST, StreamKind.DECODED),
        intent=_by_name(session, INTENT, StreamKind.DECODED),
        cursor=_by_name(session, CURSOR, StreamKind.DECODED),
        task=task,
        commands=_by_kind(session, "commands", StreamKind.COMMANDS),
        acks=_by_kind(session, "acks", StreamKind.ACKS),
        latencies=_by_kind(session, "latencies", StreamKind.LATENCIES),
        task_events=task_events,
        n_unparsed_task=n_bad,
        t0=_t0(session),
    )
