"""Per-source timing facts for status lines: measured rate, gaps, invalid values, data age."""

from __future__ import annotations

import numpy as np

from neurolink.clock import now
from neurolink.streams.events import empty_markers
from neurolink.streams.lsl_markers import LSLMarkerSource
from neurolink.streams.source import Source

__all__ = ["StreamMonitor"]


class StreamMonitor:
    """Reads a source and keeps the figures a status line shows.

    Parameters
    ----------
    source : Source
        An opened (or about to be opened) source.
    """

    def __init__(self, source: Source):
        self.source = source
        self.first_ts: float | None = None
        self.last_ts: float | None = None
        self.n_markers = 0
        self.new_markers = empty_markers()  # the markers the last poll read (MARKER_DTYPE)
        self.ages: list[float] = []  # data age of every block (s): now() at read − newest stamp

    def describe(self) -> str:
        """One line naming the source, its nominal rate and channels."""
        s = self.source
        ch = ", ".join(s.channels[:8]) + (" …" if len(s.channels) > 8 else "")
        if isinstance(s, LSLMarkerSource):
            return f"{s.name}: marker stream (irregular), events printed as they arrive"
        rate = f"nominal {s.rate:g} Hz" if s.rate > 0 else "irregular rate"
        units = sorted({u for u in getattr(s, "units", ()) if u})
        unit = f", {'/'.join(units)}" if units else ""
        return f"{s.name}: {rate}, {len(s.channels)} channels [{ch}]{unit}"

    def marker_lines(self) -> list[str]:
        """One line per marker of the last poll: stream, label, host time, paired sample."""
        lines = []
        for m in self.new_markers:
            where = f" (sample {int(m['sample_index'])})" if m["sample_index"] >= 0 else ""
            lines.append(
                f"[{self.source.name}] marker {str(m['label'])!r} at {float(m['timestamp']):.3f} s"
                + where
            )
        return lines

    def poll(self, timeout: float = 0.0) -> int:
        """Read whatever arrived; return the number of samples."""
        if isinstance(self.source, LSLMarkerSource):
            block = None
            self.new_markers = self.source.read_markers(timeout)
        else:
            block = self.source.read(timeout)
            self.new_markers = self.source.read_markers()
        self.n_markers += len(self.new_markers)
        if block is None or block.n_samples == 0:
            return 0
        self.ages.append(now() - float(block.timestamps[-1]))
        if self.first_ts is None:
            self.first_ts = float(block.timestamps[0])
        self.last_ts = float(block.timestamps[-1])
        return block.n_samples

    @property
    def measured_rate(self) -> float:
        """Samples per second over the span of received timestamps (Hz)."""
        n = self.source.stats.n_samples + self.source.stats.gap_samples
        if self.first_ts is None or self.last_ts is None or self.last_ts <= self.first_ts:
            return float("nan")
        return (n - 1) / (self.last_ts - self.first_ts)

    def status_line(self) -> str:
        """Compact live status: rate, channels, samples, gaps, invalid, data age."""
        st = self.source.stats
        age = self.ages[-1] * 1e3 if self.ages else float("nan")
        return (
            f"[{self.source.name}] {self.measured_rate:7.1f} Hz {len(self.source.channels)} ch "
            f"n={st.n_samples} gaps={st.n_gaps}({st.gap_samples}) invalid={st.n_invalid} "
            f"markers={self.n_markers} age={age:.1f} ms"
        )

    def summary(self) -> dict[str, float | int | str]:
        """End-of-run figures."""
        st = self.source.stats
        ages = np.asarray(self.ages) * 1e3
        return {
            "nominal_rate_hz": self.source.rate,
            "measured_rate_hz": round(self.measured_rate, 3),
            "channels": len(self.source.channels),
            "samples": st.n_samples,
            "blocks": st.n_blocks,
            "gaps": st.n_gaps,
            "gap_samples": st.gap_samples,
            "invalid_values": st.n_invalid,
            "markers": self.n_markers,
            "age_ms_median": round(float(np.median(ages)), 3) if ages.size else float("nan"),
            "age_ms_p99": round(float(np.percentile(ages, 99)), 3) if ages.size else float("nan"),
        }
