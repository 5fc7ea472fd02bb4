"""Transports by pyserial URL: ``loop://``, a pty path, ``socket://``; timeouts and closing."""

from __future__ import annotations

import os
import socket
import threading
import time
import tty

import pytest

from neurolink.hal.errors import DeviceError, DeviceLost
from neurolink.hal.transport import Transport


@pytest.fixture
def pty_pair():
    """``(master_fd, slave_path)`` of a fresh pty in raw mode; the master is closed after."""
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    os.close(slave)
    holder = {"master": master}
    yield holder, path
    if holder["master"] is not None:
        os.close(holder["master"])


def read_exactly(t: Transport, n: int, timeout: float = 5.0) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        out += t.read(n - len(out))
    return out


def test_loop_url_reads_back_what_is_written():
    with Transport("loop://") as t:
        t.write(b"\x01\x02\x00abc")
        assert read_exactly(t, 6) == b"\x01\x02\x00abc"
        assert t.bytes_written == 6 and t.bytes_read == 6


def test_read_returns_empty_after_the_read_timeout():
    with Transport("loop://", read_timeout=0.05) as t:
        t0 = time.monotonic()
        assert t.read() == b""
        assert 0.03 <= time.monotonic() - t0 < 2.0


def test_pty_path_both_directions(pty_pair):
    holder, path = pty_pair
    with Transport(path) as t:
        os.write(holder["master"], b"hello\x00")
        assert read_exactly(t, 6) == b"hello\x00"
        t.write(bytes(range(256)))  # every byte value, raw: no echo, no CR/LF mangling
        got = b""
        deadline = time.monotonic() + 5
        while len(got) < 256 and time.monotonic() < deadline:
            try:
                got += os.read(holder["master"], 512)
            except BlockingIOError:
                time.sleep(0.005)
        assert got == bytes(range(256))


def test_pty_other_side_closing_is_device_lost(pty_pair):
    holder, path = pty_pair
    with Transport(path) as t:
        os.close(holder["master"])
        holder["master"] = None
        with pytest.raises(DeviceLost, match=path):
            for _ in range(100):  # the first reads may still return b""
                t.read()


def test_socket_url_and_peer_closing():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    conns: list[socket.socket] = []
    th = threading.Thread(target=lambda: conns.append(server.accept()[0]))
    th.start()
    with Transport(f"socket://127.0.0.1:{port}") as t:
        th.join(5)
        conn = conns[0]
        conn.sendall(b"abc\x00")
        assert read_exactly(t, 4) == b"abc\x00"
        t.write(b"xyz")
        assert conn.recv(3) == b"xyz"
        conn.close()
        with pytest.raises(DeviceLost):
            for _ in range(100):
                t.read()
    server.close()


def test_open_errors_name_the_port():
    with pytest.raises(DeviceError, match="/dev/does-not-exist"):
        Transport("/dev/does-not-exist").open()
    with pytest.raises(DeviceError, match="bogus://"):
        Transport("bogus://x").open()
    with pytest.raises(DeviceError):
        Transport("")


def test_io_on_a_closed_transport_is_device_lost():
    t = Transport("loop://")
    with pytest.raises(DeviceLost, match="closed"):
        t.write(b"x")
    t.open()
    t.close()
    t.close()  # idempotent
    with pytest.raises(DeviceLost, match="closed"):
        t.read()


def test_reopen_is_bounded(pty_pair):
    _, path = pty_pair
    t = Transport(path).open()
    assert t.reopen(attempts=2, interval_s=0.01).is_open
    t.close()
    bad = Transport("/dev/does-not-exist")
    t0 = time.monotonic()
    with pytest.raises(DeviceError):
        bad.reopen(attempts=3, interval_s=0.02)
    assert time.monotonic() - t0 >= 0.04  # waited between the three attempts
    with pytest.raises(ValueError):
        bad.reopen(attempts=0)
