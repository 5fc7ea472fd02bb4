"""The link: seq matching, bounded retries, timeouts, unsolicited frames, loss.

The peer here is a scripted device on the master side of a real pty that speaks the wire
codec; each test scripts how it answers. The real emulators are driven in test_drivers_* and
test_faults.
"""

from __future__ import annotations

import os
import random
import select
import socket
import threading
import time
import tty
from collections.abc import Callable

import pytest

from neurolink.hal import wire
from neurolink.hal.errors import DeviceError, DeviceLost
from neurolink.hal.link import Link
from neurolink.hal.transport import Transport
from neurolink.hal.wire import MsgType, Status

TIMEOUT = 0.1  # per attempt; the peer answers in well under a millisecond

Script = Callable[["Peer", "wire.Frame | wire.WireError"], None]


class Peer:
    """A scripted device on a pty: decodes what the host sends, calls ``script`` per item."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        os.close(slave)
        self.received: list[wire.Frame | wire.WireError] = []
        self._seq = wire.SeqCounter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def send(self, message: wire.Message) -> None:
        os.write(self.master, wire.encode(message, self._seq.next()))

    def send_raw(self, data: bytes) -> None:
        os.write(self.master, data)

    def _run(self) -> None:
        dec = wire.FrameDecoder()
        while not self._stop.is_set() and self.master is not None:
            r, _, _ = select.select([self.master], [], [], 0.02)
            if not r:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:  # the host has not opened the slave yet, or closed it
                time.sleep(0.01)
                continue
            for item in dec.feed(data):
                self.received.append(item)
                self.script(self, item)
                if self.master is None:  # the script unplugged the device
                    return

    def seqs(self, msg_type: MsgType) -> list[int]:
        return [f.seq for f in self.received if isinstance(f, wire.Frame) and f.type is msg_type]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        if self.master is not None:
            os.close(self.master)
            self.master = None


def ack_everything(peer: Peer, item: wire.Frame | wire.WireError) -> None:
    """A well-behaved device: ACK, INFO for HELLO, NACK with the codec's status for damage."""
    if isinstance(item, wire.WireError):
        if item.seq is not None:
            peer.send(wire.Nack(item.seq, item.status))
        return
    if isinstance(item.message, wire.Hello):
        peer.send(info_for(item.seq, item.message.nonce))
    else:
        peer.send(wire.Ack(item.seq))


def info_for(seq: int, nonce: bytes) -> wire.Info:
    limits = wire.NeuroLimits(1, 8, 4096, 8, 8, 1, 4096, 100, "loihi")
    return wire.Info(
        seq,
        nonce,
        bytes(16),
        wire.DeviceKind.NEUROMORPHIC,
        1,
        0,
        0,
        wire.Capability(0),
        0,
        "test peer",
        limits,
    )


@pytest.fixture
def make_link():
    made: list[tuple[Peer, Link]] = []

    def make(script: Script = ack_everything, **kw) -> tuple[Peer, Link]:
        peer = Peer(script)
        kw.setdefault("timeout", TIMEOUT)
        link = Link(Transport(peer.path), **kw).open()
        made.append((peer, link))
        return peer, link

    yield make
    for peer, link in made:
        link.close()
        peer.close()


def test_command_and_ack(make_link):
    _, link = make_link()
    ex = link.request(wire.Arm())
    assert ex.ok and ex.status is Status.OK and ex.attempts == 1
    assert ex.t_wire <= ex.t_reply and ex.rtt_s < 1.0
    ex2 = link.request(wire.Heartbeat())
    assert ex2.seq == ex.seq + 1  # one seq per command
    assert link.stats.requests == 2 and link.stats.retries == 0


def test_hello_info_and_a_stale_info_is_ignored(make_link):
    def script(peer: Peer, item) -> None:
        if isinstance(item, wire.Frame) and isinstance(item.message, wire.Hello):
            peer.send(info_for(item.seq, bytes(16)))  # stale: another nonce
            peer.send(info_for(item.seq, item.message.nonce))

    _, link = make_link(script)
    ex = link.request(wire.Hello((1234).to_bytes(16, "little")))
    assert isinstance(ex.reply, wire.Info) and ex.reply.nonce == (1234).to_bytes(16, "little")
    assert link.stats.unmatched == 1


def test_nack_is_returned_not_raised(make_link):
    def script(peer: Peer, item) -> None:
        detail = wire.limit_detail(wire.Limit.AMPLITUDE, 3)
        peer.send(wire.Nack(item.seq, Status.OUT_OF_LIMITS, detail))

    _, link = make_link(script)
    ex = link.request(wire.Stim.symmetric(3, 9000, 200, 13000, 1))
    assert not ex.ok and ex.status is Status.OUT_OF_LIMITS and link.stats.nacks == 1


def test_no_answer_is_device_lost_after_every_attempt(make_link):
    lost: list[DeviceLost] = []
    peer, link = make_link(lambda peer, item: None, retries=2)
    link.on_lost(lost.append)
    t0 = time.monotonic()
    with pytest.raises(DeviceLost, match=r"no reply to ARM \(seq 0\) after 3 attempt"):
        link.request(wire.Arm())
    elapsed = time.monotonic() - t0
    assert 3 * TIMEOUT * 0.9 <= elapsed < 3 * TIMEOUT + 1.0
    assert peer.seqs(MsgType.ARM) == [0, 0, 0]  # the same frame, the same seq, three times
    t0 = time.monotonic()
    with pytest.raises(DeviceLost):  # lost is final: no more waiting
        link.request(wire.Heartbeat())
    assert time.monotonic() - t0 < TIMEOUT
    deadline = time.monotonic() + 2
    while not lost and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(lost) == 1


def test_a_lost_ack_is_retried_with_the_same_seq(make_link):
    def script(peer: Peer, item) -> None:
        n = len(peer.seqs(MsgType.STIM))
        if n == 1:
            return  # the ACK of the first attempt is "lost"
        peer.send(wire.Ack(item.seq, Status.DUPLICATE))

    peer, link = make_link(script)
    ex = link.request(wire.Stim.symmetric(3, 100, 200, 13000, 1))
    assert ex.attempts == 2 and ex.status is Status.DUPLICATE and ex.ok
    assert peer.seqs(MsgType.STIM) == [ex.seq, ex.seq]
    assert link.stats.retries == 1 and link.stats.duplicates == 1 and link.stats.timeouts == 1


def test_bad_crc_nack_resends_at_once(make_link):
    peer, link = make_link(retries=2)
    link.tamper = lambda data, attempt: corrupt_crc(data) if attempt == 0 else data
    ex = link.request(wire.Stim.symmetric(3, 100, 200, 13000, 1))
    assert ex.ok and ex.attempts == 2
    assert link.stats.timeouts == 0  # resent on the NACK, not after a timeout
    errors = [i for i in peer.received if isinstance(i, wire.WireError)]
    assert [type(e) for e in errors] == [wire.CrcError]


def corrupt_crc(encoded: bytes) -> bytes:
    """The same frame with a wrong CRC (header and payload intact)."""
    raw = bytearray(wire.cobs_decode(encoded[:-1]))
    raw[-1] ^= 0x5A
    return wire.cobs_encode(bytes(raw)) + b"\x00"


def test_corrupt_crc_helper_breaks_only_the_crc():
    good = wire.encode(wire.Stim.symmetric(3, 100, 200, 13000, 1), 7)
    with pytest.raises(wire.CrcError) as e:
        wire.decode(corrupt_crc(good))
    assert e.value.seq == 7


def test_unsolicited_frames_go_to_handlers_in_order(make_link):
    def script(peer: Peer, item) -> None:
        peer.send(wire.Fault(wire.FaultCode.WATCHDOG, 0, 10))
        peer.send(wire.Log(wire.LogLevel.INFO, 11, "hello"))
        peer.send(wire.Ack(item.seq))
        peer.send(wire.ProsthesisState(12, wire.ProsthesisFlags.ARMED, 0.0, (0.5,), (0.0,)))

    _, link = make_link(script)
    got: list[tuple[MsgType, float]] = []
    done = threading.Event()
    for t in (MsgType.FAULT, MsgType.LOG, MsgType.PROSTHESIS_STATE):
        link.on(t, lambda f, t_rx: got.append((f.type, t_rx)))
    link.on(MsgType.PROSTHESIS_STATE, lambda f, t_rx: done.set())
    assert link.request(wire.Arm()).ok
    assert done.wait(2)
    assert [g[0] for g in got] == [MsgType.FAULT, MsgType.LOG, MsgType.PROSTHESIS_STATE]
    assert link.stats.unsolicited == 3


def test_collected_frames_belong_to_the_request(make_link):
    def script(peer: Peer, item) -> None:
        peer.send(wire.NeuroSpikes(1, ((0, (2, 7)),), wire.SpikesFlags.MORE))
        peer.send(wire.NeuroSpikes(1, ((1, (0,)),)))
        peer.send(wire.Ack(item.seq))

    _, link = make_link(script)
    handled: list[wire.Frame] = []
    link.on(MsgType.NEURO_SPIKES, lambda f, t: handled.append(f))
    ex = link.request(wire.NeuroStep(1), collect=(MsgType.NEURO_SPIKES,))
    assert [f.message.step for f in ex.collected] == [1, 1]
    assert ex.collected[0].message.spikes == ((0, (2, 7)),)
    assert handled == []


def test_garbage_from_the_device_is_survived(make_link):
    rng = random.Random(6)

    def script(peer: Peer, item) -> None:
        peer.send_raw(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
        peer.send_raw(b"\x00")  # the garbage ends; a receiver resynchronises here
        peer.send(wire.Ack(item.seq))

    _, link = make_link(script)
    for _ in range(20):
        assert link.request(wire.Heartbeat()).ok
    assert link.stats.bad_frames > 0


def test_port_closing_under_a_request_is_device_lost(make_link):
    def script(peer: Peer, item) -> None:
        os.close(peer.master)  # the device is unplugged instead of answering
        peer.master = None

    lost: list[DeviceLost] = []
    peer, link = make_link(script, timeout=5.0)
    link.on_lost(lost.append)
    t0 = time.monotonic()
    with pytest.raises(DeviceLost, match=peer.path):
        link.request(wire.Arm())
    assert time.monotonic() - t0 < 2.0  # noticed at once, not after the 5 s timeout
    deadline = time.monotonic() + 2
    while not lost and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(lost) == 1


def test_loopback_echo_is_not_an_answer():
    link = Link(Transport("loop://"), timeout=0.05, retries=1).open()
    try:
        with pytest.raises(DeviceLost):
            link.request(wire.Arm())
        assert link.stats.wrong_direction == 2  # our own ARM, read back twice
    finally:
        link.close()


def test_a_reply_of_the_wrong_type_is_an_error(make_link):
    _, link = make_link(lambda peer, item: peer.send(wire.Ack(item.seq)))
    with pytest.raises(DeviceError, match=r"answered HELLO .* with ACK, expected INFO"):
        link.request(wire.Hello((1).to_bytes(16, "little")))


def test_a_failing_handler_stops_the_link_loudly(make_link):
    def script(peer: Peer, item) -> None:
        peer.send(wire.Log(wire.LogLevel.INFO, 0, "x"))
        peer.send(wire.Ack(item.seq))

    _, link = make_link(script)
    link.on(MsgType.LOG, lambda f, t: 1 / 0)
    link.request(wire.Arm())
    deadline = time.monotonic() + 2
    while link.error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(DeviceError, match="handler failed") as e:
        link.request(wire.Arm())
    assert isinstance(e.value.__cause__, ZeroDivisionError)


def test_requests_from_two_threads_are_serialised(make_link):
    peer, link = make_link()
    errors: list[BaseException] = []

    def beat() -> None:
        try:
            for _ in range(50):
                assert link.request(wire.Heartbeat()).ok
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=beat) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors
    assert sorted(peer.seqs(MsgType.HEARTBEAT)) == list(range(150))
    assert link.stats.retries == 0


def test_request_before_open_and_bad_arguments():
    link = Link(Transport("loop://"))
    with pytest.raises(DeviceError, match="not open"):
        link.request(wire.Arm())
    with pytest.raises(ValueError):
        link.request(wire.Ack(0))  # a device → host message
    with pytest.raises(ValueError):
        Link(Transport("loop://"), timeout=0)
    with pytest.raises(ValueError):
        Link(Transport("loop://"), retries=-1)


def test_reopen_after_loss_over_a_socket():
    """Reconnect is explicit: the lost link is reopened by hand and carries on numbering."""
    server = socket.create_server(("127.0.0.1", 0))
    seen: list[int] = []

    def serve(n_connections: int) -> None:
        for k in range(n_connections):
            conn, _ = server.accept()
            dec = wire.FrameDecoder()
            with conn:
                while True:
                    data = conn.recv(4096)
                    if not data:
                        break
                    frames = [f for f in dec.feed(data) if isinstance(f, wire.Frame)]
                    for f in frames:
                        seen.append(f.seq)
                        conn.sendall(wire.encode(wire.Ack(f.seq), 0))
                    if k == 0 and len(seen) == 2:  # unplugged after two commands
                        break

    th = threading.Thread(target=serve, args=(2,), daemon=True)
    th.start()
    link = Link(Transport(f"socket://127.0.0.1:{server.getsockname()[1]}"), timeout=0.5)
    link.open()
    try:
        link.request(wire.Arm())
        link.request(wire.Heartbeat())
        with pytest.raises(DeviceLost):
            for _ in range(10):  # the peer hung up; noticed by the reader or the next write
                link.request(wire.Heartbeat())
        link.close()
        link.transport.reopen(attempts=3, interval_s=0.05)
        link.open()
        assert link.lost is None
        ex = link.request(wire.Heartbeat())
        assert ex.ok and ex.seq == seen[-1] and ex.seq > 1  # numbering continues
    finally:
        link.close()
        server.close()
