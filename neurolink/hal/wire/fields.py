"""Wire types of payload fields: range checks with messages that name the field, and layouts.

A *wire type* (:class:`UInt`, :class:`SInt`, :class:`Float`, :class:`EnumOf`, :class:`FlagOf`)
checks and normalises one Python value (``check``) and names its ``struct`` code (``fmt``). A
:class:`Layout` is an ordered set of named wire types: the fixed part of a payload, packed little
endian with no padding.
"""

from __future__ import annotations

import math
import operator
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, IntFlag
from typing import Any

from neurolink.hal.wire.errors import PayloadError, PayloadLengthError

__all__ = [
    "F32",
    "F64",
    "I32",
    "U8",
    "U16",
    "U32",
    "U64",
    "Bytes",
    "EnumOf",
    "FlagOf",
    "Float",
    "Layout",
    "SInt",
    "UInt",
    "check_text",
    "check_uints",
    "decode_text",
    "set_field",
]

_UFMT = {8: "B", 16: "H", 32: "I", 64: "Q"}


def _integer(owner: str, name: str, value: object) -> int:
    if isinstance(value, bool | float):
        raise PayloadError(f"{owner}.{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise PayloadError(f"{owner}.{name} must be an integer, got {value!r}") from None


@dataclass(frozen=True)
class UInt:
    """Unsigned little-endian integer of ``bits`` (8, 16, 32, 64)."""

    bits: int

    @property
    def fmt(self) -> str:
        return _UFMT[self.bits]

    def check(self, owner: str, name: str, value: object) -> int:
        v = _integer(owner, name, value)
        if v < 0 or v >> self.bits:
            raise PayloadError(
                f"{owner}.{name} = {v} is outside u{self.bits} 0..{(1 << self.bits) - 1}"
            )
        return v


@dataclass(frozen=True)
class SInt:
    """Two's-complement little-endian integer of ``bits`` (8, 16, 32, 64)."""

    bits: int

    @property
    def fmt(self) -> str:
        return _UFMT[self.bits].lower()

    def check(self, owner: str, name: str, value: object) -> int:
        v = _integer(owner, name, value)
        lo, hi = -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        if not lo <= v <= hi:
            raise PayloadError(f"{owner}.{name} = {v} is outside i{self.bits} {lo}..{hi}")
        return v


@dataclass(frozen=True)
class Float:
    """IEEE-754 little-endian float of ``bits`` (32 or 64); must be finite.

    A 32-bit value is rounded to float32 on construction, so a message equals its decoded copy.
    """

    bits: int

    @property
    def fmt(self) -> str:
        return "f" if self.bits == 32 else "d"

    def check(self, owner: str, name: str, value: object) -> float:
        if isinstance(value, bool | str | bytes):
            raise PayloadError(f"{owner}.{name} must be a number, got {value!r}")
        try:
            v = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise PayloadError(f"{owner}.{name} must be a number, got {value!r}") from None
        if not math.isfinite(v):
            raise PayloadError(f"{owner}.{name} must be finite, got {v}")
        if self.bits == 32:
            try:
                v = struct.unpack("<f", struct.pack("<f", v))[0]
            except OverflowError:
                raise PayloadError(f"{owner}.{name} = {v} overflows float32") from None
        return v


@dataclass(frozen=True)
class EnumOf:
    """An :class:`~enum.IntEnum` stored as an unsigned integer; accepts a member, int or name."""

    enum: type[IntEnum]
    width: UInt = UInt(8)

    @property
    def fmt(self) -> str:
        return self.width.fmt

    def check(self, owner: str, name: str, value: object) -> IntEnum:
        if isinstance(value, str):
            try:
                return self.enum[value]
            except KeyError:
                pass
        elif not isinstance(value, bool):
            try:
                return self.enum(operator.index(value))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                pass
        names = ", ".join(m.name for m in self.enum)
        raise PayloadError(f"{owner}.{name} = {value!r} is not a {self.enum.__name__} ({names})")


@dataclass(frozen=True)
class FlagOf:
    """An :class:`~enum.IntFlag` stored as an unsigned integer; unknown bits are kept.

    Accepts a flag, an int, or member names joined by ``|`` (``"WATCHDOG|ESTOP"``).
    """

    flag: type[IntFlag]
    width: UInt

    @property
    def fmt(self) -> str:
        return self.width.fmt

    def check(self, owner: str, name: str, value: object) -> IntFlag:
        if isinstance(value, str):
            bits = 0
            for part in value.split("|"):
                try:
                    bits |= self.flag[part.strip()]
                except KeyError:
                    names = ", ".join(m.name or "" for m in self.flag)
                    raise PayloadError(
                        f"{owner}.{name}: {part.strip()!r} is not a {self.flag.__name__} ({names})"
                    ) from None
            return self.flag(bits)
        return self.flag(self.width.check(owner, name, value))


@dataclass(frozen=True)
class Bytes:
    """A fixed number of raw bytes (nonces, MACs); accepts bytes or a hex string of that length."""

    size: int

    @property
    def fmt(self) -> str:
        return f"{self.size}s"

    def check(self, owner: str, name: str, value: object) -> bytes:
        if isinstance(value, str):
            try:
                value = bytes.fromhex(value)
            except ValueError:
                raise PayloadError(f"{owner}.{name} = {value!r} is not hex") from None
        if not isinstance(value, bytes | bytearray | memoryview):
            raise PayloadError(f"{owner}.{name} must be {self.size} bytes, got {value!r}")
        out = bytes(value)
        if len(out) != self.size:
            raise PayloadError(f"{owner}.{name} is {len(out)} bytes, must be {self.size}")
        return out


U8, U16, U32, U64 = UInt(8), UInt(16), UInt(32), UInt(64)
I32 = SInt(32)
F32, F64 = Float(32), Float(64)

WireType = UInt | SInt | Float | EnumOf | FlagOf | Bytes


def set_field(obj: object, name: str, value: object) -> None:
    """Store a normalised value on a frozen dataclass (from its ``__post_init__``)."""
    object.__setattr__(obj, name, value)


class Layout:
    """The fixed part of a payload: named wire types in order, packed ``<`` without padding.

    Parameters
    ----------
    **fields : WireType
        Field name to wire type, in wire order.
    """

    def __init__(self, **fields: WireType) -> None:
        self.fields = fields
        self.names = tuple(fields)
        self.struct = struct.Struct("<" + "".join(t.fmt for t in fields.values()))
        self.size = self.struct.size
        # (name, wire type, largest value if a plain unsigned integer else -1): the fast path
        self._plan = [
            (n, t, (1 << t.bits) - 1 if type(t) is UInt else -1) for n, t in fields.items()
        ]

    def check(self, obj: object) -> None:
        """Check and normalise ``obj``'s fields of this layout in place."""
        for name, wire, top in self._plan:
            value = getattr(obj, name)
            if type(value) is int and 0 <= value <= top:
                continue  # already a plain int within its unsigned range
            set_field(obj, name, wire.check(type(obj).__name__, name, value))

    def pack(self, obj: object) -> bytes:
        """Pack ``obj``'s fields of this layout."""
        return self.struct.pack(*[getattr(obj, n) for n in self.names])

    def unpack_from(self, owner: str, payload: bytes, offset: int = 0) -> dict[str, Any]:
        """Unpack the layout at ``offset`` of ``payload`` into a field dict.

        Raises
        ------
        PayloadLengthError
            ``payload`` ends before the layout does.
        """
        if len(payload) < offset + self.size:
            raise PayloadLengthError(
                f"{owner} payload of {len(payload)} bytes is too short: its fixed part needs "
                f"{offset + self.size}"
            )
        return dict(zip(self.names, self.struct.unpack_from(payload, offset), strict=True))


def check_uints(
    owner: str, name: str, values: Iterable[object], wire: UInt, max_len: int
) -> tuple[int, ...]:
    """A sequence of unsigned integers as a tuple, each in ``wire``'s range, at most ``max_len``."""
    if isinstance(values, str | bytes):
        raise PayloadError(f"{owner}.{name} must be a sequence of integers, got {values!r}")
    try:
        items = tuple(values)
    except TypeError:
        raise PayloadError(f"{owner}.{name} must be a sequence, got {values!r}") from None
    if len(items) > max_len:
        raise PayloadError(f"{owner}.{name} holds {len(items)} values, more than {max_len}")
    try:  # fast path: all integers (numpy ones too) and within range
        ints = tuple(map(operator.index, items))
        if not ints or (min(ints) >= 0 and max(ints) >> wire.bits == 0):
            return ints
    except TypeError:
        pass
    return tuple(wire.check(owner, f"{name}[{i}]", v) for i, v in enumerate(items))


def check_text(owner: str, name: str, value: object, max_bytes: int) -> str:
    """A string whose UTF-8 encoding is at most ``max_bytes`` long."""
    if not isinstance(value, str):
        raise PayloadError(f"{owner}.{name} must be a str, got {value!r}")
    try:
        n = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise PayloadError(f"{owner}.{name} is not encodable as UTF-8") from None
    if n > max_bytes:
        raise PayloadError(f"{owner}.{name} is {n} bytes of UTF-8, more than {max_bytes}")
    return value


def decode_text(owner: str, name: str, raw: bytes) -> str:
    """Decode UTF-8 text of a payload; invalid UTF-8 is a :class:`PayloadError`."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PayloadError(
            f"{owner}.{name} is not valid UTF-8 ({e.reason} at byte {e.start})"
        ) from None
