"""Heartbeats from their own thread (DESIGN.md §5 "Watchdog").

:class:`HeartbeatSender` calls ``send()`` once per period until closed. If ``send`` raises, the
thread stores the error, records it, trips the e-stop (which stops the devices) and ends; the
error is never swallowed: :attr:`HeartbeatSender.error` holds it, :meth:`HeartbeatSender.check`
and :meth:`HeartbeatSender.close` raise :class:`~neurolink.hal.errors.HeartbeatError` from it.

The wait between heartbeats is injectable so tests can tick the thread by hand instead of
relying on wall-clock timing: ``wait(stop_event, period_s)`` must return when the next heartbeat
is due or as soon as ``stop_event`` is set (the default is ``stop_event.wait(period_s)``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from neurolink.hal.errors import DeviceLost, HeartbeatError
from neurolink.hal.safety.audit import Event
from neurolink.hal.safety.estop import EStop

__all__ = ["HeartbeatSender", "Wait"]

_log = logging.getLogger(__name__)

Wait = Callable[[threading.Event, float], object]
"""``wait(stop_event, period_s)``: block until the next beat is due or ``stop_event`` is set."""


def _event_wait(stop: threading.Event, period_s: float) -> object:
    return stop.wait(period_s)


class HeartbeatSender:
    """A daemon thread that calls ``send()`` every ``period_s`` seconds.

    Parameters
    ----------
    send : callable
        Sends one heartbeat; raises on failure.
    period_s : float
        Time between heartbeats (s), > 0; choose well below the device watchdog timeout.
    estop : EStop
        Tripped (source ``"heartbeat"``) when ``send`` raises.
    wait : callable, optional
        See the module docstring; default waits ``period_s`` on the stop event.
    name : str
        Thread name.
    """

    def __init__(
        self,
        send: Callable[[], None],
        period_s: float,
        estop: EStop,
        *,
        wait: Wait = _event_wait,
        name: str = "heartbeat",
    ) -> None:
        if not period_s > 0:
            raise ValueError(f"HeartbeatSender.period_s must be > 0 s, got {period_s!r}")
        self._send = send
        self.period_s = float(period_s)
        self._estop = estop
        self._wait = wait
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._trip_error: BaseException | None = None
        self._count = 0

    @property
    def count(self) -> int:
        """Heartbeats sent successfully."""
        with self._lock:
            return self._count

    @property
    def error(self) -> BaseException | None:
        """The exception ``send`` raised, if any (the thread has then ended)."""
        with self._lock:
            return self._error

    @property
    def trip_error(self) -> BaseException | None:
        """The exception tripping the e-stop raised after a send failure, if any."""
        with self._lock:
            return self._trip_error

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        return self._thread.is_alive()

    def start(self) -> HeartbeatSender:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def _run(self) -> None:
        while True:
            self._wait(self._stop, self.period_s)
            if self._stop.is_set():
                return
            try:
                self._send()
            except BaseException as e:  # stored, recorded, e-stop tripped; never swallowed
                self._fail(e)
                return
            with self._lock:
                self._count += 1

    def _fail(self, e: BaseException) -> None:
        with self._lock:
            self._error = e
        _log.error("heartbeat send failed, tripping the e-stop: %r", e, exc_info=e)
        self._estop.audit.record_event(Event.HEARTBEAT_FAILED, repr(e))
        # a device gone is the cause, whichever thread finds it first (the link's reader trips
        # the e-stop the same way): the trip says so, not only that a heartbeat failed
        if isinstance(e, DeviceLost):
            reason, source = f"device lost (the heartbeat could not be sent): {e}", "device-lost"
        else:
            reason, source = f"heartbeat send failed: {e!r}", "heartbeat"
        try:
            self._estop.trip(reason, source=source)
        except BaseException as trip_err:  # kept and re-raised by check()/close()
            with self._lock:
                self._trip_error = trip_err

    def check(self) -> None:
        """Raise :class:`HeartbeatError` if the heartbeat failed."""
        with self._lock:
            err, trip_err = self._error, self._trip_error
        if err is not None:
            extra = f"; tripping the e-stop also failed: {trip_err!r}" if trip_err else ""
            raise HeartbeatError(
                f"heartbeat send failed: {err!r}{extra}", limit="heartbeat"
            ) from err

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait for it; raise :class:`HeartbeatError` if a send failed.

        Parameters
        ----------
        timeout : float
            Seconds to wait for the thread to end.

        Raises
        ------
        HeartbeatError
            If a send had failed (after the thread was stopped).
        TimeoutError
            If the thread did not end in time (``send`` is blocked).
        """
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError(f"heartbeat thread did not stop within {timeout} s")
        self.check()

    def __enter__(self) -> HeartbeatSender:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
