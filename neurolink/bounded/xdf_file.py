"""An XDF file checked before parsing: what to hand pyxdf, and how the file ends.

:func:`checked_xdf` scans the file (:func:`~.xdf_scan.scan_xdf`), refuses it when reading would
need more memory than this process may use, and returns what a parser should read: the path
itself for a whole file, or an in-memory copy of its complete chunks when the file is cut short
or gzip-compressed (``.xdfz``, decompressed with its output bounded by the same memory rule).
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import BinaryIO

from neurolink.bounded.limits import gib, memory_budget
from neurolink.bounded.xdf_scan import CorruptChunk, NotXdf, XdfScan, scan_xdf

__all__ = ["MEMORY_PER_BYTE", "checked_xdf"]

#: Bytes of memory reading a recording may take per byte of file (pyxdf's lists and arrays,
#: their concatenation, the caller's copy).
MEMORY_PER_BYTE = 3


def _scan(path: Path, f: BinaryIO, error: type[Exception]) -> XdfScan:
    try:
        return scan_xdf(f)
    except (NotXdf, CorruptChunk) as exc:
        raise error(f"{path}: {exc}") from None


def _gunzip(path: Path, f: BinaryIO, limit: int | None, error: type[Exception]) -> io.BytesIO:
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=f) as z:
            while piece := z.read(1 << 24):
                out.write(piece)
                if limit is not None and out.tell() > limit:
                    raise error(
                        f"{path}: decompresses to more than {gib(limit)}, more than this process "
                        "can read into memory"
                    )
    except (OSError, EOFError) as exc:
        raise error(f"{path}: not a readable gzip-compressed XDF file: {exc}") from None
    return out


def checked_xdf(path: Path, error: type[Exception]) -> tuple[Path | io.BytesIO, XdfScan]:
    """Scan an XDF file and say what to parse.

    Parameters
    ----------
    path : pathlib.Path
        ``.xdf`` (``.xdfz``: gzip-compressed XDF).
    error : exception type
        Raised with a one-line message naming ``path``: not XDF, ``corrupt chunk at byte N:
        …``, too large for memory, unreadable.

    Returns
    -------
    source : pathlib.Path or io.BytesIO
        ``path`` when the whole file is to be read, else a copy of its complete chunks.
    scan : XdfScan
        Where the complete chunks end (``scan.truncated``: the file ends inside a chunk).
    """
    budget = memory_budget()
    limit = budget // MEMORY_PER_BYTE if budget else None
    try:
        with open(path, "rb") as f:
            if path.suffix.lower() == ".xdfz":
                data = _gunzip(path, f, limit, error)
                scan = _scan(path, data, error)
                return io.BytesIO(data.getbuffer()[: scan.end]), scan
            scan = _scan(path, f, error)
            if limit is not None and scan.end > limit:
                raise error(
                    f"{path}: {gib(scan.end)} of recording needs about "
                    f"{gib(scan.end * MEMORY_PER_BYTE)} of memory to read; this process may use "
                    f"{gib(budget or 0)}"
                )
            if not scan.truncated:
                return path, scan
            f.seek(0)
            return io.BytesIO(f.read(scan.end)), scan
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
