"""Errors of the spiking-network package; each names the object, the parameter and the limit."""

from __future__ import annotations

from neurolink.errors import ConfigError, NeurolinkError

__all__ = ["BackendUnavailableError", "NotSupportedError", "ResourceError", "SpecError"]


class SpecError(ConfigError):
    """A network spec is malformed or a parameter is out of its profile's range."""


class NotSupportedError(NeurolinkError, NotImplementedError):
    """A backend was asked for a feature in its ``not_supported`` list."""


class BackendUnavailableError(NeurolinkError, RuntimeError):
    """A backend's implementation (e.g. the chip emulator) cannot be imported."""


class ResourceError(NeurolinkError, ValueError):
    """A network does not fit the chip's resources; the message says what overflowed."""
