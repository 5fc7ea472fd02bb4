"""Base classes of the message catalogue.

A message is a frozen dataclass with class attributes ``TYPE`` (its :class:`MsgType`) and
``DIRECTION``, a ``pack() -> bytes`` method and an ``unpack(payload)`` classmethod. Its fields are
checked against their wire types on construction, so an out-of-range value fails where the
message is made, not where it is sent, and ``unpack(m.pack()) == m`` for every valid ``m``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Self, TypeVar

from neurolink.hal.wire.codes import Direction, MsgType
from neurolink.hal.wire.errors import PayloadError, PayloadLengthError
from neurolink.hal.wire.fields import Layout

__all__ = [
    "MAX_PAYLOAD",
    "FixedBlock",
    "FixedMessage",
    "Message",
    "check_blocks",
    "check_length",
    "unpack_blocks",
]

MAX_PAYLOAD = 1024
"""Longest payload of any frame, bytes (so the longest COBS-encoded frame is 1,036 bytes)."""


def check_length(owner: str, payload: bytes, expected: int) -> None:
    """Raise :class:`PayloadLengthError` unless ``len(payload) == expected``."""
    if len(payload) != expected:
        raise PayloadLengthError(
            f"{owner} payload is {len(payload)} bytes, its layout says {expected}"
        )


class Message:
    """Base of every payload class."""

    TYPE: ClassVar[MsgType]
    DIRECTION: ClassVar[Direction]

    def pack(self) -> bytes:
        """The payload bytes (at most :data:`MAX_PAYLOAD`)."""
        raise NotImplementedError

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Parse a payload.

        Raises
        ------
        PayloadError
            A field is out of range or not a known enum value.
        PayloadLengthError
            The payload's length does not match the layout.
        """
        raise NotImplementedError


class FixedBlock:
    """A frozen dataclass packed as exactly one :class:`Layout` (its fields, in order)."""

    LAYOUT: ClassVar[Layout]

    def __post_init__(self) -> None:
        self.LAYOUT.check(self)

    def pack(self) -> bytes:
        """The packed bytes (``LAYOUT.size`` of them)."""
        return self.LAYOUT.pack(self)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Parse exactly ``LAYOUT.size`` bytes.

        Raises
        ------
        PayloadError
            A field is out of range or not a known enum value.
        PayloadLengthError
            ``payload`` is not ``LAYOUT.size`` bytes long.
        """
        check_length(cls.__name__, payload, cls.LAYOUT.size)
        return cls(*cls.LAYOUT.struct.unpack(payload))


class FixedMessage(FixedBlock, Message):
    """A message whose payload is one :class:`Layout` (its dataclass fields, in order)."""


B = TypeVar("B", bound=FixedBlock)


def check_blocks(
    owner: str, name: str, items: Iterable[object], block: type[B], max_len: int
) -> tuple[B, ...]:
    """``items`` as a tuple of ``block`` instances, at most ``max_len`` of them."""
    out = tuple(items)
    if len(out) > max_len:
        raise PayloadError(f"{owner}.{name} holds {len(out)} entries, more than {max_len}")
    if not all(isinstance(b, block) for b in out):
        raise PayloadError(f"{owner}.{name} must hold {block.__name__} entries")
    return out  # type: ignore[return-value]


def unpack_blocks(
    owner: str, payload: bytes, offset: int, count: int, block: type[B]
) -> tuple[B, ...]:
    """Parse ``count`` consecutive ``block`` layouts from ``offset`` to the payload's end.

    Raises
    ------
    PayloadLengthError
        The payload is not exactly ``offset + count * block.LAYOUT.size`` bytes long.
    """
    size = block.LAYOUT.size
    check_length(owner, payload, offset + count * size)
    return tuple(
        block.unpack(payload[offset + i * size : offset + (i + 1) * size]) for i in range(count)
    )
