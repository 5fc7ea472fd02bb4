"""Why a run ended, and the faults that end one (DESIGN.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Fault", "FaultKind", "StopReason"]


class StopReason(StrEnum):
    """Why a loop that drives a graph stopped: the engine, calibration or a stage process.

    The value is what summaries write (``stop_reason``); a stage process's summary writes
    ``"error"`` for :attr:`EXCEPTION` (its file format, see
    :func:`neurolink.loop.stages.process.reason_label`).
    """

    DURATION = "duration"  # ran for the requested duration
    STOP = "stop"  # stopped on request (a hook, a test)
    SIGNAL = "signal"  # SIGINT / SIGTERM / Ctrl-C
    FAULT = "fault"  # a fault put the devices in their safe state
    EXCEPTION = "exception"  # an error anywhere in the loop
    ENDED = "input ended"  # the input ended: a file played out, the producer sent END


class FaultKind(StrEnum):
    """What went wrong."""

    STALL = "stall"  # the source delivered nothing for its stall timeout
    INVALID_DATA = "invalid_data"  # NaN/Inf values in a block
    GAP = "gap"  # samples lost beyond the tolerance
    DEADLINE = "deadline"  # too many consecutive deadline misses
    DEVICE_LOST = "device_lost"  # a device stopped answering
    ESTOP = "estop"  # the e-stop was tripped elsewhere (device fault, heartbeat, operator)
    EXCEPTION = "exception"  # an error in a node, a sink or a hook


@dataclass(frozen=True)
class Fault:
    """One fault.

    Attributes
    ----------
    kind : FaultKind
    message : str
        What happened, with the numbers.
    time : float
        Host clock when the engine saw it (s).
    sample_index : int
        Newest sample index processed (or the block's first, for data faults).
    """

    kind: FaultKind
    message: str
    time: float
    sample_index: int

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for the summary."""
        return {
            "kind": self.kind.value,
            "message": self.message,
            "time": self.time,
            "sample_index": self.sample_index,
        }
