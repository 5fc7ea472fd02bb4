"""Errors of the wire codec: every decoding failure is a :class:`WireError` subclass.

Each error knows the NACK status a device answers it with (:attr:`WireError.status`) and, when the
frame header could be read, the sequence number it claimed (:attr:`WireError.seq`; for a frame
that failed its CRC that number is only a hint).
"""

from __future__ import annotations

from neurolink.hal.wire.codes import Status

__all__ = [
    "CrcError",
    "FrameTooLongError",
    "FramingError",
    "PayloadError",
    "PayloadLengthError",
    "ShortFrameError",
    "UnknownTypeError",
    "VersionError",
    "WireError",
]


class WireError(ValueError):
    """A frame or payload could not be encoded or decoded.

    Parameters
    ----------
    message : str
        One line naming the problem and the offending value.
    seq : int or None
        Sequence number read from the frame header, if the header was readable.
    msg_type : int or None
        Type byte read from the frame header, if the header was readable.
    """

    status: Status = Status.BAD_FRAME

    def __init__(self, message: str, seq: int | None = None, msg_type: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq
        self.msg_type = msg_type


class FramingError(WireError):
    """The bytes between two delimiters are not valid COBS."""


class ShortFrameError(FramingError):
    """A frame is shorter than its header and CRC (6 bytes once COBS-decoded)."""


class FrameTooLongError(FramingError):
    """More bytes arrived without a delimiter than the longest valid frame; they were dropped."""


class CrcError(WireError):
    """The CRC-16 of a frame does not match its contents."""

    status = Status.BAD_CRC


class VersionError(WireError):
    """The frame's protocol version byte is not one this codec speaks."""

    status = Status.BAD_VERSION


class UnknownTypeError(WireError):
    """The frame's type byte names no message of the catalogue."""

    status = Status.UNKNOWN_TYPE


class PayloadError(WireError):
    """A payload field is out of its wire range, not finite, or not a known enum value."""

    status = Status.BAD_PAYLOAD


class PayloadLengthError(PayloadError):
    """A payload's length does not match its message's layout."""
