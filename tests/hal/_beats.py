"""A heartbeat wait that a test can hold, for watchdog tests over real ptys."""

from __future__ import annotations

import threading

from neurolink.clock import now


class HeldBeats:
    """Heartbeat wait for ``HeartbeatSender``; setting ``hold`` stops beats from going out.

    ``released`` holds the host time of every beat let through (just before it is sent).
    """

    def __init__(self) -> None:
        self.hold = threading.Event()
        self.released: list[float] = []

    def __call__(self, stop: threading.Event, period_s: float) -> None:
        stop.wait(period_s)
        while self.hold.is_set() and not stop.is_set():
            stop.wait(0.005)
        self.released.append(now())
