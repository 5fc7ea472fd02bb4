"""Byte transports opened from a pyserial URL (DESIGN.md §4 "Transports").

One class, :class:`Transport`, for everything a device can be plugged in with:

- a device path — a real serial port (``/dev/ttyUSB0``, ``/dev/ttyACM0``, ``COM3``) or the
  slave side of a pty that an emulator in ``devices/`` prints (``/dev/pts/7``);
- ``socket://host:port`` — a device (or emulator) in another process or on another host;
- ``loop://`` — pyserial's loopback (what is written is read back), for unit tests.

- ``rfc2217://host:port`` — a serial port shared over the network by an RFC 2217 serial server
  (ser2net, pyserial's ``rfc2217_server.py``, terminal servers).

Any other URL that :func:`serial.serial_for_url` knows (``spy://``, ``hwgrep://`` …) works too.
pyserial's RFC 2217 client refuses a ``write_timeout`` (``NotImplementedError``), so such a port
is opened without one: a write to it is bounded by the client's socket timeout (5 s) instead.

Failure model. Whatever a transport raises leaves it as one of two errors that name the URL and
the cause (pyserial's ``SerialException``, ``OSError``, ``ValueError`` of a malformed URL,
``NotImplementedError`` of an option a URL handler lacks): a port that cannot be opened raises
:class:`~neurolink.hal.errors.DeviceError`; a port that fails or closes while in use (the pty's
other side closed, the socket reset, the serial server gone, the USB adapter pulled, a write
blocked past ``write_timeout``) raises :class:`~neurolink.hal.errors.DeviceLost`.
:meth:`Transport.read` returns ``b""`` when nothing arrived within ``read_timeout``; that is not
an error — the :class:`~neurolink.hal.link.Link` decides how long silence may last.

Exclusive access. A device path (a serial port, a pty) is opened exclusively: pyserial's
``exclusive=True`` (an ``flock`` that other cooperating openers respect) and, on POSIX, the
terminal's ``TIOCEXCL`` flag, so that any later ``open`` by an unprivileged process fails with
EBUSY while the host holds the port (root bypasses ``TIOCEXCL``; the ``flock`` still refuses
pyserial and neurolink openers). A second neurolink host on the same port gets
:class:`~neurolink.hal.errors.DeviceError` "busy" at :meth:`Transport.open`. Sockets are made
exclusive by the device (one authenticated session at a time).

Reconnect policy. A transport never reopens by itself. :meth:`Transport.reopen` reopens it,
trying a bounded number of times; the device layer calls it only on explicit request and never
while the device is armed (see :meth:`neurolink.hal.device.SerialDevice.reconnect`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time

import serial

try:  # POSIX: TIOCEXCL makes later opens of a terminal fail with EBUSY
    import fcntl
    import termios

    _TIOCEXCL: int | None = termios.TIOCEXCL
except (ImportError, AttributeError):  # pragma: no cover - Windows
    _TIOCEXCL = None

try:  # POSIX: pyserial's flush() (tcdrain) raises termios.error on a pty whose peer closed
    from termios import error as _TermiosError
except ImportError:  # pragma: no cover - Windows
    _TermiosError = OSError  # type: ignore[assignment,misc]

from neurolink.hal.errors import DeviceError, DeviceLost

_PORT_ERRORS = (serial.SerialException, OSError, _TermiosError)
#: What pyserial and its URL handlers raise besides port errors: a malformed URL or option
#: (ValueError), an option a handler lacks (NotImplementedError), a port used after a concurrent
#: close (TypeError/AttributeError inside the posix port).
_TRANSPORT_ERRORS = (*_PORT_ERRORS, ValueError, NotImplementedError, TypeError, AttributeError)

#: URL schemes whose pyserial handler refuses ``write_timeout`` (NotImplementedError on open).
_NO_WRITE_TIMEOUT = frozenset({"rfc2217"})

__all__ = ["DEFAULT_BAUD", "Transport"]

DEFAULT_BAUD = 115_200
"""Baud rate used when none is given (ignored by ptys, sockets and ``loop://``)."""


def _scheme(url: str) -> str:
    """The URL scheme in lower case (``""`` for a device path)."""
    head, sep, _ = url.partition("://")
    return head.lower() if sep else ""


def _cause(error: BaseException) -> str:
    """One line for an error: its message, with its type when that says more."""
    text = (str(error).splitlines() or [""])[0].strip()
    kind = type(error).__name__
    if not text:
        return kind
    if isinstance(error, NotImplementedError | ValueError | TypeError | AttributeError):
        return f"{text} ({kind})"
    return text


def _nonblocking(fd: int) -> bool:
    """True when ``fd`` is in non-blocking mode (a write never waits for the device)."""
    try:
        return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK)
    except OSError:
        return False


def _busy(error: BaseException) -> bool:
    """True for the error of a port another process holds (EBUSY, EAGAIN/EWOULDBLOCK of flock)."""
    return getattr(error, "errno", None) in (errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK)


class Transport:
    """A byte pipe to one device.

    Parameters
    ----------
    url : str
        pyserial URL or device path (see the module docstring).
    baudrate : int
        Line speed in bit/s (only real serial ports use it).
    read_timeout : float
        Longest time (s) :meth:`read` waits for a first byte; keep it short (tens of ms), it
        bounds how fast a reader thread notices that it should stop.
    write_timeout : float
        Longest time (s) a write may block (a stopped device whose input buffer is full);
        beyond it the device is declared lost.

    Examples
    --------
    >>> t = Transport("loop://").open()
    >>> t.write(b"abc"); t.read(3)
    b'abc'
    >>> t.close()
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = DEFAULT_BAUD,
        read_timeout: float = 0.05,
        write_timeout: float = 1.0,
    ) -> None:
        if not isinstance(url, str) or not url:
            raise DeviceError(f"transport URL must be a non-empty string, got {url!r}")
        if not read_timeout > 0 or not write_timeout > 0:
            raise ValueError(
                f"timeouts must be > 0 s, got read {read_timeout!r}, write {write_timeout!r}"
            )
        self.url = url
        self.baudrate = int(baudrate)
        self.read_timeout = float(read_timeout)
        self.write_timeout = float(write_timeout)
        self._port: serial.SerialBase | None = None
        self._fd: int | None = None
        self._write_lock = threading.Lock()
        self.bytes_written = 0
        self.bytes_read = 0

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """True while the port is open."""
        port = self._port
        return port is not None and bool(port.is_open)

    def open(self) -> Transport:
        """Open the port; returns self.

        Raises
        ------
        DeviceError
            The port does not exist, is busy, refuses the connection or its settings (a serial
            server), or the URL is not understood; the message names the URL and the cause.
        """
        if self.is_open:
            return self
        scheme = _scheme(self.url)
        device_path = not scheme
        options: dict[str, object] = {"timeout": self.read_timeout}
        if scheme not in _NO_WRITE_TIMEOUT:
            options["write_timeout"] = self.write_timeout
        if device_path:
            options["exclusive"] = True
        port: serial.SerialBase | None = None
        try:
            port = serial.serial_for_url(
                self.url, baudrate=self.baudrate, do_not_open=True, **options
            )
            port.open()
        except _TRANSPORT_ERRORS as e:
            if port is not None:  # a handler that failed half-way (after connecting)
                with contextlib.suppress(Exception):
                    port.close()
            busy = "in use by another process (opened exclusively)" if _busy(e) else ""
            raise DeviceError(f"cannot open {self.url}: {busy or _cause(e)}") from e
        if device_path and _TIOCEXCL is not None:
            fd = getattr(port, "fd", None)
            if fd is not None:
                with contextlib.suppress(OSError):  # not a terminal: the flock stands alone
                    fcntl.ioctl(fd, _TIOCEXCL)
        self._port = port
        # the fast write path: pyserial's POSIX port only (its fd is opened O_NONBLOCK)
        fd = getattr(port, "fd", None)
        posix = isinstance(port, serial.Serial) and type(port).__module__ == "serial.serialposix"
        self._fd = fd if posix and isinstance(fd, int) and _nonblocking(fd) else None
        return self

    def close(self) -> None:
        """Close the port (idempotent; errors while closing are ignored: it is gone anyway)."""
        port, self._port = self._port, None
        self._fd = None
        if port is not None:
            try:
                port.close()
            except _TRANSPORT_ERRORS:
                pass

    def reopen(self, attempts: int = 3, interval_s: float = 0.5) -> Transport:
        """Close and open again, trying up to ``attempts`` times ``interval_s`` apart.

        Raises
        ------
        DeviceError
            The last attempt's error, after every attempt failed.
        """
        if attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {attempts}")
        self.close()
        for k in range(attempts):
            try:
                return self.open()
            except DeviceError:
                if k == attempts - 1:
                    raise
                time.sleep(interval_s)
        raise AssertionError("unreachable")  # pragma: no cover

    def __enter__(self) -> Transport:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- I/O ------------------------------------------------------------------------------------
    def _open_port(self) -> serial.SerialBase:
        port = self._port
        if port is None or not port.is_open:
            raise DeviceLost(f"{self.url}: port is closed", url=self.url)
        return port

    def write(self, data: bytes) -> None:
        """Write all of ``data`` (thread-safe: concurrent writes never interleave).

        On a POSIX port (a pty, a serial port) it returns once the kernel has taken every byte
        into the port's output queue: a pty's peer can read them then; a UART still shifts them
        out, ``10 / baudrate`` s a byte (1.7 ms for a 20-byte frame at 115 200 bit/s: the line's
        time, which no host code shortens). The write does not wait for that (no ``tcdrain``,
        which on a USB adapter also waits for the adapter's next bus frame); other URLs are
        written and flushed by pyserial.

        Raises
        ------
        DeviceLost
            The port closed or failed, or the write blocked longer than ``write_timeout``.
        """
        with self._write_lock:
            port = self._open_port()
            try:
                fd = self._fd
                if fd is None:
                    n = port.write(data)
                    port.flush()
                else:  # a POSIX port (pty, tty): the fd is non-blocking; pyserial for the rest
                    n = self._write_fd(port, fd, data)  # no tcdrain: see the docstring
            except serial.SerialTimeoutException as e:
                raise DeviceLost(
                    f"{self.url}: write blocked for more than "
                    f"{self.write_timeout:g} s (device not reading)",
                    url=self.url,
                ) from e
            except _TRANSPORT_ERRORS as e:
                raise DeviceLost(f"{self.url}: write failed: {_cause(e)}", url=self.url) from e
            if n is not None and n != len(data):
                raise DeviceLost(f"{self.url}: wrote {n} of {len(data)} bytes", url=self.url)
            self.bytes_written += len(data)

    @staticmethod
    def _write_fd(port: serial.SerialBase, fd: int, data: bytes) -> int:
        """One ``os.write`` on the port's non-blocking fd (what pyserial's ``write`` does first,
        without its per-call select and timeout objects); what the kernel did not take at once
        goes through ``port.write`` (which waits up to ``write_timeout``). Bytes written."""
        try:
            n = os.write(fd, data)
        except BlockingIOError:
            n = 0
        if n < len(data):
            port.write(data[n:])
        return len(data)

    def read(self, max_bytes: int = 4096) -> bytes:
        """Bytes that arrived, waiting up to ``read_timeout`` for the first one.

        Returns
        -------
        bytes
            What is available (at most ``max_bytes``); ``b""`` when nothing came in time.

        Raises
        ------
        DeviceLost
            The port closed or failed (the other end of a pty closed, socket reset …).
        """
        port = self._open_port()
        try:
            waiting = port.in_waiting
            data = port.read(max(1, min(max_bytes, waiting)))
        except _TRANSPORT_ERRORS as e:
            # TypeError/AttributeError: pyserial's posix port read after a concurrent close()
            if self._port is None:
                raise DeviceLost(f"{self.url}: port is closed", url=self.url) from e
            raise DeviceLost(f"{self.url}: read failed: {_cause(e)}", url=self.url) from e
        self.bytes_read += len(data)
        return bytes(data)

    def reset_input(self) -> None:
        """Discard bytes received but not read yet (e.g. after a reconnect)."""
        port = self._open_port()
        try:
            port.reset_input_buffer()
        except _TRANSPORT_ERRORS as e:
            raise DeviceLost(f"{self.url}: {_cause(e)}", url=self.url) from e

    def __repr__(self) -> str:
        state = "open" if self.is_open else "closed"
        return f"Transport({self.url!r}, {state})"
