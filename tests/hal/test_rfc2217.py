"""``rfc2217://`` serial URLs against a real RFC 2217 server (pyserial's ``PortManager`` bridged
to the pty of the emulated stimulator, :mod:`tests.hal._rfc2217_bridge`): a full driver session
through it, a config sink on such a URL, and every transport failure as a DeviceError that
names the URL."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from neurolink.hal.commands import StimCommand
from neurolink.hal.drivers import StimulatorDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.errors import DeviceError, DeviceLost, EStopError
from neurolink.hal.safety import AuditLog, EStop
from neurolink.hal.secrets_store import forget_secret, register_secret
from neurolink.hal.transport import Transport
from neurolink.hal.wire import DeviceState, MsgType
from neurolink.loop.core.sinks import open_device
from neurolink.loop.session.config import load_config
from tests.hal._rfc2217_bridge import Rfc2217Bridge

EXAMPLE = Path(__file__).parents[2] / "examples" / "responsive_stim.toml"


@pytest.fixture
def served() -> Iterator[tuple[Emulator, Rfc2217Bridge]]:
    """The emulated stimulator on a pty, served as ``rfc2217://127.0.0.1:PORT``."""
    with Emulator("stimulator") as emu, Rfc2217Bridge(emu.port) as bridge:
        yield emu, bridge


def closed_port() -> int:
    """A loopback TCP port nothing listens on (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def test_pyserial_refuses_a_write_timeout_there_the_transport_opens_without(served) -> None:
    _, bridge = served
    with pytest.raises(NotImplementedError, match="write_timeout"):  # the bug's cause
        serial.serial_for_url(bridge.url, timeout=0.05, write_timeout=1.0)
    with Transport(bridge.url, write_timeout=1.0) as t:
        assert t.is_open
    wait_for(lambda: bridge.clients == 2)


def test_a_driver_session_through_the_serial_server(served) -> None:
    emu, bridge = served
    with StimulatorDriver(bridge.url, secret=emu.secret, max_ramp_ua_per_s=1e6) as drv:
        info = drv.info  # HELLO, INFO and the authenticated session went over RFC 2217
        assert info is not None and info.kind == "stimulator" and info.emulated
        assert len(drv.channels) == 16 and drv.limits[0].max_amplitude_ua == 100
        drv.arm()
        assert drv.status().state is DeviceState.ARMED
        sent = drv.stim(StimCommand(12, 100, 200, frequency_hz=100, pulse_count=3))
        assert sent.status == "OK" and sent.acked and sent.seq is not None
        wait_for(lambda: drv.pulse_log().total == 3)
        pulses = drv.delivered_pulses()
        assert [(p.channel, p.amplitude_ua, p.phase_width_us) for p in pulses] == [
            (12, 100, 200)
        ] * 3
        drv.stim(StimCommand(12, 100, 200, frequency_hz=10, pulse_count=100))  # a 10 s train
        drv.estop_now("test: e-stop over rfc2217")
        assert drv.status().state is DeviceState.ESTOPPED  # ESTOP reached the device
        n = drv.pulse_log().total
        with pytest.raises(EStopError, match="over rfc2217"):
            drv.stim(StimCommand(12, 100, 200, frequency_hz=100, pulse_count=1))
        time.sleep(0.25)
        assert drv.pulse_log().total == n  # the device stopped the train
    assert bridge.clients == 1 and bridge.received > 0 and bridge.sent > 0
    assert ("dtr", True) in bridge.line_changes  # the client's line settings reached the server


def test_a_config_sink_on_an_rfc2217_url_opens_as_the_session_opens_it(served, tmp_path) -> None:
    emu, bridge = served
    text = EXAMPLE.read_text()
    assert 'url = "emulate"' in text
    config = tmp_path / "stim.toml"
    config.write_text(text.replace('url = "emulate"', f'url = "{bridge.url}"'))
    (sink,) = load_config(config).loop.sinks
    assert sink.url == bridge.url
    register_secret(sink.url, emu.secret)  # as `neurolink emulate` users export the secret
    estop = EStop(AuditLog())
    try:
        device, started = open_device(sink.device, sink.url, estop=estop, audit=estop.audit)
        try:
            assert started is None  # a URL: no emulator started
            assert device.status().state is DeviceState.ARMED
            sent = device.stim(StimCommand(0, 20, 100, frequency_hz=100, pulse_count=1))
            device.flush(5.0)  # a session's driver may take its ACKs off the caller's thread
            final = list(device.take_replies()) if sent.status == "PENDING" else [sent]
            assert [s.status for s in final] == ["OK"] and final[0].seq == sent.seq
            wait_for(lambda: device.pulse_log().total == 1)  # the device delivered it
        finally:
            device.close()
    finally:
        forget_secret(sink.url)
    assert estop.audit.select()  # the session's audit log saw the device


@pytest.mark.parametrize(
    "url, cause",
    [
        ("rfc2217://127.0.0.1:{closed}", "Could not open port"),
        ("rfc2217://127.0.0.1:70000", "Port out of range"),
        ("rfc2217://127.0.0.1:{closed}?colour=blue", "unknown option"),
        ("nosuchscheme://127.0.0.1:1", "invalid URL"),
    ],
)
def test_a_port_that_cannot_be_opened_is_a_device_error_naming_the_url(url, cause) -> None:
    url = url.format(closed=closed_port())
    with pytest.raises(DeviceError, match=f"cannot open {re.escape(url)}: .*{cause}"):
        Transport(url).open()
    with pytest.raises(
        DeviceError, match=r"cannot open rfc2217://127\.0\.0\.1:\d+: Could not open port"
    ):
        StimulatorDriver(f"rfc2217://127.0.0.1:{closed_port()}", secret=b"k" * 32).open()


def test_a_server_that_does_not_speak_rfc2217_is_a_device_error() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True).start()
    url = f"rfc2217://127.0.0.1:{server.getsockname()[1]}?timeout=0.5"
    try:
        with pytest.raises(DeviceError, match=r"cannot open rfc2217://.*does not seem to support"):
            Transport(url).open()
    finally:
        for conn in accepted:
            conn.close()
        server.close()


def test_a_server_that_drops_the_connection_is_device_lost(served) -> None:
    _, bridge = served
    with Transport(bridge.url) as t:
        t.write(b"\x00")  # reaches the device: an empty frame it ignores
        wait_for(lambda: bridge.received == 1)
        bridge.drop_client()
        with pytest.raises(DeviceLost, match=f"{bridge.url}: read failed: connection failed"):
            for _ in range(100):  # the first read may still return b""
                t.read()
        with pytest.raises(DeviceLost, match=bridge.url):
            for _ in range(100):  # the socket's send buffer may take the first writes
                t.write(bytes([MsgType.HEARTBEAT]) * 64)
