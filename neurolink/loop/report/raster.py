"""Spike raster: detected spikes by channel, their population rate, and the network's spikes."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from neurolink.loop.recording import RecordedStream
from neurolink.loop.report._plot import MissingData, new_figure
from neurolink.loop.report.stats import ReportStats
from neurolink.loop.report.streams import ReportStreams

__all__ = ["FILENAME", "MAX_SPIKES", "raster_figure"]

#: File name of the figure in the report folder.
FILENAME = "raster.png"
#: At most this many spikes per raster (so ticks stay apart); a longer session shows its first
#: spikes only, and the population-rate panel below (the whole session) shades that window.
MAX_SPIKES = 20_000


def _window(stream: RecordedStream, column: str, t0: float) -> tuple[np.ndarray, np.ndarray, str]:
    """Spike times (s from ``t0``) and indices, capped at :data:`MAX_SPIKES`, and a note."""
    t = stream.timestamps - t0
    idx = np.asarray(stream.data[:, stream.channels.index(column)], np.float64)
    if len(t) <= MAX_SPIKES:
        return t, idx, ""
    end = t[MAX_SPIKES - 1]
    keep = t <= end
    return t[keep], idx[keep], f" (first {end - t[0]:.2f} s of {t[-1] - t[0]:.2f} s)"


def _raster(
    ax: Axes, stream: RecordedStream, column: str, t0: float, title: str
) -> tuple[float, float]:
    """Draw a raster; return the time window shown (s from ``t0``)."""
    t, idx, note = _window(stream, column, t0)
    ax.plot(t, idx, "|", ms=3, color="k", mew=0.6)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(ylabel=column, title=f"{title} — {stream.name}, {len(stream)} spikes{note}")
    if len(idx):
        ax.set_ylim(np.nanmin(idx) - 0.5, np.nanmax(idx) + 0.5)
    ax.set_xlabel("session time (s)")
    return (float(t[0]), float(t[-1])) if len(t) else (0.0, 0.0)


def _population_rate(
    ax: Axes, stream: RecordedStream, t0: float, shown: tuple[float, float]
) -> None:
    t = stream.timestamps - t0
    span = float(t[-1] - t[0]) if len(t) > 1 else 0.0
    width = span / 100 if span > 0 else 1.0
    edges = t[0] + width * np.arange(101) if len(t) else np.arange(2.0)
    counts, _ = np.histogram(t, bins=edges)
    ax.stairs(counts / width, edges, fill=True, color="0.5")
    if len(t) and (shown[0] > t[0] or shown[1] < t[-1]):
        ax.axvspan(*shown, color="C0", alpha=0.2, label="raster above")
        ax.legend(loc="upper right", fontsize="small")
    ax.set(
        xlabel="session time (s)",
        ylabel="spikes/s",
        title=f"population rate, whole session ({width * 1e3:.1f} ms bins)",
    )


def raster_figure(rs: ReportStreams, stats: ReportStats) -> Figure:
    """Raster of ``events`` with its population rate, and of ``snn_spikes``, those present.

    Parameters
    ----------
    rs : ReportStreams
        Needs ``events`` or ``snn_spikes`` with at least one spike.
    stats : ReportStats
        Unused (uniform signature of the report's figures).

    Raises
    ------
    MissingData
        Without any spike.
    """
    present = [s for s in (rs.events, rs.snn_spikes) if s is not None and len(s)]
    if not present:
        have = [s.name for s in (rs.events, rs.snn_spikes) if s is not None]
        raise MissingData(
            f"streams {have} hold no spike" if have else "no events or snn_spikes stream"
        )
    panels = []
    if rs.events is not None and len(rs.events):
        panels += ["events", "rate"]
    if rs.snn_spikes is not None and len(rs.snn_spikes):
        panels.append("snn")
    heights = {"events": 3.0, "rate": 1.0, "snn": 2.0}
    fig = new_figure(10, 2.0 + 1.2 * sum(heights[p] for p in panels))
    axes = fig.subplots(len(panels), 1, squeeze=False, height_ratios=[heights[p] for p in panels])[
        :, 0
    ]
    shown = (0.0, 0.0)
    for ax, panel in zip(axes, panels, strict=True):
        if panel == "events" and rs.events is not None:
            shown = _raster(ax, rs.events, "channel", rs.t0, "detected spikes")
        elif panel == "rate" and rs.events is not None:
            _population_rate(ax, rs.events, rs.t0, shown)
        elif rs.snn_spikes is not None:
            if panels[0] == "events":
                ax.sharex(axes[0])  # the same window as the detected spikes
            _raster(ax, rs.snn_spikes, "neuron", rs.t0, "network output spikes")
    return fig
