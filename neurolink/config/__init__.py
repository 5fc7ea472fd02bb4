"""The generic config machinery: TOML tables → validated, frozen dataclasses.

- :mod:`~neurolink.config.tables` — the table engine (field rules with :func:`setting`, tagged
  unions with :class:`Variants`, the ``validate(scope)`` hook);
- :mod:`~neurolink.config.loader` — read a file, text or dicts into a given schema class;
- :mod:`~neurolink.config.locate` — key path → line of the TOML text, for messages;
- :mod:`~neurolink.config.words` — "did you mean", type names for messages.

The schemas live with the packages they configure: the source kinds in
:mod:`neurolink.streams.config`, ``[session]``, the top-level :class:`Config` and the entry
points (:func:`load_config`, :func:`parse_config`, :func:`config_from_dict`,
:func:`config_to_dict`) in :mod:`neurolink.loop.session.config`.

Compatibility path: ``from neurolink.config import load_config, Config, LslConfig, ...`` keeps
working. Those names are re-exported lazily through a module-level ``__getattr__`` (PEP 562), so
that importing this package pulls in neither the streams nor the loop (no import cycle); new code
imports them from their homes.
"""

from __future__ import annotations

import importlib
from typing import Any

from neurolink.config.tables import Scope, Variants, setting

__all__ = [
    "CHANNEL_TYPES",
    "FILE_FORMATS",
    "SOURCE_KINDS",
    "BrainFlowConfig",
    "Config",
    "FileConfig",
    "LslConfig",
    "Scope",
    "SessionConfig",
    "SimulatedConfig",
    "SourceConfig",
    "Variants",
    "config_from_dict",
    "config_to_dict",
    "load_config",
    "parse_config",
    "setting",
]

_STREAMS = "neurolink.streams.config"
_SESSION = "neurolink.loop.session.config"

#: Re-exported name → the module that defines it (imported on first use).
_MOVED = {
    "CHANNEL_TYPES": _STREAMS,
    "FILE_FORMATS": _STREAMS,
    "SOURCE_KINDS": _STREAMS,
    "BrainFlowConfig": _STREAMS,
    "FileConfig": _STREAMS,
    "LslConfig": _STREAMS,
    "SourceConfig": _STREAMS,
    "SimulatedConfig": "neurolink.sim.source_config",
    "Config": _SESSION,
    "SessionConfig": _SESSION,
    "config_from_dict": _SESSION,
    "config_to_dict": _SESSION,
    "load_config": _SESSION,
    "parse_config": _SESSION,
}


def __getattr__(name: str) -> Any:
    """Load a re-exported schema or entry point from its home on first access."""
    home = _MOVED.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
