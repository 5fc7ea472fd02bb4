"""Map a TOML key path to the line that defines it.

:mod:`tomllib` returns plain dicts without positions, so error messages would otherwise name a
key but no line. :class:`LineLocator` scans the text once, tracking ``[table]`` and
``[[array]]`` headers and ``key = value`` lines (dotted and quoted keys included) while skipping
the inside of strings, multi-line strings and multi-line arrays, and records the first line of
every key path it sees.

Key paths are tuples of table keys and, for arrays of tables, element indices:
``("hal", "device", 1, "port")`` is ``port`` in the second ``[[hal.device]]``.
"""

from __future__ import annotations

import re
import tomllib

__all__ = ["KeyPath", "LineLocator", "format_path"]

#: A key path: table keys (str) and array-of-tables indices (int).
KeyPath = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_BARE_FULL = re.compile(r"[A-Za-z0-9_-]+\Z")


def format_path(path: KeyPath) -> str:
    """Render a key path as users write it: ``source.brainflow.board``, ``hal.device[1].port``.

    Parameters
    ----------
    path : tuple of str and int
        The key path.

    Returns
    -------
    str
        Dotted form; keys that are not bare TOML keys are double-quoted.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = part if _BARE_FULL.match(part) else '"' + part.replace('"', '\\"') + '"'
            out += f".{key}" if out else key
    return out


class LineLocator:
    """Line numbers of the key paths of one TOML document.

    Parameters
    ----------
    text : str
        The TOML text (already known to parse).

    Examples
    --------
    >>> loc = LineLocator('[source]\\nkind = "lsl"\\n[source.lsl]\\nname = "EEG"\\n')
    >>> loc.line(("source", "lsl", "name")), loc.line(("source", "lsl", "type"))
    (4, 3)
    """

    def __init__(self, text: str) -> None:
        self._found = _scan(text)

    def exact(self, path: KeyPath) -> int | None:
        """Line (1-based) where ``path`` itself is defined, or None."""
        return self._found.get(tuple(path))

    def line(self, path: KeyPath) -> int | None:
        """Line of ``path``, else of its nearest enclosing table or key, else None.

        The fallback places errors about missing keys on the header of their table and errors
        inside inline tables or arrays on the line of the key that holds them.
        """
        path = tuple(path)
        for n in range(len(path), 0, -1):
            line = self._found.get(path[:n])
            if line is not None:
                return line
        return None


def _scan(text: str) -> dict[KeyPath, int]:
    """First line of every key path defined in ``text``."""
    found: dict[KeyPath, int] = {}
    table: KeyPath = ()
    arrays: dict[KeyPath, int] = {}  # array-of-tables path → elements seen so far
    value = _ValueScanner()
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not value.at_top:
            value.scan(line, 0)
            continue
        stripped = line.lstrip()
        if stripped.startswith("["):
            is_array = stripped.startswith("[[")
            parsed = _parse_key(stripped, 2 if is_array else 1)
            if parsed is not None:
                array_path, table = _resolve_header(parsed[0], arrays, is_array)
                if is_array:
                    found.setdefault(array_path, lineno)
                _record(found, table, lineno)
            continue
        parsed = _parse_key(line, 0)
        if parsed is None or not line.startswith("=", parsed[1]):
            continue  # blank line or comment
        _record(found, table + tuple(parsed[0]), lineno)
        value.scan(line, parsed[1] + 1)
    return found


def _record(found: dict[KeyPath, int], path: KeyPath, lineno: int) -> None:
    """Record ``lineno`` for ``path`` and every prefix not seen before."""
    for n in range(1, len(path) + 1):
        found.setdefault(path[:n], lineno)


def _resolve_header(
    keys: list[str], arrays: dict[KeyPath, int], is_array: bool
) -> tuple[KeyPath, KeyPath]:
    """Turn header keys into (array path, table path), inserting array-of-tables indices."""
    path: KeyPath = ()
    for n, key in enumerate(keys):
        path += (key,)
        if n == len(keys) - 1 and is_array:
            index = arrays.get(path, 0)
            arrays[path] = index + 1
            return path, (*path, index)
        if path in arrays:  # a parent that is an array of tables: its latest element
            path += (arrays[path] - 1,)
    return path, path


def _parse_key(s: str, i: int) -> tuple[list[str], int] | None:
    """Parse a (dotted, possibly quoted) key at ``s[i:]``; return (parts, index after it)."""
    parts: list[str] = []
    while True:
        i = _skip_ws(s, i)
        if i >= len(s):
            return None
        if s[i] == '"':
            end = _basic_string_end(s, i)
            if end is None:
                return None
            parts.append(tomllib.loads("k = " + s[i:end])["k"])
            i = end
        elif s[i] == "'":
            end = s.find("'", i + 1)
            if end < 0:
                return None
            parts.append(s[i + 1 : end])
            i = end + 1
        else:
            m = _BARE.match(s, i)
            if m is None:
                return None
            parts.append(m.group())
            i = m.end()
        i = _skip_ws(s, i)
        if not s.startswith(".", i):
            return parts, i
        i += 1


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i] in " \t":
        i += 1
    return i


def _basic_string_end(s: str, i: int) -> int | None:
    """Index after the closing quote of the basic string opening at ``s[i]``."""
    j = i + 1
    while j < len(s):
        if s[j] == "\\":
            j += 2
        elif s[j] == '"':
            return j + 1
        else:
            j += 1
    return None


class _ValueScanner:
    """Follows a value across lines: open multi-line strings and bracket depth."""

    def __init__(self) -> None:
        self.open_string: str | None = None  # '"""' or "'''" while inside one
        self.depth = 0  # open [ and { of arrays and inline tables

    @property
    def at_top(self) -> bool:
        """True when the next line starts outside any value (a key or header may follow)."""
        return self.open_string is None and self.depth == 0

    def scan(self, s: str, i: int) -> None:
        """Consume ``s[i:]`` as (part of) a value, updating the state."""
        while i < len(s):
            if self.open_string is not None:
                end = self._close_multiline(s, i)
                if end is None:
                    return
                self.open_string, i = None, end
                continue
            c = s[i]
            if c == "#":
                return
            if s.startswith('"""', i) or s.startswith("'''", i):
                self.open_string, i = s[i : i + 3], i + 3
                continue
            if c == '"':
                end = _basic_string_end(s, i)
                i = len(s) if end is None else end
                continue
            if c == "'":
                end = s.find("'", i + 1)
                i = len(s) if end < 0 else end + 1
                continue
            if c in "[{":
                self.depth += 1
            elif c in "]}":
                self.depth -= 1
            i += 1

    def _close_multiline(self, s: str, i: int) -> int | None:
        """Index after the delimiter that closes the open multi-line string, or None."""
        delim = self.open_string
        assert delim is not None
        j = i
        while j < len(s):
            if delim == '"""' and s[j] == "\\":
                j += 2
            elif s.startswith(delim, j):
                run = 3  # up to two quotes of content may sit just before the delimiter
                while run < 5 and s.startswith(delim[0], j + run):
                    run += 1
                return j + run
            else:
                j += 1
        return None
