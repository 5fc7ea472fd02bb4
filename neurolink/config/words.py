"""The words of config messages: what a type expects, what a value is, what was meant."""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

__all__ = ["describe", "got", "suggest"]


def suggest(word: str, options: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest option, else ``"; expected one of ..."``."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return "; expected one of " + ", ".join(repr(o) for o in options)


_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
_PLURALS = {str: "strings", int: "integers", float: "numbers", bool: "booleans"}


def describe(tp: Any) -> str:
    """What a type hint expects, in words: ``"an integer"``, ``"one of 'a', 'b'"``."""
    origin = typing.get_origin(tp)
    if tp in _NAMES:
        return _NAMES[tp]
    if tp is Path:
        return "a path (string)"
    if origin is Literal:
        return "one of " + ", ".join(repr(v) for v in typing.get_args(tp))
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return "an array of " + _PLURALS.get(args[0], "values")
        return f"an array of {len(args)} values"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(a) for a in typing.get_args(tp) if a is not type(None))
    if dataclasses.is_dataclass(tp):
        return "a table"
    return repr(tp)


def got(value: Any) -> str:
    """A TOML value, named as TOML names it: ``string 'fast'``, ``boolean true``."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"float {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, datetime.date | datetime.time):
        return f"date-time {value.isoformat()}"
    return repr(value)
