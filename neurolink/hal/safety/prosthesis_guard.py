"""The prosthesis guard: velocity, acceleration, workspace and stale-command rules (DESIGN §5).

For a :class:`~neurolink.hal.commands.ProsthesisCommand` at time ``now``, per degree of freedom
``j`` with effective limits ``L = limits[j]`` and timing ``T = limits.timing``:

1. the command has as many degrees of freedom as the prosthesis (else refused);
2. a stop (all velocities zero, grip untouched) is always accepted;
3. ``|v_j| ≤ L.max_velocity``, else refused;
4. acceleration against the velocity in effect (the last accepted command's, or 0 from
   ``start_time``, or 0 from ``t_last + T.stale_after_s`` once the last command went stale):
   ``|v_j − v_prev_j| ≤ L.max_acceleration · Δt``, else refused; slowing towards zero (same
   sign, smaller magnitude, or zero) is always allowed;
5. a moving command needs a position report no older than ``T.max_report_age_s``, else refused;
6. workspace bounds — **clip, not refuse**: the position is extrapolated from the last report
   with the velocity in effect, and each velocity is limited so that moving for the horizon
   ``T.stale_after_s`` (the longest a command stays in effect before the stale stop) cannot
   cross ``[L.position_min, L.position_max]``; at or beyond a bound only motion back inside is
   kept. Clipping is returned in :class:`ProsthesisDecision` and the safety layer records each
   clip in the audit log. Clipping (rather than refusing) lets a decoder steer along a wall
   without the arm keeping its previous, outward velocity.

Stale commands: :meth:`ProsthesisGuard.stop_due` says a stop is due when the last accepted
command was a motion and no command came for ``T.stale_after_s``.

Units are the device's (m or rad; per s; per s²).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from neurolink.hal.commands import Origin, ProsthesisCommand
from neurolink.hal.errors import SafetyError
from neurolink.hal.safety._format import fmt, fmt_vs
from neurolink.hal.safety.limits import ProsthesisLimits

__all__ = ["Clip", "ProsthesisDecision", "ProsthesisGuard"]


@dataclass(frozen=True, slots=True)
class Clip:
    """One velocity clipped at a workspace bound.

    Attributes
    ----------
    dof : int
        Degree of freedom.
    requested, allowed : float
        Velocity asked for and velocity sent (units/s).
    position : float
        Extrapolated position used (units).
    bound : float
        The workspace bound it was clipped against (units).
    """

    dof: int
    requested: float
    allowed: float
    position: float
    bound: float

    def describe(self) -> str:
        """One line for the audit log."""
        return (
            f"dof {self.dof}: velocity {fmt(self.requested)} clipped to {fmt(self.allowed)} "
            f"at position {fmt(self.position)} (workspace bound {fmt(self.bound)})"
        )


@dataclass(frozen=True, slots=True)
class ProsthesisDecision:
    """What to send: the command (clipped if needed) and the clips applied."""

    command: ProsthesisCommand
    clips: tuple[Clip, ...] = ()

    @property
    def clipped(self) -> bool:
        """True when any velocity was clipped."""
        return bool(self.clips)


class ProsthesisGuard:
    """Motion limits with state: velocity in effect, last command time, last position report.

    Parameters
    ----------
    limits : ProsthesisLimits
        Effective limits (read at every check).
    start_time : float
        Host-clock time (s) from which the prosthesis is taken to be at rest.
    """

    def __init__(self, limits: ProsthesisLimits, *, start_time: float) -> None:
        self.limits = limits
        n = limits.n_dof
        self._v: tuple[float, ...] = (0.0,) * n
        self._t_cmd: float | None = None
        self._t_rest = float(start_time)
        self._pos: tuple[float, ...] | None = None
        self._t_pos = 0.0

    def report_position(self, position: Sequence[float], time: float) -> None:
        """Store the latest position the device reported (units) and its host time (s)."""
        pos = tuple(float(p) for p in position)
        if len(pos) != self.limits.n_dof:
            raise ValueError(
                f"position report has {len(pos)} values, prosthesis has {self.limits.n_dof} dof"
            )
        self._pos, self._t_pos = pos, float(time)

    def velocity_in_effect(self, now: float) -> tuple[tuple[float, ...], float]:
        """``(velocity, since)``: the velocity the arm is taken to move with at ``now``."""
        stale = self.limits.timing.stale_after_s
        if self._t_cmd is None:
            return (0.0,) * self.limits.n_dof, self._t_rest
        if now - self._t_cmd >= stale:
            return (0.0,) * self.limits.n_dof, self._t_cmd + stale
        return self._v, self._t_cmd

    def stop_due(self, now: float) -> bool:
        """True when the last command was a motion and is ``stale_after_s`` old or older."""
        if self._t_cmd is None or all(v == 0.0 for v in self._v):
            return False
        return now - self._t_cmd >= self.limits.timing.stale_after_s

    def stop_command(self, origin: Origin | None = None) -> ProsthesisCommand:
        """A zero-velocity command for every degree of freedom."""
        return ProsthesisCommand.stop(self.limits.n_dof, origin=origin)

    def reset(self, now: float) -> None:
        """Take the prosthesis as stopped at ``now`` (after an e-stop re-arm)."""
        self._v = (0.0,) * self.limits.n_dof
        self._t_cmd = None
        self._t_rest = float(now)

    def check(self, cmd: ProsthesisCommand, now: float) -> ProsthesisDecision:
        """Accept (possibly clipped, and commit) or refuse one command.

        Parameters
        ----------
        cmd : ProsthesisCommand
            Requested velocities (units/s) and grip.
        now : float
            Host-clock time (s) at which the command will be sent.

        Returns
        -------
        ProsthesisDecision
            The command to send and the clips applied.

        Raises
        ------
        SafetyError
            Naming the degree of freedom, the limit and the values.
        """
        if not isinstance(cmd, ProsthesisCommand):
            raise SafetyError(f"ProsthesisGuard cannot check {type(cmd).__name__}", limit="type")
        n = self.limits.n_dof
        if cmd.n_dof != n:
            raise SafetyError(
                f"command has {cmd.n_dof} degrees of freedom, prosthesis has {n}", limit="n_dof"
            )
        if cmd.is_stop:
            self._commit(cmd.velocity, now)
            return ProsthesisDecision(cmd)
        v_prev, since = self.velocity_in_effect(now)
        dt = max(0.0, now - since)
        for j, v in enumerate(cmd.velocity):
            self._check_dof(j, v, v_prev[j], dt)
        pos = self._position(now, v_prev)
        horizon = self.limits.timing.stale_after_s
        out: list[float] = []
        clips: list[Clip] = []
        for j, v in enumerate(cmd.velocity):
            lo, hi = self.limits[j].position_min, self.limits[j].position_max
            allowed, bound = v, None
            if v > 0.0 and v > (room := max(0.0, (hi - pos[j]) / horizon)):
                allowed, bound = room, hi
            elif v < 0.0 and v < (room := min(0.0, (lo - pos[j]) / horizon)):
                allowed, bound = room, lo
            if bound is not None:
                clips.append(Clip(j, v, allowed, pos[j], bound))
            out.append(allowed)
        sent = cmd if not clips else ProsthesisCommand(tuple(out), cmd.grip, cmd.origin)
        self._commit(sent.velocity, now)
        return ProsthesisDecision(sent, tuple(clips))

    def _check_dof(self, j: int, v: float, v_prev: float, dt: float) -> None:
        lim = self.limits[j]
        if abs(v) > lim.max_velocity:
            a, b = fmt_vs(abs(v), lim.max_velocity)
            raise SafetyError(
                f"dof {j}: |velocity| {a} exceeds max_velocity {b} (units/s)",
                limit="max_velocity",
                channel=j,
            )
        slowing = v * v_prev >= 0.0 and abs(v) <= abs(v_prev)
        dv = abs(v - v_prev)
        allowed = lim.max_acceleration * dt
        if not slowing and dv > allowed:
            a, b = fmt_vs(dv, allowed)
            raise SafetyError(
                f"dof {j}: velocity change {a} (from {fmt(v_prev)} to {fmt(v)}) in {fmt(dt)} s "
                f"exceeds max_acceleration {fmt(lim.max_acceleration)} (units/s²; allowed "
                f"change {b})",
                limit="max_acceleration",
                channel=j,
            )

    def _position(self, now: float, v_prev: tuple[float, ...]) -> tuple[float, ...]:
        """Position extrapolated from the last report with the velocity in effect."""
        if self._pos is None:
            raise SafetyError(
                "no position report yet: motion refused until the device reports",
                limit="max_report_age_s",
            )
        age = now - self._t_pos
        max_age = self.limits.timing.max_report_age_s
        if age > max_age:
            a, b = fmt_vs(age, max_age)
            raise SafetyError(
                f"position report is {a} s old, exceeds max_report_age_s {b} s",
                limit="max_report_age_s",
            )
        dt = max(0.0, age)
        return tuple(p + v * dt for p, v in zip(self._pos, v_prev, strict=True))

    def _commit(self, velocity: tuple[float, ...], now: float) -> None:
        self._v = velocity
        self._t_cmd = now
