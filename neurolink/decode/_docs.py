"""One place for docstring text that the decoders share (after MNE's ``fill_doc``).

A docstring names an entry with a placeholder line ``%(name)s`` standing alone (only
whitespace around it); :func:`fill_doc` replaces the line by the entry of :data:`docdict`, every
line of the entry indented as the placeholder was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

__all__ = ["docdict", "fill_doc"]

F = TypeVar("F", bound=Callable[..., object])

#: Shared numpydoc entries, written without indentation (continuation lines by 4 spaces).
docdict: dict[str, str] = {
    "X_counts": """\
X : array_like, shape (n_bins, n_units)
    Spike counts per bin.""",
    "X_counts_partial": """\
X : array_like, shape (n_bins, n_units)
    Spike counts per bin (as many units as the first call).""",
    "X_features": """\
X : array_like, shape (n_samples, n_features)
    Feature vectors, one per row.""",
    "y_decoded": """\
y : array_like, shape (n_bins, n_dims) or (n_bins,)
    Decoded variable in each bin.""",
    "channels_units": """\
channels : sequence of str, optional
    Labels of the units.""",
    "channels_partial": """\
channels : sequence of str, optional
    Labels of the units: recorded by the first call, checked by later ones.""",
    "returns_self": """\
Returns
-------
self""",
}

_PLACEHOLDER_LINE = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.MULTILINE)
_ANY_PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _fill(doc: str) -> str:
    """Return *doc* with every placeholder line replaced by its indented entry."""

    def repl(match: re.Match[str]) -> str:
        indent, name = match.groups()
        try:
            entry = docdict[name]
        except KeyError:
            raise KeyError(f"fill_doc: no docstring entry {name!r}") from None
        return "\n".join(indent + line if line else "" for line in entry.splitlines())

    filled = _PLACEHOLDER_LINE.sub(repl, doc)
    left = _ANY_PLACEHOLDER.search(filled)
    if left is not None:
        raise ValueError(f"fill_doc: placeholder {left.group()} must stand on a line of its own")
    return filled


def fill_doc(obj: F) -> F:
    """Fill the ``%(name)s`` placeholder lines of ``obj.__doc__`` from :data:`docdict`.

    Parameters
    ----------
    obj : function or class
        Its docstring is replaced in place.

    Returns
    -------
    obj
        The same object.

    Raises
    ------
    KeyError
        A placeholder names no entry.
    ValueError
        A placeholder does not stand on a line of its own.
    """
    if obj.__doc__:
        obj.__doc__ = _fill(obj.__doc__)
    return obj
