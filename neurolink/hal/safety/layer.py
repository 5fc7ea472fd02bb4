"""The host safety layer: what every driver calls before it writes a command (DESIGN.md §5).

:meth:`SafetyLayer.check` runs, for one command: the e-stop latch (stops always pass), then the
guard for the command's kind (:class:`StimGuard` for stimulation, :class:`ProsthesisGuard` for
motion; neuromorphic spike input has no limits). It records the outcome in the audit log —
``ACCEPTED`` (the command as it will be sent, with the record index for the driver's ACK/NACK),
or ``REFUSED`` with the message — and raises :class:`~neurolink.hal.errors.SafetyError` on
refusal. It fails closed: a stimulation or motion command with no guard configured is refused.

The layer wires itself to the e-stop: a trip cancels the guards' scheduled pulses and motion;
a re-arm restarts the stimulation ramps from 0 µA and takes the prosthesis as at rest.

Bypass: ``bypass=NoHostSafety(reason)`` skips the guards (not the e-stop), recorded once at
construction and as ``UNCHECKED`` per command. See :class:`NoHostSafety`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from neurolink.clock import now as host_now
from neurolink.hal.commands import (
    Command,
    ProsthesisCommand,
    SpikeInput,
    StimCommand,
    StimStop,
)
from neurolink.hal.errors import SafetyError
from neurolink.hal.safety.audit import AuditLog, DetailOf, Event, Outcome
from neurolink.hal.safety.bypass import NoHostSafety
from neurolink.hal.safety.estop import EStop
from neurolink.hal.safety.prosthesis_guard import ProsthesisGuard
from neurolink.hal.safety.stim_guard import Commit, StimGuard

__all__ = ["Accepted", "SafetyLayer"]


@dataclass(frozen=True, slots=True)
class Accepted:
    """A command cleared for sending.

    Attributes
    ----------
    command : Command
        What to send (a prosthesis command may have been clipped).
    index : int
        Index of its ``ACCEPTED``/``UNCHECKED`` audit record (``ref`` of the ACK/NACK).
    time : float
        Host-clock time (s) of the check.
    commit : Commit or None
        What the stimulation guard committed for it (see :meth:`SafetyLayer.rollback`).
    """

    command: Command
    index: int
    time: float
    commit: Commit | None = None


class SafetyLayer:
    """E-stop + guards + audit, in front of one driver.

    Parameters
    ----------
    audit : AuditLog
        Where every command and event is recorded.
    estop : EStop
        The emergency stop (shared by every driver of a session).
    stim : StimGuard or None
        Guard for :class:`StimCommand`/:class:`StimStop`; without it they are refused.
    prosthesis : ProsthesisGuard or None
        Guard for :class:`ProsthesisCommand`; without it they are refused.
    bypass : NoHostSafety or None
        Turn the guards off, on purpose and on record.
    clock : callable returning float
        Host clock (s).
    """

    def __init__(
        self,
        *,
        audit: AuditLog,
        estop: EStop,
        stim: StimGuard | None = None,
        prosthesis: ProsthesisGuard | None = None,
        bypass: NoHostSafety | None = None,
        clock: Callable[[], float] = host_now,
    ) -> None:
        if bypass is not None and not isinstance(bypass, NoHostSafety):
            raise TypeError(f"bypass must be a NoHostSafety(reason) or None, got {bypass!r}")
        self.audit = audit
        self.estop = estop
        self.stim = stim
        self.prosthesis = prosthesis
        self.bypass = bypass
        self._clock = clock
        self._lock = threading.RLock()
        if bypass is not None:
            audit.record_event(Event.HOST_SAFETY_BYPASSED, bypass.reason)
        estop.register_stop(self._on_trip, name="safety-layer guards")
        estop.on_rearm(self._on_rearm)

    @property
    def bypassed(self) -> bool:
        """True when built with :class:`NoHostSafety`."""
        return self.bypass is not None

    def _on_trip(self) -> None:
        with self._lock:
            t = self._clock()
            if self.stim is not None:
                self.stim.record_stop(None, t)

    def _on_rearm(self, t: float) -> None:
        with self._lock:
            if self.stim is not None:
                self.stim.reset(t)
            if self.prosthesis is not None:
                self.prosthesis.reset(t)

    def check(self, cmd: Command) -> Accepted:
        """Clear one command for sending, or refuse it.

        Parameters
        ----------
        cmd : Command
            The command the driver is about to send.

        Returns
        -------
        Accepted
            The command to send and its audit record index.

        Raises
        ------
        SafetyError
            If refused (``EStopError`` while the e-stop is latched); the refusal is recorded.
        """
        with self._lock:
            now = self._clock()
            audit = self.audit
            try:
                self.estop.check(cmd)
                if self.bypass is not None:
                    i = audit.note_command(cmd, Outcome.UNCHECKED, now, reason=self.bypass.reason)
                    return Accepted(cmd, i, now)
                sent, detail, commit = self._guard(cmd, now)
            except SafetyError as e:
                audit.note_command(
                    cmd,
                    Outcome.REFUSED,
                    now,
                    reason=str(e),
                    detail={"limit": e.limit, "channel": e.channel},
                )
                raise
            i = audit.note_command(sent, Outcome.ACCEPTED, now, detail=detail)
            return Accepted(sent, i, now, commit)

    def rollback(self, accepted: Accepted) -> None:
        """The device refused an accepted command (NACK): it never ran, so the guards forget
        it (its pulses no longer count against the pulse-rate caps, nor its amplitude for the
        ramp)."""
        if accepted.commit is None or self.stim is None:
            return
        with self._lock:
            self.stim.rollback(accepted.commit)

    def _guard(
        self, cmd: Command, now: float
    ) -> tuple[Command, dict[str, Any] | None, Commit | None]:
        if isinstance(cmd, StimCommand | StimStop):
            if self.stim is None:
                raise SafetyError(
                    f"{type(cmd).__name__} refused: no stimulation guard "
                    f"configured in this safety layer",
                    limit="guard",
                )
            return cmd, None, self.stim.check(cmd, now)
        if isinstance(cmd, ProsthesisCommand):
            if self.prosthesis is None:
                raise SafetyError(
                    "ProsthesisCommand refused: no prosthesis guard configured "
                    "in this safety layer",
                    limit="guard",
                )
            decision = self.prosthesis.check(cmd, now)
            for clip in decision.clips:
                self.audit.record_event(
                    Event.WORKSPACE_CLIP,
                    clip.describe(),
                    time=now,
                    detail={
                        "dof": clip.dof,
                        "requested": clip.requested,
                        "allowed": clip.allowed,
                        "position": clip.position,
                        "bound": clip.bound,
                    },
                )
            detail = {"requested_velocity": list(cmd.velocity)} if decision.clipped else None
            return decision.command, detail, None
        if isinstance(cmd, SpikeInput):
            return cmd, None, None
        raise SafetyError(f"{type(cmd).__name__} is not a command the host may send", limit="type")

    def record_reply(
        self,
        accepted: Accepted,
        *,
        ack: bool,
        status: str,
        detail: Mapping[str, Any] | None = None,
        time: float | None = None,
        detail_of: DetailOf | None = None,
        detail_arg: Any = None,
    ) -> int:
        """Record the device's ACK or NACK of an accepted command (O(1): see
        :meth:`AuditLog.note_command`); the record's index.

        Parameters
        ----------
        accepted : Accepted
            What :meth:`check` returned for the command.
        ack : bool
            True for ACK, False for NACK.
        status : str
            The device status code name (e.g. ``"OK"``, ``"OUT_OF_LIMITS"``).
        detail : mapping or None
            Extra facts (sequence number, retries, round-trip time …), plain JSON types.
        time : float or None
            Host-clock time (s) of the reply; now when None.
        detail_of, detail_arg
            The detail computed off the hot path, as ``detail_of(detail_arg)``.
        """
        return self.audit.note_command(
            accepted.command,
            Outcome.ACK if ack else Outcome.NACK,
            self._clock() if time is None else time,
            status=status,
            ref=accepted.index,
            detail=detail,
            detail_of=detail_of,
            detail_arg=detail_arg,
        )

    def report_position(self, position: Sequence[float], time: float) -> None:
        """Pass a prosthesis position report (units, host time s) to the guard."""
        if self.prosthesis is None:
            raise SafetyError("no prosthesis guard configured", limit="guard")
        with self._lock:
            self.prosthesis.report_position(position, time)

    def stop_due(self) -> ProsthesisCommand | None:
        """The stop to send now if the last prosthesis command went stale, else None."""
        with self._lock:
            if self.prosthesis is not None and self.prosthesis.stop_due(self._clock()):
                return self.prosthesis.stop_command()
        return None

    def rearm(self, reason: str) -> None:
        """Re-arm the e-stop (recorded); the guards restart from rest."""
        self.estop.rearm(reason)
