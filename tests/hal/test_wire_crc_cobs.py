"""CRC-16/CCITT-FALSE and COBS against published vectors, and their round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neurolink.hal.wire import (
    FramingError,
    cobs_decode,
    cobs_encode,
    crc16,
    crc16_reference,
    crc32,
    max_encoded_size,
)
from neurolink.hal.wire.crc import CRC16_TABLE

# CRC-16/CCITT-FALSE: the check value is from the CRC RevEng catalogue ("123456789" -> 0x29B1);
# the others are the 0xFFFF-initialised, non-augmented values tabulated by Joe Geluso
# ("CRC-CCITT -- 16-bit"), which are this CRC.
CRC_VECTORS = [
    (b"123456789", 0x29B1),
    (b"", 0xFFFF),
    (b"A", 0xB915),
    (b"A" * 256, 0xEA0B),
]


@pytest.mark.parametrize(("data", "crc"), CRC_VECTORS)
def test_crc16_published_values(data: bytes, crc: int) -> None:
    assert crc16_reference(data) == crc
    assert crc16(data) == crc


def test_crc16_table_matches_the_published_ccitt_table() -> None:
    # rows of the widely printed CRC-CCITT (0x1021, MSB first) look-up table
    assert len(CRC16_TABLE) == 256
    assert CRC16_TABLE[:8] == (0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50A5, 0x60C6, 0x70E7)
    assert CRC16_TABLE[128:132] == (0x9188, 0x81A9, 0xB1CA, 0xA1EB)
    assert CRC16_TABLE[-4:] == (0x2E93, 0x3EB2, 0x0ED1, 0x1EF0)


@given(st.binary(max_size=600))
def test_crc16_table_driven_matches_c(data: bytes) -> None:
    assert crc16_reference(data) == crc16(data)


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_crc16_continues_across_pieces(a: bytes, b: bytes) -> None:
    assert crc16_reference(b, crc16_reference(a)) == crc16_reference(a + b)


@given(st.binary(max_size=300))
def test_crc16_residue_is_zero(data: bytes) -> None:
    # no reflection, no final XOR: appending the CRC big-endian leaves a zero register
    assert crc16_reference(data + crc16(data).to_bytes(2, "big")) == 0


def test_crc32_check_value() -> None:
    assert crc32(b"123456789") == 0xCBF43926


def _seq(first: int, last: int) -> bytes:
    return bytes(range(first, last + 1))


# Wikipedia, "Consistent Overhead Byte Stuffing", encoding examples (with the 0x00 delimiter).
COBS_VECTORS = [
    (b"\x00", b"\x01\x01\x00"),
    (b"\x00\x00", b"\x01\x01\x01\x00"),
    (b"\x00\x11\x00", b"\x01\x02\x11\x01\x00"),
    (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33\x00"),
    (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44\x00"),
    (b"\x11\x00\x00\x00", b"\x02\x11\x01\x01\x01\x00"),
    (_seq(0x01, 0xFE), b"\xff" + _seq(0x01, 0xFE) + b"\x00"),
    (b"\x00" + _seq(0x01, 0xFE), b"\x01\xff" + _seq(0x01, 0xFE) + b"\x00"),
    (_seq(0x01, 0xFF), b"\xff" + _seq(0x01, 0xFE) + b"\x02\xff\x00"),
    (_seq(0x02, 0xFF) + b"\x00", b"\xff" + _seq(0x02, 0xFF) + b"\x01\x01\x00"),
    (_seq(0x03, 0xFF) + b"\x00\x01", b"\xfe" + _seq(0x03, 0xFF) + b"\x02\x01\x00"),
    (b"", b"\x01\x00"),
]


@pytest.mark.parametrize(("data", "encoded"), COBS_VECTORS)
def test_cobs_published_vectors(data: bytes, encoded: bytes) -> None:
    assert cobs_encode(data) + b"\x00" == encoded
    assert cobs_decode(encoded[:-1]) == data


@given(st.binary(max_size=2000))
def test_cobs_round_trip_and_bounds(data: bytes) -> None:
    enc = cobs_encode(data)
    assert 0 not in enc
    assert len(data) + 1 <= len(enc) <= max_encoded_size(len(data))
    assert cobs_decode(enc) == data


@given(st.integers(1, 5).flatmap(lambda k: st.just(b"\x5a" * (254 * k))))
def test_cobs_full_blocks_have_no_trailing_code(data: bytes) -> None:
    assert len(cobs_encode(data)) == len(data) + len(data) // 254


@pytest.mark.parametrize(
    "bad",
    [b"", b"\x00", b"\x03\x11", b"\x02\x11\x00\x01", b"\x05\x11\x22\x33", b"\xff\x01"],
)
def test_cobs_decode_rejects_malformed(bad: bytes) -> None:
    with pytest.raises(FramingError):
        cobs_decode(bad)


@given(st.binary(max_size=600))
def test_cobs_decode_of_garbage_raises_only_framing_error(data: bytes) -> None:
    try:
        cobs_decode(data)
    except FramingError:
        pass
