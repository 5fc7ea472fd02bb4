"""Command mappers: the last node of a branch, turning decoded values into device commands.

Every command carries the ``origin`` of the block that caused it, ``(stream, newest sample
index, its host time stamp)`` (DESIGN.md §2), so the engine measures ``t_wire − t_sample``.
Mappers decide by sample index, never by wall-clock time, so a replay reproduces them.

- :class:`VelocityMapper`: decoded velocity → :class:`~neurolink.hal.commands.ProsthesisCommand`
  at a fixed command interval, scaled, with a dead band, and shaped to stay inside the
  prosthesis's speed and acceleration limits (the safety layer refuses, it does not clip,
  a command that accelerates too fast).
- :class:`StimMapper`: output spikes of a network → a charge-balanced
  :class:`~neurolink.hal.commands.StimCommand` train, with a refractory time.
- :class:`DiscreteMapper`: a discrete decision → the velocity of that class for a while.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from neurolink.hal.commands import Command, Origin, ProsthesisCommand, StimCommand
from neurolink.loop.core.ports import Port, Stage, Vector
from neurolink.loop.core.tick import Tick

__all__ = ["DiscreteMapper", "StimMapper", "VelocityMapper"]


def _origin(tick: Tick) -> Origin:
    return Origin(tick.stream, tick.last_index, tick.t_last)


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
        self._v = np.zeros(self.n_dof)
        self._prev = np.zeros(self.n_dof)
        self._want = np.zeros(self.n_dof)
        self._cmds: list[Command] = []
        self.reset()

    def reset(self) -> None:
        """Forget the previous command (the device is taken to be at rest)."""
        self._v[:] = 0.0
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
        want = self._want
        np.multiply(v.value, self.gain, out=want)
        if float(np.hypot.reduce(v.value)) < self.deadband:
            want[:] = 0.0
        np.clip(want, -self.max_speed, self.max_speed, out=want)
        step = self.accel_margin * self.max_accel * dt
        self._prev[:] = self._v
        np.clip(want, self._v - step, self._v + step, out=self._v)
        cmds.append(ProsthesisCommand(tuple(self._v.tolist()), origin=_origin(tick)))
        self.n_commands += 1
        return cmds

    def rollback(self) -> None:
        """The last command did not reach the device: shape the next one from the one before."""
        self._v[:] = self._prev

    @property
    def commanded(self) -> np.ndarray:
        """Velocity of the last command (device units/s), shape (n_dof,); a view."""
        return self._v

    def stop(self) -> None:
        """Take the device as stopped (after a zero-velocity command went out elsewhere)."""
        self._v[:] = 0.0


class StimMapper:
    """Network spikes → one charge-balanced biphasic train each, after a refractory time.

    Parameters
    ----------
    name : str
    fs : float
        Sampling rate (Hz).
    channel : int
        Stimulation channel.
    amplitude_ua, phase_width_us, interphase_gap_us : float
        Pulse shape (whole µA and µs: the stimulator's wire units).
    frequency_hz : float
        Pulse rate of the train.
    pulse_count : int
        Pulses per train.
    refractory_ms : float
        Least time between two trains (ms of samples).
    """

    kind: ClassVar[str] = "stim"
    inputs: ClassVar[tuple[Port, ...]] = (Port.SPIKES,)
    output: ClassVar[Port] = Port.COMMANDS
    stage: ClassVar[Stage] = Stage.WIRE

    def __init__(
        self,
        name: str,
        fs: float,
        *,
        channel: int = 0,
        amplitude_ua: float = 20.0,
        phase_width_us: float = 100.0,
        interphase_gap_us: float = 50.0,
        frequency_hz: float = 100.0,
        pulse_count: int = 5,
        refractory_ms: float = 200.0,
    ) -> None:
        self.name = name
        self.refractory = round(refractory_ms * 1e-3 * fs)
        self.template = StimCommand(
            channel, amplitude_ua, phase_width_us, frequency_hz, pulse_count, interphase_gap_us
        )
        self._cmds: list[Command] = []
        self.reset()

    def reset(self) -> None:
        """Forget the last train."""
        self._last: int | None = None
        self.n_commands = 0

    def step(self, spikes: np.ndarray, tick: Tick) -> list[Command]:
        """A train if any neuron fired in this block and the refractory time is over."""
        cmds = self._cmds
        cmds.clear()
        if not spikes.any():
            return cmds
        if self._last is not None and tick.last_index - self._last < self.refractory:
            return cmds
        self._last = tick.last_index
        t = self.template
        cmds.append(
            StimCommand(
                t.channel,
                t.amplitude_ua,
                t.phase_width_us,
                t.frequency_hz,
                t.pulse_count,
                t.interphase_gap_us,
                t.polarity,
                origin=_origin(tick),
            )
        )
        self.n_commands += 1
        return cmds


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
