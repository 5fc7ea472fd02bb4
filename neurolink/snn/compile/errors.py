"""Errors of the decoder compiler; each says what to change."""

from __future__ import annotations

from neurolink.snn.errors import ResourceError, SpecError

__all__ = ["DoesNotFitError", "NotCompilableError", "TooFewNeuronsError"]


class NotCompilableError(SpecError):
    """The decoder (its kind, or one of its settings) has no spiking-network form."""


class DoesNotFitError(ResourceError):
    """The compiled network does not fit the profile's cores."""


class TooFewNeuronsError(ResourceError):
    """``max_neurons`` is too small for the requested accuracy."""
