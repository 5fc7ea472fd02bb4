"""Stable LSL source ids: the same file played twice is the same stream to LabRecorder.

LSL's ``source_id`` is what lets a recorder find a stream again after its producer restarts
(LabRecorder re-resolves by it). A random id per run defeats that, so a played file is named by
what it is: its file name and a hash of its content.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

__all__ = ["file_source_id"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_source_id(path: str | os.PathLike[str], prefix: str = "neurolink-play") -> str:
    """``{prefix}-{file name}-{first 16 hex digits of the SHA-256 of the content}``.

    Parameters
    ----------
    path : path-like
        The file (read once, in 1 MiB blocks).
    prefix : str
        What publishes it.

    Returns
    -------
    str
        Characters outside ``[A-Za-z0-9._-]`` in the name become ``_``; the same name and bytes
        give the same id on any host, a changed byte gives another.
    """
    p = Path(path)
    with open(p, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return f"{prefix}-{_UNSAFE.sub('_', p.name)}-{digest[:16]}"
