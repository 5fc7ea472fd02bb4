"""A fault script: a timeline of scripted faults (``--fault-script FILE``, TOML or JSON).

::

    # faults.toml — times in ms of device time after the first host session authenticated
    [[faults]]
    at_ms = 300
    op = "drop"
    dir = "to_device"
    count = 2

    [[faults]]
    at_ms = 1000
    op = "estop"

The JSON form is the same table: ``{"faults": [{"at_ms": 300, "op": "drop", ...}, ...]}``.
Each entry is a fault of :mod:`devices.core.faults` plus ``at_ms`` (≥ 0); entries run in time
order (equal times in file order). A bad entry is refused at start with the file and the entry
number named. The clock starts at the first AUTH_OK, so a script means the same thing however
long the host took to connect; under ``--virtual-clock`` entries run as the test advances the
device clock.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from devices.core.faults import FaultError, parse_fault

__all__ = ["FaultScript", "load_fault_script"]

_MAX_ENTRIES = 10_000
_MAX_BYTES = 1 << 20


class FaultScript:
    """The timeline, consumed as the device clock passes each entry.

    Parameters
    ----------
    entries : list of (int, dict)
        ``(at_us, fault)`` sorted by time.
    """

    def __init__(self, entries: list[tuple[int, dict[str, Any]]]) -> None:
        self._entries = list(entries)
        self._origin_us: int | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def start(self, now_us: int) -> None:
        """The first host session authenticated at ``now_us``: the timeline starts (once)."""
        if self._origin_us is None:
            self._origin_us = now_us

    def next_deadline_us(self) -> int | None:
        """Device time of the next entry, or None (none left, or not started)."""
        if self._origin_us is None or not self._entries:
            return None
        return self._origin_us + self._entries[0][0]

    def due(self, now_us: int) -> list[tuple[int, dict[str, Any]]]:
        """The entries due by ``now_us`` as ``(device time, fault)``, removed from the script."""
        out = []
        while (t := self.next_deadline_us()) is not None and t <= now_us:
            out.append((t, self._entries.pop(0)[1]))
        return out


def load_fault_script(path: str | Path) -> FaultScript:
    """Read and check a fault script (TOML by extension ``.toml``, else JSON).

    Raises
    ------
    FaultError
        Unreadable, too large, not the documented shape, or a bad entry (the file and the
        entry number are named).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise FaultError(f"{p}: cannot read the fault script: {e.strerror}") from None
    if len(raw) > _MAX_BYTES:
        raise FaultError(f"{p}: fault script of {len(raw)} bytes is larger than {_MAX_BYTES}")
    try:
        if p.suffix.lower() == ".toml":
            doc: Any = tomllib.loads(raw.decode("utf-8"))
        else:
            doc = json.loads(raw)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as e:
        raise FaultError(f"{p}: not valid {p.suffix.lstrip('.') or 'JSON'}: {e}") from None
    items = doc.get("faults") if isinstance(doc, dict) else doc
    if isinstance(doc, dict) and set(doc) - {"faults"}:
        raise FaultError(f"{p}: unknown top-level key(s) {sorted(set(doc) - {'faults'})}")
    if not isinstance(items, list):
        raise FaultError(f"{p}: expected a list of faults under 'faults'")
    if len(items) > _MAX_ENTRIES:
        raise FaultError(f"{p}: {len(items)} faults, at most {_MAX_ENTRIES}")
    entries = []
    for i, item in enumerate(items, 1):
        where = f"{p}: faults[{i}]"
        if not isinstance(item, dict):
            raise FaultError(f"{where}: expected a table, got {type(item).__name__}")
        at = item.get("at_ms")
        if isinstance(at, bool) or not isinstance(at, int | float) or not 0 <= at < 1e9:
            raise FaultError(f"{where}: at_ms = {at!r}; expected a time in ms, >= 0")
        fault = parse_fault({k: v for k, v in item.items() if k != "at_ms"}, where)
        entries.append((round(at * 1000), fault))
    entries.sort(key=lambda e: e[0])
    return FaultScript(entries)
