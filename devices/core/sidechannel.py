"""The control channel: a side door into an emulator for tests (``--control PATH``).

Not the device's data port and not a signal: a Unix-domain socket (mode 0600) on which a test
sends one JSON object per line and reads one JSON reply per line, in order. Requests are the
faults of :mod:`devices.core.faults` (``{"op": "drop", "dir": "to_device", "count": 2}``) and:

- ``{"op": "sync"}`` — run everything due up to now, write what is queued and flush the
  records; reply ``{"ok": true, "now_us": ...}``;
- ``{"op": "advance", "us": N}`` — with ``--virtual-clock``: move the device clock on by
  ``N`` µs, running every pulse, report, watchdog deadline and script entry due on the way in
  time order; reply with the new ``now_us``;
- ``{"op": "info"}`` — the device's identity, profile and limits as it enforces them.

A reply is ``{"ok": true, ...}`` or ``{"ok": false, "error": "<one line>"}``. The channel is
served by the device's own loop, between turns: while the device stalls, so does its channel.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["ControlChannel"]

_MAX_LINE = 1 << 16
_MAX_CLIENTS = 8

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class ControlChannel:
    """A Unix-socket server of JSON lines, served without blocking.

    Parameters
    ----------
    path : str or Path
        Socket path (must not exist; removed on :meth:`close`).
    handler : callable
        Turns one request (a dict) into its reply (a dict); a ``ValueError`` it raises becomes
        ``{"ok": false, "error": ...}``.
    """

    def __init__(self, path: str | Path, handler: Handler) -> None:
        self.path = str(path)
        self._handler = handler
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket is created 0600: only this user may steer the device
        try:
            self._server.bind(self.path)
        finally:
            os.umask(old)
        self._server.listen(_MAX_CLIENTS)
        self._server.setblocking(False)
        self._clients: dict[int, tuple[socket.socket, bytearray]] = {}
        self._poll = select.poll()
        self._poll.register(self._server.fileno(), select.POLLIN)

    @property
    def fds(self) -> tuple[int, ...]:
        """The fds to watch (the listening socket and each client)."""
        return (self._server.fileno(), *self._clients)

    def service(self) -> None:
        """Accept, read and answer whatever is ready now."""
        for fd, _ in self._poll.poll(0):
            if fd == self._server.fileno():
                self._accept()
            elif fd in self._clients:
                self._read(fd)

    def _accept(self) -> None:
        try:
            conn, _ = self._server.accept()
        except (BlockingIOError, ConnectionAbortedError):
            return
        if len(self._clients) >= _MAX_CLIENTS:
            conn.close()
            return
        conn.setblocking(False)
        self._clients[conn.fileno()] = (conn, bytearray())
        self._poll.register(conn.fileno(), select.POLLIN)

    def _drop(self, fd: int) -> None:
        conn, _ = self._clients.pop(fd)
        self._poll.unregister(fd)
        conn.close()

    def _read(self, fd: int) -> None:
        conn, buf = self._clients[fd]
        try:
            data = conn.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(fd)
            return
        buf += data
        while (end := buf.find(b"\n")) >= 0:
            line = bytes(buf[:end])
            del buf[: end + 1]
            self._answer(conn, line)
        if len(buf) > _MAX_LINE:
            self._answer(conn, b"")
            self._drop(fd)

    def _answer(self, conn: socket.socket, line: bytes) -> None:
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a request is a JSON object with 'op'")
            reply = {"ok": True, **self._handler(request)}
        except (ValueError, UnicodeDecodeError) as e:
            reply = {"ok": False, "error": str(e) or type(e).__name__}
        data = (json.dumps(reply) + "\n").encode()
        conn.setblocking(True)  # replies are small; the test reads them
        try:
            conn.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.setblocking(False)

    def close(self) -> None:
        """Close every connection and remove the socket file."""
        for fd in list(self._clients):
            self._drop(fd)
        self._server.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)
