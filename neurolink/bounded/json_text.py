"""JSON from outside, parsed only after its size and nesting depth were checked.

:func:`json.loads` recurses once per nested array or object, so a document of 100 000 ``[``
raises :class:`RecursionError` from deep inside the parser (and a value nested 900 deep would
make every recursive consumer fail later). :func:`loads_bounded` measures the depth first, with
string contents removed, in linear time and memory proportional to the number of brackets.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from neurolink.bounded.limits import MAX_JSON_BYTES, MAX_JSON_DEPTH, gib

__all__ = ["bracket_depth", "json_depth", "loads_bounded", "read_json_file"]

#: A JSON string (escapes included); an unterminated one runs to the end, so every match
#: succeeds where it starts and the scan stays linear.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")


def bracket_depth(text: bytes) -> int:
    """Deepest nesting of ``[``/``{`` in ``text`` (bytes with strings already removed)."""
    brackets = _NOT_BRACKET.sub(b"", text)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, np.uint8)
    step = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(step, dtype=np.int64).max(initial=0))


def json_depth(data: bytes | str) -> int:
    """Nesting depth of a JSON document (0 for a scalar, 1 for ``[1, 2]``), strings ignored.

    Parameters
    ----------
    data : bytes or str
        The document (need not be valid JSON: brackets outside strings are counted).
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    return bracket_depth(_JSON_STRING.sub(b"", raw))


def loads_bounded(
    data: bytes | str,
    what: str,
    error: type[Exception],
    *,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """Parse JSON after checking its size and depth.

    Parameters
    ----------
    data : bytes or str
        The document (bytes are decoded as UTF-8).
    what : str
        Names the document in messages (``"model.npz: metadata"``).
    error : exception type
        Raised with a one-line message ``"{what}: …"`` for every problem.
    max_bytes, max_depth : int
        Limits on the encoded size and on the nesting of arrays and objects.

    Returns
    -------
    object
        The parsed value.
    """
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise error(f"{what}: {gib(size)} of JSON, more than the limit of {gib(max_bytes)}")
    depth = json_depth(data)
    if depth > max_depth:
        raise error(f"{what}: JSON nested {depth} levels deep, more than the limit of {max_depth}")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        return json.loads(text)
    except UnicodeDecodeError as exc:
        raise error(f"{what}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise error(f"{what}: not valid JSON: {exc}") from None
    except (ValueError, RecursionError) as exc:  # e.g. integers of more than 4300 digits
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise error(f"{what}: not valid JSON: {first}") from None


def read_json_file(
    path: Path,
    error: type[Exception],
    *,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """Read and parse a JSON file with :func:`loads_bounded` (its size checked before reading).

    Raises ``error`` naming ``path`` when the file cannot be read or parsed.
    """
    try:
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            if size > max_bytes:
                raise error(f"{path}: {gib(size)} of JSON, more than the limit of {gib(max_bytes)}")
            f.seek(0)
            data = f.read()
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    return loads_bounded(data, str(path), error, max_bytes=max_bytes, max_depth=max_depth)
