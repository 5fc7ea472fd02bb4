"""Commands refused at construction are audited too (issue 13, finding 7).

A command with a NaN, infinite or negative field fails when it is built
(:class:`~neurolink.hal.errors.CommandError`), before any driver sees it. So that such a refusal
is on record like every other, the command classes report each construction failure to the
listeners registered here; a serial driver registers its session's audit log while its port is
open (:meth:`neurolink.hal.safety.AuditLog.listen_for_invalid`), which records it as
``REFUSED`` with the values that were given (non-finite floats written as text) and
``limit = "validation"``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

from neurolink.hal.errors import CommandError

__all__ = ["add_invalid_listener", "audited_validation", "remove_invalid_listener"]

Listener = Callable[[str, dict[str, Any], str], None]
"""``listener(type name, the fields as given, the error message)``."""

_LOCK = threading.Lock()
_LISTENERS: list[Listener] = []
T = TypeVar("T", bound=type)


def add_invalid_listener(listener: Listener) -> None:
    """Call ``listener`` for every command refused at construction, from now on."""
    with _LOCK:
        _LISTENERS.append(listener)


def remove_invalid_listener(listener: Listener) -> None:
    """Stop calling ``listener`` (compared with ``==``: a bound method works)."""
    with _LOCK:
        if listener in _LISTENERS:
            _LISTENERS.remove(listener)


def _plain(value: Any) -> Any:
    """A JSON-able copy of a field as it was given (NaN and infinities as text)."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value[:64]]
    return repr(value)[:200]


def audited_validation(cls: T) -> T:
    """Class decorator: report a :class:`CommandError` of ``__post_init__`` to the listeners."""
    check = cls.__post_init__  # type: ignore[attr-defined]

    def __post_init__(self: Any) -> None:
        try:
            check(self)
        except CommandError as e:
            with _LOCK:
                listeners = list(_LISTENERS)
            if listeners:
                given = {f.name: _plain(getattr(self, f.name, None)) for f in fields(self)}
                for listener in listeners:
                    listener(cls.__name__, given, str(e))
            raise

    cls.__post_init__ = __post_init__  # type: ignore[attr-defined]
    return cls
