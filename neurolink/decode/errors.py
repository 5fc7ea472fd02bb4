"""Errors and warnings of the decoders.

Every error says what is wrong, where, and what was expected; a calibration that is too short
also says how much more is needed.
"""

from __future__ import annotations

from neurolink.errors import FileFormatError, NeurolinkError

__all__ = [
    "CalibrationError",
    "ChannelMismatchError",
    "DecoderError",
    "DroppedUnitsWarning",
    "ModelFileError",
    "NotFittedError",
]


class DecoderError(NeurolinkError, ValueError):
    """Bad input to a decoder: wrong shape, wrong number of units, non-finite values."""


class NotFittedError(DecoderError):
    """A decoder was used (``predict``, ``step``, ``save``) before ``fit``."""


class CalibrationError(DecoderError):
    """The calibration data cannot fit the model (too short, too few trials of a class).

    Attributes
    ----------
    have : int or None
        What the calibration holds (bins, samples or trials; see the message), when known.
    need : int or None
        The least that would do, when known.
    """

    def __init__(self, message: str, have: int | None = None, need: int | None = None) -> None:
        super().__init__(message)
        self.have = None if have is None else int(have)
        self.need = None if need is None else int(need)


class ChannelMismatchError(DecoderError):
    """A model was loaded for, or given, a channel set other than the one it was fitted on."""


class ModelFileError(FileFormatError):
    """A model file is unreadable, of another decoder class, or of an incompatible version."""


class DroppedUnitsWarning(UserWarning):
    """Constant (e.g. all-zero) units were left out of a fit; the decoder remembers which."""
