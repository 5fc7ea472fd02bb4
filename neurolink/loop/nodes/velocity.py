"""The ``velocity`` mapper: decoded velocity → prosthesis commands.

Every command carries the ``origin`` of the block that caused it, ``(stream, newest sample
index, its host time stamp)`` (DESIGN.md §2), so the engine measures ``t_wire − t_sample``.
Mappers decide by sample index, never by wall-clock time, so a replay reproduces them.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import numpy as np

from neurolink.config import setting
from neurolink.hal.commands import Command, Origin, ProsthesisCommand
from neurolink.loop.core.ports import Port, Stage, Vector
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick

__all__ = ["VelocityMapper", "VelocityParams", "origin_of", "shaped_limits"]


@dataclasses.dataclass(frozen=True)
class VelocityParams:
    """``velocity``: decoded velocity → prosthesis commands every ``interval_ms``."""

    gain: float = 1.0
    interval_ms: float = setting(20.0, gt=0)
    deadband: float = setting(0.0, ge=0)
    max_speed: float | None = setting(None, gt=0)
    max_accel: float | None = setting(None, gt=0)
    accel_margin: float = setting(0.5, gt=0, le=1)


def origin_of(tick: Tick) -> Origin:
    """The origin of a command decided on this block: its newest sample."""
    return Origin(tick.stream, tick.last_index, tick.t_last)


@register_node
class VelocityMapper:
    """Decoded velocity → prosthesis velocity command, every ``interval`` samples.

    ``v = gain · decoded`` (zero inside the dead band), each component limited to
    ``max_speed``, and the change from the previous command limited to
    ``accel_margin · max_accel · Δt`` (Δt by sample index), so that the host guard — which
    refuses faster changes — accepts it even when commands go out a little early.

    Parameters
    ----------
    name : str
    n_dof : int
        Degrees of freedom of the device (the decoded vector's length must match).
    fs : float
        Sampling rate (Hz).
    interval_ms : float
        Time between commands (ms of samples).
    gain : float
        Device units per decoded unit.
    deadband : float
        Decoded speeds below this (decoded units) command zero velocity.
    max_speed, max_accel : float
        Device limits (units/s, units/s²).
    accel_margin : float
        Fraction of ``max_accel`` used (0..1].
    """

    kind: ClassVar[str] = "velocity"
    inputs: ClassVar[tuple[Port, ...]] = (Port.STATE,)
    output: ClassVar[Port] = Port.COMMANDS
    stage: ClassVar[Stage] = Stage.WIRE
    Params: ClassVar[type] = VelocityParams
    devices: ClassVar[tuple[str, ...]] = ("prosthesis", "lsl", "null")

    @classmethod
    def from_config(cls, ctx: BuildContext) -> VelocityMapper:
        """The mapper of a ``[[loop.nodes]]`` entry, checked against its device's degrees of
        freedom and shaped to its speed and acceleration limits."""
        p = ctx.node.params
        dims = ctx.source_labels
        n_dof = ctx.limits.n_dof if ctx.limits else len(dims)
        if len(dims) != n_dof:
            raise ctx.error(
                "input",
                f"its input gives {len(dims)} values ({', '.join(dims)}), the "
                f"device it drives has {n_dof} degrees of freedom",
            )
        speed, accel = shaped_limits(p, ctx)
        return cls(
            ctx.node.name,
            n_dof,
            ctx.fs,
            interval_ms=p.interval_ms,
            gain=p.gain,
            deadband=p.deadband,
            max_speed=speed,
            max_accel=accel,
            accel_margin=p.accel_margin,
        )

    def __init__(
        self,
        name: str,
        n_dof: int,
        fs: float,
        *,
        interval_ms: float = 20.0,
        gain: float = 1.0,
        deadband: float = 0.0,
        max_speed: float = 1.0,
        max_accel: float = 4.0,
        accel_margin: float = 0.5,
    ) -> None:
        if not (0 < accel_margin <= 1 and max_speed > 0 and max_accel > 0 and interval_ms > 0):
            raise ValueError(
                f"velocity mapper {name!r}: need 0 < accel_margin <= 1 and "
                "positive max_speed, max_accel and interval_ms"
            )
        self.name = name
        self.n_dof = int(n_dof)
        self.fs = float(fs)
        self.interval = max(1, round(interval_ms * 1e-3 * fs))
        self.gain, self.deadband = float(gain), float(deadband)
        self.max_speed, self.max_accel = float(max_speed), float(max_accel)
        self.accel_margin = float(accel_margin)
        # the state as tuples of Python floats: no numpy call on a command block (cold caches)
        self._v: tuple[float, ...] = (0.0,) * self.n_dof
        self._prev: tuple[float, ...] = self._v
        self._cmds: list[Command] = []
        self.reset()

    def reset(self) -> None:
        """Forget the previous command (the device is taken to be at rest)."""
        self._v = (0.0,) * self.n_dof
        self._next: int | None = None
        self._last: int | None = None
        self.n_commands = 0

    def step(self, v: Vector, tick: Tick) -> list[Command]:
        """Emit at most one command when the block crosses the next command time.

        Returns
        -------
        list of Command
            Reused list: empty, or one :class:`ProsthesisCommand`.
        """
        cmds = self._cmds
        cmds.clear()
        if v.index < 0:
            return cmds
        if v.value.shape[0] != self.n_dof:
            raise ValueError(
                f"velocity mapper {self.name!r}: decoded vector has "
                f"{v.value.shape[0]} values, the device {self.n_dof} DoF"
            )
        if self._next is None:
            self._next = tick.last_index
        if tick.last_index < self._next:
            return cmds
        last = tick.last_index
        self._next = last - (last - self._next) % self.interval + self.interval
        dt = (self.interval if self._last is None else last - self._last) / self.fs
        self._last = last
        # scalar float64 arithmetic, the same operations as numpy's multiply/hypot/clip on
        # the vector (a command block's numpy calls on 2-3 values cost ~90 µs with cold caches)
        vals = v.value.tolist()
        norm = abs(vals[0])
        for x in vals[1:]:
            norm = math.hypot(norm, x)
        want = [0.0] * len(vals) if norm < self.deadband else [x * self.gain for x in vals]
        top, step = self.max_speed, self.accel_margin * self.max_accel * dt
        prev = self._v
        out = tuple(
            min(max(min(max(w, -top), top), c - step), c + step)
            for w, c in zip(want, prev, strict=True)
        )
        self._prev, self._v = prev, out
        cmds.append(ProsthesisCommand(out, origin=origin_of(tick)))
        self.n_commands += 1
        return cmds

    def rollback(self) -> None:
        """The last command did not reach the device: shape the next one from the one before."""
        self._v = self._prev

    @property
    def commanded(self) -> np.ndarray:
        """Velocity of the last command (device units/s), shape (n_dof,); a copy."""
        return np.array(self._v)

    def stop(self) -> None:
        """Take the device as stopped (after a zero-velocity command went out elsewhere)."""
        self._v = (0.0,) * self.n_dof


def shaped_limits(p: Any, ctx: BuildContext) -> tuple[float, float]:
    """Speed and acceleration limits of a mapper: the smaller of its own and its device's."""
    lim = ctx.limits
    speed = min(x for x in (p.max_speed, lim.max_speed if lim else None, 1e9) if x is not None)
    accel = min(x for x in (p.max_accel, lim.max_accel if lim else None, 1e9) if x is not None)
    return speed, accel
