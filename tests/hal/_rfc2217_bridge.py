"""A real RFC 2217 serial server for tests: a TCP port on 127.0.0.1 bridged to a pty.

pyserial's :class:`serial.rfc2217.PortManager` speaks the server side of RFC 2217 (telnet
option negotiation, COM-PORT-OPTION subnegotiation, IAC escaping); this helper gives it a
listening socket and two pump threads, one per direction, between a connected client and the
serial port (the pty an emulated device printed). One client at a time, as a terminal server
serves one port.

A pty has no modem lines: setting or reading them fails with ENOTTY, so the port's DTR/RTS
updates are recorded instead of applied and its CTS/DSR/RI/CD read as not asserted (a USB
serial adapter would have them). Any error in a pump
thread other than the client going away is kept and re-raised by :meth:`Rfc2217Bridge.close`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from typing import Self

import serial
import serial.rfc2217


class PtyPort(serial.Serial):
    """A serial port on a pty, which has no modem lines: DTR/RTS changes are recorded, not
    applied, and CTS/DSR/RI/CD read as not asserted."""

    lines: list[tuple[str, bool]]

    def _update_dtr_state(self) -> None:
        self.lines.append(("dtr", bool(self._dtr_state)))

    def _update_rts_state(self) -> None:
        self.lines.append(("rts", bool(self._rts_state)))

    @property
    def cts(self) -> bool:
        return False

    @property
    def dsr(self) -> bool:
        return False

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return False


class _Sender:
    """The client socket as PortManager writes to it (``write``), shared by both directions
    under one lock so that a negotiation reply never lands inside a data write."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self.lock:
            self.conn.sendall(data)


class Rfc2217Bridge:
    """Serve the serial port ``device`` as ``rfc2217://127.0.0.1:PORT``.

    Parameters
    ----------
    device : str
        Path of the port to serve (the pty an emulator printed).

    Attributes
    ----------
    url : str
        ``rfc2217://127.0.0.1:PORT`` once started.
    clients : int
        Clients accepted so far.
    received, sent : int
        Data bytes (after telnet filtering) written to the port, read from it.
    """

    def __init__(self, device: str) -> None:
        self.device = device
        self.url = ""
        self.clients = 0
        self.received = 0
        self.sent = 0
        self.errors: list[BaseException] = []
        self._server: socket.socket | None = None
        self._port: PtyPort | None = None
        self._conn: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> Self:
        """Open the port, listen, and accept clients in a thread; returns self."""
        port = PtyPort()
        port.lines = []
        port.port, port.timeout = self.device, 0.02
        port.open()
        self._port = port
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.url = f"rfc2217://127.0.0.1:{self._server.getsockname()[1]}"
        self._spawn(self._accept, "accept")
        return self

    def _spawn(self, target, name: str) -> threading.Thread:
        t = threading.Thread(target=self._guard, args=(target,), name=f"rfc2217 {name}")
        t.daemon = True
        t.start()
        self._threads.append(t)
        return t

    def _guard(self, target) -> None:
        try:
            target()
        except BaseException as exc:  # kept for close() to re-raise: never silent
            if not self._stop.is_set():
                self.errors.append(exc)

    def _accept(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.clients += 1
            self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        """One client, until it disconnects: socket → port here, port → socket in a thread."""
        assert self._port is not None
        self._conn = conn
        sender = _Sender(conn)
        manager = serial.rfc2217.PortManager(self._port, sender)
        done = threading.Event()
        out = self._spawn(lambda: self._port_to_socket(manager, sender, done), "port->socket")
        conn.settimeout(0.1)
        try:
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    break  # the client reset the connection
                if not data:
                    break  # the client closed
                payload = b"".join(manager.filter(data))
                if payload:
                    self._port.write(payload)
                    self.received += len(payload)
        finally:
            done.set()
            out.join(5)
            self._conn = None
            with contextlib.suppress(OSError):
                conn.close()

    def _port_to_socket(
        self, manager: serial.rfc2217.PortManager, sender: _Sender, done: threading.Event
    ) -> None:
        assert self._port is not None
        while not done.is_set() and not self._stop.is_set():
            data = self._port.read(4096)
            if data:
                try:
                    sender.write(b"".join(manager.escape(data)))
                except OSError:
                    return  # the client went away; the serving loop sees it too
                self.sent += len(data)

    @property
    def line_changes(self) -> list[tuple[str, bool]]:
        """DTR/RTS settings the clients asked for (``("dtr", True)`` …), in order."""
        return list(self._port.lines) if self._port is not None else []

    def drop_client(self) -> None:
        """Cut the current client's connection (a serial server restarted, a cable pulled)."""
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop serving and close the port.

        Raises
        ------
        BaseException
            The first error a pump thread met, if any.
        """
        self._stop.set()
        self.drop_client()
        for t in self._threads:
            t.join(5)
        if self._server is not None:
            self._server.close()
        if self._port is not None:
            self._port.close()
        if self.errors:
            raise self.errors[0]

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
