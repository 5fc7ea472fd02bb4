"""Source specifications on the command line: ``KIND:TARGET[?key=value&...]``.

Examples
--------
``brainflow:synthetic``, ``brainflow:cyton_daisy?serial_port=/dev/ttyUSB0``,
``lsl:MyStream``, ``lsl:type=EEG``, ``lsl:name=X&source_id=Y``, ``file:rec.edf?loop=true``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from neurolink.errors import ConfigError

__all__ = ["SOURCE_KINDS", "SourceSpec", "parse_source_spec"]

#: Kinds of source a spec can name.
SOURCE_KINDS = ("brainflow", "lsl", "file")

#: Keys that an ``lsl:`` target may carry (``lsl:type=EEG``).
_LSL_KEYS = ("name", "type", "source_id")


@dataclass(frozen=True)
class SourceSpec:
    """A parsed source specification.

    Attributes
    ----------
    kind : str
        One of :data:`SOURCE_KINDS`.
    target : str
        Board name, LSL stream name or file path (may be empty for ``lsl:type=EEG``).
    params : dict of str to str
        Extra parameters (string values; the source converts them).
    text : str
        The original text, for messages.
    """

    kind: str
    target: str
    params: dict[str, str] = field(default_factory=dict)
    text: str = ""


def parse_source_spec(text: str) -> SourceSpec:
    """Parse ``KIND:TARGET[?key=value&...]``; a bare board name means ``brainflow:``.

    Parameters
    ----------
    text : str

    Returns
    -------
    SourceSpec

    Raises
    ------
    ConfigError
        When the kind is unknown (with a suggestion) or a parameter is malformed.
    """
    raw = text.strip()
    if not raw:
        raise ConfigError(
            "empty source spec; expected e.g. 'brainflow:synthetic' or 'lsl:type=EEG'"
        )
    kind, sep, rest = raw.partition(":")
    if not sep:
        kind, rest = "brainflow", raw
    kind = kind.lower()
    if kind not in SOURCE_KINDS:
        close = difflib.get_close_matches(kind, SOURCE_KINDS, n=1)
        hint = f"; did you mean '{close[0]}:'?" if close else ""
        raise ConfigError(
            f"source {text!r}: unknown kind {kind!r} (expected one of {', '.join(SOURCE_KINDS)})"
            f"{hint}"
        )
    target, _, query = rest.partition("?")
    try:
        params = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
    except ValueError as exc:
        raise ConfigError(f"source {text!r}: malformed parameters {query!r} ({exc})") from None
    if kind == "lsl" and "=" in target:
        # lsl:type=EEG or lsl:name=X&type=Y: the target itself is a query
        try:
            extra = dict(parse_qsl(target, strict_parsing=True))
        except ValueError as exc:
            raise ConfigError(f"source {text!r}: malformed LSL query {target!r} ({exc})") from None
        bad = sorted(set(extra) - set(_LSL_KEYS))
        if bad:
            raise ConfigError(
                f"source {text!r}: unknown LSL key(s) {bad}; expected name, type or source_id"
            )
        params = {**extra, **params}
        target = ""
    elif kind == "lsl" and target:
        params.setdefault("name", target)
    if kind in ("brainflow", "file") and not target:
        what = "a board name" if kind == "brainflow" else "a file path"
        raise ConfigError(f"source {text!r}: {kind} needs {what}")
    if kind == "lsl" and not any(params.get(k) for k in _LSL_KEYS):
        raise ConfigError(f"source {text!r}: lsl needs a stream name, type= or source_id=")
    return SourceSpec(kind=kind, target=target, params=params, text=raw)
