"""A preallocated ring of pending audit entries, drained off the real-time path (issue 15).

The producer (the engine thread checking a command, a driver's reply handler) stores one entry
in a slot of a list allocated once and returns: O(1), no I/O, no JSON. A drain takes every
pending entry, in the order they were put, and hands the batch to the sink (the audit log,
which turns them into records and writes JSON lines). Drains happen:

- on the background writer thread every ``interval_s`` (and sooner when the ring is half full),
  when the ring was made with ``background=True`` (file-backed audit logs);
- inline, on the producer's thread, when the ring is full (nothing is ever dropped) or when an
  in-memory ring (``background=False``) is a quarter full;
- on :meth:`AuditRing.flush` and :meth:`AuditRing.close`, and at interpreter exit;
- on SIGTERM: the first background ring made on the main thread installs a SIGTERM handler that
  drains every open ring, then lets the signal do what it did before (the previous Python
  handler is called; the default handler ends the process by SIGTERM, as it would have). A
  handler installed later (the engine's, during a run) takes precedence while it is installed
  and ends the run in order, which closes the log.

SIGKILL cannot be caught: it loses the entries put since the last drain, i.e. at most the last
``interval_s`` (default :data:`FLUSH_INTERVAL_S`) of records; everything drained before is in
the operating system's hands (written and flushed, not fsync'ed).

A sink that raises stops the writer: the error is kept, and every later :meth:`AuditRing.put`
raises :class:`AuditError` from it (an audit that cannot be written stops the session loudly).
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["FLUSH_INTERVAL_S", "AuditError", "AuditRing"]

_log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.1
"""Default seconds between background drains (the most a SIGKILL can lose)."""

Sink = Callable[[list[Any], int], None]
"""``sink(entries, first_number)``: a drained batch, oldest first, and the put-number of its
first entry."""


class AuditError(RuntimeError):
    """The audit log could not be written (its writer failed)."""


class AuditRing:
    """Fixed-capacity ring of entries with a drain to ``sink``.

    Parameters
    ----------
    sink : callable
        Receives each drained batch (see :data:`Sink`); runs under the drain lock, so batches
        arrive in order.
    capacity : int
        Slots, allocated once.
    background : bool
        Start a writer thread that drains every ``interval_s``.
    interval_s : float
        Seconds between background drains.
    name : str
        For the thread and messages.
    """

    def __init__(
        self,
        sink: Sink,
        *,
        capacity: int = 16384,
        background: bool = False,
        interval_s: float = FLUSH_INTERVAL_S,
        name: str = "audit",
    ) -> None:
        if capacity < 2:
            raise ValueError(f"audit ring capacity must be >= 2, got {capacity}")
        if not interval_s > 0:
            raise ValueError(f"audit flush interval must be > 0 s, got {interval_s!r}")
        self._sink = sink
        self._slots: list[Any] = [None] * capacity
        self._cap = capacity
        self._head = 0  # entries put so far
        self._tail = 0  # entries drained so far
        self._lock = threading.Lock()  # head, slots
        self._drain_lock = threading.Lock()  # one drain at a time, in order
        self._wake = threading.Event()
        self._closed = False
        self._error: BaseException | None = None
        self._interval = float(interval_s)
        self._soon = capacity // 2 if background else capacity // 4
        self._name = name
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._run, name=f"audit-writer {name}")
            self._thread.daemon = True
            self._thread.start()
            _register(self)

    @property
    def interval_s(self) -> float:
        """Seconds between background drains."""
        return self._interval

    @property
    def count(self) -> int:
        """Entries put so far."""
        return self._head

    @property
    def pending(self) -> int:
        """Entries put but not yet drained."""
        return self._head - self._tail

    def put(self, entry: Any) -> int:
        """Store one entry; its put-number (0, 1, …).

        Raises
        ------
        AuditError
            The writer failed earlier.
        ValueError
            The ring is closed.
        """
        while True:
            if self._error is not None:
                raise AuditError(f"{self._name}: audit writer failed: {self._error!r}")
            with self._lock:
                if self._closed:
                    raise ValueError(f"audit log {self._name} is closed")
                n = self._head
                if n - self._tail < self._cap:
                    self._slots[n % self._cap] = entry
                    self._head = n + 1
                    soon = n + 1 - self._tail >= self._soon
                    break
            self.flush()  # full: drain on this thread rather than drop anything
        if soon:
            if self._thread is None:
                self.flush()
            else:
                self._wake.set()
        return n

    def flush(self) -> None:
        """Drain every pending entry to the sink now (on this thread)."""
        with self._drain_lock:
            with self._lock:
                a, b = self._tail, self._head
                if a == b:
                    return
                cap, slots = self._cap, self._slots
                batch = []
                for k in range(a, b):
                    batch.append(slots[k % cap])
                    slots[k % cap] = None
                self._tail = b
            self._sink(batch, a)

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self._interval)
            self._wake.clear()
            try:
                self.flush()
            except BaseException as e:  # kept: every later put raises from it
                _log.error("%s: audit writer failed: %r", self._name, e, exc_info=e)
                self._error = e
                return

    def close(self) -> None:
        """Drain what is pending, stop the writer (idempotent); later puts raise."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10.0)
        self.flush()
        _OPEN.discard(self)


# --- every open background ring: drained on SIGTERM and at exit ------------------------------
_OPEN: weakref.WeakSet[AuditRing] = weakref.WeakSet()
_installed = False
_previous: Any = signal.SIG_DFL


def flush_all() -> None:
    """Drain every open background ring (errors are logged: this runs while dying)."""
    for ring in list(_OPEN):
        try:
            ring.flush()
        except Exception as e:  # the process is ending; say so, and go on with the others
            _log.error("audit ring %s could not be flushed: %r", ring._name, e)


def _on_sigterm(signum: int, frame: Any) -> None:
    flush_all()
    prev = _previous
    if callable(prev):
        prev(signum, frame)
    elif prev == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)


def _register(ring: AuditRing) -> None:
    global _installed, _previous
    _OPEN.add(ring)
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    current = signal.getsignal(signal.SIGTERM)
    if current == signal.SIG_IGN:
        _installed = True  # the process ignores SIGTERM: nothing to flush for
        return
    _previous = current
    signal.signal(signal.SIGTERM, _on_sigterm)
    atexit.register(flush_all)
    _installed = True
