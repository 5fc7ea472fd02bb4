"""Audit log: every command with its outcome, and every safety event (DESIGN.md §5).

Records are kept in memory and, when a path is given, written to a JSON-lines file, one object
per line: ``<recording stem>.audit.jsonl`` beside a session's recording. :meth:`AuditLog.read`
reads a file back into records equal to those that were written.

Off the real-time path (issue 15). Recording costs the caller one slot store in a preallocated
ring (:mod:`.audit_ring`): :meth:`AuditLog.note_command`, the method the safety layer and the
drivers call per command, takes the command object itself (commands are frozen) and the facts
as they are, and returns the record's index; no dict, no JSON. A background writer turns the
pending entries into :class:`AuditRecord` objects and JSON lines every ``flush_interval_s``
(default 0.1 s), on :meth:`AuditLog.flush`, on :meth:`AuditLog.close`, at interpreter exit and
on SIGTERM (nothing is lost); a SIGKILL loses at most the last interval. In-memory logs (no
path) have no thread: pending entries are turned into records when read (:attr:`records`) or
when a quarter of the ring is used. :meth:`record_command` and :meth:`record_event` (events,
and commands off the hot path) check and normalise their details on the caller's thread and
return the record.

Command outcomes: ``ACCEPTED`` / ``REFUSED`` (with the reason) by the host safety layer,
``UNCHECKED`` when host safety was bypassed with :class:`~neurolink.hal.safety.NoHostSafety`,
``ACK`` / ``NACK`` (with the device status) added by the driver; ``REFUSED`` also for a command
that could not even be built (a NaN, infinite or negative field: :meth:`AuditLog.record_invalid`,
while a serial driver of the session is open). Safety events (e-stop trip and
re-arm, limit changes, workspace clipping, callback and heartbeat failures) have outcome
``EVENT`` and a name in ``event``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path
from typing import IO, Any

from neurolink.clock import now as host_now
from neurolink.hal.commands import Command, command_to_dict
from neurolink.hal.invalid_commands import add_invalid_listener, remove_invalid_listener
from neurolink.hal.safety.audit_ring import FLUSH_INTERVAL_S, AuditRing

_log = logging.getLogger(__name__)

__all__ = [
    "FLUSH_INTERVAL_S",
    "KEEP_IN_MEMORY",
    "AuditLog",
    "AuditRecord",
    "DetailOf",
    "Event",
    "Outcome",
]

KEEP_IN_MEMORY = 100_000
"""Records a file-backed log keeps in memory (the newest); the file has them all."""


class Outcome(StrEnum):
    """What happened to a command (or ``EVENT`` for a safety event)."""

    ACCEPTED = "ACCEPTED"
    REFUSED = "REFUSED"
    UNCHECKED = "UNCHECKED"
    ACK = "ACK"
    NACK = "NACK"
    EVENT = "EVENT"


class Event(StrEnum):
    """Names of safety events."""

    ESTOP_TRIP = "ESTOP_TRIP"
    ESTOP_REARM = "ESTOP_REARM"
    ESTOP_CALLBACK_ERROR = "ESTOP_CALLBACK_ERROR"
    LIMIT_RAISED = "LIMIT_RAISED"
    LIMIT_LOWERED = "LIMIT_LOWERED"
    HOST_SAFETY_BYPASSED = "HOST_SAFETY_BYPASSED"
    WORKSPACE_CLIP = "WORKSPACE_CLIP"
    HEARTBEAT_FAILED = "HEARTBEAT_FAILED"
    RAW_COMMAND_REFUSED = "RAW_COMMAND_REFUSED"  # an output frame sent around the safety layer
    RAW_WRITE = "RAW_WRITE"  # bytes written with Link.write_raw (fault injection): unchecked


def _jsonable(x: Any) -> Any:
    """Normalise to what JSON gives back (tuples → lists, enums → values)."""
    return json.loads(json.dumps(x, default=_default))


def _default(x: Any) -> Any:
    if isinstance(x, Enum):
        return x.value
    raise TypeError(f"audit detail value {x!r} of type {type(x).__name__} is not JSON-able")


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One line of the audit log.

    Attributes
    ----------
    index : int
        Running record number in the log (file), from 0.
    time : float
        Host-clock time (s) of the record.
    outcome : Outcome
        Command outcome, or ``EVENT``.
    event : str
        Event name (:class:`Event` value) for events; ``""`` for commands.
    command : dict or None
        The command as :func:`~neurolink.hal.commands.command_to_dict` gives it.
    reason : str
        Refusal message, event reason, or a note.
    status : str
        Device status of an ACK/NACK (driver-defined, e.g. ``"OUT_OF_LIMITS"``); else ``""``.
    ref : int or None
        Index of the record this one answers (an ACK refers to its ACCEPTED record).
    detail : dict
        Extra JSON-able facts (sequence number, limit old/new values, clipped velocities …).
    """

    index: int
    time: float
    outcome: Outcome
    event: str = ""
    command: dict[str, Any] | None = None
    reason: str = ""
    status: str = ""
    ref: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the record."""
        return {
            "index": self.index,
            "time": self.time,
            "outcome": self.outcome.value,
            "event": self.event,
            "command": self.command,
            "reason": self.reason,
            "status": self.status,
            "ref": self.ref,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AuditRecord:
        """Inverse of :meth:`to_dict`."""
        return cls(
            index=int(d["index"]),
            time=float(d["time"]),
            outcome=Outcome(d["outcome"]),
            event=d.get("event", ""),
            command=d.get("command"),
            reason=d.get("reason", ""),
            status=d.get("status", ""),
            ref=d.get("ref"),
            detail=dict(d.get("detail") or {}),
        )


DetailOf = Callable[[Any], Mapping[str, Any]]
"""``detail_of(arg)``: the detail of a record, computed by the writer (off the hot path)."""


class AuditLog:
    """Thread-safe audit log, in memory and optionally in a JSON-lines file.

    Parameters
    ----------
    path : str or Path or None
        File to append JSON lines to (created if missing, with its folder; indices continue
        after the records already in it). None keeps the log in memory only.
    clock : callable returning float
        Host clock (s) used when a record is made without an explicit ``time``.
    flush_interval_s : float
        Seconds between the background writer's drains (file-backed logs): the most a SIGKILL
        can lose.
    capacity : int
        Slots of the preallocated ring of pending records (a full ring is drained on the
        caller's thread: never dropped).
    keep : int or None
        Records kept in memory; default all for an in-memory log, the newest
        :data:`KEEP_IN_MEMORY` for a file-backed one.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        clock: Callable[[], float] = host_now,
        flush_interval_s: float = FLUSH_INTERVAL_S,
        capacity: int = 16384,
        keep: int | None = None,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._path = Path(path) if path is not None else None
        self._file: IO[str] | None = None
        self._base = 0
        self._listening = 0
        if keep is None and self._path is not None:
            keep = KEEP_IN_MEMORY
        self._records: deque[AuditRecord] = deque(maxlen=keep)
        if self._path is not None:
            if self._path.exists():
                self._base = _complete_records(self._path)
            else:
                self._path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self._path.open("a", encoding="utf-8")
        self._ring = AuditRing(
            self._write,
            capacity=capacity,
            background=self._path is not None,
            interval_s=flush_interval_s,
            name=str(self._path) if self._path is not None else "in memory",
        )

    @property
    def path(self) -> Path | None:
        """The JSON-lines file, if any."""
        return self._path

    @property
    def flush_interval_s(self) -> float:
        """Seconds between background drains."""
        return self._ring.interval_s

    # --- the hot path ------------------------------------------------------------------------
    def note_command(
        self,
        cmd: Command,
        outcome: Outcome,
        time: float,
        *,
        reason: str = "",
        status: str = "",
        ref: int | None = None,
        detail: Mapping[str, Any] | None = None,
        detail_of: DetailOf | None = None,
        detail_arg: Any = None,
    ) -> int:
        """Record a command in O(1) (one ring slot); the record's index.

        The command is kept as the object (commands are frozen) and turned into its dict by
        the writer; ``detail`` (plain JSON types only), or ``detail_of(detail_arg)`` computed
        by the writer.

        Parameters
        ----------
        cmd : Command
            The command (as sent, or as refused).
        outcome : Outcome
            Not ``EVENT``.
        time : float
            Host-clock time (s).
        reason, status, ref, detail, detail_of, detail_arg
            As :meth:`record_command`; see above for the last two.

        Returns
        -------
        int
            Index of the record (``ref`` of a later ACK/NACK).
        """
        entry = (time, outcome, "", cmd, reason, status, ref, detail, detail_of, detail_arg)
        return self._base + self._ring.put(entry)

    # --- records built on the caller's thread ----------------------------------------------
    def record_command(
        self,
        cmd: Command,
        outcome: Outcome | str,
        *,
        reason: str = "",
        status: str = "",
        ref: int | None = None,
        detail: Mapping[str, Any] | None = None,
        time: float | None = None,
    ) -> AuditRecord:
        """Record a command and what happened to it (details checked now; see
        :meth:`note_command` for the per-command path).

        Parameters
        ----------
        cmd : Command
            The command (as sent, or as refused).
        outcome : Outcome or str
            ``ACCEPTED``, ``REFUSED``, ``UNCHECKED``, ``ACK`` or ``NACK``.
        reason : str
            Refusal message or note.
        status : str
            Device status code name for ACK/NACK.
        ref : int or None
            Index of the record this one answers.
        detail : mapping or None
            Extra JSON-able facts (e.g. ``{"seq": 17}``).
        time : float or None
            Host-clock time (s); the log's clock when None.

        Returns
        -------
        AuditRecord
        """
        out = Outcome(outcome)
        if out is Outcome.EVENT:
            raise ValueError("use record_event for EVENT records")
        command = command_to_dict(cmd)
        det = _jsonable(dict(detail or {}))
        return self._put_record(out, "", command, reason, status, ref, det, time)

    def record_event(
        self,
        event: Event | str,
        reason: str = "",
        *,
        detail: Mapping[str, Any] | None = None,
        time: float | None = None,
    ) -> AuditRecord:
        """Record a safety event (see :class:`Event`) with its reason and details."""
        name = Event(event).value
        det = _jsonable(dict(detail or {}))
        return self._put_record(Outcome.EVENT, name, None, reason, "", None, det, time)

    def record_invalid(self, type_name: str, given: Mapping[str, Any], reason: str) -> None:
        """Record a command refused at construction: ``REFUSED``, the values as given."""
        command = _jsonable({"type": type_name, **given})
        det = {"limit": "validation"}
        self._put_record(Outcome.REFUSED, "", command, reason, "", None, det, None)

    def _put_record(
        self,
        outcome: Outcome,
        event: str,
        command: dict[str, Any] | None,
        reason: str,
        status: str,
        ref: int | None,
        detail: dict[str, Any],
        time: float | None,
    ) -> AuditRecord:
        t = self._clock() if time is None else float(time)
        entry = (t, outcome, event, command, reason, status, ref, detail, None, None)
        index = self._base + self._ring.put(entry)
        return AuditRecord(index, t, outcome, event, command, reason, status, ref, detail)

    # --- the writer ----------------------------------------------------------------------------
    def _write(self, batch: list[Any], first: int) -> None:
        """Turn drained entries into records, write them, keep them (the ring's sink)."""
        records = [_to_record(self._base + first + k, e) for k, e in enumerate(batch)]
        if self._file is not None:
            lines = [json.dumps(r.to_dict(), ensure_ascii=False) for r in records]
            self._file.write("\n".join(lines) + "\n")
            self._file.flush()
        with self._lock:
            self._records.extend(records)

    def flush(self) -> None:
        """Write every pending record now (to the file, and to :attr:`records`)."""
        self._ring.flush()

    def listen_for_invalid(self) -> None:
        """Record every command refused at construction from now on (counted: call
        :meth:`stop_listening` as often)."""
        with self._lock:
            self._listening += 1
            first = self._listening == 1
        if first:
            add_invalid_listener(self.record_invalid)

    def stop_listening(self) -> None:
        """Undo one :meth:`listen_for_invalid`."""
        with self._lock:
            self._listening = max(0, self._listening - 1)
            last = self._listening == 0
        if last:
            remove_invalid_listener(self.record_invalid)

    @property
    def records(self) -> tuple[AuditRecord, ...]:
        """Snapshot of the records made by this object, oldest first (pending ones written
        first; a file-backed log keeps the newest ``keep``)."""
        self._ring.flush()
        with self._lock:
            return tuple(self._records)

    def select(
        self, *, outcome: Outcome | str | None = None, event: Event | str | None = None
    ) -> list[AuditRecord]:
        """Records with the given outcome and/or event name."""
        o = Outcome(outcome) if outcome is not None else None
        e = Event(event).value if event is not None else None
        return [
            r for r in self.records if (o is None or r.outcome is o) and (e is None or r.event == e)
        ]

    def __len__(self) -> int:
        return self._ring.count

    def __iter__(self) -> Iterator[AuditRecord]:
        return iter(self.records)

    def close(self) -> None:
        """Write what is pending and close the file (idempotent); later records raise
        ``ValueError``."""
        with self._lock:
            listening, self._listening = self._listening, 0
        if listening:
            remove_invalid_listener(self.record_invalid)
        if self._path is None:
            self._ring.flush()
            return
        self._ring.close()
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def read(path: str | Path) -> list[AuditRecord]:
        """Read every record of a JSON-lines audit file.

        A last line without its newline is not a record yet (the writer is still writing it,
        or a kill cut it short) and is left out; a file being written can be read at any time.

        Raises
        ------
        ValueError
            If a complete line is not a valid record (the message names the file and line
            number).
        """
        out: list[AuditRecord] = []
        with Path(path).open(encoding="utf-8") as f:
            for lineno, line in enumerate(f, start=1):
                if not line.endswith("\n") or not line.strip():
                    continue
                try:
                    out.append(AuditRecord.from_dict(json.loads(line)))
                except (ValueError, KeyError, TypeError) as e:
                    raise ValueError(f"{path}:{lineno}: not an audit record: {e}") from None
        return out


def _complete_records(path: Path) -> int:
    """Records in an audit file about to be appended to. A last line without its newline (a
    kill cut the writer mid-record: never a whole record, see :meth:`AuditLog.read`) is cut
    off first, with a warning, so that the next record starts on a line of its own."""
    n, end = 0, 0  # complete non-blank lines; bytes up to the last newline
    with path.open("rb+") as f:
        for line in f:  # line by line: an audit log can be large
            if not line.endswith(b"\n"):
                break
            end += len(line)
            n += bool(line.strip())
        size = f.seek(0, 2)
        if end < size:
            _log.warning(
                "%s: its last %d bytes were an unfinished record (the writer was stopped "
                "mid-line); cut before appending",
                path,
                size - end,
            )
            f.truncate(end)
    return n


def _to_record(index: int, entry: tuple[Any, ...]) -> AuditRecord:
    """An :class:`AuditRecord` from a ring entry (on the writer's thread)."""
    t, outcome, event, cmd, reason, status, ref, detail, detail_of, arg = entry
    command = cmd if cmd is None or isinstance(cmd, dict) else command_to_dict(cmd)
    if detail_of is not None:
        detail = detail_of(arg)
    return AuditRecord(
        index, float(t), outcome, event, command, reason, status, ref, dict(detail or {})
    )
