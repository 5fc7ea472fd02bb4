"""XDF 1.0 encoding: chunks, headers, footers and sample records, written from the specification.

An XDF file is the four-byte magic ``b"XDF:"`` followed by chunks. Every chunk is

``[NumLengthBytes: u8 ∈ {1, 4, 8}] [Length: u8/u32/u64 LE] [Tag: u16 LE] [Content]``

where ``Length`` counts the tag and the content. Tags: 1 FileHeader (XML), 2 StreamHeader
(StreamId u32 + XML), 3 Samples (StreamId u32 + NumSamples varlen + samples), 4 ClockOffset
(StreamId u32 + CollectionTime f64 + OffsetValue f64), 5 Boundary (a fixed 16-byte UUID that lets a
reader resynchronise after corruption), 6 StreamFooter (StreamId u32 + XML). In a Samples chunk
each sample is ``[TimeStampBytes: u8, 0 or 8] [TimeStamp: f64]? [values]``; numeric values are
little-endian, a string value is ``varlen length + UTF-8 bytes``.

These functions only build bytes; :class:`~neurolink.loop.recording.recorder.SessionRecorder`
decides when they reach the file.
"""

from __future__ import annotations

import enum
import re
import struct
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = [
    "BOUNDARY_CHUNK",
    "MAGIC",
    "NUMERIC_DTYPES",
    "ChunkTag",
    "boundary_chunk",
    "chunk",
    "clock_offset_chunk",
    "file_header_chunk",
    "record_dtype",
    "samples_chunk_prefix",
    "stream_footer_chunk",
    "stream_header_chunk",
    "string_sample",
    "varlen",
]

#: The four bytes every XDF file starts with.
MAGIC = b"XDF:"

#: Payload of a Boundary chunk (the specification's fixed UUID).
BOUNDARY_UUID = bytes(
    [0x43, 0xA5, 0x46, 0xDC, 0xCB, 0xF5, 0x41, 0x0F, 0xB3, 0x0E, 0xD5, 0x46, 0x73, 0x83, 0xCB, 0xE4]
)

#: XDF ``channel_format`` → little-endian numpy dtype of one value.
NUMERIC_DTYPES: dict[str, np.dtype] = {
    "int8": np.dtype("<i1"),
    "int16": np.dtype("<i2"),
    "int32": np.dtype("<i4"),
    "int64": np.dtype("<i8"),
    "float32": np.dtype("<f4"),
    "double64": np.dtype("<f8"),
}

#: Value of ``TimeStampBytes`` when the sample carries its own time stamp.
_HAS_TIMESTAMP = 8


class ChunkTag(enum.IntEnum):
    """Chunk tags of XDF 1.0."""

    FILE_HEADER = 1
    STREAM_HEADER = 2
    SAMPLES = 3
    CLOCK_OFFSET = 4
    BOUNDARY = 5
    STREAM_FOOTER = 6


def varlen(n: int) -> bytes:
    """Encode a non-negative integer as an XDF variable-length integer.

    Parameters
    ----------
    n : int
        Value, ``0 ≤ n < 2**64``.

    Returns
    -------
    bytes
        ``[1][u8]``, ``[4][u32 LE]`` or ``[8][u64 LE]``: the shortest form that holds ``n``.
    """
    if n < 0:
        raise ValueError(f"XDF variable-length integers are unsigned, got {n}")
    if n < 1 << 8:
        return bytes((1, n))
    if n < 1 << 32:
        return b"\x04" + struct.pack("<I", n)
    return b"\x08" + struct.pack("<Q", n)


def chunk(tag: ChunkTag, content: bytes) -> bytes:
    """Frame ``content`` as one chunk: length prefix, tag, content."""
    return varlen(2 + len(content)) + struct.pack("<H", tag) + content


def boundary_chunk() -> bytes:
    """A Boundary chunk (tag 5): lets a reader scan forward past corrupt data to this point."""
    return chunk(ChunkTag.BOUNDARY, BOUNDARY_UUID)


#: A Boundary chunk, precomputed.
BOUNDARY_CHUNK = boundary_chunk()


def _xml(root: ET.Element) -> bytes:
    return b'<?xml version="1.0"?>' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _num(x: float) -> str:
    """A float as text that parses back to the identical double."""
    return repr(float(x))


#: Characters XML 1.0 cannot hold (a header with one would make the whole file unreadable).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        bad = _NOT_XML.search(text)
        if bad:
            raise ValueError(f"{tag} {text!r} holds {bad.group()!r}, which XML cannot store")
        el.text = text
    return el


def _add_mapping(parent: ET.Element, items: Mapping[str, object]) -> None:
    """Nested mappings become nested elements; every other value becomes element text."""
    for key, value in items.items():
        if isinstance(value, Mapping):
            _add_mapping(_add(parent, key), value)
        else:
            _add(parent, key, str(value))


def file_header_chunk(fields: Mapping[str, object]) -> bytes:
    """FileHeader chunk (tag 1): ``<info><version>1.0</version>…</info>``.

    Parameters
    ----------
    fields : mapping of str to object
        Extra elements after ``version`` (e.g. ``datetime``), as text.
    """
    root = ET.Element("info")
    _add(root, "version", "1.0")
    _add_mapping(root, fields)
    return chunk(ChunkTag.FILE_HEADER, _xml(root))


def stream_header_chunk(
    stream_id: int,
    *,
    name: str,
    type: str,
    channels: Sequence[str],
    rate: float,
    fmt: str,
    source_id: str,
    created_at: float,
    uid: str,
    hostname: str,
    units: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    extra_desc: Mapping[str, object] | None = None,
) -> bytes:
    """StreamHeader chunk (tag 2) with the XML an LSL outlet would publish.

    Parameters
    ----------
    stream_id : int
        The file-local stream id (u32).
    name, type, source_id : str
        LSL stream name, content type and source id.
    channels : sequence of str, length n_channels
        Channel labels, written as ``desc/channels/channel/label``.
    rate : float
        Nominal sampling rate (Hz); 0 for an irregular stream.
    fmt : str
        ``channel_format`` (``float32``, ``double64``, ``int8``…``int64`` or ``string``).
    created_at : float
        Host-clock time the stream was created (s).
    uid, hostname : str
        Unique stream id and the recording host.
    units : sequence of str, optional
        Per-channel unit (``desc/channels/channel/unit``).
    types : sequence of str, optional
        Per-channel type (``desc/channels/channel/type``).
    extra_desc : mapping, optional
        More ``desc`` elements (nested mappings become nested elements).
    """
    root = ET.Element("info")
    for tag, text in (
        ("name", name),
        ("type", type),
        ("channel_count", str(len(channels))),
        ("channel_format", fmt),
        ("source_id", source_id),
        ("nominal_srate", _num(rate)),
        ("version", "1.1"),
        ("created_at", _num(created_at)),
        ("uid", uid),
        ("session_id", "default"),
        ("hostname", hostname),
    ):
        _add(root, tag, text)
    desc = _add(root, "desc")
    chans = _add(desc, "channels")
    for i, label in enumerate(channels):
        ch = _add(chans, "channel")
        _add(ch, "label", label)
        if units is not None:
            _add(ch, "unit", units[i])
        if types is not None:
            _add(ch, "type", types[i])
    if extra_desc:
        _add_mapping(desc, extra_desc)
    return chunk(ChunkTag.STREAM_HEADER, struct.pack("<I", stream_id) + _xml(root))


def stream_footer_chunk(
    stream_id: int,
    *,
    first_timestamp: float,
    last_timestamp: float,
    sample_count: int,
    clock_offsets: Iterable[tuple[float, float]],
) -> bytes:
    """StreamFooter chunk (tag 6).

    Parameters
    ----------
    stream_id : int
        The file-local stream id.
    first_timestamp, last_timestamp : float
        Time stamps of the first and last sample written (s); 0 when none was.
    sample_count : int
        Number of samples written.
    clock_offsets : iterable of (float, float)
        ``(collection_time, offset)`` pairs (s), as in the ClockOffset chunks.
    """
    root = ET.Element("info")
    _add(root, "first_timestamp", _num(first_timestamp))
    _add(root, "last_timestamp", _num(last_timestamp))
    _add(root, "sample_count", str(int(sample_count)))
    offsets = _add(root, "clock_offsets")
    for time, value in clock_offsets:
        off = _add(offsets, "offset")
        _add(off, "time", _num(time))
        _add(off, "value", _num(value))
    _add(root, "writer", "neurolink")
    return chunk(ChunkTag.STREAM_FOOTER, struct.pack("<I", stream_id) + _xml(root))


def clock_offset_chunk(stream_id: int, collection_time: float, offset: float) -> bytes:
    """ClockOffset chunk (tag 4): at ``collection_time`` (s, on the stream's clock), stream
    clock + ``offset`` = recording host clock (LabRecorder writes ``now − offset``)."""
    return chunk(ChunkTag.CLOCK_OFFSET, struct.pack("<Idd", stream_id, collection_time, offset))


def record_dtype(fmt: str, n_channels: int) -> np.dtype:
    """Packed numpy dtype of one numeric sample as stored in a Samples chunk.

    Parameters
    ----------
    fmt : str
        Numeric ``channel_format`` (a key of :data:`NUMERIC_DTYPES`).
    n_channels : int
        Values per sample.

    Returns
    -------
    numpy.dtype
        Fields ``flag`` (u1, always 8), ``ts`` (<f8, s), ``values`` (``(n_channels,)`` of the
        format's dtype); itemsize ``9 + n_channels × value size`` bytes, no padding.
    """
    return np.dtype(
        [("flag", "u1"), ("ts", "<f8"), ("values", NUMERIC_DTYPES[fmt], (n_channels,))],
        align=False,
    )


def samples_chunk_prefix(stream_id: int, n_samples: int, payload_bytes: int) -> bytes:
    """Everything of a Samples chunk (tag 3) before its sample records.

    Parameters
    ----------
    stream_id : int
        The file-local stream id.
    n_samples : int
        Number of samples in the chunk.
    payload_bytes : int
        Total size of the encoded samples that follow (bytes).
    """
    count = varlen(n_samples)
    content_len = 4 + len(count) + payload_bytes
    return varlen(2 + content_len) + struct.pack("<HI", ChunkTag.SAMPLES, stream_id) + count


_TS_PREFIX = struct.Struct("<Bd")


def string_sample(timestamp: float, values: Sequence[str]) -> bytes:
    """One encoded sample of a string stream: flag, time stamp, then each value as varlen + UTF-8.

    Parameters
    ----------
    timestamp : float
        Host-clock time stamp (s).
    values : sequence of str, length n_channels
        One string per channel.
    """
    parts = [_TS_PREFIX.pack(_HAS_TIMESTAMP, timestamp)]
    for v in values:
        raw = v.encode("utf-8")
        parts.append(varlen(len(raw)))
        parts.append(raw)
    return b"".join(parts)
