"""NEURO_LOAD: the network document (JSON, UTF-8) sent in numbered chunks.

Frames are small (payload ≤ 1,024 bytes), so the document of a network is cut into chunks that
each carry its total length and CRC-32; the device reassembles and checks them before loading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

from neurolink.hal.wire.base import MAX_PAYLOAD, Message
from neurolink.hal.wire.codes import Direction, MsgType
from neurolink.hal.wire.crc import crc32
from neurolink.hal.wire.errors import PayloadError
from neurolink.hal.wire.fields import U16, U32, Layout, set_field

__all__ = ["MAX_LOAD_CHUNK", "NeuroLoad"]

H2D = Direction.HOST_TO_DEVICE

_LOAD_HEAD = Layout(chunk_index=U16, chunk_count=U16, total_bytes=U32, total_crc32=U32)
MAX_LOAD_CHUNK = MAX_PAYLOAD - _LOAD_HEAD.size
"""Most document bytes in one NEURO_LOAD chunk (1,012)."""


@dataclass(frozen=True)
class NeuroLoad(Message):
    """NEURO_LOAD (host → device): one chunk of the network document (JSON, UTF-8).

    Layout: ``chunk_index u16 | chunk_count u16 | total_bytes u32 | total_crc32 u32 | data``.
    Chunk 0 starts a new load (dropping any partial one); every chunk is ACKed; after the last
    one the device checks the length and CRC-32 of the whole document, then loads it (NACK
    BAD_PAYLOAD on a mismatch or bad JSON, OUT_OF_LIMITS NETWORK_RESOURCES if it does not fit).
    """

    TYPE: ClassVar = MsgType.NEURO_LOAD
    DIRECTION: ClassVar = H2D
    chunk_index: int
    chunk_count: int
    total_bytes: int
    total_crc32: int
    data: bytes

    def __post_init__(self) -> None:
        _LOAD_HEAD.check(self)
        if not isinstance(self.data, bytes | bytearray | memoryview):
            raise PayloadError(f"NeuroLoad.data must be bytes, got {type(self.data).__name__}")
        set_field(self, "data", bytes(self.data))
        if len(self.data) > MAX_LOAD_CHUNK:
            raise PayloadError(f"NeuroLoad.data is {len(self.data)} bytes, > {MAX_LOAD_CHUNK}")
        if not self.chunk_index < self.chunk_count:
            raise PayloadError(
                f"NeuroLoad.chunk_index {self.chunk_index} is not below chunk_count "
                f"{self.chunk_count}"
            )

    def pack(self) -> bytes:
        return _LOAD_HEAD.pack(self) + self.data

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _LOAD_HEAD.unpack_from(cls.__name__, payload)
        return cls(data=payload[_LOAD_HEAD.size :], **head)

    @classmethod
    def split(cls, document: bytes, chunk_bytes: int = MAX_LOAD_CHUNK) -> list[Self]:
        """Cut a network document into NEURO_LOAD chunks of at most ``chunk_bytes`` bytes."""
        if not 1 <= chunk_bytes <= MAX_LOAD_CHUNK:
            raise ValueError(f"chunk_bytes = {chunk_bytes} is not in 1..{MAX_LOAD_CHUNK}")
        parts = [document[i : i + chunk_bytes] for i in range(0, len(document), chunk_bytes)]
        parts = parts or [b""]
        total, crc = len(document), crc32(document)
        return [cls(i, len(parts), total, crc, p) for i, p in enumerate(parts)]

    @staticmethod
    def join(chunks: Sequence[NeuroLoad]) -> bytes:
        """Reassemble a document from all its chunks (in order) and check its length and CRC-32.

        Raises
        ------
        PayloadError
            A chunk is missing or out of order, or the length or CRC-32 do not match.
        """
        if not chunks:
            raise PayloadError("no NEURO_LOAD chunks to join")
        first = chunks[0]
        for i, c in enumerate(chunks):
            if (c.chunk_index, c.chunk_count, c.total_bytes, c.total_crc32) != (
                i,
                first.chunk_count,
                first.total_bytes,
                first.total_crc32,
            ):
                raise PayloadError(f"NEURO_LOAD chunk {i} is missing or belongs to another load")
        if len(chunks) != first.chunk_count:
            raise PayloadError(f"NEURO_LOAD has {len(chunks)} of {first.chunk_count} chunks")
        doc = b"".join(c.data for c in chunks)
        if len(doc) != first.total_bytes or crc32(doc) != first.total_crc32:
            raise PayloadError(
                f"NEURO_LOAD document of {len(doc)} bytes, CRC-32 0x{crc32(doc):08X} does not "
                f"match {first.total_bytes} bytes, 0x{first.total_crc32:08X}"
            )
        return doc
