"""``make_report``: read a recording, compute its numbers, draw its figures, write the summary."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from neurolink.errors import FileFormatError
from neurolink.loop.recording import Session, read_session, to_json
from neurolink.loop.report import chip, latency, raster, task, trajectory
from neurolink.loop.report._plot import MissingData, save_png
from neurolink.loop.report.stats import ReportStats, compute_stats
from neurolink.loop.report.streams import ReportStreams, find_streams
from neurolink.loop.report.summary import format_summary

__all__ = [
    "FIGURES",
    "SUFFIXES",
    "SUMMARY_JSON",
    "SUMMARY_TEXT",
    "ReportResult",
    "default_out_dir",
    "make_report",
]

#: File name of the text summary.
SUMMARY_TEXT = "summary.txt"
#: File name of the same numbers as JSON (the :class:`~.stats.ReportStats` fields).
SUMMARY_JSON = "summary.json"
#: Figures, in drawing order: file name and the function that draws it.
FIGURES: tuple[tuple[str, Callable[[ReportStreams, ReportStats], Figure]], ...] = (
    (latency.FILENAME, latency.latency_figure),
    (raster.FILENAME, raster.raster_figure),
    (trajectory.FILENAME, trajectory.trajectory_figure),
    (task.FILENAME, task.task_figure),
    (chip.FILENAME, chip.chip_figure),
)
#: Recording suffixes the report reads.
SUFFIXES = (".xdf", ".xdfz")


@dataclasses.dataclass(frozen=True)
class ReportResult:
    """What :func:`make_report` wrote.

    Attributes
    ----------
    out_dir : pathlib.Path
        The report folder.
    summary_path, json_path : pathlib.Path
        The text summary and its JSON twin.
    figures : dict of str to pathlib.Path
        Figures written, by file name, in drawing order.
    skipped : dict of str to str
        Figures not drawn, by file name, with the reason.
    text : str
        The text summary.
    stats : ReportStats
        The numbers.
    damage : str or None
        ``"truncated at byte N: …"`` when the recording ends inside a chunk (the report covers
        its complete chunks), else None.
    """

    out_dir: Path
    summary_path: Path
    json_path: Path
    figures: dict[str, Path]
    skipped: dict[str, str]
    text: str
    stats: ReportStats
    damage: str | None = None


def default_out_dir(session_path: Path) -> Path:
    """``session.xdf`` → ``session_report/`` beside it."""
    return session_path.with_name(session_path.stem + "_report")


def _deadline(session: Session, override: float | None) -> float | None:
    if override is not None:
        return float(override)
    side = session.sidecar or {}
    for source in (side.get("summary") or {}, side):
        value = source.get("deadline_s")
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
    return None


def _read(path: Path) -> Session:
    if not path.is_file():
        raise FileFormatError(f"{path}: no such recording")
    if path.suffix.lower() not in SUFFIXES:
        raise FileFormatError(f"{path}: not an XDF recording (expected {' or '.join(SUFFIXES)})")
    try:
        return read_session(path)
    except FileFormatError as exc:  # keep the CLI's error to one line
        raise FileFormatError(" ".join(str(exc).split())) from exc


def _json(stats: ReportStats, figures: dict[str, Path], skipped: dict[str, str]) -> str:
    content: dict[str, Any] = dataclasses.asdict(stats)
    content["figures"] = {k: str(v) for k, v in figures.items()}
    content["skipped"] = skipped
    return to_json(content)


def make_report(
    session_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    deadline_s: float | None = None,
) -> ReportResult:
    """Write a recording's report: PNG figures, ``summary.txt`` and ``summary.json``.

    Parameters
    ----------
    session_path : str or path-like
        The ``.xdf`` recording (its ``.json`` sidecar beside it is read when present).
    out_dir : str or path-like, optional
        Folder to write into (created; files of the same names are replaced). Default:
        ``<recording stem>_report`` beside the recording.
    deadline_s : float, optional
        Per-command latency deadline (s) for the miss count. Default: the sidecar's
        ``summary.deadline_s``, else its top-level ``deadline_s``, else none (misses n/a).

    Returns
    -------
    ReportResult

    Raises
    ------
    neurolink.errors.FileFormatError
        The recording is missing, not XDF, or unreadable (one-line message).
    """
    path = Path(session_path)
    session = _read(path)
    out = Path(out_dir) if out_dir is not None else default_out_dir(path)
    out.mkdir(parents=True, exist_ok=True)
    rs = find_streams(session)
    stats = compute_stats(rs, _deadline(session, deadline_s))
    figures: dict[str, Path] = {}
    skipped: dict[str, str] = {}
    for name, draw in FIGURES:
        target = out / name
        try:
            fig = draw(rs, stats)
        except MissingData as why:
            skipped[name] = str(why)
            target.unlink(missing_ok=True)  # no stale figure from an earlier report
            continue
        save_png(fig, target)
        figures[name] = target
    text = format_summary(rs, stats, figures, skipped)
    summary_path, json_path = out / SUMMARY_TEXT, out / SUMMARY_JSON
    summary_path.write_text(text, encoding="utf-8")
    json_path.write_text(_json(stats, figures, skipped) + "\n", encoding="utf-8")
    return ReportResult(out, summary_path, json_path, figures, skipped, text, stats, session.damage)
