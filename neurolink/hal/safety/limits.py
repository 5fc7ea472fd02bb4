"""Safety limits: hard values from the device profile, effective values that only go down.

A :class:`LimitTable` keeps, for each key (a stimulation channel, a degree of freedom), the
device's hard limits and the effective limits the guards enforce. Effective limits start at the
hard ones. A configuration may *lower* any limit freely (:meth:`LimitTable.lower_limit`,
:meth:`LimitTable.apply_config`); making a limit more permissive than it is now, the hard value
included, needs :meth:`LimitTable.raise_limit` with a non-empty reason (or ``apply_config`` with
``override_reason``). Every change, either way, is recorded in the audit log with the old, new
and hard values — nothing is ever raised silently, and there is no "disable" switch.

"More permissive" is larger for every limit except the few listed in a dataclass's
``PERMISSIVE_DOWN`` (a workspace's lower bound). Physical properties (``area_cm2``) are not
limits and cannot be changed here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import fields, replace
from typing import Any, Generic, TypeVar

from neurolink.hal.errors import LimitConfigError
from neurolink.hal.safety._format import fmt_vs
from neurolink.hal.safety.audit import AuditLog, Event
from neurolink.hal.safety.limit_values import (
    ArmLimits,
    DofLimits,
    ElectrodeLimits,
    TotalStimLimits,
)

__all__ = [
    "ArmLimits",
    "DofLimits",
    "ElectrodeLimits",
    "LimitTable",
    "ProsthesisLimits",
    "StimLimits",
    "TotalStimLimits",
]


L = TypeVar("L", ElectrodeLimits, TotalStimLimits, DofLimits, ArmLimits)


class LimitTable(Generic[L]):
    """Hard and effective limits per key, with recorded changes.

    Parameters
    ----------
    hard : mapping of key to limits dataclass
        The device's hard limits, one entry per key.
    audit : AuditLog
        Where every change is recorded.
    label : callable
        Key → text for messages (``3`` → ``"channel 3"``).
    """

    def __init__(
        self, hard: Mapping[Hashable, L], audit: AuditLog, label: Callable[[Hashable], str] = str
    ) -> None:
        if not hard:
            raise LimitConfigError("a limit table needs at least one entry")
        self._hard: dict[Hashable, L] = dict(hard)
        self._eff: dict[Hashable, L] = dict(hard)
        self._type = type(next(iter(self._hard.values())))
        self._audit = audit
        self._label = label

    @property
    def keys(self) -> tuple[Hashable, ...]:
        """Keys in insertion order."""
        return tuple(self._hard)

    @property
    def names(self) -> frozenset[str]:
        """Names of the settable limits."""
        return frozenset(f.name for f in fields(self._type)) - self._type.FIXED

    def __contains__(self, key: object) -> bool:
        return key in self._eff

    def __getitem__(self, key: Hashable) -> L:
        """Effective limits of ``key``."""
        return self._eff[key]

    def hard(self, key: Hashable) -> L:
        """Hard (device) limits of ``key``."""
        return self._hard[key]

    def _more_permissive(self, name: str, new: float, old: float) -> bool:
        return new < old if name in self._type.PERMISSIVE_DOWN else new > old

    def _set(
        self, name: str, value: float, key: Hashable | None, reason: str | None, source: str
    ) -> None:
        if name not in self.names:
            raise LimitConfigError(
                f"{name!r} is not a settable limit; settable: {sorted(self.names)}"
            )
        keys = list(self._eff) if key is None else [key]
        unit = self._type.UNITS.get(name, "")
        u = f" {unit}" if unit else ""
        changes: list[tuple[Hashable, L, bool]] = []
        for k in keys:
            if k not in self._eff:
                raise LimitConfigError(f"{self._label(k)}: no such key; known: {list(self._eff)}")
            old = self._eff[k]
            try:
                new = replace(old, **{name: value})
            except LimitConfigError as e:
                raise LimitConfigError(f"{self._label(k)}: {e}") from None
            raising = self._more_permissive(name, getattr(new, name), getattr(old, name))
            if raising and not reason:
                v, o = fmt_vs(getattr(new, name), getattr(old, name))
                raise LimitConfigError(
                    f"{self._label(k)}: {name} {v}{u} would raise the limit from {o}{u} "
                    f"({source}); raising needs raise_limit(name, value, reason)"
                )
            changes.append((k, new, raising))
        for k, new, raising in changes:
            old_v, new_v = getattr(self._eff[k], name), getattr(new, name)
            self._eff[k] = new
            hard_v = getattr(self._hard[k], name)
            self._audit.record_event(
                Event.LIMIT_RAISED if raising else Event.LIMIT_LOWERED,
                reason or source,
                detail={
                    "scope": self._label(k),
                    "name": name,
                    "old": old_v,
                    "new": new_v,
                    "hard": hard_v,
                    "unit": unit,
                    "source": source,
                    "beyond_hard": self._more_permissive(name, new_v, hard_v),
                },
            )

    def lower_limit(
        self, name: str, value: float, *, key: Hashable | None = None, source: str = "config"
    ) -> None:
        """Make a limit stricter (or keep it); refuse to make it more permissive.

        Parameters
        ----------
        name : str
            Limit name (a field of the limits dataclass).
        value : float
            New value, in the field's unit.
        key : hashable or None
            One key, or None for every key.
        source : str
            Who asked (recorded), e.g. ``"config"`` or a file path.

        Raises
        ------
        LimitConfigError
            Unknown name or key, invalid value, or a value that would raise the limit.
        """
        self._set(name, value, key, None, source)

    def raise_limit(
        self,
        name: str,
        value: float,
        reason: str,
        *,
        key: Hashable | None = None,
        source: str = "raise_limit",
    ) -> None:
        """Set a limit to any valid value, including above the device's hard limit.

        The change is recorded (``LIMIT_RAISED`` with ``reason`` and ``beyond_hard``).

        Raises
        ------
        LimitConfigError
            If ``reason`` is empty, or the name, key or value is invalid.
        """
        if not isinstance(reason, str) or not reason.strip():
            raise LimitConfigError(f"raise_limit({name!r}, {value!r}) needs a non-empty reason")
        self._set(name, value, key, reason, source)

    def apply_config(
        self,
        values: Mapping[str, float],
        *,
        key: Hashable | None = None,
        override_reason: str | None = None,
        source: str = "config",
    ) -> None:
        """Apply several settings; without ``override_reason`` they may only lower limits."""
        for name, value in values.items():
            if override_reason:
                self.raise_limit(name, value, override_reason, key=key, source=source)
            else:
                self.lower_limit(name, value, key=key, source=source)


class _TwoTables:
    """Per-key limits plus one global entry, with changes routed by limit name."""

    _per: LimitTable[Any]
    _glob: LimitTable[Any]

    def _route(self, name: str, key: Hashable | None) -> tuple[LimitTable[Any], Hashable | None]:
        if name in self._glob.names:
            return self._glob, None
        return self._per, key

    def lower_limit(
        self, name: str, value: float, *, key: Hashable | None = None, source: str = "config"
    ) -> None:
        """See :meth:`LimitTable.lower_limit`; global limits ignore ``key``."""
        table, k = self._route(name, key)
        table.lower_limit(name, value, key=k, source=source)

    def raise_limit(
        self,
        name: str,
        value: float,
        reason: str,
        *,
        key: Hashable | None = None,
        source: str = "raise_limit",
    ) -> None:
        """See :meth:`LimitTable.raise_limit`; global limits ignore ``key``."""
        table, k = self._route(name, key)
        table.raise_limit(name, value, reason, key=k, source=source)

    def apply_config(
        self,
        values: Mapping[str, float],
        *,
        key: Hashable | None = None,
        override_reason: str | None = None,
        source: str = "config",
    ) -> None:
        """See :meth:`LimitTable.apply_config`."""
        for name, value in values.items():
            if override_reason:
                self.raise_limit(name, value, override_reason, key=key, source=source)
            else:
                self.lower_limit(name, value, key=key, source=source)


class StimLimits(_TwoTables):
    """Limits of a stimulator: per channel (:class:`ElectrodeLimits`) and in total.

    Parameters
    ----------
    electrodes : mapping of int to ElectrodeLimits
        Hard limits per channel, from the device profile.
    total : TotalStimLimits
        Hard limits over all channels.
    audit : AuditLog
        Where limit changes are recorded.
    """

    def __init__(
        self, electrodes: Mapping[int, ElectrodeLimits], total: TotalStimLimits, audit: AuditLog
    ) -> None:
        self.channels: LimitTable[ElectrodeLimits] = LimitTable(
            electrodes, audit, lambda k: f"channel {k}"
        )
        self.total: LimitTable[TotalStimLimits] = LimitTable(
            {"all": total}, audit, lambda k: "all channels"
        )
        self._per, self._glob = self.channels, self.total

    def __contains__(self, channel: object) -> bool:
        return channel in self.channels

    def __getitem__(self, channel: int) -> ElectrodeLimits:
        """Effective limits of ``channel``."""
        return self.channels[channel]

    @property
    def max_total_pulses_per_s(self) -> float:
        """Effective cap on pulses per second summed over channels."""
        return self.total["all"].max_total_pulses_per_s

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any], audit: AuditLog) -> StimLimits:
        """Build from a profile mapping (e.g. a TOML table).

        Expected keys: ``n_channels`` (int), ``max_total_pulses_per_s``, ``electrode`` (a table
        of :class:`ElectrodeLimits` fields shared by every channel) and optionally
        ``channels`` (a table ``{"<index>": {field: value}}`` overriding single channels).
        Unknown fields raise :class:`LimitConfigError` naming them.
        """
        try:
            n = int(d["n_channels"])
            base = dict(d["electrode"])
            total = TotalStimLimits(d["max_total_pulses_per_s"])
        except KeyError as e:
            raise LimitConfigError(f"stimulator limits: missing key {e.args[0]!r}") from None
        per = {int(k): dict(v) for k, v in dict(d.get("channels", {})).items()}
        electrodes: dict[int, ElectrodeLimits] = {}
        for ch in range(n):
            values = {**base, **per.pop(ch, {})}
            try:
                electrodes[ch] = ElectrodeLimits(**values)
            except TypeError as e:
                raise LimitConfigError(f"stimulator limits, channel {ch}: {e}") from None
        if per:
            raise LimitConfigError(f"stimulator limits: channels {sorted(per)} >= n_channels {n}")
        return cls(electrodes, total, audit)


class ProsthesisLimits(_TwoTables):
    """Limits of a prosthesis: per degree of freedom (:class:`DofLimits`) and timing.

    Parameters
    ----------
    dofs : sequence of DofLimits
        Hard limits of each degree of freedom, in order.
    arm : ArmLimits
        Timing limits.
    audit : AuditLog
        Where limit changes are recorded.
    """

    def __init__(self, dofs: Iterable[DofLimits], arm: ArmLimits, audit: AuditLog) -> None:
        self.dofs: LimitTable[DofLimits] = LimitTable(
            dict(enumerate(dofs)), audit, lambda k: f"dof {k}"
        )
        self.arm: LimitTable[ArmLimits] = LimitTable({"arm": arm}, audit, lambda k: "arm")
        self._per, self._glob = self.dofs, self.arm

    @property
    def n_dof(self) -> int:
        """Number of degrees of freedom."""
        return len(self.dofs.keys)

    def __getitem__(self, dof: int) -> DofLimits:
        """Effective limits of degree of freedom ``dof``."""
        return self.dofs[dof]

    @property
    def timing(self) -> ArmLimits:
        """Effective timing limits."""
        return self.arm["arm"]
