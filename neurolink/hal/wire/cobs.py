"""Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999): frames without zero bytes.

The encoder replaces every zero of the data by a code byte that says how many non-zero bytes
follow before the next (implied) zero; a code of 0xFF means 254 data bytes and no implied zero.
The output never contains 0x00, so 0x00 delimits frames on the wire. Overhead: at most one byte
per 254, plus one (:func:`max_encoded_size`).
"""

from __future__ import annotations

from neurolink.hal.wire.errors import FramingError

__all__ = ["cobs_decode", "cobs_encode", "max_encoded_size"]

_BLOCK = 254  # data bytes of a full block (code 0xFF)


def max_encoded_size(n: int) -> int:
    """Upper bound of the COBS encoding of ``n`` bytes (no delimiter): ``n + n // 254 + 1``."""
    return n + n // _BLOCK + 1


_CODE = tuple(bytes([i]) for i in range(256))  # code byte values as 1-byte strings


def cobs_encode(data: bytes) -> bytes:
    """COBS-encode ``data`` (the result holds no 0x00; the caller appends the delimiter).

    Parameters
    ----------
    data : bytes
        Any bytes, zeros included.

    Returns
    -------
    bytes
        The encoding, ``len(data) + 1`` to :func:`max_encoded_size` bytes long.
    """
    segments = bytes(data).split(b"\x00")
    if max(map(len, segments)) < _BLOCK:  # the usual case: every piece fits one code byte
        return b"".join([_CODE[len(seg) + 1] + seg for seg in segments])
    out = bytearray()
    last = len(segments) - 1
    for i, seg in enumerate(segments):
        # a segment is followed by an implied zero, except the last one
        start = 0
        while len(seg) - start >= _BLOCK:
            out.append(0xFF)
            out += seg[start : start + _BLOCK]
            start += _BLOCK
        rest = len(seg) - start
        # the last segment ending on a full block needs no further code byte
        if i < last or rest or start == 0:
            out.append(rest + 1)
            out += seg[start:]
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    """Decode one COBS frame (without its 0x00 delimiter).

    Parameters
    ----------
    data : bytes
        The encoded frame.

    Returns
    -------
    bytes
        The original data.

    Raises
    ------
    FramingError
        ``data`` is empty or holds a zero byte, or a code byte points past its end.
    """
    n = len(data)
    if n == 0:
        raise FramingError("empty COBS frame")
    if 0 in data:
        raise FramingError(f"COBS frame holds a zero byte at offset {bytes(data).index(0)}")
    # Usual case, no full block: every code byte but the first stands for one zero, in place.
    buf = bytearray(data)
    i = 0
    while i < n:
        code = buf[i]
        if code == 0xFF:
            return _decode_blocks(bytes(data))
        buf[i] = 0
        i += code
    if i != n:
        raise FramingError(f"the last COBS code runs {i - n} bytes past the frame end")
    return bytes(buf[1:])


def _decode_blocks(data: bytes) -> bytes:
    """General decoder, full blocks (code 0xFF, no implied zero) included."""
    n = len(data)
    pieces = []
    i = 0
    while i < n:
        code = data[i]
        end = i + code
        if end > n:
            raise FramingError(f"COBS code 0x{code:02X} at offset {i} runs past the frame end")
        pieces.append(data[i + 1 : end])
        if code != 0xFF and end < n:
            pieces.append(b"\x00")  # the implied zero
        i = end
    return b"".join(pieces)
