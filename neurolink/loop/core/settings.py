"""The engine's settings (from ``[loop]`` of a config, or given directly)."""

from __future__ import annotations

from dataclasses import dataclass

from neurolink.loop.core.realtime import RealtimeConfig

__all__ = ["EngineSettings"]


@dataclass(frozen=True)
class EngineSettings:
    """How the engine runs.

    Attributes
    ----------
    deadline_s : float
        Longest time from a block's newest sample to the end of its processing (s).
    max_consecutive_misses : int
        Deadline misses in a row that trip the e-stop (stimulation stops).
    max_gap_samples : int
        Largest gap (lost samples) tolerated; a larger one trips the e-stop.
    max_invalid : int
        NaN/Inf values tolerated in one block (0: none).
    poll_s : float
        Longest wait for a block (s); bounds how fast a stop request is seen.
    max_chunk : int
        Most samples the nodes process at once (their buffers' size).
    status_interval_s : float
        Seconds between status lines.
    capacity_blocks, capacity_commands : int
        Rows preallocated for the latency tables.
    realtime : RealtimeConfig or None
        Real-time measures for the engine thread (default: only the GC freeze).
    """

    deadline_s: float = 0.005
    max_consecutive_misses: int = 250
    max_gap_samples: int = 0
    max_invalid: int = 0
    poll_s: float = 0.05
    max_chunk: int = 2048
    status_interval_s: float = 0.5
    capacity_blocks: int = 1 << 16
    capacity_commands: int = 1 << 13
    realtime: RealtimeConfig | None = None

    def __post_init__(self) -> None:
        if not (self.deadline_s > 0 and self.poll_s > 0 and self.status_interval_s > 0):
            raise ValueError("deadline_s, poll_s and status_interval_s must be > 0")
        if self.max_consecutive_misses < 1 or self.max_chunk < 1:
            raise ValueError("max_consecutive_misses and max_chunk must be >= 1")
        if self.max_gap_samples < 0 or self.max_invalid < 0:
            raise ValueError("max_gap_samples and max_invalid must be >= 0")

    @classmethod
    def for_duration(cls, duration_s: float | None, **kw: object) -> EngineSettings:
        """Settings whose latency tables hold ``duration_s`` of 1 ms blocks without growing."""
        if duration_s is None:
            return cls(**kw)  # type: ignore[arg-type]
        blocks = int(duration_s * 1000 * 1.25) + 1024
        return cls(capacity_blocks=blocks, capacity_commands=max(1024, blocks // 10), **kw)  # type: ignore[arg-type]
