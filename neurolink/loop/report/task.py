"""Task figure: time to target and path efficiency per trial, running success rate, targets."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from neurolink.loop.report._plot import MissingData, new_figure
from neurolink.loop.report.stats import ReportStats
from neurolink.loop.report.streams import ReportStreams, TaskEvent

__all__ = ["FILENAME", "task_figure"]

#: File name of the figure in the report folder.
FILENAME = "task.png"


def _number(e: TaskEvent, key: str) -> float:
    v = e.fields.get(key)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else np.nan


def _trial_targets(rs: ReportStreams) -> dict[int, tuple[float, float]]:
    out = {}
    for e in rs.trial_starts():
        tgt, trial = e.fields.get("target"), e.fields.get("trial")
        if isinstance(trial, int) and isinstance(tgt, list) and len(tgt) == 2:
            out[trial] = (float(tgt[0]), float(tgt[1]))
    return out


def task_figure(rs: ReportStreams, stats: ReportStats) -> Figure:
    """Per-trial outcome panels and, when trials name targets, success by target.

    Parameters
    ----------
    rs : ReportStreams
        Needs ``task`` with ``trial_end`` records.
    stats : ReportStats
        Needs ``task``.

    Raises
    ------
    MissingData
        Without trial_end records.
    """
    task = stats.task
    if task is None:
        raise MissingData(stats.missing.get("task", "no task stream"))
    ends = rs.trial_ends()
    trial = np.array(
        [
            e.fields["trial"] if isinstance(e.fields.get("trial"), int) else i
            for i, e in enumerate(ends)
        ]
    )
    win = np.array([e.fields.get("success") is True for e in ends])
    ttt = np.array([_number(e, "time_to_target") for e in ends])
    eff = np.array([_number(e, "path_efficiency") for e in ends])
    colors = np.where(win, "C2", "C3")
    targets = _trial_targets(rs)
    fig = new_figure(12, 7)
    ax = fig.subplot_mosaic(
        [["time", "targets"], ["eff", "targets"], ["rate", "targets"]], width_ratios=[2, 1]
    )
    ax["time"].bar(trial, np.nan_to_num(ttt), color=colors)
    ax["time"].plot(trial[~win], np.zeros((~win).sum()), "x", color="C3", ms=8)
    ax["time"].set(
        ylabel="time to target (s)",
        title=f"{task.n_success}/{task.n_trials} trials hit (green), missed (red)",
    )
    ax["eff"].scatter(trial, eff, c=colors, s=18)
    ax["eff"].set(ylabel="path efficiency", ylim=(0, 1.05))
    ax["rate"].plot(trial, np.cumsum(win) / np.arange(1, len(win) + 1), color="k")
    ax["rate"].set(
        xlabel="trial",
        ylabel="success rate",
        ylim=(0, 1.05),
        title=f"running success rate (final {100 * task.success_rate:.1f} %)",
    )
    for name in ("time", "eff", "rate"):
        ax[name].xaxis.set_major_locator(MaxNLocator(integer=True))
    tg = ax["targets"]
    by_target: dict[tuple[float, float], list[bool]] = {}
    for t, w in zip(trial, win, strict=True):
        if int(t) in targets:
            by_target.setdefault(targets[int(t)], []).append(bool(w))
    if by_target:
        pts = np.array(list(by_target))
        rate = np.array([np.mean(v) for v in by_target.values()])
        sc = tg.scatter(pts[:, 0], pts[:, 1], c=rate, cmap="RdYlGn", vmin=0, vmax=1, s=160)
        fig.colorbar(sc, ax=tg, label="success rate", shrink=0.6)
        tg.set(aspect="equal", title="success by target", xlabel="x", ylabel="y")
    else:
        tg.set_axis_off()
        tg.text(0.5, 0.5, "no targets in trial_start records", ha="center", va="center")
    return fig
