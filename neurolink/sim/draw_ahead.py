"""A producer thread that makes items ahead, in order, into a bounded queue: :class:`DrawAhead`.

The simulated subject uses it to make its intent-independent work (random draws, background
noise) on another core while the loop's thread only finishes each chunk. Nothing is lost or
reordered: :meth:`DrawAhead.stop` hands back every item made and not yet taken, so a caller
can go on synchronously exactly where the thread left off. An error in the thread is re-raised
by the next :meth:`DrawAhead.get`, never swallowed.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["DrawAhead", "DrawAheadError"]

T = TypeVar("T")


class DrawAheadError(RuntimeError):
    """The producer thread failed; the cause is chained."""


class DrawAhead(Generic[T]):
    """Calls ``make()`` again and again in a daemon thread, keeping up to ``depth`` results.

    ``make`` is called only from the thread while it runs, so the state it advances (a random
    generator, a filter state) must not be touched elsewhere until :meth:`stop` returned.

    Parameters
    ----------
    make : callable returning T
        Makes the next item (a numba kernel with ``nogil=True`` or a numpy call that releases
        the GIL lets the thread run beside the caller's).
    depth : int
        Most items kept ready (≥ 1); the thread waits while the queue is full.
    name : str
        Thread name.
    nice : int
        Added to the thread's nice value as it starts (Linux: a thread has its own; 0 leaves
        it). Work made ahead can wait: a positive value lets the threads that cannot (a loop's,
        liblsl's) have the CPU first when both want it.
    """

    def __init__(
        self, make: Callable[[], T], depth: int, name: str = "draw-ahead", nice: int = 0
    ) -> None:
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self.nice = int(nice)
        self._make = make
        self._queue: queue.Queue[T] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._left: list[T] = []  # an item made after stop was asked, handed back by stop()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self.nice > 0 and hasattr(os, "setpriority"):
            with contextlib.suppress(OSError):  # best effort: the values do not depend on it
                tid = threading.get_native_id()
                now = os.getpriority(os.PRIO_PROCESS, tid)
                os.setpriority(os.PRIO_PROCESS, tid, now + self.nice)
        try:
            while not self._stop.is_set():
                item = self._make()
                while True:
                    try:
                        self._queue.put(item, timeout=0.05)
                        break
                    except queue.Full:
                        if self._stop.is_set():
                            self._left.append(item)
                            return
        except BaseException as exc:  # re-raised by get(), never swallowed
            self._error = exc

    def get(self, poll_s: float = 0.05) -> T:
        """The next item, in the order made; waits for it if the thread is behind.

        Raises
        ------
        DrawAheadError
            The thread failed (its exception chained) or was stopped.
        """
        while True:
            try:
                return self._queue.get(timeout=poll_s)
            except queue.Empty:
                if not self._thread.is_alive():
                    if not self._queue.empty():  # made just before it ended
                        continue
                    raise DrawAheadError(
                        f"{self._thread.name}: the producer thread "
                        + ("failed" if self._error is not None else "was stopped")
                    ) from self._error

    def stop(self, timeout: float = 10.0) -> list[T]:
        """Stop the thread and return the items made but not taken, in order.

        Raises
        ------
        DrawAheadError
            The thread failed (its exception chained) or did not end within ``timeout`` s.
        """
        self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise DrawAheadError(f"{self._thread.name}: did not stop within {timeout} s")
        if self._error is not None:
            raise DrawAheadError(f"{self._thread.name}: the producer thread failed") from (
                self._error
            )
        left: list[T] = []
        while not self._queue.empty():
            left.append(self._queue.get_nowait())
        return left + self._left
