"""Commands by type and device acknowledgements by status (ACK, NACK, unacknowledged)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from neurolink.hal.wire.codes import Status
from neurolink.loop.recording import RecordedStream

__all__ = ["ACK_STATUSES", "NACK_STATUSES", "MessageStats", "message_stats"]

#: Ack statuses that mean the device accepted the command.
ACK_STATUSES = frozenset({Status.OK.name, Status.DUPLICATE.name})
#: Ack statuses that mean the device refused it (every other wire status).
NACK_STATUSES = frozenset(s.name for s in Status) - ACK_STATUSES


@dataclass(frozen=True)
class MessageStats:
    """Commands by type and acknowledgements by status.

    Attributes
    ----------
    commands : dict of str to int
        Commands per ``type`` (``unknown`` when a record has none), most first.
    acks : dict of str to int
        Acknowledgements per ``status``, most first.
    n_ack, n_nack, n_other : int
        Accepted (:data:`ACK_STATUSES`), refused (:data:`NACK_STATUSES`), anything else
        (``PUSHED``, ``RECORDED``, ``DEVICE_LOST``, no status).
    """

    commands: dict[str, int]
    acks: dict[str, int]
    n_ack: int
    n_nack: int
    n_other: int


def _records(stream: RecordedStream | None) -> list[Any]:
    return [] if stream is None else stream.records()


def message_stats(commands: RecordedStream | None, acks: RecordedStream | None) -> MessageStats:
    """Count commands by ``type`` and acknowledgements by ``status`` (either may be absent).

    An ack record without ``status`` but with a bool ``ok`` counts as ``OK`` or ``NACK``.
    """
    types: Counter[str] = Counter()
    for r in _records(commands):
        types[str(r.get("type", "unknown")) if isinstance(r, dict) else "unknown"] += 1
    statuses: Counter[str] = Counter()
    for r in _records(acks):
        status = r.get("status") if isinstance(r, dict) else None
        if status is None and isinstance(r, dict) and isinstance(r.get("ok"), bool):
            status = "OK" if r["ok"] else "NACK"
        statuses[str(status) if status is not None else "none"] += 1
    n_ack = sum(n for s, n in statuses.items() if s in ACK_STATUSES)
    n_nack = sum(n for s, n in statuses.items() if s in NACK_STATUSES or s == "NACK")
    ranked = {k: v for k, v in sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))}
    ranked_acks = {k: v for k, v in sorted(statuses.items(), key=lambda kv: (-kv[1], kv[0]))}
    return MessageStats(ranked, ranked_acks, n_ack, n_nack, statuses.total() - n_ack - n_nack)
