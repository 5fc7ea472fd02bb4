"""Frames: ``version u8 | type u8 | seq u16 LE | payload | crc16 LE``, COBS-encoded, ending 0x00.

The CRC (CRC-16/CCITT-FALSE) covers the header and the payload. :func:`encode` and
:func:`decode` handle one frame; :class:`FrameDecoder` cuts a byte stream into frames, fed in
pieces of any size, and reports every bad frame as a :class:`WireError` value instead of raising.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from neurolink.hal.wire.base import MAX_PAYLOAD, Message
from neurolink.hal.wire.catalogue import message_class
from neurolink.hal.wire.cobs import cobs_decode, cobs_encode, max_encoded_size
from neurolink.hal.wire.codes import MsgType
from neurolink.hal.wire.crc import crc16
from neurolink.hal.wire.errors import (
    CrcError,
    FrameTooLongError,
    PayloadError,
    ShortFrameError,
    VersionError,
    WireError,
)

__all__ = [
    "HEADER",
    "MAX_ENCODED",
    "MAX_FRAME",
    "MIN_FRAME",
    "PROTOCOL_VERSION",
    "DecoderStats",
    "Frame",
    "FrameDecoder",
    "decode",
    "decode_unstuffed",
    "encode",
    "encode_raw",
]

PROTOCOL_VERSION = 2
"""The version byte this codec writes and the only one it reads (2: authenticated sessions)."""
HEADER = struct.Struct("<BBH")  # version, type, seq
_CRC = struct.Struct("<H")
MIN_FRAME = HEADER.size + _CRC.size
"""Shortest frame before COBS (empty payload): 6 bytes."""
MAX_FRAME = HEADER.size + MAX_PAYLOAD + _CRC.size
"""Longest frame before COBS: 1,030 bytes."""
MAX_ENCODED = max_encoded_size(MAX_FRAME)
"""Longest COBS-encoded frame without its 0x00 delimiter: 1,035 bytes."""


@dataclass(frozen=True)
class Frame:
    """A decoded frame.

    Attributes
    ----------
    seq : int
        Sequence number of the sender (u16, wraps).
    message : Message
        The payload, parsed.
    version : int
        Protocol version byte.
    """

    seq: int
    message: Message
    version: int = PROTOCOL_VERSION

    @property
    def type(self) -> MsgType:
        """The message's type."""
        return self.message.TYPE


def encode_raw(msg_type: int, seq: int, payload: bytes, version: int = PROTOCOL_VERSION) -> bytes:
    """Frame arbitrary bytes: header, CRC, COBS and the 0x00 delimiter.

    No check of the type or payload beyond their byte ranges: for tests and fault injection
    (unknown types, bad payloads, over-long frames).

    Parameters
    ----------
    msg_type : int
        Type byte, 0..255.
    seq : int
        Sequence number, 0..65535.
    payload : bytes
        Payload, any length.
    version : int
        Version byte, 0..255.

    Returns
    -------
    bytes
        The encoded frame, ending in 0x00.
    """
    raw = HEADER.pack(version, msg_type, seq) + bytes(payload)
    return cobs_encode(raw + _CRC.pack(crc16(raw))) + b"\x00"


def encode(message: Message, seq: int) -> bytes:
    """Encode one message as a complete frame (ends in 0x00).

    Parameters
    ----------
    message : Message
        Any message of the catalogue.
    seq : int
        The sender's sequence number, 0..65535.

    Returns
    -------
    bytes
        At most ``MAX_ENCODED + 1`` bytes.

    Raises
    ------
    PayloadError
        ``seq`` is out of range (the message's fields were checked when it was made).
    """
    if not 0 <= seq <= 0xFFFF:
        raise PayloadError(f"seq = {seq} is outside u16 0..65535")
    payload = message.pack()
    if len(payload) > MAX_PAYLOAD:  # every message checks its size; this guards new ones
        raise PayloadError(f"{type(message).__name__} payload is {len(payload)} bytes")
    return encode_raw(message.TYPE, seq, payload)


def decode_unstuffed(raw: bytes) -> Frame:
    """Check and parse one frame after COBS decoding (header, payload, CRC).

    Raises
    ------
    ShortFrameError, FrameTooLongError, CrcError, VersionError, UnknownTypeError, PayloadError
        In this order of checking; every one carries the header's seq and type when readable.
    """
    n = len(raw)
    seq = int.from_bytes(raw[2:4], "little") if n >= HEADER.size else None
    msg_type = raw[1] if n >= 2 else None
    if n < MIN_FRAME:
        raise ShortFrameError(f"frame of {n} bytes is shorter than {MIN_FRAME}", seq, msg_type)
    if n > MAX_FRAME:
        raise FrameTooLongError(f"frame of {n} bytes is longer than {MAX_FRAME}", seq, msg_type)
    version, msg_type, seq = HEADER.unpack_from(raw)
    (sent,) = _CRC.unpack_from(raw, n - 2)
    computed = crc16(raw[:-2])
    if sent != computed:
        raise CrcError(
            f"CRC sent 0x{sent:04X}, computed over the frame 0x{computed:04X}", seq, msg_type
        )
    if version != PROTOCOL_VERSION:
        raise VersionError(
            f"protocol version {version}, this codec speaks {PROTOCOL_VERSION}", seq, msg_type
        )
    try:
        cls = message_class(msg_type)
        message = cls.unpack(raw[HEADER.size : -2])
    except WireError as e:
        e.seq, e.msg_type = seq, msg_type
        raise
    return Frame(seq, message, version)


def decode(data: bytes) -> Frame:
    """Decode one COBS-encoded frame, with or without its trailing 0x00.

    Raises
    ------
    WireError
        Any of its subclasses: see :func:`decode_unstuffed`; :class:`FramingError` for bad COBS.
    """
    data = bytes(data)
    if data.endswith(b"\x00"):
        data = data[:-1]
    if len(data) > MAX_ENCODED:
        raise FrameTooLongError(f"encoded frame of {len(data)} bytes, > {MAX_ENCODED}")
    return decode_unstuffed(cobs_decode(data))


def _header_hint(encoded: bytes) -> tuple[int | None, int | None]:
    """``(seq, type)`` read from the first COBS blocks of a frame that cannot be decoded whole
    (an over-long one): a hint, as for a CRC error; ``(None, None)`` if 4 bytes do not decode.
    """
    raw, i = bytearray(), 0
    while len(raw) < HEADER.size and i < len(encoded):
        code = encoded[i]
        if code == 0:
            break
        raw += encoded[i + 1 : i + code]
        i += code
        if code < 0xFF:
            raw.append(0)
    if len(raw) < HEADER.size:
        return None, None
    return int.from_bytes(raw[2:4], "little"), raw[1]


@dataclass
class DecoderStats:
    """Counters of a :class:`FrameDecoder` (since it was made)."""

    bytes_in: int = 0
    frames: int = 0
    errors: int = 0
    bytes_dropped: int = 0  # of over-long frames


class FrameDecoder:
    """Streaming decoder: feed bytes in pieces of any size, get frames and errors in order.

    It never raises on content (every bad frame is returned as a :class:`WireError` and the
    decoder carries on at the next 0x00), holds at most ``MAX_ENCODED`` bytes, and does work
    linear in the bytes fed. An empty frame (two 0x00 in a row) is skipped silently: a sender
    may write 0x00 first to resynchronise the receiver.

    Examples
    --------
    >>> dec = FrameDecoder()
    >>> [item] = dec.feed(encode(Heartbeat(), seq=7))   # doctest: +SKIP
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._dropping = False
        self.stats = DecoderStats()

    @property
    def pending(self) -> int:
        """Bytes held of a frame whose delimiter has not arrived yet."""
        return len(self._buf)

    def reset(self) -> None:
        """Forget any partial frame (e.g. after reopening the port)."""
        self._buf.clear()
        self._dropping = False

    def feed(self, data: bytes) -> list[Frame | WireError]:
        """Consume ``data``; return the frames it completed and the errors found, in order.

        Parameters
        ----------
        data : bytes
            The next bytes from the line (any split; bytearray and memoryview work too).

        Returns
        -------
        list of Frame or WireError
            One item per delimiter seen (empty frames excepted), plus one
            :class:`FrameTooLongError` when a frame overflows the buffer.
        """
        data = bytes(data)
        self.stats.bytes_in += len(data)
        out: list[Frame | WireError] = []
        start = 0
        while True:
            end = data.find(0, start)
            if end < 0:
                self._take(data[start:], out)
                return out
            self._take(data[start:end], out)
            start = end + 1
            if self._dropping:
                self._dropping = False
            elif self._buf:
                out.append(self._decode(bytes(self._buf)))
            self._buf.clear()

    def _take(self, chunk: bytes, out: list[Frame | WireError]) -> None:
        """Append ``chunk`` (no zeros) to the buffer unless that overflows it."""
        if self._dropping:
            self.stats.bytes_dropped += len(chunk)
            return
        if len(self._buf) + len(chunk) > MAX_ENCODED:
            self.stats.bytes_dropped += len(self._buf) + len(chunk)
            self.stats.errors += 1
            head = bytes(self._buf[:8])
            seq, msg_type = _header_hint(head + chunk[: 8 - len(head)])
            out.append(
                FrameTooLongError(
                    f"no delimiter within {MAX_ENCODED} bytes: frame dropped up to the next 0x00",
                    seq,
                    msg_type,
                )
            )
            self._buf.clear()
            self._dropping = True
            return
        self._buf += chunk

    def _decode(self, encoded: bytes) -> Frame | WireError:
        try:
            frame = decode_unstuffed(cobs_decode(encoded))
        except WireError as e:
            self.stats.errors += 1
            return e
        self.stats.frames += 1
        return frame
