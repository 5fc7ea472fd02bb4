"""The ports: a ``socket://`` server, and wire time simulated at a baud rate."""

from __future__ import annotations

import time

from neurolink.hal import wire
from tests.devices._client import Client


def test_socket_port_serves_one_host_and_exits_when_it_leaves(start_device):
    proc, _ = start_device("devices.stimulator", "--socket", "127.0.0.1:0", connect=False)
    assert proc.url.startswith("socket://127.0.0.1:")
    c = Client(proc.url)
    try:
        info = c.command(wire.Hello((3).to_bytes(16, "little")))
        assert isinstance(info, wire.Info) and info.nonce == (3).to_bytes(16, "little")
        c.authenticate()
    finally:
        c.close()
    assert proc.wait(10) == 0
    assert "stopped (port-closed)" in proc.stderr()


def test_baud_rate_delays_replies_by_their_wire_time(start_device):
    _, c = start_device("devices.stimulator", "--baud", "9600")
    c.command(wire.Hello(bytes(16)))  # the first exchange also waits for the connection
    info_bytes = len(wire.encode(c.command(wire.Hello((1).to_bytes(16, "little"))), 0))
    t = time.monotonic()
    c.command(wire.Hello((2).to_bytes(16, "little")))
    elapsed = time.monotonic() - t
    assert elapsed >= info_bytes * 10 / 9600  # 10 bit times per byte, 8N1
    t = time.monotonic()
    c.command(wire.Heartbeat())
    assert time.monotonic() - t >= len(wire.encode(wire.Ack(0), 0)) * 10 / 9600
