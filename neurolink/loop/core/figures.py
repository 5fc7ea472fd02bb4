"""One vocabulary for the figures a run prints (DESIGN.md §2 "Figures").

Every figure says its **population** (blocks, commands, bins, trials, reports), its
**statistic** (median, mean, p99, max, count, R²) and its **phase** (calibration, closed loop,
or the whole run, both together). The status line, the end-of-run summary, the report of a
recording and the replay print them through this module, so that one figure reads the same
everywhere and a reader (or a test) can line up the summary against the report.

A figure line is ``QUANTITY over POPULATION, PHASE: STAT VALUE, STAT VALUE, ...``::

    command latency t_wire − t_sample over commands, closed loop: median 0.754 ms, p99 2.835 ms
    deadline misses (> 5 ms) over blocks, calibration: count 4 of 7001 (0.06 %)
    time to target over successful trials, closed loop: median 1.240 s, mean 1.310 s, n 5

Phases, as the summary JSON names them: :data:`CALIBRATION` (the decoder learns; the decoded
output is the intent itself), :data:`CLOSED_LOOP` (the decoder drives the devices),
:data:`WHOLE_RUN` (both). A run with no calibration is closed loop from its first block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from neurolink.loop.core.latency import STAGES

__all__ = [
    "CALIBRATION",
    "CLOSED_LOOP",
    "LATENCY_QUANTITY",
    "PHASES",
    "PHASE_TEXT",
    "WHOLE_RUN",
    "count_values",
    "device_fault_lines",
    "figure_line",
    "latency_lines",
    "latency_values",
    "ms",
    "parse_figure_lines",
    "r2_per_dim",
    "r2_values",
    "task_lines",
]

CALIBRATION = "calibration"
CLOSED_LOOP = "closed_loop"
WHOLE_RUN = "whole_run"
#: Phases a run goes through, in order.
PHASES = (CALIBRATION, CLOSED_LOOP)
#: How a phase is written in text.
PHASE_TEXT = {CALIBRATION: "calibration", CLOSED_LOOP: "closed loop", WHOLE_RUN: "whole run"}

#: What the latency of each table measures, as printed.
LATENCY_QUANTITY = {
    "commands": "command latency t_wire − t_sample",
    "blocks": "block latency t_done − t_sample",
}

#: Device FAULT reports that stop one motion or drop a frame, not the session.
DEVICE_FAULTS = "device faults (not latching)"

_LINE = re.compile(
    r"^(?P<key>(?P<quantity>.+) over (?P<population>[^,]+), "
    r"(?P<phase>calibration|closed loop|whole run)): (?P<values>.*)$"
)


def ms(seconds: float | None) -> str:
    """Seconds as ``1.234 ms`` (``n/a`` for None or NaN)."""
    if seconds is None or not np.isfinite(seconds):
        return "n/a"
    return f"{seconds * 1e3:.3f} ms"


def figure_line(
    quantity: str, population: str, phase: str, values: Iterable[tuple[str, str]]
) -> str:
    """One figure line.

    Parameters
    ----------
    quantity : str
        What is measured (``command latency t_wire − t_sample``).
    population : str
        Over what (``commands``, ``blocks``, ``bins``, ``successful trials``).
    phase : str
        :data:`CALIBRATION`, :data:`CLOSED_LOOP` or :data:`WHOLE_RUN`.
    values : iterable of (str, str)
        Statistic and its formatted value (``("median", "0.754 ms")``).

    Returns
    -------
    str
        ``QUANTITY over POPULATION, PHASE: STAT VALUE, ...``.
    """
    text = ", ".join(f"{stat} {value}" for stat, value in values)
    return f"{quantity} over {population}, {PHASE_TEXT[phase]}: {text or 'none'}"


def parse_figure_lines(text: str) -> dict[str, str]:
    """Every figure line of a text, by its ``QUANTITY over POPULATION, PHASE`` key.

    Returns
    -------
    dict of str to str
        Key to the values part (``median 0.754 ms, p99 2.835 ms``).
    """
    out = {}
    for line in text.splitlines():
        m = _LINE.match(line.strip())
        if m:
            out[m["key"]] = m["values"]
    return out


def latency_values(d: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Median, p99, max (ms, from a ``describe`` dict with ``*_ms`` keys) and the count."""
    if not d.get("n"):
        return [("n", "0")]
    return [
        ("median", f"{d['median_ms']:.3f} ms"),
        ("p99", f"{d['p99_ms']:.3f} ms"),
        ("max", f"{d['max_ms']:.3f} ms"),
        ("n", str(d["n"])),
    ]


def count_values(count: int | None, of: int) -> list[tuple[str, str]]:
    """``count N of M (P %)`` (``n/a`` for None)."""
    if count is None:
        return [("count", "n/a (no deadline known)")]
    share = 100.0 * count / of if of else 0.0
    return [("count", f"{count} of {of} ({share:.2f} %)")]


def r2_per_dim(want: np.ndarray, got: np.ndarray) -> list[float | None]:
    """Coefficient of determination ``1 − SS_res / SS_tot`` per column; None for a column
    whose reference is constant (its spread at or below rounding noise: R² means nothing
    there, and ``1 − x / 1e-33`` would print as −1e31).

    Parameters
    ----------
    want : numpy.ndarray of float64, shape (n, n_dims)
        Reference (the intent).
    got : numpy.ndarray of float64, shape (n, n_dims)
        Prediction (the decoded output).
    """
    want = np.asarray(want, np.float64).reshape(len(want), -1)
    got = np.asarray(got, np.float64).reshape(len(got), -1)
    if want.shape[0] < 2:
        return [None] * want.shape[1]
    ss_tot = ((want - want.mean(axis=0)) ** 2).sum(axis=0)
    ss_res = ((want - got) ** 2).sum(axis=0)
    scale = np.maximum(1.0, np.abs(want).max(axis=0)) ** 2
    floor = 1e-12 * scale * want.shape[0]
    return [
        None if t <= f else float(1.0 - r / t)
        for t, r, f in zip(ss_tot, ss_res, floor, strict=True)
    ]


def r2_values(dims: Iterable[str], r2: Iterable[float | None], n: int) -> list[tuple[str, str]]:
    """``vx 0.8812, vy 0.6012, mean 0.7412, n 850`` (``n/a`` for a constant intent)."""
    pairs = list(zip(dims, r2, strict=True))
    out = [(d, "n/a (constant intent)" if v is None else f"{v:.4f}") for d, v in pairs]
    finite = [v for _, v in pairs if v is not None]
    out.append(("mean", f"{np.mean(finite):.4f}" if finite else "n/a"))
    out.append(("n", str(n)))
    return out


def latency_lines(
    tables: dict[str, Any], phase: str, deadline_ms: float | None, which: tuple[str, ...]
) -> list[str]:
    """Figure lines of one phase's latency tables (``commands``/``blocks`` dicts of
    :meth:`~neurolink.loop.core.latency.LatencyBook.summary`): latency, stage medians,
    deadline misses."""
    lines = []
    for name in which:
        d = tables.get(name)
        if d is None:
            continue
        lines.append(figure_line(LATENCY_QUANTITY[name], name, phase, latency_values(d)))
        names = list(d["stages"])
        if set(names) <= set(STAGES):  # engine order (a JSON file sorts its keys)
            names.sort(key=STAGES.index)
        stages = [
            (k, f"{d['stages'][k]['median_ms']:.3f} ms") for k in names if d["stages"][k]["n"]
        ]
        if stages:
            lines.append(figure_line("median stage latency", name, phase, stages))
        if deadline_ms is not None:
            lines.append(
                figure_line(
                    f"deadline misses (> {deadline_ms:g} ms)",
                    name,
                    phase,
                    count_values(d.get("over_deadline"), d["n"]),
                )
            )
    return lines


def _opt(value: float | None, fmt: str, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:{fmt}}{unit}"


def task_lines(
    phase: str,
    trials: int,
    successes: int,
    times: list[float] | None = None,
    efficiencies: list[float] | None = None,
) -> list[str]:
    """Figure lines of a task phase: success over trials, then time to target and path
    efficiency over the successful trials (median and mean; values as recorded, 6 decimals)."""
    rate = f"{100.0 * successes / trials:.1f} %" if trials else "n/a"
    lines = [
        figure_line(
            "task success",
            "trials",
            phase,
            [("rate", rate), ("successes", str(successes)), ("trials", str(trials))],
        )
    ]
    for quantity, values, fmt in (
        ("time to target", times, (".3f", " s")),
        ("path efficiency", efficiencies, (".3f", "")),
    ):
        if values is None:
            continue
        v = np.asarray(values, np.float64)
        stats = [
            ("median", _opt(float(np.median(v)) if v.size else None, *fmt)),
            ("mean", _opt(float(np.mean(v)) if v.size else None, *fmt)),
            ("n", str(v.size)),
        ]
        lines.append(figure_line(quantity, "successful trials", phase, stats))
    return lines


def device_fault_lines(by_phase: dict[str, Any]) -> list[str]:
    """``device faults (not latching) over FAULT reports, PHASE: SINK CODE count, ...`` from
    ``{phase: {sink: {code: count}}}``; one ``... whole run: none`` line when there are none."""
    lines = []
    for phase in (*PHASES, WHOLE_RUN):
        sinks = by_phase.get(phase)
        if sinks:
            values = [
                (f"{sink} {code}", str(n))
                for sink, codes in sinks.items()
                for code, n in codes.items()
            ]
            lines.append(figure_line(DEVICE_FAULTS, "FAULT reports", phase, values))
    return lines or [figure_line(DEVICE_FAULTS, "FAULT reports", WHOLE_RUN, [])]
