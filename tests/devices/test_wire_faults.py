"""Damaged, unknown, misdirected and repeated frames: NACKed per docs/protocol.md, never fatal."""

from __future__ import annotations

import random
import time

from neurolink.hal import wire
from tests.devices._client import nack, wait_until

S = wire.Status


def _still_answers(c) -> None:
    info = c.command(wire.Hello((99).to_bytes(16, "little")))
    assert isinstance(info, wire.Info) and info.nonce == (99).to_bytes(16, "little")


def test_corrupted_frame_is_nacked_bad_crc_and_not_executed(stim):
    _, c = stim
    c.ack(wire.Arm())
    good = bytearray(wire.encode(wire.Stim.symmetric(12, 1000, 100, 10000, 5), seq=40))
    good[7] ^= 0x01  # a payload byte (amplitude), still non-zero: the COBS stays valid
    c.write(bytes(good))
    assert nack(S.BAD_CRC)(c.reply(40))
    assert c.pulse_total() == 0
    _still_answers(c)


def test_documented_bad_frames_get_their_nack(stim):
    _, c = stim
    cases = [  # (bytes, seq in the header, status): docs/protocol.md section 11
        (wire.encode_raw(0x7E, 20, b"\xca\xfe"), 20, S.UNKNOWN_TYPE),
        (wire.encode_raw(0x20, 21, b"\x03\x00"), 21, S.BAD_PAYLOAD),
        (wire.encode_raw(0x06, 22, b"", version=1), 22, S.BAD_VERSION),  # an old host
        (wire.cobs_encode(b"\x01\x05\x17\x00\x00") + b"\x00", 23, S.BAD_FRAME),  # 5 bytes
        (wire.encode(wire.Ack(0), 24), 24, S.UNKNOWN_TYPE),  # a device-to-host message
        (wire.encode(wire.ResetEStop(key=1), 25), 25, S.BAD_PAYLOAD),
        (wire.encode(wire.ProsthesisVelocity((0.1,)), 26), 26, S.NOT_SUPPORTED),  # other kind
        (wire.encode(wire.NeuroReset(), 27), 27, S.NOT_SUPPORTED),
    ]
    for data, seq, status in cases:
        c.write(data)
        assert nack(status)(c.reply(seq)), status
    status = c.command(wire.StatusQuery())
    assert isinstance(status, wire.StatusReport)
    assert status.state is wire.DeviceState.DISARMED  # the version-1 ARM did nothing
    assert status.rx_errors == 4  # unknown type, bad payload, bad version, short frame


def test_garbage_on_the_line_never_stops_it(stim):
    _, c = stim
    rng = random.Random(20240601)
    for _ in range(20):
        c.write(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600))))
    c.write(bytes(rng.randrange(1, 256) for _ in range(5000)))  # over-long: no 0x00 at all
    c.write(b"\x05\x01\x00")  # bad COBS: no header, so no NACK
    c.write(b"\x00")  # flush any partial frame
    c.pump(0.2)
    _still_answers(c)
    status = c.command(wire.StatusQuery())
    assert isinstance(status, wire.StatusReport) and status.rx_errors > 0
    assert status.state is wire.DeviceState.DISARMED


def test_duplicate_seq_is_acked_duplicate_and_not_run_twice(stim):
    _, c = stim
    c.ack(wire.Arm())
    c.ack(wire.Heartbeat())
    frame = wire.encode(wire.Stim.symmetric(12, 1000, 100, 10000, 3), seq=100)
    c.write(frame)
    r = c.reply(100)
    assert isinstance(r, wire.Ack) and r.status is S.OK
    c.write(frame)  # the retry of a host whose ACK was lost
    r = c.reply(100)
    assert isinstance(r, wire.Ack) and r.status is S.DUPLICATE
    wait_until(lambda: c.pulse_total() >= 3)
    time.sleep(0.1)  # a second train would have added three pulses within 30 ms
    assert c.pulse_total() == 3
    # a refused command's retry gets the same NACK
    s1 = c.seq.peek()  # the seqs of the queries above are behind: they would be stale
    refused = wire.encode(wire.Stim.symmetric(12, 6000, 100, 10000, 3), seq=s1)
    detail = wire.limit_detail(wire.Limit.AMPLITUDE, 12)
    c.write(refused)
    assert nack(S.OUT_OF_LIMITS, detail)(c.reply(s1))
    c.write(refused)
    assert nack(S.OUT_OF_LIMITS, detail)(c.reply(s1))
    # a query is answered afresh
    s2 = c.seq.peek()
    hello = wire.encode(wire.Hello((5).to_bytes(16, "little")), seq=s2)
    for _ in range(2):
        c.write(hello)
        assert isinstance(c.reply(s2), wire.Info)
    # the same seq with another message is refused, not run (test_doc_agreement, point 4)
    c.write(wire.encode(wire.Stim.symmetric(12, 1000, 100, 10000, 1), seq=s2))
    assert nack(S.STALE_SEQ)(c.reply(s2))
    assert c.pulse_total() == 3
