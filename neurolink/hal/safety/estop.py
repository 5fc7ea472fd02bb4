"""A latching emergency stop (DESIGN.md §5).

Once tripped — by an operator, a watchdog, a deadline storm, a failed heartbeat — the e-stop
refuses every command except stops (:func:`~neurolink.hal.commands.is_stop`) until
:meth:`EStop.rearm` is called with a reason. Trip and re-arm are recorded in the audit log with
reason, source and time.

Tripping calls every registered *stop callback* (a driver registers "send STIM_STOP / ESTOP to
the device"), on every trip, even when already latched, because sending a stop twice is safe
and missing one is not. Callbacks run in the tripping thread, outside the lock: the *urgent*
ones first (drivers that tell a device to stop), in registration order, then the others
(bookkeeping such as the guards' schedules), and the trip is recorded in the audit log after
them, so nothing stands between a trip and the device.

Never waits (DESIGN §5). The latch is first a plain flag (:attr:`EStop.latched`), set before
anything else and read without a lock: drivers check it right before every write of an output
frame (:attr:`neurolink.hal.link.Link.gate`), so no command that was checked before the trip is
written after it. A callback that raises does not stop the others: every error is collected, logged,
recorded (``ESTOP_CALLBACK_ERROR``) and, after all callbacks ran, re-raised — a single
:class:`~neurolink.hal.errors.StopCallbackError` holding them all (``KeyboardInterrupt`` and
``SystemExit`` are re-raised as themselves, after the remaining callbacks ran). The latch is
set before any callback runs, so a failing callback never leaves the e-stop un-tripped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from neurolink.clock import now as host_now
from neurolink.hal.commands import Command, is_stop
from neurolink.hal.errors import EStopError, StopCallbackError
from neurolink.hal.safety.audit import AuditLog, Event

__all__ = ["EStop", "TripInfo"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TripInfo:
    """Why and when the e-stop was (last) tripped."""

    reason: str
    source: str
    time: float


class EStop:
    """Thread-safe latching emergency stop.

    Parameters
    ----------
    audit : AuditLog
        Where trips, re-arms and callback errors are recorded.
    clock : callable returning float
        Host clock (s).
    """

    def __init__(self, audit: AuditLog, *, clock: Callable[[], float] = host_now) -> None:
        self._audit = audit
        self._clock = clock
        self._lock = threading.RLock()
        self._trip: TripInfo | None = None
        self._latched = False  # read without the lock: see `latched`
        self._stops: list[tuple[str, Callable[[], None]]] = []
        self._urgent: list[tuple[str, Callable[[], None]]] = []
        self._on_rearm: list[Callable[[float], None]] = []

    @property
    def audit(self) -> AuditLog:
        """The audit log trips and re-arms are recorded in."""
        return self._audit

    @property
    def tripped(self) -> bool:
        """True while latched."""
        with self._lock:
            return self._trip is not None

    @property
    def latched(self) -> bool:
        """True from the first instant of a trip until a re-arm; read without any lock."""
        return self._latched

    @property
    def trip_info(self) -> TripInfo | None:
        """The current trip (None when armed)."""
        with self._lock:
            return self._trip

    def register_stop(
        self, callback: Callable[[], None], name: str | None = None, *, urgent: bool = False
    ) -> None:
        """Add a callback that puts a device in a safe state; called on every trip.

        Parameters
        ----------
        callback : callable
            Takes no argument; raises on failure (never hides it).
        name : str or None
            Name used in error messages and the audit log (default: the callable's name).
        urgent : bool
            Run before the callbacks that are not (a driver telling its device to stop).
        """
        label = name or getattr(callback, "__qualname__", repr(callback))
        with self._lock:
            (self._urgent if urgent else self._stops).append((label, callback))

    def unregister_stop(self, callback: Callable[[], None]) -> None:
        """Remove a stop callback (e.g. when its device is closed).

        Callbacks are matched by equality, not identity: a bound method (``driver._stop_output``)
        is a new object at every attribute access, equal to the one registered.
        """
        with self._lock:
            self._stops = [(n, c) for n, c in self._stops if c != callback]
            self._urgent = [(n, c) for n, c in self._urgent if c != callback]

    def on_rearm(self, listener: Callable[[float], None]) -> None:
        """Add a listener called with the re-arm time (s) after each re-arm."""
        with self._lock:
            self._on_rearm.append(listener)

    def trip(self, reason: str, *, source: str = "operator") -> None:
        """Latch the stop, record it, and run every stop callback.

        Parameters
        ----------
        reason : str
            Why (recorded).
        source : str
            Who tripped it: ``"operator"``, ``"watchdog"``, ``"heartbeat"``, ``"deadline"`` …

        Raises
        ------
        StopCallbackError
            After all callbacks ran, if any raised; the e-stop stays tripped.
        """
        self._latched = True  # first: every write checks this flag
        t = self._clock()
        with self._lock:
            already = self._trip is not None
            if not already:
                self._trip = TripInfo(reason, source, t)
            callbacks = self._urgent + self._stops
        errors: list[tuple[str, BaseException]] = []
        for name, cb in callbacks:
            try:
                cb()
            except BaseException as e:  # collected, recorded and re-raised below
                errors.append((name, e))
                _log.error("e-stop stop callback %s failed: %r", name, e, exc_info=e)
                self._audit.record_event(
                    Event.ESTOP_CALLBACK_ERROR,
                    f"{name}: {e!r}",
                    detail={"callback": name, "error": repr(e)},
                )
        self._audit.record_event(
            Event.ESTOP_TRIP, reason, time=t, detail={"source": source, "already_tripped": already}
        )
        _log.warning("e-stop tripped by %s: %s", source, reason)
        if not errors:
            return
        for _, e in errors:
            if not isinstance(e, Exception):
                raise e
        text = "; ".join(f"{n}: {e!r}" for n, e in errors)
        raise StopCallbackError(
            f"e-stop tripped ({reason}) but {len(errors)} stop callback(s) failed: {text}",
            tuple(errors),
        ) from errors[0][1]

    def rearm(self, reason: str) -> None:
        """Release the latch (recorded with ``reason``); a no-op, still recorded, when armed.

        Raises
        ------
        ValueError
            If ``reason`` is empty.
        """
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError("EStop.rearm needs a non-empty reason")
        t = self._clock()
        with self._lock:
            was = self._trip
            self._trip = None
            self._latched = False
            listeners = list(self._on_rearm)
        self._audit.record_event(
            Event.ESTOP_REARM,
            reason,
            time=t,
            detail={
                "was_tripped": was is not None,
                "trip_reason": was.reason if was else "",
                "trip_source": was.source if was else "",
            },
        )
        _log.warning("e-stop re-armed: %s", reason)
        for listener in listeners:
            listener(t)

    def check(self, cmd: Command | None = None) -> None:
        """Raise :class:`~neurolink.hal.errors.EStopError` if latched, unless ``cmd`` is a stop.

        Parameters
        ----------
        cmd : Command or None
            The command about to be sent; None asks "may anything be sent?".
        """
        with self._lock:
            trip = self._trip
        if trip is not None and not (cmd is not None and is_stop(cmd)):
            raise EStopError(
                f"e-stop latched since t={trip.time:.3f} s by {trip.source}: {trip.reason}; "
                f"re-arm with an explicit reason to continue",
                limit="estop",
            )
