"""Who may command a device: authenticated, exclusive sessions (issue 13, findings 1, 2, 9).

Every test runs the real emulator in its own process, on a real pty or TCP socket, and talks to
it with raw frames: what is checked is the device's own refusal, with no host safety layer.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from neurolink.hal import wire
from tests.devices._client import SECRET, Client, nack, wait_until

S = wire.Status
DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")
TRAIN = wire.Stim.symmetric(12, 1000, 100, 10000, 10)  # 10 pulses on a macroelectrode


def _doc_example(message: str, key: str, where: str) -> bytes:
    """The ``key`` bytes of the first wire-example of ``message`` after the text ``where``."""
    at = DOC.index(where)
    for body in re.findall(r"```wire-example\n(.*?)```", DOC[at:], flags=re.S):
        if re.search(rf"^message:\s*{message}\s*$", body, flags=re.M):
            m = re.search(rf"^{key}:\s*(.*?)(?=^\w+:|\Z)", body, flags=re.M | re.S)
            assert m is not None
            return bytes.fromhex(m[1].replace("|", " "))
    raise AssertionError(f"no {message} example after {where!r}")


def test_an_old_host_gets_the_documented_bad_version_nack(start_device):
    """docs/protocol.md §4 "Old hosts": the v1 HELLO's reply, byte for byte."""
    proc, _ = start_device("devices.stimulator", connect=False)
    hello_v1 = _doc_example("HELLO", "encoded", "**Old hosts.**")
    expected = _doc_example("NACK", "encoded", "**Old hosts.**")
    c = Client(proc.url)
    try:
        c.write(hello_v1)
        got = b""
        deadline = time.monotonic() + 5
        while not got.endswith(b"\x00") and time.monotonic() < deadline:
            got += c.serial.read(max(1, c.serial.in_waiting))
        assert got.hex(" ") == expected.hex(" ")
    finally:
        c.close()


def test_an_unauthenticated_session_cannot_arm_stimulate_or_feed_the_watchdog(start_device):
    _, c = start_device("devices.stimulator", authenticate=False)
    c.hello()
    for msg in (
        wire.Arm(),
        wire.Heartbeat(),
        TRAIN,
        wire.ChannelQuery(0, 1),
        wire.PulseLogQuery(0, 1),
        wire.ResetEStop(),
    ):
        assert nack(S.NOT_AUTHENTICATED)(c.command(msg)), msg
    # what makes the device safer is taken from anyone
    for msg in (wire.EStop(), wire.Disarm(), wire.StimStop(wire.ALL_CHANNELS)):
        r = c.command(msg)
        assert isinstance(r, wire.Ack), (msg, r)
    status = c.command(wire.StatusQuery())
    assert isinstance(status, wire.StatusReport) and status.state is wire.DeviceState.ESTOPPED
    c.authenticate()
    assert c.pulse_total() == 0


def test_a_wrong_secret_is_refused_and_each_challenge_answers_once(start_device):
    _, c = start_device("devices.stimulator", authenticate=False)
    nonce = bytes(range(16))
    info = c.hello(nonce)
    wrong = wire.auth.host_mac(b"\x55" * 32, nonce, info.device_nonce)
    assert nack(S.NOT_AUTHENTICATED)(c.command(wire.Auth(wrong)))
    right = wire.auth.host_mac(SECRET, nonce, info.device_nonce)
    assert nack(S.BAD_STATE)(c.command(wire.Auth(right)))  # that challenge is spent
    assert nack(S.NOT_AUTHENTICATED)(c.command(wire.Arm()))
    info2 = c.hello(nonce)  # the same host nonce: the device's challenge is new anyway
    assert info2.device_nonce != info.device_nonce
    # the AUTH of the first challenge, replayed: it does not fit the new challenge
    assert nack(S.NOT_AUTHENTICATED)(c.command(wire.Auth(right)))
    c.authenticate()
    c.ack(wire.Arm())


def test_a_replayed_old_stim_is_not_delivered_again(stim):
    """Finding 9: a STIM frame sent earlier, written again after newer commands."""
    _, c = stim
    c.ack(wire.Arm())
    c.ack(wire.Heartbeat())
    old = wire.encode(TRAIN, c.seq.peek())
    c.write(old)
    assert isinstance(c.reply(wire.decode(old).seq), wire.Ack)
    wait_until(lambda: c.pulse_total() == 10)
    c.ack(wire.Heartbeat())
    seq = wire.decode(old).seq
    c.serial.write(old)  # the replay (raw: the client's count is not moved back)
    assert nack(S.STALE_SEQ)(c.reply(seq))
    time.sleep(0.2)  # a second train would have delivered its 10 pulses in 90 ms
    assert c.pulse_total() == 10


def test_a_second_socket_client_gets_session_busy_and_no_pulse(start_device):
    """Finding 1: a second TCP client while a session is live."""
    proc, _ = start_device("devices.stimulator", "--socket", "127.0.0.1:0", connect=False)
    host = Client(proc.url)
    intruder = None
    try:
        host.authenticate()
        host.ack(wire.Arm())
        intruder = Client(proc.url)
        for msg in (wire.Hello(bytes(16)), wire.Arm(), TRAIN):
            assert nack(S.SESSION_BUSY)(intruder.command(msg)), msg
        host.ack(wire.Heartbeat())
        assert host.pulse_total() == 0
        host.ack(wire.Heartbeat())
        host.ack(TRAIN)  # the host's session is unaffected
        wait_until(lambda: host.pulse_total() == 10)
        assert "refused a second host" in proc.stderr()
    finally:
        host.close()
        if intruder is not None:
            intruder.close()


def test_a_squatter_that_never_authenticates_yields_to_the_host(start_device):
    proc, _ = start_device(
        "devices.stimulator", "--socket", "127.0.0.1:0", "--auth-timeout", "0.5", connect=False
    )
    squatter = Client(proc.url)
    host = None
    try:
        squatter.hello()  # connected first, cannot authenticate
        time.sleep(0.6)
        host = Client(proc.url)
        host.authenticate()  # the squatter is dropped: its auth time is over
        host.ack(wire.Arm())
        assert proc.proc.poll() is None
    finally:
        squatter.close()
        if host is not None:
            host.close()


@pytest.mark.parametrize("public", [False, True])
def test_a_socket_binds_loopback_unless_told_otherwise(start_device, tmp_path, public):
    from tests.devices._client import DeviceProcess

    args = ["--socket", "0.0.0.0:0"] + (["--socket-public"] if public else [])
    if not public:
        with pytest.raises(RuntimeError, match="--socket-public"):
            DeviceProcess("devices.stimulator", args, tmp_path)  # no PORT line: refused
        return
    proc, _ = start_device("devices.stimulator", *args, connect=False)
    assert proc.url.startswith("socket://0.0.0.0:")
    assert "WARNING: listening on 0.0.0.0" in proc.stderr()
