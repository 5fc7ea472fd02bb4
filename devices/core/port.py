"""The serial port a device owns: a pty (emulated serial line) or a TCP ``socket://`` server.

A port gives the device server one file descriptor per connection; the server reads and writes
it with :func:`os.read` / :func:`os.write` (non-blocking). The host connects to the URL the
port prints (``PORT /dev/pts/5`` or ``PORT socket://127.0.0.1:40123``), with pyserial.

pty: the device keeps the master side. The slave is set to raw mode (no echo, no line
discipline, 8 bits) and closed, so that the kernel reports a hang-up on the master until a host
opens the slave, and again when the host closes it: that is how the device sees a host connect
and a cable being pulled.

A pty port may keep a symlink to its slave (``link``), as udev keeps ``/dev/serial/by-id/...``:
a host opens the link, and after :meth:`PtyPort.replug` (a new pty, the device "plugged in
again") the same path leads to the device. :meth:`Port.unplug` is the device pulling its own
cable: a pty's master is closed (the host's reads and writes fail with EIO), a socket's
connections are reset and new ones closed at once until :meth:`Port.replug`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import select
import socket
import struct
import time
import tty
from abc import ABC, abstractmethod

__all__ = ["Port", "PtyPort", "SocketPort", "is_loopback", "parse_socket_address"]


class Port(ABC):
    """A place the host connects to."""

    @property
    @abstractmethod
    def url(self) -> str:
        """What the host passes to pyserial (a device path or ``socket://host:port``)."""

    @abstractmethod
    def accept(self, timeout_s: float) -> int | None:
        """Wait up to ``timeout_s`` for a host; return the connection's fd, or None."""

    @abstractmethod
    def hang_up(self, fd: int) -> None:
        """Forget a connection whose peer went away."""

    @abstractmethod
    def close(self) -> None:
        """Release the port."""

    @abstractmethod
    def unplug(self) -> None:
        """The line goes dead: the host loses the connection; no host can connect."""

    @abstractmethod
    def replug(self) -> None:
        """The line is back (after :meth:`unplug`): hosts may connect again at :attr:`url`."""

    @property
    def listen_fd(self) -> int | None:
        """An fd that polls readable when another host knocks while one is served (sockets);
        None where a second host cannot be told apart (a pty has one line)."""
        return None


class PtyPort(Port):
    """A pseudo-terminal: the host opens :attr:`url` (``/dev/pts/N``, or ``link``) as a serial
    port.

    Parameters
    ----------
    link : str, optional
        Keep a symlink at this path to the current slave (:attr:`url` is then the link).
    """

    _IDLE_POLL_S = 0.005  # how often to look for a host while none is connected

    def __init__(self, link: str | None = None) -> None:
        self._link = link
        self._master = -1
        self._open()

    def _open(self) -> None:
        self._master, slave = os.openpty()
        try:
            tty.setraw(slave)  # the line carries bytes: no echo, no CR/LF mangling
            self._path = os.ttyname(slave)
        finally:
            os.close(slave)
        os.set_blocking(self._master, False)
        self._poll = select.poll()
        self._poll.register(self._master, select.POLLIN)
        if self._link is not None:
            tmp = f"{self._link}.{os.getpid()}.tmp"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(self._path, tmp)
            os.replace(tmp, self._link)  # atomic: the link never points nowhere

    @property
    def url(self) -> str:
        return self._link if self._link is not None else self._path

    @property
    def device_path(self) -> str:
        """The pty slave itself (``/dev/pts/N``)."""
        return self._path

    def _host_present(self) -> bool:
        return not any(ev & select.POLLHUP for _, ev in self._poll.poll(0))

    def accept(self, timeout_s: float) -> int | None:
        """Return the master fd once a host holds the slave open (polled every 5 ms)."""
        deadline = time.monotonic() + max(0.0, timeout_s)
        while True:
            if self._master >= 0 and self._host_present():
                return self._master
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(self._IDLE_POLL_S, left))

    def hang_up(self, fd: int) -> None:
        """Nothing to release: the master stays open until :meth:`close`."""

    def unplug(self) -> None:
        """Close the master: the host's port fails (EIO), the slave path goes away."""
        if self._master >= 0:
            with contextlib.suppress(OSError):
                os.close(self._master)
            self._master = -1

    def replug(self) -> None:
        """A new pty (a new ``/dev/pts/N``); the link, if any, now leads to it."""
        self.unplug()
        self._open()

    def close(self) -> None:
        self.unplug()
        if self._link is not None:
            with contextlib.suppress(OSError):
                if os.readlink(self._link) == self._path:
                    os.unlink(self._link)


def is_loopback(host: str) -> bool:
    """True if ``host`` names only this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_socket_address(text: str) -> tuple[str, int]:
    """``"HOST:PORT"`` (or ``socket://HOST:PORT``) as ``(host, port)``; port 0 = any free.

    Raises
    ------
    ValueError
        Not of that form, or the port is outside 0..65535.
    """
    text = text.removeprefix("socket://")
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"socket address {text!r} is not HOST:PORT (port 0..65535)")
    return host, int(port)


class SocketPort(Port):
    """A TCP server for one host at a time (pyserial ``socket://HOST:PORT``).

    Parameters
    ----------
    host : str
        Address to listen on (``127.0.0.1`` for this machine only).
    port : int
        TCP port; 0 picks a free one (printed in :attr:`url`).
    """

    def __init__(self, host: str, port: int) -> None:
        self._server = socket.create_server((host, port))
        self._server.setblocking(False)
        self._host = host
        self._port = self._server.getsockname()[1]
        self._conns: dict[int, socket.socket] = {}
        self._unplugged = False

    @property
    def url(self) -> str:
        return f"socket://{self._host}:{self._port}"

    @property
    def listen_fd(self) -> int | None:
        return self._server.fileno()

    def accept(self, timeout_s: float) -> int | None:
        """The fd of the next connection (each a possible host; the server decides)."""
        ready, _, _ = select.select([self._server], [], [], max(0.0, timeout_s))
        if not ready:
            return None
        try:
            conn, _ = self._server.accept()
        except (BlockingIOError, ConnectionAbortedError):
            return None
        if self._unplugged:  # the line is dead: nobody gets through
            conn.close()
            return None
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.setblocking(False)
        self._conns[conn.fileno()] = conn
        return conn.fileno()

    def hang_up(self, fd: int) -> None:
        conn = self._conns.pop(fd, None)
        if conn is not None:
            conn.close()

    def unplug(self) -> None:
        """Reset every connection; until :meth:`replug`, new ones are closed at once."""
        self._unplugged = True
        for conn in self._conns.values():
            with contextlib.suppress(OSError):  # RST, as a pulled cable looks to TCP peers
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        self._conns.clear()

    def replug(self) -> None:
        """Take connections again (same address)."""
        self._unplugged = False

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()
        self._server.close()
