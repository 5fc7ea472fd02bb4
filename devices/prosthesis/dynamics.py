"""Motion of one degree of freedom: velocity ramped at the acceleration limit, position clamped.

Between two device times the velocity moves towards the commanded one at ``max_acceleration``
(linearly, reaching it after ``|target − v| / a``) and the position integrates it exactly
(trapezoid on the ramp, then constant velocity). A position that would leave
``[min_position, max_position]`` is clamped to the bound, where the DoF stops (velocity 0) for
as long as its command points outwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from neurolink.hal import wire

__all__ = ["Dof"]


@dataclass
class Dof:
    """State of one degree of freedom.

    Attributes
    ----------
    limits : DofLimits
        Velocity, acceleration and workspace limits.
    position, velocity : float
        Now (unit, unit/s).
    target : float
        Commanded velocity (unit/s).
    """

    limits: wire.DofLimits
    position: float
    velocity: float = 0.0
    target: float = 0.0

    @property
    def at_bound(self) -> bool:
        """At a workspace bound."""
        return self.position in (self.limits.min_position, self.limits.max_position)

    @property
    def held(self) -> bool:
        """Stopped at a bound because its command points out of the workspace."""
        lim = self.limits
        return (self.position >= lim.max_position and self.target > 0) or (
            self.position <= lim.min_position and self.target < 0
        )

    @property
    def ramping(self) -> bool:
        """Velocity not yet at its command (acceleration-limited), and not held at a bound."""
        return self.velocity != self.target and not self.held

    def stop(self) -> None:
        """Stop now: velocity and command 0."""
        self.velocity = self.target = 0.0

    def advance(self, dt_s: float) -> bool:
        """Move for ``dt_s`` seconds; return True if it arrived at a bound (was not there).

        Parameters
        ----------
        dt_s : float
            Time step, s (≥ 0).
        """
        if dt_s <= 0:
            return False
        was_at_bound = self.at_bound
        v0, vt, acc = self.velocity, self.target, self.limits.max_acceleration
        ramp_s = abs(vt - v0) / acc
        if dt_s <= ramp_s:
            v1 = v0 + math.copysign(acc * dt_s, vt - v0)
            x = self.position + 0.5 * (v0 + v1) * dt_s
        else:
            v1 = vt
            x = self.position + 0.5 * (v0 + vt) * ramp_s + vt * (dt_s - ramp_s)
        lo, hi = self.limits.min_position, self.limits.max_position
        if x >= hi:
            x, v1 = hi, min(v1, 0.0)
        elif x <= lo:
            x, v1 = lo, max(v1, 0.0)
        self.position, self.velocity = x, v1
        return self.at_bound and not was_at_bound
