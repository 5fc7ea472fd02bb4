"""Host-side command types (DESIGN.md §2 "Commands").

Every command is a small frozen dataclass whose fields are validated when it is built, so a
malformed command never reaches the safety layer or the wire. Each carries the ``origin`` of the
data that caused it, ``(stream, last sample index, timestamp of that sample)``, so latency can be
measured from the newest contributing sample to the moment its bytes are written.

Validation here is about physical meaning only (a negative amplitude, a pulse longer than its
period, a grip outside 0..1). Safety limits (maximum amplitude, charge density, ramp rate …) are
the job of :mod:`neurolink.hal.safety`.

Units are in the field names: ``_ua`` µA, ``_us`` µs, ``_hz`` Hz, ``_nc`` nC.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from enum import Enum, StrEnum
from typing import Any

from neurolink.hal.errors import CommandError
from neurolink.hal.invalid_commands import audited_validation

__all__ = [
    "Command",
    "Origin",
    "Polarity",
    "ProsthesisCommand",
    "SpikeInput",
    "SpikeOutput",
    "StimCommand",
    "StimStop",
    "command_from_dict",
    "command_to_dict",
    "is_stop",
]


def _real(
    owner: str,
    name: str,
    value: Any,
    *,
    lo: float | None = None,
    lo_open: bool = False,
    hi: float | None = None,
    unit: str = "",
) -> float:
    """Validate a finite real number within ``[lo, hi]`` (``(lo, hi]`` if ``lo_open``)."""
    u = f" {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = f"a number in{u}" if u else "a number"
        raise CommandError(f"{owner}.{name} must be {kind}, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise CommandError(f"{owner}.{name} must be finite, got {value!r}")
    if lo is not None and (x <= lo if lo_open else x < lo):
        op = ">" if lo_open else ">="
        raise CommandError(f"{owner}.{name} must be {op} {lo:g}{u}, got {value!r}")
    if hi is not None and x > hi:
        raise CommandError(f"{owner}.{name} must be <= {hi:g}{u}, got {value!r}")
    return x


def _index(owner: str, name: str, value: Any, *, lo: int = 0) -> int:
    """Validate an integer >= ``lo`` (bools and floats are refused)."""
    if isinstance(value, bool):
        raise CommandError(f"{owner}.{name} must be an integer, got {value!r}")
    if not isinstance(value, int):
        # numpy integers are accepted through __index__
        try:
            value = value.__index__()
        except (AttributeError, TypeError):
            raise CommandError(f"{owner}.{name} must be an integer, got {value!r}") from None
    if value < lo:
        raise CommandError(f"{owner}.{name} must be >= {lo}, got {value!r}")
    return int(value)


def _set(obj: object, name: str, value: Any) -> None:
    """Store a normalised value on a frozen dataclass during ``__post_init__``."""
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, slots=True)
class Origin:
    """The data that caused a command.

    Parameters
    ----------
    stream : str
        Name of the stream whose newest sample contributed.
    sample_index : int
        Running sample index of that sample (see ``Block.first_index``).
    timestamp : float
        Host-clock time of that sample (s), the ``t_sample`` of latency accounting.
    """

    stream: str
    sample_index: int
    timestamp: float

    def __post_init__(self) -> None:
        i, t = self.sample_index, self.timestamp
        if (  # the loop's case, checked in C: str, an int >= 0, a finite Python float
            type(self.stream) is str
            and type(i) is int
            and i >= 0
            and type(t) is float
            and math.isfinite(t)
        ):
            return
        if not isinstance(self.stream, str):
            raise CommandError(f"Origin.stream must be a string, got {self.stream!r}")
        _set(self, "sample_index", _index("Origin", "sample_index", self.sample_index))
        _set(self, "timestamp", _real("Origin", "timestamp", self.timestamp, unit="s"))


def _origin(owner: str, value: Any) -> Origin | None:
    if value is None or isinstance(value, Origin):
        return value
    raise CommandError(f"{owner}.origin must be an Origin or None, got {value!r}")


class Polarity(StrEnum):
    """Which phase of a biphasic pulse comes first."""

    CATHODIC_FIRST = "cathodic_first"
    ANODIC_FIRST = "anodic_first"


@audited_validation
@dataclass(frozen=True, slots=True)
class StimCommand:
    """A train of biphasic current pulses on one channel.

    Phase 1 has ``amplitude_ua`` for ``phase_width_us``; after ``interphase_gap_us`` phase 2 of
    opposite sign follows with ``second_amplitude_ua`` for ``second_width_us``. When the
    second phase is not given it is made charge-balanced: both omitted gives a symmetric pulse;
    one given, the other is solved from ``Q1 = Q2`` (``Q = I·t``).

    Parameters
    ----------
    channel : int
        Stimulation channel (electrode) index, >= 0.
    amplitude_ua : float
        Phase-1 current (µA), > 0.
    phase_width_us : float
        Phase-1 duration (µs), > 0.
    frequency_hz : float
        Pulse repetition rate (Hz), > 0; one pulse (both phases and the gap) must fit into one
        period.
    pulse_count : int
        Number of pulses in the train, >= 1.
    interphase_gap_us : float
        Gap between the two phases (µs), >= 0.
    polarity : Polarity or str
        ``"cathodic_first"`` (default) or ``"anodic_first"``.
    second_amplitude_ua, second_width_us : float or None
        Phase-2 current (µA) and duration (µs); None means "charge-balanced" (see above).
    origin : Origin or None
        Data that caused the command; None for a command not derived from data (manual).
    """

    channel: int
    amplitude_ua: float
    phase_width_us: float
    frequency_hz: float
    pulse_count: int = 1
    interphase_gap_us: float = 0.0
    polarity: Polarity = Polarity.CATHODIC_FIRST
    second_amplitude_ua: float | None = None
    second_width_us: float | None = None
    origin: Origin | None = None

    def __post_init__(self) -> None:
        o = "StimCommand"
        _set(self, "channel", _index(o, "channel", self.channel))
        a1 = _real(o, "amplitude_ua", self.amplitude_ua, lo=0.0, lo_open=True, unit="µA")
        w1 = _real(o, "phase_width_us", self.phase_width_us, lo=0.0, lo_open=True, unit="µs")
        f = _real(o, "frequency_hz", self.frequency_hz, lo=0.0, lo_open=True, unit="Hz")
        gap = _real(o, "interphase_gap_us", self.interphase_gap_us, lo=0.0, unit="µs")
        _set(self, "pulse_count", _index(o, "pulse_count", self.pulse_count, lo=1))
        try:
            _set(self, "polarity", Polarity(self.polarity))
        except ValueError:
            raise CommandError(
                f"{o}.polarity must be one of {[p.value for p in Polarity]}, got {self.polarity!r}"
            ) from None
        a2, w2 = self.second_amplitude_ua, self.second_width_us
        if a2 is not None:
            a2 = _real(o, "second_amplitude_ua", a2, lo=0.0, lo_open=True, unit="µA")
        if w2 is not None:
            w2 = _real(o, "second_width_us", w2, lo=0.0, lo_open=True, unit="µs")
        if a2 is None and w2 is None:
            a2, w2 = a1, w1
        elif a2 is None:
            assert w2 is not None
            a2 = a1 * w1 / w2  # charge balance: a1·w1 = a2·w2
        elif w2 is None:
            w2 = a1 * w1 / a2
        for name, v in (
            ("amplitude_ua", a1),
            ("phase_width_us", w1),
            ("frequency_hz", f),
            ("interphase_gap_us", gap),
            ("second_amplitude_ua", a2),
            ("second_width_us", w2),
        ):
            _set(self, name, v)
        pulse_us = w1 + gap + w2
        period_us = 1e6 / f
        if pulse_us >= period_us:
            raise CommandError(
                f"{o}.frequency_hz {f:g} Hz gives a period of {period_us:g} µs, shorter than "
                f"the pulse (phase + gap + phase = {pulse_us:g} µs)"
            )
        _set(self, "origin", _origin(o, self.origin))

    @property
    def charge_nc(self) -> float:
        """Phase-1 charge (nC): ``amplitude_ua · phase_width_us / 1000`` (1 µA·µs = 1 pC)."""
        return self.amplitude_ua * self.phase_width_us / 1000.0

    @property
    def second_charge_nc(self) -> float:
        """Phase-2 charge (nC)."""
        assert self.second_amplitude_ua is not None and self.second_width_us is not None
        return self.second_amplitude_ua * self.second_width_us / 1000.0

    @property
    def peak_amplitude_ua(self) -> float:
        """Larger of the two phase currents (µA)."""
        assert self.second_amplitude_ua is not None
        return max(self.amplitude_ua, self.second_amplitude_ua)

    @property
    def train_duration_s(self) -> float:
        """Time from the first pulse onset to the last pulse onset (s): ``(n − 1) / f``."""
        return (self.pulse_count - 1) / self.frequency_hz


@audited_validation
@dataclass(frozen=True, slots=True)
class StimStop:
    """Stop stimulation on one channel, or on all channels when ``channel`` is None.

    Parameters
    ----------
    channel : int or None
        Channel to stop; None stops every channel.
    reason : str
        Why (recorded in the audit log).
    origin : Origin or None
        Data that caused the stop, if any.
    """

    channel: int | None = None
    reason: str = ""
    origin: Origin | None = None

    def __post_init__(self) -> None:
        if self.channel is not None:
            _set(self, "channel", _index("StimStop", "channel", self.channel))
        if not isinstance(self.reason, str):
            raise CommandError(f"StimStop.reason must be a string, got {self.reason!r}")
        _set(self, "origin", _origin("StimStop", self.origin))


@audited_validation
@dataclass(frozen=True, slots=True)
class ProsthesisCommand:
    """Velocity per degree of freedom, and optionally a grip target.

    Parameters
    ----------
    velocity : sequence of float, length n_dof
        Velocity of each degree of freedom in the device's units per second (m/s for a cursor
        or Cartesian axis, rad/s for a joint; the device profile says which). Stored as a tuple.
    grip : float or None
        Grip closure, 0 (open) … 1 (closed); None leaves the grip as it is.
    origin : Origin or None
        Data that caused the command.
    """

    velocity: tuple[float, ...]
    grip: float | None = None
    origin: Origin | None = None

    def __post_init__(self) -> None:
        vel = self.velocity
        if (  # the mapper's case, checked in C: a tuple of finite Python floats
            type(vel) is tuple
            and vel
            and all(type(v) is float for v in vel)
            and all(map(math.isfinite, vel))
            and self.grip is None
            and (self.origin is None or type(self.origin) is Origin)
        ):
            return
        o = "ProsthesisCommand"
        try:
            items = list(self.velocity)
        except TypeError:
            raise CommandError(f"{o}.velocity must be a sequence, got {self.velocity!r}") from None
        if not items:
            raise CommandError(f"{o}.velocity must have at least one degree of freedom, got ()")
        vel = tuple(_real(o, f"velocity[{i}]", v) for i, v in enumerate(items))
        _set(self, "velocity", vel)
        if self.grip is not None:
            _set(self, "grip", _real(o, "grip", self.grip, lo=0.0, hi=1.0))
        _set(self, "origin", _origin(o, self.origin))

    @classmethod
    def stop(cls, n_dof: int, origin: Origin | None = None) -> ProsthesisCommand:
        """Zero velocity on every degree of freedom, grip unchanged."""
        return cls(velocity=(0.0,) * _index(cls.__name__, "n_dof", n_dof, lo=1), origin=origin)

    @property
    def n_dof(self) -> int:
        """Number of degrees of freedom."""
        return len(self.velocity)

    @property
    def is_stop(self) -> bool:
        """True when every velocity is zero and the grip is left alone."""
        return self.grip is None and all(v == 0.0 for v in self.velocity)


def _neurons(owner: str, value: Any) -> tuple[int, ...]:
    try:
        items = list(value)
    except TypeError:
        raise CommandError(f"{owner}.neurons must be a sequence of ints, got {value!r}") from None
    idx = [_index(owner, f"neurons[{i}]", v) for i, v in enumerate(items)]
    if any(b <= a for a, b in itertools.pairwise(idx)):
        raise CommandError(f"{owner}.neurons must be strictly increasing, got {tuple(idx)!r}")
    return tuple(idx)


@audited_validation
@dataclass(frozen=True, slots=True)
class SpikeInput:
    """Input spikes for one time step of the neuromorphic board.

    Parameters
    ----------
    step : int
        Chip time step the spikes are injected at, >= 0.
    neurons : sequence of int
        Indices of the input neurons that spike, strictly increasing (may be empty).
    origin : Origin or None
        Data that caused them.
    """

    step: int
    neurons: tuple[int, ...] = ()
    origin: Origin | None = None

    def __post_init__(self) -> None:
        _set(self, "step", _index("SpikeInput", "step", self.step))
        _set(self, "neurons", _neurons("SpikeInput", self.neurons))
        _set(self, "origin", _origin("SpikeInput", self.origin))


@dataclass(frozen=True, slots=True)
class SpikeOutput:
    """Output spikes the neuromorphic board reported for one time step.

    Parameters
    ----------
    step : int
        Chip time step, >= 0.
    neurons : sequence of int
        Indices of the output neurons that spiked, strictly increasing (may be empty).
    origin : Origin or None
        Origin of the :class:`SpikeInput` that this step answered.
    """

    step: int
    neurons: tuple[int, ...] = ()
    origin: Origin | None = None

    def __post_init__(self) -> None:
        _set(self, "step", _index("SpikeOutput", "step", self.step))
        _set(self, "neurons", _neurons("SpikeOutput", self.neurons))
        _set(self, "origin", _origin("SpikeOutput", self.origin))


Command = StimCommand | StimStop | ProsthesisCommand | SpikeInput | SpikeOutput

_TYPES: dict[str, type] = {
    t.__name__: t for t in (StimCommand, StimStop, ProsthesisCommand, SpikeInput, SpikeOutput)
}


def is_stop(cmd: object) -> bool:
    """True for commands that only move a device towards rest (allowed while e-stopped)."""
    return isinstance(cmd, StimStop) or (isinstance(cmd, ProsthesisCommand) and cmd.is_stop)


def command_to_dict(cmd: Command) -> dict[str, Any]:
    """A JSON-ready dict of a command: ``{"type": name, field: value, ...}``.

    Tuples become lists, enums their values, ``origin`` a nested dict (or None).
    """
    if not isinstance(cmd, tuple(_TYPES.values())):
        raise CommandError(f"not a command: {cmd!r}")
    out: dict[str, Any] = {"type": type(cmd).__name__}
    for f in fields(cmd):  # type: ignore[arg-type]
        v = getattr(cmd, f.name)
        if isinstance(v, Origin):
            v = {"stream": v.stream, "sample_index": v.sample_index, "timestamp": v.timestamp}
        elif isinstance(v, Enum):
            v = v.value
        elif isinstance(v, tuple):
            v = list(v)
        out[f.name] = v
    return out


def command_from_dict(d: Mapping[str, Any]) -> Command:
    """Rebuild a command from :func:`command_to_dict` output (validated again)."""
    name = d.get("type")
    if name not in _TYPES:
        raise CommandError(f"unknown command type {name!r}; known: {sorted(_TYPES)}")
    kw = {k: v for k, v in d.items() if k != "type"}
    org = kw.get("origin")
    if isinstance(org, Mapping):
        kw["origin"] = Origin(**org)
    for k in ("velocity", "neurons"):
        if isinstance(kw.get(k), Iterable):
            kw[k] = tuple(kw[k])
    try:
        return _TYPES[name](**kw)  # type: ignore[no-any-return]
    except TypeError as e:
        raise CommandError(f"cannot build {name} from {dict(d)!r}: {e}") from None
