"""Offline sweeps (DESIGN §7): replay recordings over a grid of parameters, on Dask.

:func:`plan_sweep` turns recordings and grid axes (:mod:`neurolink.loop.sweep.grid`) into one
:class:`SweepPoint` per (recording, combination), each with its config already validated and
checked against its recording (:mod:`neurolink.loop.sweep.check`: the samples, channels, model
files and recorded intent the point needs), so that a bad path or value, or a recording that
lacks something, fails before any work starts. :func:`run_sweep` evaluates every point
— by default :func:`replay_metrics`, a :func:`~neurolink.loop.replay.run.replay` of the recording
with the point's config — serially, or as one Dask task per point on a ``distributed`` client
(:func:`dask_client`: a ``LocalCluster`` by default, a scheduler address for a real cluster).
Results come back in the order of the points, whatever order the workers finish in; a table
(:func:`format_table`) and CSV/JSON files (:func:`write_results`) show them.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neurolink.errors import ConfigError
from neurolink.loop.session.config import Config, config_from_dict, config_to_dict, load_config
from neurolink.loop.sweep.check import check_point, read_recording
from neurolink.loop.sweep.grid import Axis, apply_point, expand, parse_axis

__all__ = [
    "Evaluate",
    "SweepPoint",
    "dask_client",
    "format_table",
    "plan_sweep",
    "replay_metrics",
    "run_sweep",
    "write_results",
]

#: ``evaluate(recording, config) -> {metric: value}``: what a sweep measures at one point.
Evaluate = Callable[[Path, Config], dict[str, Any]]

#: Metric columns that measure the computer, not the data (they differ from run to run).
TIMING = ("wall_s", "speed")


@dataclass(frozen=True)
class SweepPoint:
    """One run of a sweep.

    Attributes
    ----------
    recording : pathlib.Path
        Absolute (a worker may run in another directory).
    params : dict
        Path → value of this combination.
    config : dict
        The validated config as plain data (``config_to_dict``), to ship to a worker.
    """

    recording: Path
    params: dict[str, Any]
    config: dict[str, Any]


def plan_sweep(
    recordings: Sequence[str | Path],
    grid: Sequence[str | Axis],
    *,
    config: Config | str | Path | None = None,
    scored: bool = True,
) -> list[SweepPoint]:
    """Every (recording, combination), recordings outermost, the last axis varying fastest.

    Each recording is read once, here, and each point checked against it
    (:func:`~neurolink.loop.sweep.check.check_point`) before anything is submitted.

    Parameters
    ----------
    recordings : sequence of path
        ``.xdf`` session recordings.
    grid : sequence of str or Axis
        ``"PATH=V1,V2,..."`` axes; none: each recording once with its config.
    config : Config or path, optional
        The base config of every recording (default: each recording's own).
    scored : bool
        Points whose graph decodes are scored against the recorded intent (R², as
        :func:`replay_metrics` does), so the recording must hold it (False: another
        ``evaluate`` that does not need it).

    Raises
    ------
    ConfigError
        A malformed axis, a path the config does not have (with the valid ones), a value it
        refuses, a path given twice.
    FileFormatError
        A recording that is missing, not a file, or unreadable.
    ReplayError
        A recording that lacks what a point needs (raw samples, block boundaries, a config,
        channels or a model file of its graph, the recorded intent): the message names the
        recording, the point and what is missing.
    """
    axes = [a if isinstance(a, Axis) else parse_axis(a) for a in grid]
    seen = [a.path for a in axes]
    if len(set(seen)) != len(seen):
        raise ConfigError(f"--grid: a path is given twice ({', '.join(seen)})")
    base = load_config(config) if isinstance(config, str | Path) else config
    points = []
    for given in recordings:
        run = read_recording(given, base)  # its path absolute: workers run elsewhere
        cfg = base if base is not None else run.config
        for params in expand(axes):
            point_cfg = apply_point(cfg, params, origin=f"sweep of {run.path.name}")
            check_point(run, point_cfg, params, scored=scored)
            points.append(SweepPoint(run.path, params, config_to_dict(point_cfg)))
        del run  # one recording in memory at a time
    return points


def replay_metrics(recording: Path, config: Config) -> dict[str, Any]:
    """Replay ``recording`` with ``config``; R² of the decoded output against the recorded
    intent over the closed-loop bins (per dimension and mean; None where the intent is
    constant), agreement of the commands with it, counts, speed.

    Latency is not among them: a replay runs as fast as it can, on the recorded time stamps.
    """
    from neurolink.loop.replay.run import replay

    result = replay(recording, config)
    s = result.summary
    r2 = (s.get("decoder_r2") or {}).get("replay") or {}
    out: dict[str, Any] = {"r2": r2.get("mean")}
    out.update({f"r2_{k}": v for k, v in r2.items() if k != "mean"})
    out.update(
        {
            "agreement": (s.get("intent_agreement") or {}).get("replay"),
            "commands": len(result.commands),
            "spikes": int(result.spikes.shape[0]),
            "decoded": int(result.decoded.values.shape[0]),
            "as_recorded": result.identical if result.same_config else None,
            "wall_s": s.get("wall_s"),
            "speed": s.get("speed"),
        }
    )
    return out


def _evaluate_point(
    evaluate: Evaluate, recording: str, config: dict[str, Any], params: dict[str, Any]
) -> dict[str, Any]:
    """One point, where it runs (a worker): the result row."""
    cfg = config_from_dict(config, filename=f"sweep point {params}")
    return {"recording": Path(recording).name, **params, **evaluate(Path(recording), cfg)}


def run_sweep(
    points: Sequence[SweepPoint], *, evaluate: Evaluate = replay_metrics, client: Any = None
) -> list[dict[str, Any]]:
    """Evaluate every point; the result rows in the order of ``points``.

    Parameters
    ----------
    points : sequence of SweepPoint
    evaluate : callable
        ``evaluate(recording, config) -> dict`` (importable by the workers: a module-level
        function).
    client : distributed.Client, optional
        Run each point as a task on this client (default: one after the other, here).

    Raises
    ------
    Exception
        The first point's error, re-raised (with the point in a note).
    """
    if client is None:
        return [_run_here(evaluate, p) for p in points]
    futures = [
        client.submit(_evaluate_point, evaluate, str(p.recording), p.config, p.params, pure=False)
        for p in points
    ]
    rows = []
    for p, fut in zip(points, futures, strict=True):
        try:
            rows.append(fut.result())
        except Exception as exc:
            exc.add_note(f"sweep point: {p.recording.name} {p.params}")
            client.cancel(futures)
            raise
    return rows


def _run_here(evaluate: Evaluate, p: SweepPoint) -> dict[str, Any]:
    try:
        return _evaluate_point(evaluate, str(p.recording), p.config, p.params)
    except Exception as exc:
        exc.add_note(f"sweep point: {p.recording.name} {p.params}")
        raise


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None, *, workers: int = 2, processes: bool = True
) -> Iterator[Any]:
    """A ``distributed.Client``: on the scheduler at ``scheduler`` (``tcp://host:8786``), or on
    a new ``LocalCluster`` of ``workers`` single-threaded workers (processes, or threads of
    this process with ``processes=False``), closed on exit."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ConfigError("neurolink sweep runs on Dask: pip install 'neurolink[dask]'") from exc
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            # a failing point is reported once, by run_sweep's caller: no worker tracebacks
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for row in rows:
        cols += [k for k in row if k not in cols]
    return cols


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as an aligned text table (one column per key, in order of appearance)."""
    if not rows:
        return "(no results)"
    cols = _columns(rows)
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    width = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, width, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in width))
    lines += ["  ".join(x.ljust(w) for x, w in zip(r, width, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def write_results(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Write the rows as ``.csv`` or ``.json`` (by the suffix).

    Raises
    ------
    ConfigError
        Another suffix.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(list(rows), indent=2, default=str) + "\n")
    elif path.suffix.lower() == ".csv":
        cols = _columns(rows)
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=cols)
            w.writeheader()
            for row in rows:
                w.writerow(
                    {c: json.dumps(v) if isinstance(v, list | dict) else v for c, v in row.items()}
                )
    else:
        raise ConfigError(f"--out {path}: write .csv or .json")
    return path
