"""Real-time hygiene for the engine thread (``[loop.realtime]``), as BRAND does it.

Each measure is optional and applied only while the loop runs; what could not be applied says
why (usually a missing privilege), and the summary lists what was:

- ``gc``: ``"freeze"`` (default, always on: objects alive at start are never scanned again) or
  ``"off"`` (the cyclic collector disabled while the loop runs; reference counting still frees
  memory; one collection after the loop);
- ``cpu``: pin the engine's thread to one CPU (``os.sched_setaffinity``);
- ``fifo_priority``: ``SCHED_FIFO`` at this priority (1–99; needs ``CAP_SYS_NICE`` or root);
- ``lock_memory``: ``mlockall(MCL_CURRENT | MCL_FUTURE)`` so that no page of the process is
  swapped out (needs ``CAP_IPC_LOCK`` or a large enough ``RLIMIT_MEMLOCK``).
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import os
from typing import Any, Literal

from neurolink.config import setting
from neurolink.libc import libc

__all__ = ["Realtime", "RealtimeConfig"]

_MCL_CURRENT, _MCL_FUTURE = 1, 2


@dataclasses.dataclass(frozen=True)
class RealtimeConfig:
    """``[loop.realtime]``: real-time measures for the engine thread (all off by default but
    the GC freeze).

    Attributes
    ----------
    gc : {"freeze", "off"}
        Freeze the objects alive at start, or also disable the cyclic collector in the loop.
    cpu : int or None
        CPU to pin the engine's thread to.
    fifo_priority : int or None
        ``SCHED_FIFO`` priority (1–99) of the engine's thread.
    lock_memory : bool
        Lock the process's memory in RAM.
    """

    gc: Literal["freeze", "off"] = "freeze"
    cpu: int | None = setting(None, ge=0)
    fifo_priority: int | None = setting(None, ge=1, le=99)
    lock_memory: bool = False


class Realtime:
    """Apply a :class:`RealtimeConfig` around the loop: :meth:`enter`, then :meth:`exit`.

    Parameters
    ----------
    config : RealtimeConfig
    """

    def __init__(self, config: RealtimeConfig | None = None) -> None:
        self.config = config or RealtimeConfig()
        #: Measure → what was done (``"applied …"``) or why not (``"not applied: …"``).
        self.applied: dict[str, str] = {}
        self._affinity: set[int] | None = None
        self._sched: tuple[int, int] | None = None
        self._gc_was_enabled = True
        self._locked = False

    def enter(self) -> dict[str, str]:
        """Apply every measure asked for; what was done, by measure."""
        c = self.config
        # no gc.collect() here: a full collection of a large process holds the GIL for up to
        # a second, and the devices are armed by now (their heartbeat thread would starve and
        # the device's watchdog trip); a session collects before it arms (Session._run)
        gc.freeze()
        self.applied["gc"] = "freeze"
        if c.gc == "off":
            self._gc_was_enabled = gc.isenabled()
            gc.disable()
            self.applied["gc"] = "freeze, collector off in the loop"
        if c.cpu is not None:
            self._pin(c.cpu)
        if c.fifo_priority is not None:
            self._fifo(c.fifo_priority)
        if c.lock_memory:
            self._lock()
        return dict(self.applied)

    def exit(self) -> None:
        """Undo what :meth:`enter` did (scheduling, affinity, collector); memory stays locked
        until the process ends only if unlocking fails."""
        if self._sched is not None:
            try:
                os.sched_setscheduler(0, self._sched[0], os.sched_param(self._sched[1]))
            except OSError:
                pass
        if self._affinity is not None:
            os.sched_setaffinity(0, self._affinity)
        if self._locked:
            libc().munlockall()
        if self.config.gc == "off" and self._gc_was_enabled:
            gc.enable()
        gc.unfreeze()

    def _pin(self, cpu: int) -> None:
        allowed = os.sched_getaffinity(0)
        if cpu not in allowed:
            self.applied["cpu"] = f"not applied: CPU {cpu} is not one of {sorted(allowed)}"
            return
        self._affinity = set(allowed)
        os.sched_setaffinity(0, {cpu})
        self.applied["cpu"] = f"applied: engine thread on CPU {cpu}"

    def _fifo(self, priority: int) -> None:
        old = (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority)
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
        except PermissionError:
            self.applied["fifo_priority"] = (
                "not applied: SCHED_FIFO needs CAP_SYS_NICE (run as root, or "
                "`setcap cap_sys_nice+ep` on the Python binary, or raise RLIMIT_RTPRIO)"
            )
            return
        self._sched = old
        self.applied["fifo_priority"] = f"applied: SCHED_FIFO priority {priority}"

    def _lock(self) -> None:
        if libc().mlockall(_MCL_CURRENT | _MCL_FUTURE) != 0:
            err = ctypes.get_errno()
            self.applied["lock_memory"] = (
                f"not applied: mlockall failed ({os.strerror(err)}); needs CAP_IPC_LOCK or a "
                "larger RLIMIT_MEMLOCK (ulimit -l)"
            )
            return
        self._locked = True
        self.applied["lock_memory"] = "applied: all pages locked in RAM"

    def summary(self) -> dict[str, Any]:
        """What the summary says: the settings asked for and what was applied."""
        return {"asked": dataclasses.asdict(self.config), "applied": dict(self.applied)}
