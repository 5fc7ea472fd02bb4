"""Sequence numbers: u16 that wrap, issued by :class:`SeqCounter`, checked by :class:`SeqTracker`.

Each side numbers the frames it sends, independently. The receiver sees a gap (frames lost), a
repeat (a retry: the device answers it from its cache instead of executing it again, ACK
DUPLICATE) or a stale number (older than the newest seen, half the u16 circle back or less).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["SEQ_MOD", "SeqCheck", "SeqCounter", "SeqEvent", "SeqTracker", "seq_delta", "seq_next"]

SEQ_MOD = 1 << 16


def seq_next(seq: int) -> int:
    """The number after ``seq`` (65535 → 0)."""
    return (seq + 1) & 0xFFFF


def seq_delta(newer: int, older: int) -> int:
    """Signed distance ``newer − older`` on the u16 circle, in −32768..32767."""
    d = (newer - older) & 0xFFFF
    return d - SEQ_MOD if d >= SEQ_MOD // 2 else d


class SeqCounter:
    """Issues sequence numbers: ``next()`` returns ``start``, ``start + 1``, ... wrapping at 2¹⁶."""

    def __init__(self, start: int = 0) -> None:
        if not 0 <= start <= 0xFFFF:
            raise ValueError(f"start = {start} is outside 0..65535")
        self._next = start

    def peek(self) -> int:
        """The number the next call of :meth:`next` returns."""
        return self._next

    def next(self) -> int:
        """Take a number."""
        seq, self._next = self._next, seq_next(self._next)
        return seq


class SeqEvent(Enum):
    """What a received sequence number says."""

    FIRST = "first"  # the first number seen since start or reset
    IN_ORDER = "in_order"  # last + 1
    GAP = "gap"  # last + 2 ... last + 32767: ``lost`` frames missing in between
    DUPLICATE = "duplicate"  # equal to the last one
    STALE = "stale"  # behind the last one (1 ... 32768 back): late or repeated


@dataclass(frozen=True)
class SeqCheck:
    """Result of :meth:`SeqTracker.observe`: the event and, for a gap, how many were lost."""

    event: SeqEvent
    lost: int = 0


class SeqTracker:
    """Checks the sequence numbers received from one peer.

    Attributes
    ----------
    last : int or None
        Newest number accepted (FIRST, IN_ORDER or GAP).
    received, lost, duplicates, stale : int
        Counts since start or :meth:`reset`.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything (the peer restarted: its next number is FIRST)."""
        self.last: int | None = None
        self.received = self.lost = self.duplicates = self.stale = 0

    def observe(self, seq: int) -> SeqCheck:
        """Classify ``seq`` and update the counts; only FIRST, IN_ORDER and GAP advance ``last``.

        Parameters
        ----------
        seq : int
            A received sequence number, 0..65535.
        """
        if not 0 <= seq <= 0xFFFF:
            raise ValueError(f"seq = {seq} is outside 0..65535")
        self.received += 1
        if self.last is None:
            self.last = seq
            return SeqCheck(SeqEvent.FIRST)
        d = seq_delta(seq, self.last)
        if d == 0:
            self.duplicates += 1
            return SeqCheck(SeqEvent.DUPLICATE)
        if d < 0:
            self.stale += 1
            return SeqCheck(SeqEvent.STALE)
        self.last = seq
        if d == 1:
            return SeqCheck(SeqEvent.IN_ORDER)
        self.lost += d - 1
        return SeqCheck(SeqEvent.GAP, lost=d - 1)
