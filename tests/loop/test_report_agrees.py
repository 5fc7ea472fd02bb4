"""The printed end-of-run summary and the report of the run's recording state every figure they
share with the same words and the same value (a real engine run: the demo's closed loop on the
simulated subject and the emulated prosthesis, calibrated then closed: the shared
``center_out_run``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurolink.loop.core.figures import parse_figure_lines
from neurolink.loop.core.status import format_summary
from neurolink.loop.recording import read_session
from neurolink.loop.report import make_report

TASK = {"radius": 0.5, "target_radius": 0.15, "hold_s": 0.05, "timeout_s": 3.0, "slow_radius": 0.2}
PHASES = ("calibration", "closed loop", "whole run")


@pytest.fixture(scope="module")
def run(center_out_run) -> tuple[dict, str, str, Path]:
    _, summary, path = center_out_run
    return summary, format_summary(summary), make_report(path).text, path


def test_summary_and_report_agree_on_every_shared_figure(run) -> None:
    summary, printed, report, _ = run
    assert summary["stop_reason"] == "duration", summary["why"]
    deadline = summary["deadline"]["deadline_ms"]
    ours, theirs = parse_figure_lines(printed), parse_figure_lines(report)
    must = [
        f"{q} over {pop}, {phase}"
        for phase in PHASES
        for q, pop in (
            ("command latency t_wire − t_sample", "commands"),
            ("median stage latency", "commands"),
            (f"deadline misses (> {deadline:g} ms)", "commands"),
            ("block latency t_done − t_sample", "blocks"),
            ("median stage latency", "blocks"),
            (f"deadline misses (> {deadline:g} ms)", "blocks"),
        )
    ]
    must += [
        "task success over trials, calibration",
        "task success over trials, closed loop",
        "time to target over successful trials, closed loop",
        "path efficiency over successful trials, closed loop",
    ]
    missing = [k for k in must if k not in ours or k not in theirs]
    assert not missing, (missing, sorted(ours), sorted(theirs))
    differ = {k: (ours[k], theirs[k]) for k in ours.keys() & theirs.keys() if ours[k] != theirs[k]}
    assert not differ, differ
    # device faults: both say the same, and what the driver kept (none, or the counts)
    key = next(k for k in ours if k.startswith("device faults (not latching)"))
    assert theirs.get(key) == ours[key]
    # the numbers behind the lines are the run's: commands per phase add up to all sent
    lat = summary["latency"]
    n = [lat["phases"][p]["commands"]["n"] for p in ("calibration", "closed_loop")]
    assert sum(n) == lat["commands"]["n"] == summary["commands"]["sent"] and min(n) > 20, n
    assert f"n {n[1]}" in ours["command latency t_wire − t_sample over commands, closed loop"]
    task = summary["task"]
    assert (
        task["trials"] >= 1
        and f"trials {task['trials']}" in (theirs["task success over trials, closed loop"])
    )


def test_r2_is_over_closed_loop_bins_with_calibration_apart(run) -> None:
    summary, _, report, path = run
    lines = parse_figure_lines(report)
    closed = lines["R² decoded vs intent over bins, closed loop"]
    calib = lines["R² decoded vs intent over bins, calibration"]
    rec = read_session(path)
    fitted = next(
        float(t)
        for t, m in zip(rec["markers"].timestamps, rec["markers"].data, strict=True)
        if m[0].startswith("phase closed_loop")
    )
    t, first_intent = rec["decoded"].timestamps, rec["intent"].timestamps[0]
    n_closed = int((t >= fitted).sum())
    n_calib = int(((t < fitted) & (t >= first_intent)).sum())
    # each phase's bins that an intent precedes are paired, and only those
    assert closed.endswith(f"n {n_closed}") and calib.endswith(f"n {n_calib}")
    assert summary["task"]["calibration"]["bins"] >= n_calib - 1
    r2_closed = float(closed.split("mean ")[1].split(",")[0])
    r2_calib = float(calib.split("mean ")[1].split(",")[0])
    # while calibrating the output is the intent itself (less the push-to-bin offset)
    assert r2_calib > r2_closed and r2_calib > 0.85
