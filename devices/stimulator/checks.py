"""The stimulator's own limit checks, in integers (independent of any host check).

Order of the checks (the first failure is reported, with the channel as the detail index):
channel, pulse count, amplitude, phase width (either phase), interphase gap, frequency (and a
pulse longer than its period), charge balance, charge per phase, charge density (Shannon).
The pulse-rate cap needs the schedule and is checked by :mod:`devices.stimulator.trains`.
Every limit is inclusive (the limit value itself is accepted) except Shannon, which is strict.
"""

from __future__ import annotations

from collections.abc import Sequence

from neurolink.hal import wire

__all__ = ["check_stim", "shannon_refuses"]

_L = wire.Limit


def shannon_refuses(charge_pc: int, area_um2: int, k_x100: int) -> bool:
    """True unless ``log10(D) + log10(Q) < k`` (Shannon 1992), decided exactly in integers.

    With Q = ``charge_pc`` × 10⁻⁶ µC and A = ``area_um2`` × 10⁻⁸ cm², D = Q / A and
    ``log10(D) + log10(Q) = log10(q² / (area × 10⁴))``; raising ``q² / (area × 10⁴) < 10^(k/100)``
    to the 100th power gives ``q^200 < 10^k_x100 × (area × 10⁴)^100`` (Python integers are exact).

    Parameters
    ----------
    charge_pc : int
        Charge of one phase, pC (µA × µs).
    area_um2 : int
        Geometric electrode area, µm² (> 0).
    k_x100 : int
        Shannon k × 100.

    Examples
    --------
    A = 0.001 cm² (10⁵ µm²), k = 1.5: the boundary is Q = 177.83 nC.

    >>> shannon_refuses(177_800, 100_000, 150), shannon_refuses(177_900, 100_000, 150)
    (False, True)
    """
    return charge_pc**200 >= 10**k_x100 * (area_um2 * 10_000) ** 100


def check_stim(
    stim: wire.Stim,
    limits: wire.StimulatorLimits,
    channels: Sequence[wire.ChannelLimit],
    max_pulse_count: int,
) -> tuple[wire.Limit, int] | None:
    """The first limit a STIM breaks, as ``(limit, channel)``, or None if it is within all.

    Parameters
    ----------
    stim : Stim
        The command.
    limits : StimulatorLimits
        Device-wide limits (gap, frequency, Shannon k).
    channels : sequence of ChannelLimit
        Per-channel limits (amplitude, width, charge, electrode area).
    max_pulse_count : int
        Most pulses in a train.
    """
    c = stim.channel
    if c >= len(channels):
        return _L.CHANNEL, c
    ch = channels[c]
    if not 1 <= stim.pulse_count <= max_pulse_count:
        return _L.PULSE_COUNT, c
    if max(stim.amplitude_ua, stim.amplitude2_ua) > ch.max_amplitude_ua:
        return _L.AMPLITUDE, c
    if max(stim.phase_width_us, stim.phase_width2_us) > ch.max_phase_width_us:
        return _L.PHASE_WIDTH, c
    if stim.interphase_gap_us > limits.max_interphase_gap_us:
        return _L.INTERPHASE_GAP, c
    f = stim.frequency_hz_x100
    duration_us = stim.phase_width_us + stim.interphase_gap_us + stim.phase_width2_us
    # the period is 10^8 / f µs; a pulse must end before the next one starts
    if not 1 <= f <= limits.max_frequency_hz_x100 or duration_us * f > 100_000_000:
        return _L.FREQUENCY, c
    if stim.charge_pc != stim.charge2_pc:
        return _L.CHARGE_BALANCE, c
    if stim.charge_pc > ch.max_charge_nc * 1000:
        return _L.CHARGE_PER_PHASE, c
    if shannon_refuses(stim.charge_pc, ch.electrode_area_um2, limits.shannon_k_x100):
        return _L.CHARGE_DENSITY, c
    return None
