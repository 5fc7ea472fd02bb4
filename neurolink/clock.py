"""The host clock and conversion from other clocks.

One clock for the whole host (DESIGN.md §2): :func:`now` reads ``pylsl.local_clock()``'s clock,
monotonic seconds (on Linux through ``time.monotonic``, the same CLOCK_MONOTONIC, checked at
import). Devices that stamp in Unix-epoch seconds (BrainFlow) are converted with an offset that
is measured at start, re-measured periodically, and recorded so a session can be re-aligned.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pylsl

from neurolink import lsl_network

# LSL's reach (this machine unless NEUROLINK_LSL_NETWORK=lan) is set before liblsl first reads
# its configuration (the first outlet or resolver); see neurolink.lsl_network. Every module that
# uses liblsl imports this package or neurolink.clock; the device side, which imports only
# neurolink.hal.wire, does not.
lsl_network.apply()

__all__ = ["EpochClock", "OffsetMeasurement", "now"]


def _reads_liblsl_clock(read: Callable[[], float], probes: int = 5) -> bool:
    """Whether ``read`` gives liblsl's clock: a ``pylsl.local_clock()`` falls between two
    calls of it, every probe (two different clocks differ by far more than a call's time)."""
    for _ in range(probes):
        a = read()
        b = pylsl.local_clock()
        c = read()
        if not a <= b <= c:
            return False
    return True


def _lsl_now() -> float:
    """Return the host clock in seconds (``pylsl.local_clock``; monotonic, arbitrary origin)."""
    return pylsl.local_clock()


# liblsl's clock is std::chrono::steady_clock, which on Linux is CLOCK_MONOTONIC, as Python's
# time.monotonic is: read there without pylsl's wrapper and a ctypes call (0.04 µs instead of
# 0.18 warm, and several µs less with cold caches; the loop reads the clock ~15 times a block).
# Elsewhere, or if the two disagree, through pylsl.
if sys.platform.startswith("linux") and _reads_liblsl_clock(time.monotonic):
    now: Callable[[], float] = time.monotonic
else:  # pragma: no cover - other platforms
    now = _lsl_now


@dataclass(frozen=True, slots=True)
class OffsetMeasurement:
    """One measurement of ``epoch − host``.

    Attributes
    ----------
    host_time : float
        Host-clock time of the measurement (s).
    offset : float
        ``time.time() − now()`` (s): add it to a host time to get epoch time.
    uncertainty : float
        Half-width of the tightest bracket among the probes (s).
    """

    host_time: float
    offset: float
    uncertainty: float


def measure_epoch_offset(n_probes: int = 9) -> OffsetMeasurement:
    """Measure ``time.time() − now()``, keeping the probe with the tightest host-clock bracket.

    Parameters
    ----------
    n_probes : int
        Number of bracketed probes; the one with the smallest bracket wins.

    Returns
    -------
    OffsetMeasurement
    """
    best: tuple[float, float, float] | None = None
    for _ in range(max(1, n_probes)):
        t0 = now()
        epoch = time.time()
        t1 = now()
        width = t1 - t0
        if best is None or width < best[2]:
            best = ((t0 + t1) / 2.0, epoch, width)
    assert best is not None
    host_mid, epoch, width = best
    return OffsetMeasurement(host_time=host_mid, offset=epoch - host_mid, uncertainty=width / 2.0)


@dataclass
class EpochClock:
    """Converts Unix-epoch timestamps to the host clock.

    The offset is measured at construction and again whenever :meth:`maybe_remeasure` is called
    more than ``remeasure_interval`` seconds after the last measurement. Every measurement is kept
    in :attr:`history` so that a recording can store them.

    Parameters
    ----------
    remeasure_interval : float
        Seconds between re-measurements (default 5 s).
    """

    remeasure_interval: float = 5.0
    history: list[OffsetMeasurement] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.remeasure_interval > 0:
            raise ValueError(
                f"remeasure_interval must be > 0 seconds, got {self.remeasure_interval!r}"
            )
        self.history.append(measure_epoch_offset())

    @property
    def offset(self) -> float:
        """Latest ``epoch − host`` offset (s)."""
        return self.history[-1].offset

    def maybe_remeasure(self) -> bool:
        """Re-measure the offset if the last measurement is older than the interval.

        Returns
        -------
        bool
            True if a new measurement was taken.
        """
        if now() - self.history[-1].host_time >= self.remeasure_interval:
            self.history.append(measure_epoch_offset())
            return True
        return False

    def to_host(self, epoch_seconds: np.ndarray | float) -> np.ndarray:
        """Convert epoch seconds to host-clock seconds with the latest offset.

        Parameters
        ----------
        epoch_seconds : array_like, shape (n,)
            Unix-epoch timestamps (s).

        Returns
        -------
        numpy.ndarray of float64, shape (n,)
        """
        return np.asarray(epoch_seconds, dtype=np.float64) - self.offset

    def as_records(self) -> list[dict[str, float]]:
        """All measurements as plain dicts (for a JSON sidecar)."""
        return [
            {"host_time": m.host_time, "offset": m.offset, "uncertainty": m.uncertainty}
            for m in self.history
        ]
