"""Bounded parsing of data from outside: limits checked before anything is allocated.

Recordings, model files, sidecars and configs come from outside the process; a crafted one must
be refused with a one-line error, never exhaust memory or the interpreter's stack. The limits
are in :mod:`.limits`; :mod:`.json_text`, :mod:`.toml_text`, :mod:`.npz` and :mod:`.xdf_scan`
read each format with them.
"""

from neurolink.bounded.json_text import json_depth, loads_bounded, read_json_file
from neurolink.bounded.limits import memory_budget
from neurolink.bounded.npz import read_npz
from neurolink.bounded.toml_text import toml_depth

__all__ = [
    "json_depth",
    "loads_bounded",
    "memory_budget",
    "read_json_file",
    "read_npz",
    "toml_depth",
]
