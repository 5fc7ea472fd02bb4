"""Device profiles: TOML files read with :mod:`tomllib`, every value typed and range-checked.

A profile describes one emulated device: its ``[device]`` header (kind, identity, firmware
version, watchdog timeout) and the kind's own tables (limits, channels, degrees of freedom,
chip resources). Errors are :class:`ProfileError` and name the file and the key, e.g.
``stimulator.toml: limits.max_amplitude_ua = -5 is outside 0..65535``. Unknown keys are errors
too, so a misspelt limit never silently falls back to a default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PROFILES_DIR", "DeviceHeader", "ProfileError", "Table", "load_profile", "resolve"]

PROFILES_DIR = Path(__file__).resolve().parents[1] / "profiles"
"""The profiles shipped with the emulators (``devices/profiles/*.toml``)."""

_MISSING: Any = object()


class ProfileError(ValueError):
    """A device profile is missing, unreadable, or holds a bad value (the message says where)."""


def resolve(name_or_path: str | Path) -> Path:
    """The profile file for a path, or for a name in :data:`PROFILES_DIR` (``"stimulator"``).

    Raises
    ------
    ProfileError
        Neither a file nor a shipped profile of that name exists.
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = PROFILES_DIR / f"{name_or_path}.toml"
    if shipped.is_file():
        return shipped
    names = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.toml")))
    raise ProfileError(f"no profile file {str(path)!r} and no shipped profile so named ({names})")


class Table:
    """One TOML table with typed getters whose errors name the file and the dotted key.

    Parameters
    ----------
    data : Mapping
        The parsed table.
    source : str
        File name used in messages.
    prefix : str
        Dotted path of this table in the file ("" for the top level).
    """

    def __init__(self, data: Mapping[str, Any], source: str, prefix: str = "") -> None:
        self._data = data
        self._source = source
        self._prefix = prefix
        self._used: set[str] = set()

    def where(self, key: str) -> str:
        """``file: dotted.key`` for messages."""
        return f"{self._source}: {self._prefix}{key}"

    def error(self, key: str, problem: str) -> ProfileError:
        """A :class:`ProfileError` about ``key``."""
        return ProfileError(f"{self.where(key)} {problem}")

    def _get(self, key: str, default: Any) -> Any:
        self._used.add(key)
        if key in self._data:
            return self._data[key]
        if default is _MISSING:
            raise self.error(key, "is missing")
        return default

    def has(self, key: str) -> bool:
        """True if the table holds ``key``."""
        return key in self._data

    def integer(self, key: str, lo: int, hi: int, default: Any = _MISSING) -> int:
        """An integer in ``lo..hi``."""
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be an integer, got {value!r}")
        if not lo <= value <= hi:
            raise self.error(key, f"= {value} is outside {lo}..{hi}")
        return value

    def number(self, key: str, lo: float, hi: float, default: Any = _MISSING) -> float:
        """A number (int or float) in ``lo..hi``."""
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number, got {value!r}")
        if not lo <= value <= hi:  # also refuses nan
            raise self.error(key, f"= {value} is outside {lo}..{hi}")
        return float(value)

    def text(self, key: str, default: Any = _MISSING) -> str:
        """A string."""
        value = self._get(key, default)
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, got {value!r}")
        return value

    def flag(self, key: str, default: Any = _MISSING) -> bool:
        """A boolean."""
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {value!r}")
        return value

    def table(self, key: str) -> Table:
        """A sub-table."""
        value = self._get(key, _MISSING)
        if not isinstance(value, Mapping):
            raise self.error(key, "must be a table")
        return Table(value, self._source, f"{self._prefix}{key}.")

    def tables(self, key: str) -> list[Table]:
        """An array of tables (``[[key]]``), at least one."""
        value = self._get(key, _MISSING)
        if not (isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value)):
            raise self.error(key, "must be a non-empty array of tables ([[...]])")
        return [Table(v, self._source, f"{self._prefix}{key}[{i}].") for i, v in enumerate(value)]

    def done(self) -> None:
        """Raise if the table holds a key that no getter asked for (a typo, an unknown limit)."""
        unknown = sorted(set(self._data) - self._used)
        if unknown:
            raise self.error(unknown[0], f"is not a known key here (known: {sorted(self._used)})")


@dataclass(frozen=True)
class DeviceHeader:
    """The ``[device]`` table every profile starts with.

    Attributes
    ----------
    kind : str
        ``"stimulator"``, ``"prosthesis"`` or ``"neuromorphic"``.
    identity : str
        Maker, model, serial number (INFO identity, ≤ 64 bytes of UTF-8).
    firmware : tuple of int
        ``(major, minor, patch)``, each 0..255.
    heartbeat_timeout_ms : int
        Watchdog timeout, ms (0 = no watchdog).
    """

    kind: str
    identity: str
    firmware: tuple[int, int, int]
    heartbeat_timeout_ms: int

    @classmethod
    def parse(cls, top: Table, expected_kind: str) -> DeviceHeader:
        """Read and check ``[device]`` of a profile meant for ``expected_kind``."""
        t = top.table("device")
        kind = t.text("kind")
        if kind != expected_kind:
            raise t.error("kind", f"= {kind!r}, but this emulator is a {expected_kind!r}")
        identity = t.text("identity")
        if len(identity.encode("utf-8")) > 64:
            raise t.error("identity", "is longer than 64 bytes of UTF-8")
        fw = t.text("firmware", "1.0.0")
        parts = fw.split(".")
        if len(parts) != 3 or not all(p.isdigit() and int(p) <= 255 for p in parts):
            raise t.error("firmware", f"= {fw!r} is not MAJOR.MINOR.PATCH with parts 0..255")
        timeout = t.integer("heartbeat_timeout_ms", 0, 65535)
        t.done()
        major, minor, patch = (int(p) for p in parts)
        return cls(kind, identity, (major, minor, patch), timeout)


def load_profile(name_or_path: str | Path) -> Table:
    """Read a profile file (path or shipped name) as a top-level :class:`Table`.

    Raises
    ------
    ProfileError
        The file is missing or is not valid TOML.
    """
    path = resolve(name_or_path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{path}: not valid TOML: {e}") from None
    except OSError as e:
        raise ProfileError(f"{path}: cannot read: {e.strerror}") from None
    return Table(data, str(path))
