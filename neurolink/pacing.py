"""Waiting until a moment on the host clock, late by microseconds rather than a tenth of a ms.

A producer that pushes a chunk "once its last sample is due" is as punctual as its sleep. On
Linux a thread's timed waits are late by its *timer slack* (50 µs by default, so that the kernel
can batch wake-ups) plus the wake-up itself: ``time.sleep`` / ``Event.wait`` until a moment
wakes 0.13 ms after it, median, on the 2-vCPU development VM (``benchmarks/pacing.py``;
:func:`sleep_until` with its default spin: 0.02 ms). :func:`sleep_until` waits in two parts:

1. a blocking wait until ``spin`` seconds before the moment, with the calling thread's timer
   slack set to 1 ns (:func:`tighten_timer_slack`, once per thread; Linux ``prctl``, nothing
   elsewhere);
2. then a yielding spin (``time.sleep(0)`` between clock reads: the GIL is released at every
   turn, so other threads of the process are not held up) until the moment.

The spin costs at most ``spin`` of CPU per wait (about 4 % of a core at one wait per ms there); it
is what a simulated amplifier that delivers each chunk when its last sample is due needs, and a
loop's own waits (for an LSL chunk, say) do not use it: they are woken by the data.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from collections.abc import Callable

from neurolink.clock import now
from neurolink.libc import libc

__all__ = ["DEFAULT_SPIN", "sleep_until", "tighten_timer_slack"]

#: Seconds before the moment at which the blocking wait hands over to the spin.
DEFAULT_SPIN = 100e-6

_PR_SET_TIMERSLACK = 29
_tls = threading.local()


def tighten_timer_slack() -> bool:
    """Set the calling thread's timer slack to 1 ns (Linux); once per thread.

    Returns
    -------
    bool
        True when the slack is (now or already) 1 ns; False where ``prctl`` is not available
        or refused (waits are then as late as the platform makes them; nothing else changes).
    """
    done = getattr(_tls, "slack", None)
    if done is not None:
        return bool(done)
    ok = False
    if sys.platform.startswith("linux"):
        try:
            ok = libc().prctl(_PR_SET_TIMERSLACK, ctypes.c_ulong(1), 0, 0, 0) == 0
        except (OSError, AttributeError):
            ok = False
    _tls.slack = ok
    return ok


def sleep_until(
    moment: float,
    *,
    clock: Callable[[], float] = now,
    spin: float = DEFAULT_SPIN,
    stop: threading.Event | None = None,
) -> bool:
    """Return once ``clock() >= moment`` (or at once if it already is), or when ``stop`` is set.

    Parameters
    ----------
    moment : float
        When to return, on ``clock`` (s).
    clock : callable returning float
        The clock ``moment`` is on (default the host clock, :func:`neurolink.clock.now`).
    spin : float
        Seconds before ``moment`` at which the blocking wait ends and the yielding spin begins
        (0: no spin; the wait is then as late as the timer makes it).
    stop : threading.Event, optional
        Ends the wait early when set (checked in both parts).

    Returns
    -------
    bool
        True when ``stop`` was set (the moment may not have come), False otherwise.
    """
    if spin < 0:
        raise ValueError(f"spin must be >= 0 seconds, got {spin!r}")
    tighten_timer_slack()
    coarse = moment - spin - clock()
    if coarse > 0:
        if stop is not None:
            if stop.wait(coarse):
                return True
        else:
            time.sleep(coarse)
    while clock() < moment:
        if stop is not None and stop.is_set():
            return True
        time.sleep(0)
    return stop is not None and stop.is_set()
