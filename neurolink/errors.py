"""Exception types shared across neurolink.

Every error carries a one-line message that names the problem (what, where, what was expected).
"""

from __future__ import annotations


class NeurolinkError(Exception):
    """Base class of all neurolink errors."""


class ConfigError(NeurolinkError, ValueError):
    """A configuration value is missing, of the wrong type or out of range."""


class SourceError(NeurolinkError, RuntimeError):
    """A data source could not be opened or failed while streaming."""


class BoardNotFoundError(SourceError, LookupError):
    """A BrainFlow board name or id is unknown."""


class StreamNotFoundError(SourceError, LookupError):
    """An LSL stream did not appear within the resolve timeout."""


class StreamMismatchError(SourceError):
    """A stream's channel count or rate differs from what the configuration expects."""


class StreamStalledError(SourceError, TimeoutError):
    """A stream delivered no samples for longer than the stall timeout."""


class TimestampError(SourceError):
    """Timestamps went backwards or are otherwise inconsistent."""


class FileFormatError(NeurolinkError, ValueError):
    """A recording file could not be read (missing, unknown format, corrupt)."""
