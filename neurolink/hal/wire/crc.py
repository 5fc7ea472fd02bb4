"""CRC-16/CCITT-FALSE of the frame, and CRC-32 of a NEURO_LOAD document.

CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no input or output reflection, no
final XOR; the check value (the CRC of ASCII ``123456789``) is 0x29B1.

:func:`crc16_reference` is the table-driven form a firmware would use (one table look-up per
byte). :func:`crc16` computes the same CRC with :func:`binascii.crc_hqx`, which is this very
algorithm (polynomial 0x1021, MSB first, no final XOR) in C, given the initial value 0xFFFF;
the tests check that the two agree on random data.
"""

from __future__ import annotations

import binascii
import zlib

__all__ = ["CRC16_INIT", "CRC16_POLY", "CRC16_TABLE", "crc16", "crc16_reference", "crc32"]

CRC16_POLY = 0x1021
CRC16_INIT = 0xFFFF


def _make_table(poly: int) -> tuple[int, ...]:
    """CRC of each byte value shifted into the top of a zero register (MSB-first, 16-bit)."""
    table = []
    for byte in range(256):
        reg = byte << 8
        for _ in range(8):
            reg = (reg << 1) ^ poly if reg & 0x8000 else reg << 1
        table.append(reg & 0xFFFF)
    return tuple(table)


CRC16_TABLE: tuple[int, ...] = _make_table(CRC16_POLY)


def crc16_reference(data: bytes, init: int = CRC16_INIT) -> int:
    """CRC-16/CCITT-FALSE, table-driven, one byte per step.

    Parameters
    ----------
    data : bytes
        The bytes to check.
    init : int
        Register value to start from (0xFFFF; pass a previous result to continue a CRC).

    Returns
    -------
    int
        The CRC, 0..0xFFFF.
    """
    crc = init
    for byte in data:
        # the byte enters at the top of the register; the table holds its 8 shift steps at once
        crc = ((crc << 8) & 0xFFFF) ^ CRC16_TABLE[(crc >> 8) ^ byte]
    return crc


def crc16(data: bytes, init: int = CRC16_INIT) -> int:
    """CRC-16/CCITT-FALSE (same result as :func:`crc16_reference`, computed in C).

    Parameters
    ----------
    data : bytes
        The bytes to check.
    init : int
        Register value to start from (0xFFFF).

    Returns
    -------
    int
        The CRC, 0..0xFFFF.
    """
    return binascii.crc_hqx(data, init)


def crc32(data: bytes) -> int:
    """CRC-32 (ISO-HDLC, as zlib and PNG: reflected polynomial 0xEDB88320), of a whole document.

    Returns
    -------
    int
        The CRC, 0..0xFFFFFFFF; ASCII ``123456789`` gives 0xCBF43926.
    """
    return zlib.crc32(data) & 0xFFFFFFFF
