"""Trajectory figure: decoded against intended output over time, and as paths in the plane.

A ``decoded`` or ``intent`` stream with channels ``vx, vy`` holds velocities: its path is the
running sum of ``v · Δt`` over the bin time stamps, started at the first cursor position (or
the origin). One with ``x, y`` holds positions, drawn as they are; ``cursor`` always does.
Targets come from the ``target`` of the task's ``trial_start`` records.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neurolink.loop.core.figures import PHASE_TEXT
from neurolink.loop.recording import RecordedStream
from neurolink.loop.report._plot import MissingData, new_figure
from neurolink.loop.report.stats import ReportStats
from neurolink.loop.report.streams import CURSOR, DECODED, ReportStreams

__all__ = ["FILENAME", "MAX_DIMS", "path_of", "r2_title", "trajectory_figure"]

#: File name of the figure in the report folder.
FILENAME = "trajectory.png"
#: Time-course panels drawn at most (the first dimensions of ``decoded``).
MAX_DIMS = 4


def _columns(stream: RecordedStream, names: tuple[str, str]) -> np.ndarray | None:
    if not all(n in stream.channels for n in names):
        return None
    cols = [stream.channels.index(n) for n in names]
    return np.asarray(stream.data[:, cols], np.float64)


def path_of(stream: RecordedStream, start: np.ndarray) -> np.ndarray | None:
    """A stream's path in the plane, or None when it has neither ``vx, vy`` nor ``x, y``.

    Parameters
    ----------
    stream : RecordedStream
        Velocities (``vx, vy``, units/s) or positions (``x, y``).
    start : numpy.ndarray, shape (2,)
        Where a velocity path starts.

    Returns
    -------
    numpy.ndarray of float64, shape (n_samples, 2) or None
    """
    pos = _columns(stream, ("x", "y"))
    if pos is not None:
        return pos
    vel = _columns(stream, ("vx", "vy"))
    if vel is None:
        return None
    dt = np.diff(stream.timestamps, prepend=stream.timestamps[:1])
    return start + np.cumsum(np.nan_to_num(vel) * dt[:, None], axis=0)


def _targets(rs: ReportStreams) -> np.ndarray:
    pts = []
    for e in rs.trial_starts():
        tgt = e.fields.get("target")
        if isinstance(tgt, list) and len(tgt) == 2:
            pts.append([float(tgt[0]), float(tgt[1])])
    return np.unique(np.asarray(pts, np.float64).reshape(-1, 2), axis=0)


def _draw_paths(ax: Axes, rs: ReportStreams) -> bool:
    start = np.zeros(2)
    cursor = rs.cursor
    if cursor is not None and len(cursor):
        first = _columns(cursor, ("x", "y"))
        if first is not None and np.all(np.isfinite(first[0])):
            start = first[0]
    drawn = False
    styles = (
        (rs.intent, "intended", "C2", "-"),
        (rs.decoded, "decoded", "C0", "-"),
        (cursor, "cursor", "k", ":"),
    )
    for stream, label, color, ls in styles:
        path = path_of(stream, start) if stream is not None and len(stream) else None
        if path is not None:
            ax.plot(path[:, 0], path[:, 1], ls, color=color, lw=1, label=f"{label} ({stream.name})")
            drawn = True
    tg = _targets(rs)
    if len(tg):
        ax.plot(tg[:, 0], tg[:, 1], "o", ms=10, mfc="none", color="C3", label="targets")
        drawn = True
    if drawn:
        ax.set(xlabel="x", ylabel="y", title="paths", aspect="equal")
        ax.legend(loc="best", fontsize="small")
    return drawn


def _draw_dims(axes: list[Axes], rs: ReportStreams, main: RecordedStream) -> None:
    for ax, dim in zip(axes, main.channels[:MAX_DIMS], strict=False):
        j = main.channels.index(dim)
        ax.plot(main.timestamps - rs.t0, main.data[:, j], lw=0.8, color="C0", label=f"{main.name}")
        intent = rs.intent
        if main is rs.decoded and intent is not None and dim in intent.channels:
            k = intent.channels.index(dim)
            ax.step(
                intent.timestamps - rs.t0,
                intent.data[:, k],
                where="post",
                lw=0.8,
                color="C2",
                label=intent.name,
            )
        ax.set(ylabel=dim)
        ax.legend(loc="upper right", fontsize="small")
    axes[-1].set_xlabel("session time (s)")


def trajectory_figure(rs: ReportStreams, stats: ReportStats) -> Figure:
    """Paths in the plane (when 2-D) and each decoded dimension against the intended one.

    Parameters
    ----------
    rs : ReportStreams
        Needs ``decoded`` or ``cursor`` with samples; uses ``intent`` and task targets if any.
    stats : ReportStats
        R² per dimension (over the closed-loop bins, or the whole run when the recording has
        no phases) goes into the panel titles when known, with its phase.

    Raises
    ------
    MissingData
        Without a decoded or cursor stream with samples.
    """
    main = next((s for s in (rs.decoded, rs.cursor) if s is not None and len(s)), None)
    if main is None:
        raise MissingData(f"no {DECODED!r} or {CURSOR!r} stream with samples")
    n_dims = min(len(main.channels), MAX_DIMS)
    fig = new_figure(12, 2.0 + 1.6 * n_dims)
    left, right = fig.subfigures(1, 2, width_ratios=[1, 1.4])
    if not _draw_paths(left.subplots(), rs):
        left.clear()
        left.text(
            0.5, 0.5, "no 2-D path (channels are neither vx, vy nor x, y)", ha="center", va="center"
        )
    axes = list(right.subplots(n_dims, 1, sharex=True, squeeze=False)[:, 0])
    _draw_dims(axes, rs, main)
    if stats.decoder is not None and main is rs.decoded:
        phase = PHASE_TEXT[stats.decoder.phase]
        for ax, dim in zip(axes, main.channels, strict=False):
            if dim in stats.decoder.r2:
                ax.set_title(r2_title(dim, stats.decoder.r2[dim], phase), fontsize="medium")
    return fig


def r2_title(dim: str, r2: float | None, phase: str) -> str:
    """``vx: R² = 0.881 over closed loop bins`` (``n/a`` for a constant intent)."""
    value = "n/a (constant intent)" if r2 is None else f"{r2:.3f}"
    return f"{dim}: R² = {value} over {phase} bins"
