"""Prosthesis profile: degrees of freedom with their limits, timing, grip (TOML).

A 2-D cursor is a prosthesis of two DoF in workspace units; an arm has one DoF per joint (rad).

::

    [device]                    # see devices.core.profile.DeviceHeader
    kind = "prosthesis"
    ...
    [motion]
    stale_timeout_ms = 200      # no PROSTHESIS_VELOCITY for this long while moving -> stop
    state_period_ms = 20        # PROSTHESIS_STATE every this many ms (0 = none)
    grip = true                 # a hand that closes (capability GRIP)
    grip_speed_per_s = 2.0      # closure per second (only with grip)

    [[dofs]]                    # one per degree of freedom, in wire order
    name = "x"
    unit = "workspace"
    max_velocity = 1.0          # unit/s; beyond it PROSTHESIS_VELOCITY is refused
    max_acceleration = 4.0      # unit/s^2; the device ramps to a new velocity at this rate
    min_position = -1.0         # workspace bounds: the position is clamped here
    max_position = 1.0
    initial_position = 0.0
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.core.profile import DeviceHeader, Table
from neurolink.hal import wire

__all__ = ["DofSpec", "ProsthesisProfile", "parse_prosthesis_profile"]

_BIG = 3.0e38  # within float32


@dataclass(frozen=True)
class DofSpec:
    """One degree of freedom.

    Attributes
    ----------
    name, unit : str
        For logs and documentation.
    limits : DofLimits
        As INFO reports them (float32 values).
    initial_position : float
        Where it starts, within the bounds.
    """

    name: str
    unit: str
    limits: wire.DofLimits
    initial_position: float


@dataclass(frozen=True)
class ProsthesisProfile:
    """A prosthesis' identity, DoF and timing.

    Attributes
    ----------
    header : DeviceHeader
        Identity, firmware, watchdog timeout.
    dofs : tuple of DofSpec
        1..32 degrees of freedom.
    stale_timeout_ms, state_period_ms : int
        As in INFO's ProsthesisLimits.
    grip : bool
        Has a hand that closes.
    grip_speed_per_s : float
        Closure change per second of the hand.
    """

    header: DeviceHeader
    dofs: tuple[DofSpec, ...]
    stale_timeout_ms: int
    state_period_ms: int
    grip: bool
    grip_speed_per_s: float

    def limits_block(self) -> wire.ProsthesisLimits:
        """INFO's ProsthesisLimits."""
        return wire.ProsthesisLimits(
            self.stale_timeout_ms, self.state_period_ms, tuple(d.limits for d in self.dofs)
        )


def _dof(t: Table) -> DofSpec:
    lim = wire.DofLimits(
        max_velocity=t.number("max_velocity", 1e-9, _BIG),
        max_acceleration=t.number("max_acceleration", 1e-9, _BIG),
        min_position=t.number("min_position", -_BIG, _BIG),
        max_position=t.number("max_position", -_BIG, _BIG),
    )
    if not lim.min_position < lim.max_position:
        raise t.error("max_position", f"= {lim.max_position} is not above min_position")
    initial = t.number("initial_position", lim.min_position, lim.max_position, 0.0)
    spec = DofSpec(t.text("name"), t.text("unit", ""), lim, initial)
    t.done()
    return spec


def parse_prosthesis_profile(top: Table) -> ProsthesisProfile:
    """Read and check a prosthesis profile.

    Raises
    ------
    ProfileError
        A key is missing, unknown or out of range (the message names the file and the key).
    """
    header = DeviceHeader.parse(top, "prosthesis")
    m = top.table("motion")
    stale = m.integer("stale_timeout_ms", 1, 0xFFFF)
    period = m.integer("state_period_ms", 0, 0xFFFF)
    grip = m.flag("grip", False)
    speed = m.number("grip_speed_per_s", 1e-6, 1e6, 2.0) if grip else 0.0
    m.done()
    groups = top.tables("dofs")
    if len(groups) > wire.MAX_DOF:
        raise top.error("dofs", f"has {len(groups)} DoF, more than {wire.MAX_DOF}")
    dofs = tuple(_dof(g) for g in groups)
    top.done()
    return ProsthesisProfile(header, dofs, stale, period, grip, speed)
