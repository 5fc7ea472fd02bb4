"""Latency figure: histogram of per-command latency, its time course, and stage medians."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from neurolink.loop.report._plot import MissingData, new_figure
from neurolink.loop.report.stats import ReportStats
from neurolink.loop.report.streams import ReportStreams

__all__ = ["FILENAME", "latency_figure"]

#: File name of the figure in the report folder.
FILENAME = "latency.png"


def latency_figure(rs: ReportStreams, stats: ReportStats) -> Figure:
    """Histogram (ms), latency against session time, and the median of each stage.

    Parameters
    ----------
    rs : ReportStreams
        Needs ``latencies``.
    stats : ReportStats
        Needs ``latency``.

    Raises
    ------
    MissingData
        Without a latencies stream with finite values.
    """
    lat = stats.latency
    if lat is None or rs.latencies is None:
        raise MissingData(stats.missing.get("latency", "no latencies stream"))
    stream = rs.latencies
    col = stream.channels.index("total") if "total" in stream.channels else 0
    total = np.asarray(stream.data[:, col], np.float64)
    ok = np.isfinite(total)
    ms = total[ok] * 1e3
    t = stream.timestamps[ok] - rs.t0
    mosaic = [["hist", "stages"], ["time", "time"]] if lat.stage_medians else [["hist"], ["time"]]
    fig = new_figure(10, 7)
    ax = fig.subplot_mosaic(mosaic)
    h = ax["hist"]
    h.hist(ms, bins=int(np.clip(np.sqrt(len(ms)), 10, 100)), color="0.45")
    marks = [(lat.median, "median", "C0", "-"), (lat.p99, "p99", "C1", "--")]
    if lat.deadline is not None:
        marks.append((lat.deadline, "deadline", "C3", ":"))
    for value, label, color, style in marks:
        h.axvline(value * 1e3, color=color, ls=style, label=f"{label} {value * 1e3:.3f} ms")
    h.set(
        xlabel="latency t_wire − t_sample (ms)",
        ylabel="commands",
        title=f"latency of {lat.n} commands, whole run",
    )
    h.legend(loc="upper right", fontsize="small")
    tc = ax["time"]
    tc.plot(t, ms, ".", ms=2, color="0.3")
    if lat.deadline is not None:
        tc.axhline(lat.deadline * 1e3, color="C3", ls=":", label="deadline")
        tc.legend(loc="upper right", fontsize="small")
    tc.set(xlabel="session time (s)", ylabel="latency (ms)", title="latency over the session")
    if lat.stage_medians:
        names = list(lat.stage_medians)
        vals = [lat.stage_medians[k] * 1e3 for k in names]
        st = ax["stages"]
        st.barh(names, np.nan_to_num(vals), color="C0")
        st.invert_yaxis()
        st.set(xlabel="median (ms)", title="per stage")
    return fig
