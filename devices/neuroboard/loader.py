"""Reassembly of a network document sent in NEURO_LOAD chunks.

Chunk 0 starts a new load and drops any partial one; chunks must then come in order, each
carrying the same ``chunk_count``, ``total_bytes`` and ``total_crc32``; after the last one the
document's length and CRC-32 are checked (:meth:`~neurolink.hal.wire.NeuroLoad.join`). A
refused chunk raises :class:`LoadRefused` (with the NACK status, detail and an explanation) and
drops the partial load.
"""

from __future__ import annotations

from neurolink.hal import wire

__all__ = ["ChunkAssembler", "LoadRefused"]


class LoadRefused(Exception):
    """A NEURO_LOAD chunk or document is refused.

    Parameters
    ----------
    status : Status
        NACK status.
    text : str
        Why (sent as a LOG line).
    detail : int
        NACK detail.
    """

    def __init__(self, status: wire.Status, text: str, detail: int = 0) -> None:
        super().__init__(text)
        self.status = status
        self.detail = detail


class ChunkAssembler:
    """Collects the chunks of one load.

    Parameters
    ----------
    max_bytes : int
        Longest document accepted (the profile's ``max_network_bytes``).
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._chunks: list[wire.NeuroLoad] = []
        self._size = 0

    @property
    def in_progress(self) -> bool:
        """A load has started and not finished."""
        return bool(self._chunks)

    def _refuse(self, status: wire.Status, text: str, detail: int = 0) -> LoadRefused:
        self._chunks, self._size = [], 0
        return LoadRefused(status, text, detail)

    def add(self, chunk: wire.NeuroLoad) -> bytes | None:
        """Take one chunk; return the whole document after the last one, else None.

        Raises
        ------
        LoadRefused
            ``OUT_OF_LIMITS`` NETWORK_SIZE for a document over ``max_bytes``; ``BAD_STATE`` for
            a chunk out of order; ``BAD_PAYLOAD`` for a chunk of another load, more bytes than
            announced, or a length or CRC-32 mismatch.
        """
        if chunk.chunk_index == 0:
            self._chunks, self._size = [], 0
            if chunk.total_bytes > self.max_bytes:
                raise self._refuse(
                    wire.Status.OUT_OF_LIMITS,
                    f"network document of {chunk.total_bytes} bytes is longer than this "
                    f"board's {self.max_bytes}",
                    wire.limit_detail(wire.Limit.NETWORK_SIZE),
                )
        elif not self._chunks:
            raise self._refuse(
                wire.Status.BAD_STATE,
                f"NEURO_LOAD chunk {chunk.chunk_index} with no load in progress: send chunk 0",
            )
        else:
            first = self._chunks[0]
            same = (chunk.chunk_count, chunk.total_bytes, chunk.total_crc32) == (
                first.chunk_count,
                first.total_bytes,
                first.total_crc32,
            )
            if not same:
                raise self._refuse(
                    wire.Status.BAD_PAYLOAD,
                    f"NEURO_LOAD chunk {chunk.chunk_index} belongs to another load "
                    "(count, length or CRC-32 differ from chunk 0); load dropped",
                )
            if chunk.chunk_index != len(self._chunks):
                raise self._refuse(
                    wire.Status.BAD_STATE,
                    f"NEURO_LOAD chunk {chunk.chunk_index} out of order: expected chunk "
                    f"{len(self._chunks)}; load dropped",
                )
        self._chunks.append(chunk)
        self._size += len(chunk.data)
        if self._size > chunk.total_bytes:
            raise self._refuse(
                wire.Status.BAD_PAYLOAD,
                f"NEURO_LOAD chunks hold {self._size} bytes, more than the {chunk.total_bytes} "
                "announced; load dropped",
            )
        if chunk.chunk_index < chunk.chunk_count - 1:
            return None
        chunks, self._chunks, self._size = self._chunks, [], 0
        try:
            return wire.NeuroLoad.join(chunks)
        except wire.PayloadError as e:
            raise LoadRefused(wire.Status.BAD_PAYLOAD, str(e)) from None
