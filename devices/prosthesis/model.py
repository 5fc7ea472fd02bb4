"""The emulated prosthesis: N degrees of freedom (a 2-D cursor, an arm) and an optional hand.

- PROSTHESIS_VELOCITY (ARMED only; else NACK ``NOT_ARMED`` / ``E_STOPPED`` /
  ``WATCHDOG_TRIPPED`` / ``INTERNAL``). Hard limits are refused with NACK ``OUT_OF_LIMITS``:
  ``DOF_COUNT`` (index = the count sent) when ``n_dof`` differs from the device's, ``GRIP``
  when grip is outside 0..1, ``VELOCITY`` (index = DoF) when ``|v| > max_velocity``. Within
  them the command is accepted and the device clamps: each DoF ramps to its new velocity at
  ``max_acceleration`` (flag ``ACCELERATION_CLAMPED`` while ramping), and stops at a workspace
  bound (flags ``AT_WORKSPACE_LIMIT``, and ``VELOCITY_CLAMPED`` while its command points out;
  ``FAULT(WORKSPACE_LIMIT)`` with detail = DoF when it arrives there). The device stays ARMED.
- Stale commands: moving, with no PROSTHESIS_VELOCITY for ``stale_timeout_ms``, every DoF stops
  at once at that deadline (flag ``STALE_STOP`` until the next command, ``FAULT(STALE_COMMAND)``
  sent once); the device stays ARMED.
- DISARM, ESTOP, the watchdog, the port closing and shutdown stop every DoF at once; the hand
  holds its closure.
- PROSTHESIS_STATE every ``state_period_ms`` on the device-time grid ``k × period``, whatever
  the state, with the position and velocity at that instant.
"""

from __future__ import annotations

from typing import ClassVar

from devices.core.model import Context, DeviceModel, output_refusal
from devices.prosthesis.dynamics import Dof
from devices.prosthesis.profile import ProsthesisProfile
from neurolink.hal import wire

__all__ = ["Prosthesis"]

_F = wire.ProsthesisFlags
_S = wire.DeviceState


class Prosthesis(DeviceModel):
    """A velocity-controlled prosthesis.

    Parameters
    ----------
    profile : ProsthesisProfile
        DoF, limits, timing, grip.
    """

    KIND: ClassVar = wire.DeviceKind.PROSTHESIS
    HANDLES: ClassVar = frozenset({wire.MsgType.PROSTHESIS_VELOCITY})

    def __init__(self, profile: ProsthesisProfile) -> None:
        self.profile = profile
        self.dofs = [Dof(d.limits, d.initial_position) for d in profile.dofs]
        self.grip = 0.0
        self.grip_target = 0.0
        self.t_us = 0
        self.last_command_us: int | None = None
        self.stale = False
        period = profile.state_period_ms * 1000
        self._period_us = period
        self._next_report_us: int | None = period if period else None
        self.commands = 0

    @property
    def capabilities(self) -> wire.Capability:
        c = wire.Capability(0)
        if self.profile.state_period_ms:
            c |= wire.Capability.STATE_REPORTS
        if self.profile.grip:
            c |= wire.Capability.GRIP
        return c

    def limits_block(self) -> wire.ProsthesisLimits:
        return self.profile.limits_block()

    # ------------------------------------------------------------------ time

    def _stale_deadline_us(self) -> int | None:
        moving = any(d.target or d.velocity for d in self.dofs)
        if self.stale or self.last_command_us is None or not moving:
            return None
        return self.last_command_us + self.profile.stale_timeout_ms * 1000

    def next_deadline_us(self) -> int | None:
        times = [t for t in (self._stale_deadline_us(), self._next_report_us) if t is not None]
        return min(times, default=None)

    def tick(self, now_us: int, ctx: Context) -> None:
        """Move to ``now_us``, stopping on a stale command and reporting on the way."""
        while (due := self.next_deadline_us()) is not None and due <= now_us:
            self._advance(due, ctx)
            if due == self._stale_deadline_us():
                for d in self.dofs:
                    d.stop()
                self.stale = True
                ctx.emit(wire.Fault(wire.FaultCode.STALE_COMMAND, 0, due))
            if due == self._next_report_us:
                ctx.emit(self.state_report(due, ctx.state))
                self._next_report_us = due + self._period_us
        self._advance(now_us, ctx)

    def _advance(self, t_us: int, ctx: Context) -> None:
        dt = (t_us - self.t_us) / 1e6
        if dt <= 0:
            return
        for j, d in enumerate(self.dofs):
            if d.advance(dt):
                ctx.emit(wire.Fault(wire.FaultCode.WORKSPACE_LIMIT, j, t_us))
        step = self.profile.grip_speed_per_s * dt
        if self.grip < self.grip_target:
            self.grip = min(self.grip + step, self.grip_target)
        else:
            self.grip = max(self.grip - step, self.grip_target)
        self.t_us = t_us

    def state_report(self, t_us: int, state: wire.DeviceState) -> wire.ProsthesisState:
        """PROSTHESIS_STATE as of now (the model must have been advanced to ``t_us``)."""
        flags = _F(0)
        checks = (
            (state is _S.ARMED, _F.ARMED),
            (any(d.velocity for d in self.dofs), _F.MOVING),
            (self.stale, _F.STALE_STOP),
            (any(d.at_bound for d in self.dofs), _F.AT_WORKSPACE_LIMIT),
            (any(d.held for d in self.dofs), _F.VELOCITY_CLAMPED),
            (any(d.ramping for d in self.dofs), _F.ACCELERATION_CLAMPED),
            (state is _S.ESTOPPED, _F.ESTOPPED),
            (state in (_S.WATCHDOG_TRIPPED, _S.FAULT), _F.FAULT),
        )
        for on, flag in checks:
            if on:
                flags |= flag
        return wire.ProsthesisState(
            t_us,
            flags,
            self.grip,
            tuple(d.position for d in self.dofs),
            tuple(d.velocity for d in self.dofs),
        )

    def stop_output(self, now_us: int, reason: str, ctx: Context) -> str:
        moving = sum(1 for d in self.dofs if d.velocity or d.target)
        for d in self.dofs:
            d.stop()
        self.grip_target = self.grip
        return f"{moving} moving DoF stopped"

    def summary(self) -> str:
        named = zip(self.profile.dofs, self.dofs, strict=True)
        pos = ", ".join(f"{s.name}={d.position:.4g}" for s, d in named)
        return f"{self.commands} velocity command(s) accepted; position {pos}"

    # ------------------------------------------------------------------ commands

    def handle(
        self, message: wire.Message, ack_seq: int, now_us: int, ctx: Context
    ) -> wire.Message:
        if not isinstance(message, wire.ProsthesisVelocity):
            raise TypeError(f"prosthesis cannot handle {type(message).__name__}")
        refused = output_refusal(ctx.state)
        if refused is not None:
            return wire.Nack(ack_seq, refused)
        broken = self._broken_limit(message)
        if broken is not None:
            return wire.Nack(ack_seq, wire.Status.OUT_OF_LIMITS, wire.limit_detail(*broken))
        for d, v in zip(self.dofs, message.velocities, strict=True):
            d.target = v
        if self.profile.grip:
            self.grip_target = message.grip
        self.last_command_us = now_us
        self.stale = False
        self.commands += 1
        return wire.Ack(ack_seq)

    def _broken_limit(self, m: wire.ProsthesisVelocity) -> tuple[wire.Limit, int] | None:
        if len(m.velocities) != len(self.dofs):
            return wire.Limit.DOF_COUNT, len(m.velocities)
        if not 0.0 <= m.grip <= 1.0:
            return wire.Limit.GRIP, 0
        for j, (d, v) in enumerate(zip(self.dofs, m.velocities, strict=True)):
            if abs(v) > d.limits.max_velocity:
                return wire.Limit.VELOCITY, j
        return None
