"""What an emulated device says it did: its records file, read back as typed lists.

The emulator writes one JSON object per event (``--record FILE``; the kinds are listed in
``devices/core/records.py``). :class:`DeviceRecords` sorts them: :attr:`~DeviceRecords.pulses`
(delivered stimulation pulses), :attr:`~DeviceRecords.commands` (every intact command received
and its reply, refused ones included), :attr:`~DeviceRecords.states` (safety-state
transitions), :attr:`~DeviceRecords.faults` (FAULT frames sent), :attr:`~DeviceRecords.reports`
(PROSTHESIS_STATE frames), :attr:`~DeviceRecords.injected` (scripted faults as they acted) and
:attr:`~DeviceRecords.events` (everything, in file order). Times are device time, µs; each
record also has ``i``, its line in the file: the device writes events in the order they
happened, so ``i`` orders events of the same device time (on a virtual clock, many are).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CommandRecord", "DeviceRecords", "PulseRecord", "StateRecord"]


@dataclass(frozen=True)
class PulseRecord:
    """One biphasic pulse the stimulator delivered.

    Attributes
    ----------
    t_us : int
        Onset of phase 1, device time (µs).
    index : int
        Its index in the device's pulse log (from 0).
    channel : int
        Electrode.
    amplitude_ua, phase_width_us : int
        Phase 1 (µA, µs).
    interphase_gap_us : int
        Gap between phases (µs).
    amplitude2_ua, phase_width2_us : int
        Phase 2 (µA, µs).
    polarity : str
        ``CATHODIC_FIRST`` or ``ANODIC_FIRST``.
    i : int
        Its line in the records file (orders events of equal device time).
    """

    t_us: int
    index: int
    channel: int
    amplitude_ua: int
    phase_width_us: int
    interphase_gap_us: int
    amplitude2_ua: int
    phase_width2_us: int
    polarity: str
    i: int = -1

    @property
    def charge_pc(self) -> int:
        """Charge of phase 1, pC (µA × µs)."""
        return self.amplitude_ua * self.phase_width_us

    @property
    def charge2_pc(self) -> int:
        """Charge of phase 2, pC."""
        return self.amplitude2_ua * self.phase_width2_us


@dataclass(frozen=True)
class CommandRecord:
    """One intact command the device received, and its reply.

    Attributes
    ----------
    t_us : int
        Device time it was executed (or refused), µs.
    n : int
        Its number among the commands received (from 1).
    seq : int
        Its wire seq.
    type : str
        Message type (``STIM``, ``ARM``, ``HEARTBEAT`` ...).
    fields : dict
        Its fields (bytes shown as ``"<N bytes>"``).
    reply : str
        ``ACK``, ``NACK`` or the data reply's type.
    status : str or None
        ACK/NACK status (``OK``, ``OUT_OF_LIMITS`` ...).
    detail : int
        NACK detail (for OUT_OF_LIMITS: ``limit | index << 8``).
    injected : bool
        The reply was imposed by a scripted fault.
    i : int
        Its line in the records file.
    """

    t_us: int
    n: int
    seq: int
    type: str
    fields: dict[str, Any]
    reply: str
    status: str | None = None
    detail: int = 0
    injected: bool = False
    i: int = -1

    @property
    def accepted(self) -> bool:
        """ACKed (or answered with data)."""
        return self.reply != "NACK"

    def describe(self) -> str:
        """``STIM seq 7 (command #5 at device time 12000 µs)``."""
        return f"{self.type} seq {self.seq} (command #{self.n} at device time {self.t_us} µs)"

    def outcome(self) -> str:
        """``ACK``, or ``NACK OUT_OF_LIMITS (detail 0x0208)``, or the data reply."""
        if self.reply == "NACK":
            detail = f" (detail 0x{self.detail:04x})" if self.detail else ""
            return f"NACK {self.status}{detail}" + (" [scripted]" if self.injected else "")
        return self.reply if self.reply != "ACK" else f"ACK {self.status}"


@dataclass(frozen=True)
class StateRecord:
    """A safety-state transition (``from`` → ``to``) and what caused it."""

    t_us: int
    before: str
    after: str
    cause: str
    i: int = -1


@dataclass
class DeviceRecords:
    """The device's records, sorted by kind (each list in the order the device wrote them)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    pulses: list[PulseRecord] = field(default_factory=list)
    commands: list[CommandRecord] = field(default_factory=list)
    states: list[StateRecord] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    injected: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def read(cls, path: str | Path) -> DeviceRecords:
        """Parse a records file (a missing file gives empty records; a half-written last line,
        from a device killed mid-write, is left out)."""
        out = cls()
        p = Path(path)
        if not p.exists():
            return out
        for line in p.read_text(encoding="utf-8").splitlines():
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                continue
            out._add(ev)
        return out

    def _add(self, ev: dict[str, Any]) -> None:
        ev["i"] = i = len(self.events)
        self.events.append(ev)
        kind, t = ev.get("kind"), int(ev.get("t_us", 0))
        if kind == "pulse":
            self.pulses.append(
                PulseRecord(
                    t,
                    ev["index"],
                    ev["channel"],
                    ev["amplitude_ua"],
                    ev["phase_width_us"],
                    ev["interphase_gap_us"],
                    ev["amplitude2_ua"],
                    ev["phase_width2_us"],
                    ev["polarity"],
                    i,
                )
            )
        elif kind == "command":
            self.commands.append(
                CommandRecord(
                    t,
                    len(self.commands) + 1,
                    ev["seq"],
                    ev["type"],
                    ev.get("fields", {}),
                    ev["reply"],
                    ev.get("status"),
                    int(ev.get("detail", 0)),
                    bool(ev.get("injected", False)),
                    i,
                )
            )
        elif kind == "state":
            self.states.append(StateRecord(t, ev["from"], ev["to"], ev.get("cause", ""), i))
        elif kind == "fault":
            self.faults.append(ev)
        elif kind == "report":
            self.reports.append(ev)
        elif kind in ("injected", "armed"):
            self.injected.append(ev)

    def of_type(self, msg_type: str) -> list[CommandRecord]:
        """The commands of one type (``"STIM"``)."""
        return [c for c in self.commands if c.type == msg_type]

    def command_for(self, pulse: PulseRecord) -> CommandRecord | None:
        """The accepted STIM that started ``pulse``'s train (the last one on its channel
        recorded before it)."""
        best = None
        for c in self.commands:
            if (c.i > pulse.i) if min(c.i, pulse.i) >= 0 else (c.t_us > pulse.t_us):
                break
            if c.type == "STIM" and c.accepted and c.fields.get("channel") == pulse.channel:
                best = c
        return best

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """Raw events of one kind (``"connection"``, ``"rx_error"``, ``"stop"`` ...)."""
        return [e for e in self.events if e.get("kind") == kind]
