"""Value types of the safety limits: one frozen dataclass per kind of limit set.

Each declares its units (``UNITS``), which fields are physical properties rather than limits
(``FIXED``) and which limits get more permissive when *lowered* (``PERMISSIVE_DOWN``); every
other limit is more permissive when raised. See :mod:`.limits` for how they are changed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import ClassVar

from neurolink.hal.errors import LimitConfigError

__all__ = ["ArmLimits", "DofLimits", "ElectrodeLimits", "TotalStimLimits"]


def _check_fields(obj: object, *, positive: Iterable[str] = (), nonneg: Iterable[str] = ()) -> None:
    """Every field finite; the named ones > 0 or >= 0. Errors name the field and value."""
    name = type(obj).__name__
    for f in fields(obj):  # type: ignore[arg-type]
        v = getattr(obj, f.name)
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise LimitConfigError(f"{name}.{f.name} must be a finite number, got {v!r}")
        object.__setattr__(obj, f.name, float(v))
    for n in positive:
        if not getattr(obj, n) > 0:
            raise LimitConfigError(f"{name}.{n} must be > 0, got {getattr(obj, n)!r}")
    for n in nonneg:
        if not getattr(obj, n) >= 0:
            raise LimitConfigError(f"{name}.{n} must be >= 0, got {getattr(obj, n)!r}")


@dataclass(frozen=True, slots=True)
class ElectrodeLimits:
    """Limits of one stimulation electrode (channel).

    Parameters
    ----------
    area_cm2 : float
        Geometric electrode area (cm²), from the device profile; a property, not a limit.
    max_amplitude_ua : float
        Largest phase current (µA), either phase.
    max_phase_width_us : float
        Longest phase (µs), either phase.
    max_frequency_hz : float
        Highest pulse rate within a train (Hz).
    max_charge_nc : float
        Largest charge per phase (nC).
    max_ramp_ua_per_s : float
        Largest rise of the peak phase current between consecutive commands on the channel,
        per second of time between them (µA/s). Decreases are always allowed.
    max_pulses_per_s : float
        Most pulses on this channel in any 1 s sliding window.
    shannon_k : float
        ``k`` of the Shannon criterion ``log10(D) < k − log10(Q)`` (default 1.5).
    balance_tolerance_nc : float
        Largest allowed ``|Q1 − Q2|`` between the two phases (nC).
    max_pulse_count : float
        Most pulses in one train (a stimulator advertises its own in INFO).
    """

    area_cm2: float
    max_amplitude_ua: float
    max_phase_width_us: float
    max_frequency_hz: float
    max_charge_nc: float
    max_ramp_ua_per_s: float
    max_pulses_per_s: float
    shannon_k: float = 1.5
    balance_tolerance_nc: float = 0.01
    max_pulse_count: float = float(0xFFFF_FFFF)

    FIXED: ClassVar[frozenset[str]] = frozenset({"area_cm2"})
    PERMISSIVE_DOWN: ClassVar[frozenset[str]] = frozenset()
    UNITS: ClassVar[dict[str, str]] = {
        "area_cm2": "cm²",
        "max_amplitude_ua": "µA",
        "max_phase_width_us": "µs",
        "max_frequency_hz": "Hz",
        "max_charge_nc": "nC",
        "max_ramp_ua_per_s": "µA/s",
        "max_pulses_per_s": "pulses/s",
        "shannon_k": "",
        "balance_tolerance_nc": "nC",
        "max_pulse_count": "pulses",
    }

    def __post_init__(self) -> None:
        _check_fields(
            self,
            nonneg=("balance_tolerance_nc",),
            positive=(
                "area_cm2",
                "max_amplitude_ua",
                "max_phase_width_us",
                "max_frequency_hz",
                "max_charge_nc",
                "max_ramp_ua_per_s",
                "max_pulses_per_s",
                "max_pulse_count",
            ),
        )


@dataclass(frozen=True, slots=True)
class TotalStimLimits:
    """Limits over all channels of a stimulator.

    Parameters
    ----------
    max_total_pulses_per_s : float
        Most pulses, summed over channels, in any 1 s sliding window.
    """

    max_total_pulses_per_s: float

    FIXED: ClassVar[frozenset[str]] = frozenset()
    PERMISSIVE_DOWN: ClassVar[frozenset[str]] = frozenset()
    UNITS: ClassVar[dict[str, str]] = {"max_total_pulses_per_s": "pulses/s"}

    def __post_init__(self) -> None:
        _check_fields(self, positive=("max_total_pulses_per_s",))


@dataclass(frozen=True, slots=True)
class DofLimits:
    """Limits of one prosthesis degree of freedom, in the device's units (m or rad).

    Parameters
    ----------
    max_velocity : float
        Largest ``|velocity|`` (units/s).
    max_acceleration : float
        Largest ``|Δvelocity| / Δt`` between consecutive commands (units/s²); slowing towards
        zero is always allowed.
    position_min, position_max : float
        Workspace bounds (units), ``position_min < position_max``.
    """

    max_velocity: float
    max_acceleration: float
    position_min: float
    position_max: float

    FIXED: ClassVar[frozenset[str]] = frozenset()
    PERMISSIVE_DOWN: ClassVar[frozenset[str]] = frozenset({"position_min"})
    UNITS: ClassVar[dict[str, str]] = {
        "max_velocity": "/s",
        "max_acceleration": "/s²",
        "position_min": "",
        "position_max": "",
    }

    def __post_init__(self) -> None:
        _check_fields(self, positive=("max_velocity", "max_acceleration"))
        if not self.position_min < self.position_max:
            raise LimitConfigError(
                f"DofLimits.position_min ({self.position_min!r}) must be < position_max "
                f"({self.position_max!r})"
            )


@dataclass(frozen=True, slots=True)
class ArmLimits:
    """Timing limits of a prosthesis.

    Parameters
    ----------
    stale_after_s : float
        A stop is due when no command came for this long (s); also the horizon over which a
        velocity is assumed to stay in effect (workspace clipping).
    max_report_age_s : float
        Oldest position report a motion command may rely on (s).
    """

    stale_after_s: float
    max_report_age_s: float

    FIXED: ClassVar[frozenset[str]] = frozenset()
    PERMISSIVE_DOWN: ClassVar[frozenset[str]] = frozenset()
    UNITS: ClassVar[dict[str, str]] = {"stale_after_s": "s", "max_report_age_s": "s"}

    def __post_init__(self) -> None:
        _check_fields(self, positive=("stale_after_s", "max_report_age_s"))
