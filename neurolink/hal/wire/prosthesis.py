"""Prosthesis messages: velocity commands and state reports.

Each degree of freedom (DoF) has its own unit: rad for a revolute joint, m for a linear axis,
workspace units for a cursor; velocities are per second. Values are float32 and must be finite.
Grip is the commanded (or measured) closure of the hand, 0 = open .. 1 = closed.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Self

from neurolink.hal.wire.base import Message, check_length
from neurolink.hal.wire.codes import Direction, MsgType, ProsthesisFlags
from neurolink.hal.wire.errors import PayloadError
from neurolink.hal.wire.fields import F32, U8, U16, U64, FlagOf, Layout, set_field
from neurolink.hal.wire.info import MAX_DOF

__all__ = ["ProsthesisState", "ProsthesisVelocity"]


#: ``<nf`` for each number of DoF, to round a whole tuple to float32 in one call.
_F32_TUPLES = tuple(struct.Struct(f"<{n}f") for n in range(MAX_DOF + 1))


def _floats(owner: str, name: str, values: Iterable[object]) -> tuple[float, ...]:
    if (  # the usual case, checked in C: 1..MAX_DOF finite Python floats within float32
        type(values) is tuple
        and 1 <= len(values) <= MAX_DOF
        and all(type(v) is float for v in values)
        and all(map(math.isfinite, values))
    ):
        f32 = _F32_TUPLES[len(values)]
        try:
            rounded = f32.unpack(f32.pack(*values))
        except OverflowError:  # out of float32's range: the per-value check names it
            rounded = None
        if rounded is not None and all(map(math.isfinite, rounded)):
            return rounded
    if isinstance(values, str | bytes):
        raise PayloadError(f"{owner}.{name} must be a sequence of numbers, got {values!r}")
    try:
        items = tuple(values)
    except TypeError:
        raise PayloadError(f"{owner}.{name} must be a sequence, got {values!r}") from None
    if not 1 <= len(items) <= MAX_DOF:
        raise PayloadError(f"{owner}.{name} has {len(items)} DoF, not 1..{MAX_DOF}")
    return tuple(F32.check(owner, f"{name}[{i}]", v) for i, v in enumerate(items))


_VEL_HEAD = Layout(n_dof=U8, grip=F32)


@dataclass(frozen=True)
class ProsthesisVelocity(Message):
    """PROSTHESIS_VELOCITY (host → device): ``n_dof u8 | grip f32 | n_dof × velocity f32``.

    Attributes
    ----------
    velocities : tuple of float
        Commanded velocity of each DoF, its unit per s (1..32 DoF).
    grip : float
        Commanded grip closure, 0 (open) .. 1 (closed).
    """

    TYPE: ClassVar = MsgType.PROSTHESIS_VELOCITY
    DIRECTION: ClassVar = Direction.HOST_TO_DEVICE
    velocities: tuple[float, ...]
    grip: float = 0.0

    def __post_init__(self) -> None:
        owner = type(self).__name__
        set_field(self, "velocities", _floats(owner, "velocities", self.velocities))
        set_field(self, "grip", F32.check(owner, "grip", self.grip))

    def pack(self) -> bytes:
        n = len(self.velocities)
        return struct.pack(f"<Bf{n}f", n, self.grip, *self.velocities)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _VEL_HEAD.unpack_from(cls.__name__, payload)
        n = head["n_dof"]
        check_length(cls.__name__, payload, _VEL_HEAD.size + 4 * n)
        return cls(struct.unpack_from(f"<{n}f", payload, _VEL_HEAD.size), head["grip"])


_STATE_HEAD = Layout(device_time_us=U64, flags=FlagOf(ProsthesisFlags, U16), n_dof=U8, grip=F32)


@dataclass(frozen=True)
class ProsthesisState(Message):
    """PROSTHESIS_STATE (device → host, every ``state_period_ms``): ``device_time_us u64 |
    flags u16 | n_dof u8 | grip f32 | n_dof × (position f32 | velocity f32)``.

    Attributes
    ----------
    device_time_us : int
        Device clock at the measurement, µs.
    flags : ProsthesisFlags
        Armed, moving, stopped on a stale command, at a workspace bound, clamped ...
    grip : float
        Measured grip closure, 0 .. 1.
    positions, velocities : tuple of float
        Per DoF: position (its unit) and velocity (its unit per s); the same length.
    """

    TYPE: ClassVar = MsgType.PROSTHESIS_STATE
    DIRECTION: ClassVar = Direction.DEVICE_TO_HOST
    device_time_us: int
    flags: ProsthesisFlags
    grip: float
    positions: tuple[float, ...]
    velocities: tuple[float, ...]

    def __post_init__(self) -> None:
        owner = type(self).__name__
        set_field(self, "device_time_us", U64.check(owner, "device_time_us", self.device_time_us))
        set_field(self, "flags", _STATE_HEAD.fields["flags"].check(owner, "flags", self.flags))
        set_field(self, "grip", F32.check(owner, "grip", self.grip))
        set_field(self, "positions", _floats(owner, "positions", self.positions))
        set_field(self, "velocities", _floats(owner, "velocities", self.velocities))
        if len(self.positions) != len(self.velocities):
            raise PayloadError(
                f"{owner} has {len(self.positions)} positions but {len(self.velocities)} velocities"
            )

    def pack(self) -> bytes:
        n = len(self.positions)
        pairs = [x for pv in zip(self.positions, self.velocities, strict=True) for x in pv]
        head = _STATE_HEAD.struct.pack(self.device_time_us, self.flags, n, self.grip)
        return head + struct.pack(f"<{2 * n}f", *pairs)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _STATE_HEAD.unpack_from(cls.__name__, payload)
        n = head.pop("n_dof")
        check_length(cls.__name__, payload, _STATE_HEAD.size + 8 * n)
        pairs = struct.unpack_from(f"<{2 * n}f", payload, _STATE_HEAD.size)
        return cls(positions=pairs[0::2], velocities=pairs[1::2], **head)
