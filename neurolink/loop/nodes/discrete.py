"""The ``discrete`` mapper: a discrete decision → that class's velocity for a while."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from neurolink.config import setting
from neurolink.hal.commands import Command
from neurolink.loop.core.ports import Port, Stage, Vector
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.velocity import VelocityMapper, shaped_limits

__all__ = ["DiscreteMapper", "DiscreteParams"]


@dataclasses.dataclass(frozen=True)
class DiscreteParams:
    """``discrete``: a decision → that class's velocity for ``hold_ms``."""

    velocities: tuple[tuple[float, ...], ...] = ((0.3, 0.0), (-0.3, 0.0))
    hold_ms: float = setting(500.0, gt=0)
    interval_ms: float = setting(20.0, gt=0)
    max_speed: float | None = setting(None, gt=0)
    max_accel: float | None = setting(None, gt=0)
    accel_margin: float = setting(0.5, gt=0, le=1)


@register_node
class DiscreteMapper:
    """A decision (class index) → that class's velocity for ``hold_ms``, then back to rest.

    The velocity ramps up and down through a :class:`VelocityMapper` (same interval, speed
    and acceleration shaping), so the device's guard accepts every command.

    Parameters
    ----------
    name : str
    fs : float
        Sampling rate (Hz).
    velocities : sequence of sequence of float
        Velocity (device units/s) per class.
    hold_ms : float
        How long one decision moves the device (ms of samples).
    interval_ms, max_speed, max_accel, accel_margin : float
        As for :class:`VelocityMapper`.
    """

    kind: ClassVar[str] = "discrete"
    inputs: ClassVar[tuple[Port, ...]] = (Port.DECISION,)
    output: ClassVar[Port] = Port.COMMANDS
    stage: ClassVar[Stage] = Stage.WIRE
    Params: ClassVar[type] = DiscreteParams
    devices: ClassVar[tuple[str, ...]] = ("prosthesis", "lsl", "null")

    @classmethod
    def from_config(cls, ctx: BuildContext) -> DiscreteMapper:
        """The mapper of a ``[[loop.nodes]]`` entry, checked against its device's degrees of
        freedom and shaped to its speed and acceleration limits."""
        p = ctx.node.params
        lim = ctx.limits
        if lim is not None and any(len(v) != lim.n_dof for v in p.velocities):
            raise ctx.error(
                "velocities",
                f"every velocity needs {lim.n_dof} values (the device's degrees of freedom)",
            )
        speed, accel = shaped_limits(p, ctx)
        return cls(
            ctx.node.name,
            ctx.fs,
            p.velocities,
            hold_ms=p.hold_ms,
            interval_ms=p.interval_ms,
            max_speed=speed,
            max_accel=accel,
            accel_margin=p.accel_margin,
        )

    def __init__(
        self,
        name: str,
        fs: float,
        velocities: Sequence[Sequence[float]],
        *,
        hold_ms: float = 500.0,
        interval_ms: float = 20.0,
        max_speed: float = 1.0,
        max_accel: float = 4.0,
        accel_margin: float = 0.5,
    ) -> None:
        self.name = name
        self.velocities = np.array([[float(x) for x in v] for v in velocities], np.float64)
        if self.velocities.ndim != 2 or self.velocities.shape[0] < 1:
            raise ValueError(
                f"discrete mapper {name!r}: give one velocity per class, all of the same length"
            )
        n_dof = self.velocities.shape[1]
        self.hold = round(hold_ms * 1e-3 * fs)
        self.shaper = VelocityMapper(
            name,
            n_dof,
            fs,
            interval_ms=interval_ms,
            max_speed=max_speed,
            max_accel=max_accel,
            accel_margin=accel_margin,
        )
        self._target = Vector.zeros(tuple(f"v{i}" for i in range(n_dof)))
        self.reset()

    @property
    def n_commands(self) -> int:
        """Commands emitted so far."""
        return self.shaper.n_commands

    def rollback(self) -> None:
        """The last command did not reach the device (see :meth:`VelocityMapper.rollback`)."""
        self.shaper.rollback()

    def reset(self) -> None:
        """No decision in force; the device at rest."""
        self.shaper.reset()
        self._target.value[:] = 0.0
        self._target.index = -1
        self._until = -1

    def step(self, decision: int, tick: Tick) -> list[Command]:
        """Move towards the decided class's velocity while it holds, then back to zero."""
        last = tick.last_index
        tgt = self._target
        if decision >= 0:
            if decision >= self.velocities.shape[0]:
                raise ValueError(
                    f"discrete mapper {self.name!r}: decision {decision} but only "
                    f"{self.velocities.shape[0]} velocities"
                )
            tgt.value[:] = self.velocities[decision]
            tgt.index = last
            self._until = last + self.hold
        elif tgt.index >= 0 and last >= self._until:
            tgt.value[:] = 0.0
            if not self.shaper.commanded.any():
                tgt.index = -1  # at rest: stop sending
        return self.shaper.step(tgt, tick)
