"""Frames on a byte stream: any split, garbage, corruption, over-long frames, resync."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurolink.hal import wire
from tests.hal._wire_strategies import any_message

FUZZ = settings(
    max_examples=300,
    deadline=timedelta(seconds=2),  # a hang fails the example instead of stalling the suite
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _feed_in_pieces(dec: wire.FrameDecoder, data: bytes, cuts: list[int]) -> list:
    out: list = []
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    for a, b in itertools.pairwise(bounds):
        out += dec.feed(data[a:b])
    return out


@settings(max_examples=150)
@given(
    st.lists(st.tuples(any_message, st.integers(0, 0xFFFF)), min_size=1, max_size=8),
    st.lists(st.integers(0, 10_000), max_size=40),
)
def test_frames_split_at_random_points(msgs: list, cuts: list[int]) -> None:
    stream = b"".join(wire.encode(m, seq) for m, seq in msgs)
    dec = wire.FrameDecoder()
    out = _feed_in_pieces(dec, stream, cuts)
    assert out == [wire.Frame(seq, m) for m, seq in msgs]
    assert dec.pending == 0 and dec.stats.frames == len(msgs) and dec.stats.errors == 0


def test_byte_at_a_time_and_bytearray_memoryview() -> None:
    frame = wire.encode(wire.NeuroStep(1, [(0, tuple(range(100)))]), 40000)
    dec = wire.FrameDecoder()
    out = []
    for i in range(len(frame)):
        out += dec.feed(memoryview(bytearray(frame[i : i + 1])))
    assert [f.seq for f in out] == [40000]


@FUZZ
@given(st.binary(max_size=5000), st.lists(st.integers(0, 10_000), max_size=20))
def test_garbage_only_yields_wire_errors(garbage: bytes, cuts: list[int]) -> None:
    dec = wire.FrameDecoder()
    out = _feed_in_pieces(dec, garbage, cuts)
    assert all(isinstance(x, wire.Frame | wire.WireError) for x in out)
    assert dec.pending <= wire.MAX_ENCODED


@FUZZ
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=300),
            st.binary(min_size=1, max_size=300).map(lambda b: b.replace(b"\x00", b"\x01")),
            st.integers(1, 3000).map(lambda n: b"\x07" * n),  # long runs without delimiter
        ),
        min_size=1,
        max_size=10,
    )
)
def test_garbage_between_frames_loses_no_frame(junk: list[bytes]) -> None:
    expected = [wire.Frame(seq, wire.Heartbeat()) for seq in range(len(junk))]
    dec = wire.FrameDecoder()
    out = []
    for j, frame in zip(junk, expected, strict=True):
        out += dec.feed(j + b"\x00" + wire.encode(frame.message, frame.seq))  # 0x00: resync
    assert all(isinstance(x, wire.Frame | wire.WireError) for x in out)
    assert [x for x in out if x in expected] == expected


@FUZZ
@given(st.sampled_from(list(wire.MsgType)), st.integers(0, 0xFFFF), st.binary(max_size=1100))
def test_valid_crc_random_payload_only_payload_errors(
    msg_type: wire.MsgType, seq: int, payload: bytes
) -> None:
    frame = wire.encode_raw(msg_type, seq, payload)
    try:
        got = wire.decode(frame)
    except (wire.PayloadError, wire.FrameTooLongError) as e:
        assert e.seq == seq or isinstance(e, wire.FrameTooLongError)
        return
    assert got.seq == seq and got.type is msg_type
    assert got.message.pack() == payload  # what parses re-encodes to the same bytes


def _code_positions(encoded: bytes) -> set[int]:
    """Offsets of the COBS code bytes of an encoded frame (without its delimiter)."""
    pos, i = set(), 0
    while i < len(encoded):
        pos.add(i)
        i += encoded[i]
    return pos


@settings(max_examples=200)
@given(any_message, st.integers(0, 0xFFFF), st.integers(0, 10_000), st.integers(1, 0xFF))
def test_corrupted_data_byte_is_a_crc_error(
    msg: wire.Message, seq: int, where: int, xor: int
) -> None:
    enc = wire.encode(msg, seq)[:-1]
    data_pos = sorted(set(range(len(enc))) - _code_positions(enc))
    i = data_pos[where % len(data_pos)]
    new = enc[i] ^ xor
    if new == 0:
        new = enc[i] ^ 0xFF or 0x01
    bad = enc[:i] + bytes([new]) + enc[i + 1 :] + b"\x00"
    [err] = wire.FrameDecoder().feed(bad)
    assert isinstance(err, wire.CrcError) and err.status is wire.Status.BAD_CRC


@settings(max_examples=200, derandomize=True)
@given(any_message, st.integers(0, 10_000), st.integers(1, 0xFF))
def test_corrupted_code_byte_is_an_error(msg: wire.Message, where: int, xor: int) -> None:
    enc = wire.encode(msg, 0x1234)[:-1]
    codes = sorted(_code_positions(enc))
    i = codes[where % len(codes)]
    new = enc[i] ^ xor or 0x01
    if new == enc[i]:
        return
    [err] = wire.FrameDecoder().feed(enc[:i] + bytes([new]) + enc[i + 1 :] + b"\x00")
    assert isinstance(err, wire.WireError)


def test_over_long_frame_is_dropped_reported_once_and_decoder_recovers() -> None:
    dec = wire.FrameDecoder()
    out = dec.feed(b"\x11" * 600)
    assert out == [] and dec.pending == 600
    out = dec.feed(b"\x22" * 600)
    assert len(out) == 1 and isinstance(out[0], wire.FrameTooLongError)
    assert dec.pending == 0
    assert dec.feed(b"\x33" * 5000) == []  # still dropping, not reported again
    out = dec.feed(b"\x00" + wire.encode(wire.Arm(), 5))
    assert out == [wire.Frame(5, wire.Arm())]
    assert dec.stats.bytes_dropped == 6200 and dec.stats.errors == 1


def test_longest_frame_passes_one_byte_more_fails() -> None:
    # no zero byte anywhere: COBS adds its most overhead (the bound MAX_ENCODED is reached)
    chunk = wire.NeuroLoad(0x0101, 0x0202, 0x01010101, 0x01010101, b"\x5a" * wire.MAX_LOAD_CHUNK)
    enc = next(
        e
        for seq in range(0x0101, 0xFFFF)
        if len(e := wire.encode(chunk, seq)) == wire.MAX_ENCODED + 1
    )
    assert wire.FrameDecoder().feed(enc) == [wire.decode(enc)]
    assert wire.decode(enc).message == chunk
    too_long = wire.encode_raw(wire.MsgType.NEURO_LOAD, 1, chunk.pack() + b"\x5a")
    [err] = wire.FrameDecoder().feed(too_long)
    assert isinstance(err, wire.FrameTooLongError)
    with pytest.raises(wire.FrameTooLongError):
        wire.decode(too_long)


@pytest.mark.parametrize(
    ("frame", "error", "status"),
    [
        (wire.encode_raw(wire.MsgType.ARM, 3, b"", version=1), wire.VersionError, "BAD_VERSION"),
        (wire.encode_raw(0x7E, 3, b""), wire.UnknownTypeError, "UNKNOWN_TYPE"),
        (wire.encode_raw(wire.MsgType.STIM, 3, b"\x01\x02"), wire.PayloadLengthError,
         "BAD_PAYLOAD"),
        (wire.cobs_encode(b"\x01\x06\x03") + b"\x00", wire.ShortFrameError, "BAD_FRAME"),
        (b"\x05\x01\x00", wire.FramingError, "BAD_FRAME"),
    ],
)  # fmt: skip
def test_each_error_carries_its_nack_status_and_seq(frame: bytes, error: type, status: str):
    [err] = wire.FrameDecoder().feed(frame)
    assert type(err) is error and err.status is wire.Status[status]
    if error not in (wire.FramingError, wire.ShortFrameError):
        assert err.seq == 3
    with pytest.raises(error):
        wire.decode(frame)


def test_empty_frames_are_skipped() -> None:
    dec = wire.FrameDecoder()
    assert dec.feed(b"\x00\x00\x00" + wire.encode(wire.Disarm(), 1) + b"\x00") == [
        wire.Frame(1, wire.Disarm())
    ]
    assert dec.stats.errors == 0


def test_reset_drops_a_partial_frame() -> None:
    dec = wire.FrameDecoder()
    enc = wire.encode(wire.Hello((7).to_bytes(16, "little")), 2)
    dec.feed(enc[:5])
    dec.reset()
    assert dec.feed(enc[5:]) != [wire.Frame(2, wire.Hello((7).to_bytes(16, "little")))]
    assert dec.feed(enc) == [wire.Frame(2, wire.Hello((7).to_bytes(16, "little")))]
