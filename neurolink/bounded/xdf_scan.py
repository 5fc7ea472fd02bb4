"""Structural check of an XDF file before any parser allocates what it declares.

An XDF reader (pyxdf) allocates from what the file says: a stream header's ``channel_count``
(``[f"ch{i}" for i in range(n)]``, a per-sample buffer), a Samples chunk's sample count (an array
of that many rows before reading one), and it parses every header with a recursive XML walk. On
a chunk it cannot read it logs and scans forward, so a damaged file reads as a shorter one.

:func:`scan_xdf` walks the chunks, reading only length prefixes, headers and the per-sample flag
bytes, and checks each against the file and the limits of :mod:`.limits`:

- every chunk is framed (length field of 1, 4 or 8 bytes, length ≥ 2, a tag from 1 to 6) and
  the content each tag requires fits the chunk exactly;
- headers and footers are well-formed XML of at most :data:`~.limits.MAX_XML_BYTES` and
  :data:`~.limits.MAX_XML_DEPTH` levels, without a DOCTYPE (no entity expansion); a stream header
  declares a name, a known ``channel_format``, ``1 ≤ channel_count ≤`` :data:`~.limits.MAX_CHANNELS`
  and a finite ``nominal_srate ≥ 0``, once per stream id;
- a Samples chunk belongs to a declared stream and its sample count, channel count and format
  account for exactly its bytes (each time stamp flag 0 or 8, each string inside the chunk).

So what a reader then allocates is bounded by the file's size. A file that ends inside a chunk
(a session killed mid-write) is *truncated*: the scan stops at the last complete chunk. A chunk
that breaks a rule is *corrupt*: :class:`CorruptChunk` names its byte offset. A length that runs
past the end of the file counts as corruption, not truncation, when a Boundary chunk follows.
"""

from __future__ import annotations

import io
import math
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from neurolink.bounded.limits import (
    MAX_CHANNELS,
    MAX_STRING_CHUNK_BYTES,
    MAX_XML_BYTES,
    MAX_XML_DEPTH,
    gib,
)

__all__ = ["CorruptChunk", "NotXdf", "StreamDecl", "XdfScan", "scan_xdf"]

MAGIC = b"XDF:"
BOUNDARY_UUID = bytes.fromhex("43a546dccbf5410fb30ed5467383cbe4")
#: Bytes of one value of each numeric ``channel_format``.
ITEMSIZE = {"int8": 1, "int16": 2, "int32": 4, "int64": 8, "float32": 4, "double64": 8}
_WIDTHS = {1: "<B", 4: "<I", 8: "<Q"}
_PIECE = 16 << 20  # bytes read at once when checking time stamp flags


class NotXdf(ValueError):
    """The file does not start with the XDF magic."""


class CorruptChunk(ValueError):
    """A chunk breaks the format or a limit; ``offset`` is where the chunk starts (bytes)."""

    def __init__(self, offset: int, what: str) -> None:
        super().__init__(f"corrupt chunk at byte {offset}: {what}")
        self.offset = offset
        self.what = what


@dataclass(frozen=True)
class StreamDecl:
    """What a stream header declares: channel count and ``channel_format``."""

    channel_count: int
    fmt: str


@dataclass(frozen=True)
class XdfScan:
    """Result of :func:`scan_xdf`.

    Attributes
    ----------
    size : int
        File size (bytes).
    end : int
        Bytes up to the end of the last complete chunk (the magic included).
    streams : dict of int to StreamDecl
        Declared streams by stream id.
    """

    size: int
    end: int
    streams: dict[int, StreamDecl]

    @property
    def truncated(self) -> bool:
        """The file ends inside a chunk (``size - end`` bytes of it are there)."""
        return self.end < self.size


class _Depth:
    """XMLParser target that refuses nesting beyond a limit."""

    def __init__(self, limit: int) -> None:
        self.depth = 0
        self.limit = limit

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.limit:
            raise ValueError(f"XML nested deeper than {self.limit} levels")

    def end(self, tag: str) -> None:
        self.depth -= 1

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        return None


def _xml(pos: int, content: bytes | str, what: str) -> ET.Element:
    raw = content.encode("utf-8") if isinstance(content, str) else content
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise CorruptChunk(pos, f"{what} declares a DOCTYPE or entity (not allowed)")
    try:
        parser = ET.XMLParser(target=_Depth(MAX_XML_DEPTH))
        parser.feed(content)
        parser.close()
        return ET.fromstring(content)
    except (ET.ParseError, ValueError) as exc:
        raise CorruptChunk(pos, f"{what} is not valid XML ({exc})") from None


def _header(pos: int, root: ET.Element, stream_id: int) -> StreamDecl:
    def text(tag: str) -> str:
        el = root.find(tag)
        if el is None or el.text is None:
            raise CorruptChunk(pos, f"header of stream {stream_id} lacks <{tag}>")
        return el.text.strip()

    if root.tag != "info":
        raise CorruptChunk(pos, f"header of stream {stream_id} is <{root.tag}>, not <info>")
    text("name")
    fmt = text("channel_format")
    if fmt not in ITEMSIZE and fmt != "string":
        raise CorruptChunk(pos, f"stream {stream_id} has an unknown channel_format {fmt!r}")
    count = text("channel_count")
    try:
        n = int(count)
    except ValueError:
        raise CorruptChunk(
            pos, f"stream {stream_id}: channel_count {count!r} is not an integer"
        ) from None
    if not 1 <= n <= MAX_CHANNELS:
        raise CorruptChunk(
            pos, f"stream {stream_id} declares channel_count={n} (limit 1 to {MAX_CHANNELS})"
        )
    rate = text("nominal_srate")
    try:
        ok = math.isfinite(float(rate)) and float(rate) >= 0
    except ValueError:
        ok = False
    if not ok:
        raise CorruptChunk(pos, f"stream {stream_id}: nominal_srate {rate!r} is not a rate >= 0")
    return StreamDecl(n, fmt)


def _varlen(buf: bytes, at: int) -> tuple[int, int] | None:
    """(value, bytes used) of the varlen integer at ``buf[at:]``; None when malformed."""
    if at >= len(buf) or buf[at] not in _WIDTHS:
        return None
    fmt = _WIDTHS[buf[at]]
    end = at + 1 + struct.calcsize(fmt)
    if end > len(buf):
        return None
    return struct.unpack_from(fmt, buf, at + 1)[0], end - at


def _flags(f: BinaryIO, start: int, n: int, record: int, flag: int) -> bool:
    """Whether the first byte of each of ``n`` records of ``record`` bytes equals ``flag``."""
    f.seek(start)
    per = max(1, _PIECE // record)
    for k in range(0, n, per):
        m = min(per, n - k)
        piece = f.read(m * record)
        rows = np.frombuffer(piece, np.uint8).reshape(m, record)
        if not (rows[:, 0] == flag).all():
            return False
    return True


def _walk_numeric(f: BinaryIO, start: int, n: int, row: int, length: int) -> bool:
    """Walk ``n`` samples with mixed flags; whether they end exactly at ``length``."""
    f.seek(start)
    used = 0
    for _ in range(n):
        flag = f.read(1)
        if flag not in (b"\x00", b"\x08"):
            return False
        step = row + (8 if flag == b"\x08" else 0)
        f.seek(step, io.SEEK_CUR)
        used += 1 + step
    return used == length


def _strings(buf: bytes, at: int, n_samples: int, n_channels: int) -> bool:
    """Whether ``buf[at:]`` holds exactly ``n_samples`` string samples."""
    for _ in range(n_samples):
        if at >= len(buf) or buf[at] not in (0, 8):
            return False
        at += 1 + buf[at]
        for _ in range(n_channels):
            v = _varlen(buf, at)
            if v is None:
                return False
            at += v[1] + v[0]
            if at > len(buf):
                return False
    return at == len(buf)


def _samples(
    f: BinaryIO, pos: int, start: int, length: int, streams: dict[int, StreamDecl]
) -> None:
    """Check a Samples chunk whose content (after the tag) is ``length`` bytes at ``start``."""
    head = f.read(min(length, 13))
    if length < 6:
        raise CorruptChunk(pos, f"a Samples chunk of {length} bytes")
    (sid,) = struct.unpack_from("<I", head)
    decl = streams.get(sid)
    if decl is None:
        raise CorruptChunk(pos, f"samples of stream {sid}, which has no header before them")
    count = _varlen(head, 4)
    if count is None:
        raise CorruptChunk(pos, "malformed sample count")
    n, used = count
    body, rest = start + 4 + used, length - 4 - used
    if decl.fmt == "string":
        if n * (1 + 2 * decl.channel_count) > rest or rest > MAX_STRING_CHUNK_BYTES:
            raise CorruptChunk(
                pos,
                f"declares {n} string samples of {decl.channel_count} channels in {rest} bytes "
                f"(limit {gib(MAX_STRING_CHUNK_BYTES)})",
            )
        f.seek(body)
        if not _strings(f.read(rest), 0, n, decl.channel_count):
            raise CorruptChunk(pos, f"its {n} string samples do not fill its {rest} bytes")
        return
    row = decl.channel_count * ITEMSIZE[decl.fmt]
    least = n * (1 + row)
    if not least <= rest <= least + 8 * n or (rest - least) % 8:
        raise CorruptChunk(
            pos,
            f"declares {n} samples of {decl.channel_count} {decl.fmt} channels, which do not "
            f"fit its {rest} bytes",
        )
    stamped = (rest - least) // 8
    if stamped in (0, n):
        flag, record = (8, 9 + row) if stamped else (0, 1 + row)
        ok = n == 0 or _flags(f, body, n, record, flag)
    else:
        ok = _walk_numeric(f, body, n, row, rest)
    if not ok:
        raise CorruptChunk(pos, "a sample's time stamp flag is neither 0 nor 8")


def _boundary_after(f: BinaryIO, start: int) -> bool:
    """Whether a Boundary chunk's UUID occurs anywhere after ``start``."""
    f.seek(start)
    tail = b""
    while piece := f.read(_PIECE):
        if BOUNDARY_UUID in tail + piece:
            return True
        tail = piece[-(len(BOUNDARY_UUID) - 1) :]
    return False


def _chunk(
    f: BinaryIO, pos: int, tag: int, start: int, length: int, streams: dict[int, StreamDecl]
) -> None:
    """Check one chunk's content (``length`` bytes after its tag, at ``start``)."""
    f.seek(start)
    if tag in (1, 2, 6) and length > MAX_XML_BYTES + 4:
        raise CorruptChunk(pos, f"an XML chunk of {gib(length)} (limit {gib(MAX_XML_BYTES)})")
    if tag == 1:
        _xml(pos, f.read(length), "the file header")
    elif tag in (2, 6):
        if length < 4:
            raise CorruptChunk(pos, f"a header or footer chunk of {length} bytes")
        (sid,) = struct.unpack("<I", f.read(4))
        xml = f.read(length - 4)
        if tag == 2:
            if sid in streams:
                raise CorruptChunk(pos, f"a second header for stream {sid}")
            root = _xml(pos, xml.decode("utf-8", "replace"), f"header of stream {sid}")
            streams[sid] = _header(pos, root, sid)
        else:
            if sid not in streams:
                raise CorruptChunk(pos, f"footer of stream {sid}, which has no header")
            _xml(pos, xml, f"footer of stream {sid}")
    elif tag == 3:
        _samples(f, pos, start, length, streams)
    elif tag == 4:
        if length != 20:
            raise CorruptChunk(pos, f"a ClockOffset chunk of {length} bytes (20 expected)")
        (sid,) = struct.unpack("<I", f.read(4))
        if sid not in streams:
            raise CorruptChunk(pos, f"clock offset of stream {sid}, which has no header")
    elif tag == 5:
        if f.read(length) != BOUNDARY_UUID:
            raise CorruptChunk(pos, "a Boundary chunk without the boundary UUID")
    else:
        raise CorruptChunk(pos, f"unknown chunk tag {tag}")


def scan_xdf(f: BinaryIO) -> XdfScan:
    """Check every chunk of an XDF file (see the module text for the rules).

    Parameters
    ----------
    f : binary file, seekable
        The file, at any position; left at an unspecified position.

    Returns
    -------
    XdfScan
        The size, the end of the last complete chunk and the declared streams.

    Raises
    ------
    NotXdf
        No ``XDF:`` magic.
    CorruptChunk
        A chunk that breaks a rule, with its byte offset.
    """
    size = f.seek(0, io.SEEK_END)
    f.seek(0)
    magic = f.read(4)
    if magic != MAGIC:
        if MAGIC.startswith(magic):
            raise NotXdf(f"ends after {size} bytes, inside the 'XDF:' magic (no chunk written)")
        raise NotXdf("not an XDF file (no 'XDF:' magic)")
    streams: dict[int, StreamDecl] = {}
    pos = 4
    while pos < size:
        f.seek(pos)
        head = f.read(11)
        fmt = _WIDTHS.get(head[0])
        if fmt is None:
            raise CorruptChunk(pos, f"a length field of {head[0]} bytes (1, 4 or 8 expected)")
        width = struct.calcsize(fmt)
        if len(head) < 1 + width:
            break  # cut inside the length field
        (length,) = struct.unpack_from(fmt, head, 1)
        if length < 2:
            raise CorruptChunk(pos, f"a chunk length of {length} bytes (at least 2)")
        end = pos + 1 + width + length
        if end > size:
            if _boundary_after(f, pos + 1):
                raise CorruptChunk(
                    pos, f"its length ({length} bytes) runs past the end of the file"
                )
            break  # the file ends inside this chunk
        f.seek(pos + 1 + width)
        (tag,) = struct.unpack("<H", f.read(2))
        _chunk(f, pos, tag, pos + 3 + width, length - 2, streams)
        pos = end
    return XdfScan(size, pos, streams)
