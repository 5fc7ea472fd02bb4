"""Property-based fuzzing of every parser of outside bytes in the wire codec (issue 13).

Documented error types only: the codec raises :class:`~neurolink.hal.wire.WireError` subclasses
(``docs/protocol.md`` §3), the stream decoder never raises at all, and the secret parsers raise
:class:`~neurolink.hal.wire.auth.SecretError`. Anything else escaping (IndexError,
struct.error, UnicodeDecodeError, RecursionError, MemoryError ...) fails these tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurolink.hal import wire
from neurolink.hal.wire import auth
from tests.hal._wire_strategies import any_message

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLASSES = list(wire.MESSAGES.values())


def test_an_info_whose_neuro_limits_lack_profile_len_is_refused() -> None:
    """Finding 9: the NeuroLimits block ends right before its profile_len byte."""
    info = wire.Info(
        0, bytes(16), bytes(16), wire.DeviceKind.NEUROMORPHIC, 1, 0, 0, 0, 0, "emu",
        wire.NeuroLimits(1, 8, 4096, 8, 8, 1, 4096, 100, ""),
    )  # fmt: skip
    payload = info.pack()[:-1]  # the empty profile's length byte, dropped
    with pytest.raises(wire.PayloadLengthError, match="profile_len"):
        wire.Info.unpack(payload)
    with pytest.raises(wire.PayloadLengthError):
        wire.decode(wire.encode_raw(wire.MsgType.INFO, 0, payload))


@FUZZ
@given(st.sampled_from(CLASSES), st.binary(max_size=wire.MAX_PAYLOAD + 8))
def test_unpack_of_any_payload_raises_only_payload_errors(cls: type, payload: bytes) -> None:
    try:
        msg = cls.unpack(payload)
    except wire.PayloadError:
        return
    assert msg.pack() == payload  # what parses is exactly what it says


@FUZZ
@given(st.binary(max_size=1200))
def test_decode_of_any_bytes_raises_only_wire_errors(data: bytes) -> None:
    try:
        frame = wire.decode(data)
    except wire.WireError as e:
        assert isinstance(e.status, wire.Status)
        return
    assert isinstance(frame.message, wire.Message)


@FUZZ
@given(st.lists(st.binary(max_size=400), max_size=12))
def test_the_stream_decoder_never_raises(pieces: list[bytes]) -> None:
    dec = wire.FrameDecoder()
    for piece in pieces:
        for item in dec.feed(piece):
            assert isinstance(item, wire.Frame | wire.WireError)
    assert dec.pending <= wire.MAX_ENCODED


@FUZZ
@given(any_message, st.integers(0, 0xFFFF), st.data())
def test_damaged_frames_raise_only_wire_errors(msg: wire.Message, seq: int, data) -> None:
    raw = bytearray(wire.cobs_decode(wire.encode(msg, seq)[:-1]))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):  # keep the CRC right: the payload checks must hold alone
        raw[-2:] = wire.crc16(bytes(raw[:-2])).to_bytes(2, "little")
    try:
        wire.decode(wire.cobs_encode(bytes(raw)) + b"\x00")
    except wire.WireError:
        pass


@FUZZ
@given(st.text(max_size=600))
def test_secret_text_raises_only_secret_errors(text: str) -> None:
    try:
        secret = auth.parse_secret(text)
    except auth.SecretError:
        return
    assert auth.MIN_SECRET_BYTES <= len(secret) <= auth.MAX_SECRET_BYTES


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=5000))
def test_key_files_raise_only_secret_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "device.key"
    path.write_bytes(content)
    try:
        auth.read_key_file(path)
    except auth.SecretError:
        pass
