"""Trip the e-stop on a storm of faults (e.g. missed loop deadlines) in a sliding window."""

from __future__ import annotations

from collections import deque

from neurolink.hal.safety.estop import EStop

__all__ = ["StormTrip"]


class StormTrip:
    """Trips an e-stop when more than ``max_events`` events fall within ``window_s``.

    Parameters
    ----------
    estop : EStop
        The e-stop to trip (source ``"storm"``).
    max_events : int
        Events tolerated in any window; one more trips.
    window_s : float
        Length of the sliding window (s); events at ``t`` count while ``now − t < window_s``.
    what : str
        Name of the event in the trip reason (``"deadline miss"``).
    """

    def __init__(
        self, estop: EStop, *, max_events: int, window_s: float, what: str = "deadline miss"
    ) -> None:
        if max_events < 0:
            raise ValueError(f"StormTrip.max_events must be >= 0, got {max_events!r}")
        if not window_s > 0:
            raise ValueError(f"StormTrip.window_s must be > 0 s, got {window_s!r}")
        self._estop = estop
        self.max_events = int(max_events)
        self.window_s = float(window_s)
        self.what = what
        self._times: deque[float] = deque()

    def record(self, now: float, detail: str = "") -> bool:
        """Count one event at host time ``now`` (s); trip and return True past the limit.

        Raises
        ------
        StopCallbackError
            Propagated from :meth:`EStop.trip`.
        """
        self._times.append(now)
        while self._times and now - self._times[0] >= self.window_s:
            self._times.popleft()
        if len(self._times) <= self.max_events:
            return False
        note = f" (latest: {detail})" if detail else ""
        self._estop.trip(
            f"{len(self._times)} {self.what} events within {self.window_s:g} s exceed "
            f"{self.max_events}{note}",
            source="storm",
        )
        return True
