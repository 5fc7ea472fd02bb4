"""Hosts that knock while another session holds the device (socket ports).

Each gets, for every frame whose header could be read, a NACK ``SESSION_BUSY`` carrying that
frame's seq (so a host's HELLO fails at once with a clear reason instead of timing out), nothing
is executed, and the connection is closed after :data:`LINGER_US` or when the peer leaves. At
most :data:`MAX_PEERS` are held; more are closed at once.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from neurolink.hal import wire

__all__ = ["LINGER_US", "MAX_PEERS", "BusyPeers"]

LINGER_US = 2_000_000
"""How long a refused connection is kept open to read its frames, µs."""
MAX_PEERS = 4
"""Refused connections held at once."""


@dataclass
class _Peer:
    since_us: int
    decoder: wire.FrameDecoder = field(default_factory=wire.FrameDecoder)
    seq: wire.SeqCounter = field(default_factory=wire.SeqCounter)


class BusyPeers:
    """The refused connections.

    Parameters
    ----------
    hang_up : callable
        Releases a connection's fd (the port's ``hang_up``).
    """

    def __init__(self, hang_up: Callable[[int], None]) -> None:
        self._hang_up = hang_up
        self._peers: dict[int, _Peer] = {}
        self.refused = 0

    def __contains__(self, fd: int) -> bool:
        return fd in self._peers

    @property
    def fds(self) -> tuple[int, ...]:
        """The fds held (to poll)."""
        return tuple(self._peers)

    def add(self, fd: int, now_us: int) -> bool:
        """Hold a new refused connection; False (and closed) when too many are held."""
        self.refused += 1
        if len(self._peers) >= MAX_PEERS:
            self._hang_up(fd)
            return False
        self._peers[fd] = _Peer(now_us)
        return True

    def read(self, fd: int) -> bool:
        """Answer what ``fd`` sent; False once it is gone (and released)."""
        peer = self._peers[fd]
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:
            self.drop(fd)
            return False
        out = bytearray()
        for item in peer.decoder.feed(data):
            if item.seq is not None:
                nack = wire.Nack(item.seq, wire.Status.SESSION_BUSY)
                out += wire.encode(nack, peer.seq.next())
        if out:
            with contextlib.suppress(OSError):  # best effort: it is refused anyway
                os.write(fd, bytes(out))
        return True

    def expire(self, now_us: int) -> list[int]:
        """Release the connections held longer than :data:`LINGER_US`; their fds."""
        old = [fd for fd, p in self._peers.items() if now_us - p.since_us >= LINGER_US]
        for fd in old:
            self.drop(fd)
        return old

    def drop(self, fd: int) -> None:
        """Release one connection."""
        if self._peers.pop(fd, None) is not None:
            self._hang_up(fd)

    def close(self) -> None:
        """Release them all."""
        for fd in list(self._peers):
            self.drop(fd)
