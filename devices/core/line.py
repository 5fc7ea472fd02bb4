"""The transmit side of the serial line, with optional wire-time simulation at a baud rate.

At ``baud`` b/s with 8N1 framing each byte takes 10 bit times, so a frame of ``n`` bytes
occupies the line for ``n * 10 / baud`` s after the line is free; its bytes are handed to the
port when the last one would have arrived. With ``baud = 0`` frames go out at once. A frame
may be held back (a scripted reply delay); the line stays in order, so frames behind it wait.
"""

from __future__ import annotations

from collections import deque

__all__ = ["TxLine"]


class TxLine:
    """Queue of outgoing frames, each released at the time its last byte is on the wire.

    Parameters
    ----------
    baud : int
        Simulated line rate, bits per second (0 = no simulation: release at once).
    """

    def __init__(self, baud: int = 0) -> None:
        if baud < 0:
            raise ValueError(f"baud = {baud} must be >= 0")
        self.baud = baud
        self._free_at_us = 0
        self._queue: deque[tuple[int, bytes]] = deque()

    def push(self, data: bytes, now_us: int, hold_us: int = 0) -> None:
        """Queue one encoded frame sent at device time ``now_us``, held back ``hold_us``."""
        start = max(now_us + hold_us, self._free_at_us)
        if self.baud:
            self._free_at_us = start + -(-len(data) * 10_000_000 // self.baud)  # ceil, µs
        else:
            self._free_at_us = start
        self._queue.append((self._free_at_us, data))

    def due(self, now_us: int) -> bytes:
        """All bytes whose release time has come, in order (removed from the queue)."""
        out = bytearray()
        while self._queue and self._queue[0][0] <= now_us:
            out += self._queue.popleft()[1]
        return bytes(out)

    def next_release_us(self) -> int | None:
        """Release time of the oldest queued frame, or None when the queue is empty."""
        return self._queue[0][0] if self._queue else None

    def clear(self) -> None:
        """Drop everything queued (the connection went away)."""
        self._queue.clear()
        self._free_at_us = 0
