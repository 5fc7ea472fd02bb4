"""The JSON sidecar of a recording: config, seeds, versions, clock offsets, times, summary.

The sidecar lives next to the XDF file (``session.xdf`` → ``session.json``). It is written when the
recording starts, so a killed session still has its config and seeds, and rewritten at close with
the stop time, the clock offsets and the summary. Every write goes to a temporary file that then
replaces the sidecar (``os.replace``), so a reader never sees half a sidecar.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import json
import os
import platform
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from neurolink.bounded.json_text import read_json_file
from neurolink.clock import now
from neurolink.errors import FileFormatError
from neurolink.loop.recording.layouts import to_json

__all__ = [
    "RESERVED_KEYS",
    "SIDECAR_FORMAT",
    "SIDECAR_TYPES",
    "Sidecar",
    "host_time_record",
    "read_sidecar",
    "sidecar_path",
    "versions",
    "write_sidecar",
]

#: Value of the sidecar's ``format`` key.
SIDECAR_FORMAT = "neurolink-session/1"

#: Keys the recorder owns; a caller's sidecar dict may not use them.
RESERVED_KEYS = frozenset(
    {
        "format",
        "xdf",
        "session_id",
        "status",
        "start",
        "stop",
        "versions",
        "streams",
        "clock_offsets",
        "summary",
    }
)

_PACKAGES = ("neurolink", "numpy", "pylsl", "brainflow", "pyxdf", "scipy", "numba")


def sidecar_path(xdf_path: Path) -> Path:
    """Path of the sidecar of ``xdf_path`` (same name, suffix ``.json``)."""
    return Path(xdf_path).with_suffix(".json")


def versions() -> dict[str, str | None]:
    """Versions of Python, the platform and the packages a session depends on (None if absent)."""
    found: dict[str, str | None] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    for name in _PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    if found["neurolink"] is None:
        from neurolink import __version__

        found["neurolink"] = __version__
    return found


def write_sidecar(path: Path, content: dict[str, Any]) -> None:
    """Write ``content`` as indented JSON to ``path``, atomically (temporary file + replace).

    Parameters
    ----------
    path : pathlib.Path
        Sidecar path.
    content : dict
        JSON-serialisable mapping (dataclasses, enums, numpy values and paths are converted).
    """
    text = json.dumps(json.loads(to_json(content)), indent=2, sort_keys=False)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    os.replace(tmp, path)


#: Keys the recorder and the session write, and the JSON types a sidecar may give them.
SIDECAR_TYPES: dict[str, tuple[type, ...]] = {
    "format": (str,),
    "xdf": (str,),
    "session_id": (str,),
    "status": (str,),
    "start": (dict, type(None)),
    "stop": (dict, type(None)),
    "versions": (dict,),
    "streams": (list,),
    "clock_offsets": (dict,),
    "summary": (dict,),
    "config": (dict,),
    "source": (dict, type(None)),
    "limits": (dict, type(None)),
    "seeds": (dict, list, type(None)),
    "deadline_s": (int, float, type(None)),
}


def read_sidecar(xdf_path: Path) -> dict[str, Any] | None:
    """The sidecar of ``xdf_path`` as a dict, or None when there is none.

    Read with its size and nesting bounded (:func:`neurolink.bounded.read_json_file`); the
    keys of :data:`SIDECAR_TYPES` must have their JSON types.

    Raises
    ------
    FileFormatError
        One line naming the sidecar: unreadable, over a limit, not JSON, not an object, or a
        key of the wrong type.
    """
    path = sidecar_path(xdf_path)
    if not path.exists():
        return None
    content = read_json_file(path, FileFormatError)
    if not isinstance(content, dict):
        raise FileFormatError(
            f"{path}: a sidecar is a JSON object, this one is a {type(content).__name__}"
        )
    for key, types in SIDECAR_TYPES.items():
        if key in content and not isinstance(content[key], types):
            want = " or ".join(_JSON_NAMES[t] for t in types)
            got = _JSON_NAMES.get(type(content[key]), "?")
            raise FileFormatError(
                f"{path}: sidecar key {key!r} is {'an' if got[0] in 'ao' else 'a'} {got}, "
                f"expected {want}"
            )
    return content


_JSON_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def host_time_record() -> dict[str, Any]:
    """Now, as ``host_time`` (host clock, s), ``unix_time`` (s) and ``iso`` (UTC date)."""
    unix = time.time()
    return {
        "host_time": now(),
        "unix_time": unix,
        "iso": _dt.datetime.fromtimestamp(unix, _dt.UTC).isoformat(),
    }


def _checked_user(items: Mapping[str, Any]) -> dict[str, Any]:
    clash = sorted(RESERVED_KEYS & items.keys())
    if clash:
        raise ValueError(f"sidecar keys {clash} are reserved for the recorder")
    user = dict(items)
    to_json(user)  # fail now, not at close, on content that cannot be serialised
    return user


class Sidecar:
    """The sidecar's content and its file.

    Parameters
    ----------
    xdf_path : pathlib.Path
        The recording; the sidecar is ``xdf_path.with_suffix(".json")``.
    session_id : str
        Identifier shared with the XDF file header.
    user : mapping
        Caller keys (``config``, ``seeds``, …), JSON-serialisable, none of :data:`RESERVED_KEYS`.
    """

    def __init__(self, xdf_path: Path, session_id: str, user: Mapping[str, Any]) -> None:
        self.path = sidecar_path(xdf_path)
        self._user = _checked_user(user)
        self.start = host_time_record()
        self._meta: dict[str, Any] = {
            "format": SIDECAR_FORMAT,
            "xdf": Path(xdf_path).name,
            "session_id": session_id,
            "status": "recording",
            "start": self.start,
            "stop": None,
            "versions": versions(),
            "streams": [],
            "clock_offsets": {},
            "summary": {},
        }

    def update(self, items: Mapping[str, Any]) -> None:
        """Add or replace caller keys (validated; written at the next :meth:`write`)."""
        self._user.update(_checked_user(items))

    def set_summary(self, summary: Mapping[str, Any]) -> None:
        """Replace the ``summary`` section (written at the next :meth:`write`)."""
        to_json(dict(summary))
        self._meta["summary"] = dict(summary)

    def write(
        self,
        streams: list[dict[str, Any]],
        clock_offsets: dict[str, list[list[float]]],
        *,
        closed: bool = False,
    ) -> None:
        """Rewrite the file with the current stream list and clock offsets.

        Parameters
        ----------
        streams : list of dict
            One description per stream (name, id, kind, channels, sample count…).
        clock_offsets : dict of str to list of [time, offset]
            Recorded clock offsets by stream name (s).
        closed : bool
            The recording is closed: set ``status`` and the ``stop`` time.
        """
        if closed:
            self._meta["status"] = "closed"
            self._meta["stop"] = host_time_record()
        self._meta["streams"] = streams
        self._meta["clock_offsets"] = clock_offsets
        write_sidecar(self.path, {**self._meta, **self._user})
