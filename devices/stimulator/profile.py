"""Stimulator profile: device-wide hard limits and the electrodes of each channel (TOML).

::

    [device]                      # see devices.core.profile.DeviceHeader
    kind = "stimulator"
    ...
    [limits]                      # device-wide (INFO StimulatorLimits)
    n_channels = 16
    max_amplitude_ua = 5000       # largest on any channel
    max_phase_width_us = 1000
    max_interphase_gap_us = 500
    max_frequency_hz = 500        # multiple of 0.01 Hz
    max_charge_nc = 200           # per phase, largest on any channel
    max_pulse_rate_hz = 2000      # pulses per second, all channels together
    shannon_k = 1.5               # multiple of 0.01
    max_pulse_count = 100000      # pulses in one train (INFO advertises it)

    [[channels]]                  # a group of identical electrodes; groups cover every channel once
    first = 0
    count = 8
    electrode_area_um2 = 2000
    max_amplitude_ua = 100        # each at most the device-wide value
    max_phase_width_us = 400
    max_charge_nc = 4
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.core.profile import DeviceHeader, ProfileError, Table
from neurolink.hal import wire

__all__ = ["StimProfile", "parse_stim_profile"]


@dataclass(frozen=True)
class StimProfile:
    """A stimulator's identity and hard limits.

    Attributes
    ----------
    header : DeviceHeader
        Identity, firmware, watchdog timeout.
    limits : StimulatorLimits
        Device-wide limits, as INFO reports them.
    channels : tuple of ChannelLimit
        Per channel (index = channel number), as CHANNEL_LIMITS reports them.
    max_pulse_count : int
        Most pulses in one train.
    """

    header: DeviceHeader
    limits: wire.StimulatorLimits
    channels: tuple[wire.ChannelLimit, ...]
    max_pulse_count: int


def _hundredths(t: Table, key: str, lo: float, hi: float) -> int:
    """A number with at most two decimals, as an integer count of hundredths."""
    value = t.number(key, lo, hi)
    scaled = round(value * 100)
    if abs(value * 100 - scaled) > 1e-6:
        raise t.error(key, f"= {value} is not a multiple of 0.01")
    return scaled


def _channel_groups(top: Table, lim: wire.StimulatorLimits) -> tuple[wire.ChannelLimit, ...]:
    n = lim.n_channels
    slots: list[wire.ChannelLimit | None] = [None] * n
    for g in top.tables("channels"):
        first = g.integer("first", 0, n - 1)
        count = g.integer("count", 1, n - first)
        ch = wire.ChannelLimit(
            max_amplitude_ua=g.integer("max_amplitude_ua", 0, lim.max_amplitude_ua),
            max_phase_width_us=g.integer("max_phase_width_us", 0, lim.max_phase_width_us),
            max_charge_nc=g.integer("max_charge_nc", 0, lim.max_charge_nc),
            electrode_area_um2=g.integer("electrode_area_um2", 1, 0xFFFFFFFF),
        )
        g.done()
        for c in range(first, first + count):
            if slots[c] is not None:
                raise g.error("first", f"channel {c} is already in another group")
            slots[c] = ch
    missing = [c for c, s in enumerate(slots) if s is None]
    if missing:
        raise ProfileError(f"{top.where('channels')}: channels {missing} are in no group")
    return tuple(s for s in slots if s is not None)


def parse_stim_profile(top: Table) -> StimProfile:
    """Read and check a stimulator profile.

    Raises
    ------
    ProfileError
        A key is missing, unknown or out of range, or the channel groups do not cover every
        channel exactly once (the message names the file and the key).
    """
    header = DeviceHeader.parse(top, "stimulator")
    t = top.table("limits")
    limits = wire.StimulatorLimits(
        n_channels=t.integer("n_channels", 1, 255),
        max_amplitude_ua=t.integer("max_amplitude_ua", 0, 0xFFFF),
        max_phase_width_us=t.integer("max_phase_width_us", 0, 0xFFFF),
        max_interphase_gap_us=t.integer("max_interphase_gap_us", 0, 0xFFFF),
        max_frequency_hz_x100=_hundredths(t, "max_frequency_hz", 0.01, 42_949_672.95),
        max_charge_nc=t.integer("max_charge_nc", 0, 0xFFFFFFFF),
        max_pulse_rate_hz=t.integer("max_pulse_rate_hz", 1, 0xFFFF),
        shannon_k_x100=_hundredths(t, "shannon_k", 0.0, 655.35),
        max_pulse_count=t.integer("max_pulse_count", 1, 0xFFFFFFFF),
    )
    max_pulse_count = limits.max_pulse_count
    t.done()
    channels = _channel_groups(top, limits)
    top.done()
    return StimProfile(header, limits, channels, max_pulse_count)
