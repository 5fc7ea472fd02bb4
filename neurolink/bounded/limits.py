"""Limits on what a file from outside may declare, and the memory this process may use.

Every reader of outside data (recordings, model files, sidecars, configs) checks the sizes a
file declares against these limits *before* allocating, so a crafted file is refused with a
one-line error rather than exhausting memory or the interpreter's stack. The limits are far
above what neurolink itself writes (noted beside each).
"""

from __future__ import annotations

import os
import resource

__all__ = [
    "MAX_CHANNELS",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_MODEL_BYTES",
    "MAX_NPZ_MEMBERS",
    "MAX_STRING_CHUNK_BYTES",
    "MAX_TOML_BYTES",
    "MAX_TOML_DEPTH",
    "MAX_XML_BYTES",
    "MAX_XML_DEPTH",
    "gib",
    "memory_budget",
]

#: Channels one XDF stream may declare (a recording of 16 Neuropixels probes has 6 144).
MAX_CHANNELS = 65_536
#: Bytes of one XML header or footer of an XDF file (65 536 labelled channels take ~6 MiB).
MAX_XML_BYTES = 64 << 20
#: Element nesting of an XDF header (neurolink writes 5 levels).
MAX_XML_DEPTH = 64
#: Bytes of one Samples chunk of a string stream (the recorder flushes at 16 MiB).
MAX_STRING_CHUNK_BYTES = 64 << 20
#: Bytes of a JSON document read from a file (a sidecar of an hour-long session is < 1 MiB).
MAX_JSON_BYTES = 64 << 20
#: Nesting of arrays and objects in a JSON document (neurolink writes < 10).
MAX_JSON_DEPTH = 64
#: Bytes of a TOML config file.
MAX_TOML_BYTES = 16 << 20
#: Nesting of arrays and inline tables in a TOML config (neurolink's configs use 3).
MAX_TOML_DEPTH = 32
#: Uncompressed bytes of a decoder model file, all arrays together.
MAX_MODEL_BYTES = 1 << 30
#: Members of an ``.npz`` archive.
MAX_NPZ_MEMBERS = 4096


def gib(n: int) -> str:
    """A byte count as text in GiB (MiB below 1 GiB)."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    return f"{n / (1 << 20):.1f} MiB"


def memory_budget() -> int | None:
    """Bytes this process can hope to allocate: the smaller of the machine's physical memory
    and the address-space limit (``RLIMIT_AS``, soft); None when neither is known."""
    found: list[int] = []
    try:
        found.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY and soft > 0:
        found.append(int(soft))
    return min(found) if found else None
