"""Per-command phases of a serial driver's send path, timed from outside the library.

Used by ``send_path.py`` and ``ack_async.py``. :class:`Phases` wraps three methods of one open
driver with ``perf_counter_ns`` stamps (the library itself carries no instrumentation):

* ``check+audit``: the safety layer's ``check`` (e-stop, guard, ``ACCEPTED`` audit entry);
* ``encode``: ``wire.encode`` as the link calls it (header, payload, CRC, COBS);
* ``write``: the transport's ``write`` (the pty write and its drain);

and the caller times ``call → written`` itself (from the call into ``send`` to the moment the
bytes were written: ``Sent.t_wire``). Each wrapper adds about half a microsecond.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from time import perf_counter_ns
from typing import Any

import numpy as np

from neurolink.clock import now
from neurolink.hal import link as link_module
from neurolink.pacing import sleep_until

__all__ = ["Phases", "load", "paced_sends", "row"]


def row(name: str, v: np.ndarray | list[float], scale: float = 1e6) -> str:
    """``name n= median p99 max`` in µs of values in s (``scale`` converts to µs)."""
    a = np.asarray(v, dtype=float)
    a = a[np.isfinite(a)] * scale
    if not a.size:
        return f"  {name:<14} (none)"
    p50, p99 = np.percentile(a, (50, 99))
    return f"  {name:<14} n={a.size:<6d} median {p50:8.1f}  p99 {p99:8.1f}  max {a.max():9.1f}"


def load() -> str:
    """The 1/5/15-minute load averages, for the figures' context."""
    a, b, c = os.getloadavg()
    return f"load {a:.2f} {b:.2f} {c:.2f}"


class Phases:
    """Stamp ``check+audit``, ``encode`` and ``write`` of one driver (see the module docstring).

    Parameters
    ----------
    driver : SerialDevice
        Open and identified (its safety layer exists).
    """

    def __init__(self, driver: Any) -> None:
        self.samples: dict[str, list[float]] = {"check+audit": [], "encode": [], "write": []}
        self._driver = driver
        self._undo: list[tuple[Any, str, Any]] = []
        self._wrap(driver.layer, "check", "check+audit")
        self._wrap(driver.transport, "write", "write")
        self._wrap_encode()

    def _wrap(self, obj: Any, name: str, key: str) -> None:
        f = getattr(obj, name)
        out = self.samples[key]

        def timed(*a: Any, **k: Any) -> Any:
            t0 = perf_counter_ns()
            try:
                return f(*a, **k)
            finally:
                out.append((perf_counter_ns() - t0) * 1e-9)

        setattr(obj, name, timed)
        self._undo.append((obj, name, None))

    def _wrap_encode(self) -> None:
        wire = link_module.wire
        original = wire.encode
        out = self.samples["encode"]

        def timed(message: Any, seq: int) -> bytes:  # heartbeats too (~8/s beside 1 000)
            t0 = perf_counter_ns()
            try:
                return original(message, seq)
            finally:
                out.append((perf_counter_ns() - t0) * 1e-9)

        wire.encode = timed
        self._undo.append((wire, "encode", original))

    def clear(self) -> None:
        """Forget what was stamped so far (warm-up, arming)."""
        for v in self.samples.values():
            v.clear()

    def restore(self) -> None:
        """Put the wrapped methods back."""
        for obj, name, original in reversed(self._undo):
            if original is None:
                delattr(obj, name)  # the instance attribute hid the class's method
            else:
                setattr(obj, name, original)
        self._undo.clear()

    def rows(self, n: int) -> list[str]:
        """The phases' rows over the last ``n`` samples of each."""
        return [row(k, v[-n:]) for k, v in self.samples.items()]


def paced_sends(
    sink: Any, make: Callable[[int], Any], n: int, period: float
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Send ``make(k)`` for ``k < n`` through ``sink``, one per ``period`` s, as the engine does.

    Paced by a spin (the engine's caches stay as warm as at one block per period); a late
    command is sent at once and the next a period later (never a catch-up burst, which the
    guards' rate rules would refuse). Replies are taken after each send, as the engine takes
    them after each block, and at the end (after ``sink.rest()``).

    Returns
    -------
    call, to_wire : numpy.ndarray of float64, shape (n,)
        How long each ``send`` held the caller, and call → bytes written (``Sent.t_wire``), s
        (NaN where not sent).
    done : list of Sent
        Every final record with its reply.
    """
    call, to_wire = np.full(n, np.nan), np.full(n, np.nan)
    done: list[Any] = []
    t_next = now()
    for k in range(n):
        sleep_until(t_next, spin=period)  # the whole wait spun: no blocking wait at all
        t_next = max(t_next + period, now())
        cmd = make(k)
        t0 = now()
        sent = sink.send(cmd)
        call[k] = now() - t0
        if sent is not None:
            to_wire[k] = sent.t_wire - t0
            if sent.t_reply is not None:  # sync: the reply came with it
                done.append(sent)
        done.extend(sink.replies())  # async: as the engine takes them, after each block
    sink.rest()
    done.extend(sink.replies())
    return call, to_wire, done
