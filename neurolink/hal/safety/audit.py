"""Audit log: every command with its outcome, and every safety event (DESIGN.md §5).

Records live in memory and, when a path is given, are appended to a JSON-lines file, one object
per line, flushed (and ``fsync``-free) after every line so a killed session leaves every record
up to the last one written. :meth:`AuditLog.read` reads a file back into records equal to those
that were written.

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
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path
from typing import IO, Any

from neurolink.clock import now as host_now
from neurolink.hal.commands import Command, command_to_dict
from neurolink.hal.invalid_commands import add_invalid_listener, remove_invalid_listener

__all__ = ["AuditLog", "AuditRecord", "Event", "Outcome"]


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


class AuditLog:
    """Thread-safe in-memory audit log with optional JSON-lines file.

    Parameters
    ----------
    path : str or Path or None
        File to append JSON lines to (created if missing; indices continue after the records
        already in it). None keeps the log in memory only.
    clock : callable returning float
        Host clock (s) used when a record is made without an explicit ``time``.
    """

    def __init__(
        self, path: str | Path | None = None, *, clock: Callable[[], float] = host_now
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._records: list[AuditRecord] = []
        self._path = Path(path) if path is not None else None
        self._file: IO[str] | None = None
        self._next = 0
        self._listening = 0
        if self._path is not None:
            if self._path.exists():
                with self._path.open(encoding="utf-8") as f:
                    self._next = sum(1 for line in f if line.strip())
            self._file = self._path.open("a", encoding="utf-8")

    @property
    def path(self) -> Path | None:
        """The JSON-lines file, if any."""
        return self._path

    def _append(self, make: Callable[[int, float], AuditRecord], time: float | None) -> AuditRecord:
        with self._lock:
            rec = make(self._next, self._clock() if time is None else float(time))
            if self._file is not None:
                self._file.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
                self._file.flush()
            elif self._path is not None:
                raise ValueError(f"audit log {self._path} is closed")
            self._records.append(rec)
            self._next += 1
            return rec

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
        """Record a command and what happened to it.

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
        command = _jsonable(command_to_dict(cmd))
        det = _jsonable(dict(detail or {}))
        return self._append(
            lambda i, t: AuditRecord(
                index=i,
                time=t,
                outcome=out,
                command=command,
                reason=reason,
                status=status,
                ref=ref,
                detail=det,
            ),
            time,
        )

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
        return self._append(
            lambda i, t: AuditRecord(
                index=i, time=t, outcome=Outcome.EVENT, event=name, reason=reason, detail=det
            ),
            time,
        )

    def record_invalid(self, type_name: str, given: Mapping[str, Any], reason: str) -> None:
        """Record a command refused at construction: ``REFUSED``, the values as given."""
        command = _jsonable({"type": type_name, **given})
        self._append(
            lambda i, t: AuditRecord(
                index=i,
                time=t,
                outcome=Outcome.REFUSED,
                command=command,
                reason=reason,
                detail={"limit": "validation"},
            ),
            None,
        )

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
        """Snapshot of the records made by this object, oldest first."""
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
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[AuditRecord]:
        return iter(self.records)

    def close(self) -> None:
        """Close the file (idempotent); later records raise ``ValueError`` if a path was set."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            listening, self._listening = self._listening, 0
        if listening:
            remove_invalid_listener(self.record_invalid)

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def read(path: str | Path) -> list[AuditRecord]:
        """Read every record of a JSON-lines audit file.

        Raises
        ------
        ValueError
            If a line is not a valid record (the message names the file and line number).
        """
        out: list[AuditRecord] = []
        with Path(path).open(encoding="utf-8") as f:
            for lineno, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    out.append(AuditRecord.from_dict(json.loads(line)))
                except (ValueError, KeyError, TypeError) as e:
                    raise ValueError(f"{path}:{lineno}: not an audit record: {e}") from None
        return out
