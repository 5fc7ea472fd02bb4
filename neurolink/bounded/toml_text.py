"""TOML from outside, parsed only after its size and nesting depth were checked.

:mod:`tomllib` is a recursive-descent parser: an array nested 100 000 deep ends in a
:class:`RecursionError` traceback. :func:`loads_bounded` first measures the nesting of arrays and
inline tables (strings and comments removed, table headers counted as brackets too), in time
linear in the text.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from neurolink.bounded.json_text import bracket_depth
from neurolink.bounded.limits import MAX_TOML_BYTES, MAX_TOML_DEPTH, gib

__all__ = ["loads_bounded", "toml_depth"]

#: Strings and comments. Each alternative succeeds wherever it starts (an unterminated string
#: runs to the end of its line or of the text), so the scan is linear.
_TOML_SKIP = re.compile(
    rb"'''.*?(?:'''|\Z)"
    rb'|"""(?:[^\\]|\\.)*?(?:"""|\Z)'
    rb'|"(?:[^"\\\n]|\\.)*+"?'
    rb"|'[^'\n]*+'?"
    rb"|#[^\n]*+",
    re.DOTALL,
)


def toml_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in TOML text, outside strings and comments."""
    raw = text.encode("utf-8", "surrogatepass")
    return bracket_depth(_TOML_SKIP.sub(b"", raw))


def loads_bounded(
    text: str,
    where: str,
    error: type[Exception],
    *,
    max_bytes: int = MAX_TOML_BYTES,
    max_depth: int = MAX_TOML_DEPTH,
) -> dict[str, Any]:
    """Parse TOML after checking its size and depth.

    Parameters
    ----------
    text : str
        The TOML document.
    where : str
        Names the document in messages (a file name).
    error : exception type
        Raised with a one-line message ``"{where}: …"`` for a document over a limit; tomllib's
        own :class:`tomllib.TOMLDecodeError` is left to the caller.
    max_bytes, max_depth : int
        Limits on the encoded size and on the nesting of arrays and inline tables.

    Returns
    -------
    dict
        The parsed tables.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise error(f"{where}: {gib(size)} of TOML, more than the limit of {gib(max_bytes)}")
    depth = toml_depth(text)
    if depth > max_depth:
        raise error(
            f"{where}: arrays or inline tables nested {depth} levels deep, more than the limit "
            f"of {max_depth}"
        )
    try:
        return tomllib.loads(text)
    except RecursionError:  # cannot happen below the depth limit; kept as a last guard
        raise error(f"{where}: TOML nested too deeply to parse") from None
