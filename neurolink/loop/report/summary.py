"""The text summary of a session report.

Plain text, one ``key: value`` per line under a heading per section, so a reader (and a test)
finds a figure with a search; latencies in milliseconds with three decimals, rates in Hz.
A section whose streams are missing says so instead of its figures.

The figures the run's own summary prints too (latency, deadline misses, stage medians, task,
device faults) are figure lines of :mod:`neurolink.loop.core.figures` — population, statistic
and phase in the words of the live summary, with the same values: per command from the
recorded ``latencies``, per block from the engine's summary in the sidecar (the recording does
not hold per-block latencies).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from neurolink.loop.core.figures import (
    CALIBRATION,
    CLOSED_LOOP,
    PHASES,
    WHOLE_RUN,
    device_fault_lines,
    figure_line,
    latency_lines,
    r2_values,
    task_lines,
)
from neurolink.loop.report.messages import MessageStats
from neurolink.loop.report.phases import LOOP
from neurolink.loop.report.stats import (
    DecoderStats,
    LatencyStats,
    ReportStats,
    SpikeStats,
    TaskStats,
)
from neurolink.loop.report.streams import ReportStreams

__all__ = ["format_summary"]


def _opt(value: float | None, fmt: str, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:{fmt}}{unit}"


def _heading(title: str) -> list[str]:
    return ["", title, "-" * len(title)]


def _session_lines(rs: ReportStreams, stats: ReportStats) -> list[str]:
    session = rs.session
    lines = ["neurolink session report", "========================", f"recording: {session.path}"]
    lines.append(
        f"truncated: {'yes (a partial last chunk was ignored)' if session.truncated else 'no'}"
    )
    lines.append(f"data span: {stats.duration:.3f} s")
    side = session.sidecar
    if side is None:
        lines.append("sidecar: none")
        return lines
    start, stop = side.get("start") or {}, side.get("stop") or {}
    versions = side.get("versions") or {}
    lines += [
        f"session id: {side.get('session_id', 'n/a')}",
        f"status: {side.get('status', 'n/a')}",
        f"started: {start.get('iso', 'n/a')}",
        f"stopped: {stop.get('iso', 'n/a')}",
    ]
    if "host_time" in start and "host_time" in stop:
        lines.append(f"recorded for: {stop['host_time'] - start['host_time']:.3f} s")
    lines.append(
        "versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if k != "platform" and v)
    )
    if "seeds" in side:
        lines.append(f"seeds: {json.dumps(side['seeds'], sort_keys=True)}")
    if isinstance(side.get("config"), Mapping):
        lines.append(f"config sections: {', '.join(map(str, side['config'])) or 'none'}")
    offsets = side.get("clock_offsets") or {}
    if offsets:
        lines.append("clock offsets: " + ", ".join(f"{k} ×{len(v)}" for k, v in offsets.items()))
    return lines


def _engine_lines(sidecar: Mapping[str, Any] | None) -> list[str]:
    summary = (sidecar or {}).get("summary") or {}
    scalars = {k: v for k, v in summary.items() if isinstance(v, str | int | float | bool)}
    if not scalars:
        return []
    return [*_heading("Engine summary (sidecar)"), *(f"{k}: {v}" for k, v in scalars.items())]


def _stream_lines(stats: ReportStats) -> list[str]:
    lines = _heading("Streams")
    if not stats.streams:
        return [*lines, "none"]
    for s in stats.streams:
        nominal = f"{s.nominal_rate:g} Hz" if s.nominal_rate else "irregular"
        lines.append(
            f"{s.name} ({s.kind}): {s.n_samples} samples, nominal {nominal}, "
            f"measured {_opt(s.measured_rate, '.3f', ' Hz')}"
        )
    return lines


def _shown_phases(phases: list[str]) -> list[str]:
    """Each phase, then the whole run when there are several (as the live summary prints)."""
    shown = [p for p in phases if p in PHASES] or [WHOLE_RUN]
    return [*shown, WHOLE_RUN] if len(shown) > 1 else shown


def _latency_lines(lat: LatencyStats, phases: list[str]) -> list[str]:
    deadline_ms = None if lat.deadline is None else lat.deadline * 1e3
    lines = []
    for phase in _shown_phases(phases):
        lines += latency_lines({"commands": lat.tables[phase]}, phase, deadline_ms, ("commands",))
    if lat.n_invalid:
        lines.append(f"non-finite values ignored: {lat.n_invalid}")
    if lat.deadline is None:
        lines.append("deadline misses: n/a (no deadline known)")
    return lines


def _block_lines(sidecar: Mapping[str, Any] | None) -> list[str]:
    """The engine's per-block figures, from the summary it left in the sidecar."""
    summary = (sidecar or {}).get("summary") or {}
    lat = summary.get("latency") or {}
    if "blocks" not in lat:
        return ["missing: no engine summary with block latencies in the sidecar"]
    deadline_ms = (summary.get("deadline") or {}).get("deadline_ms")
    phases = [p for p in PHASES if p in (lat.get("phases") or {})]
    lines = []
    for phase in _shown_phases(phases):
        tables = lat if phase == WHOLE_RUN else lat["phases"][phase]
        lines += latency_lines(tables, phase, deadline_ms, ("blocks",))
    return lines


def _spike_lines(sp: SpikeStats) -> list[str]:
    rate = sp.n_spikes / sp.duration if sp.duration > 0 else float("nan")
    what = "channels" if sp.column == "channel" else "neurons"
    lines = [
        f"stream: {sp.stream}",
        f"spikes: {sp.n_spikes} ({rate:.3f} /s)",
        f"active {what}: {sp.n_active}",
    ]
    for c, n in sp.top:
        per_s = n / sp.duration if sp.duration > 0 else float("nan")
        lines.append(f"{sp.column} {c}: {n} spikes ({per_s:.3f} /s)")
    return lines


#: The quantity of the decoder's R² lines.
R2_QUANTITY = "R² decoded vs intent"


def _decoder_lines(dec: DecoderStats, calibration: DecoderStats | None) -> list[str]:
    lines = [
        figure_line(
            R2_QUANTITY, "bins", dec.phase, r2_values(dec.dims, dec.r2.values(), dec.n_pairs)
        )
    ]
    if calibration is not None:
        values = r2_values(calibration.dims, calibration.r2.values(), calibration.n_pairs)
        lines.append(figure_line(R2_QUANTITY, "bins", CALIBRATION, values))
        lines.append(
            "(calibration: the decoded output was the intent itself, not the decoder's; "
            "the closed-loop R² measures the decoder)"
        )
    return lines


def _task_lines(task: TaskStats, n_unparsed: int) -> list[str]:
    lines = []
    if task.calibration_trials:
        lines += task_lines(CALIBRATION, task.calibration_trials, task.calibration_successes)
    lines += task_lines(
        CLOSED_LOOP,
        task.n_trials,
        task.n_success,
        task.times_to_target,
        task.path_efficiencies,
    )
    if n_unparsed:
        lines.append(f"non-JSON task samples ignored: {n_unparsed}")
    return lines


def _message_lines(msg: MessageStats) -> list[str]:
    lines = [f"commands: {sum(msg.commands.values())}"]
    lines += [f"command {k}: {v}" for k, v in msg.commands.items()]
    lines += [f"ACK: {msg.n_ack}", f"NACK: {msg.n_nack}", f"unacknowledged: {msg.n_other}"]
    lines += [f"status {k}: {v}" for k, v in msg.acks.items()]
    return lines


def format_summary(
    rs: ReportStreams,
    stats: ReportStats,
    figures: Mapping[str, Path],
    skipped: Mapping[str, str],
) -> str:
    """The report's text.

    Parameters
    ----------
    rs : ReportStreams
        The session's streams.
    stats : ReportStats
        Its numbers.
    figures : mapping of str to pathlib.Path
        Figures written, by file name.
    skipped : mapping of str to str
        Figures not drawn, by file name, with the reason.

    Returns
    -------
    str
        Lines ending with a newline.
    """
    lines = _session_lines(rs, stats) + _engine_lines(rs.session.sidecar)
    lines += _stream_lines(stats)
    sections: list[tuple[str, str, Any, Any]] = [
        (
            "Latency per command (t_wire − t_sample, recorded)",
            "latency",
            stats.latency,
            lambda lat: _latency_lines(lat, stats.phases),
        ),
        ("Spikes (detected)", "spikes", stats.spikes, _spike_lines),
        ("SNN spikes", "snn_spikes", stats.snn_spikes, _spike_lines),
        (
            "Decoder vs intent",
            "decoder",
            stats.decoder,
            lambda d: _decoder_lines(d, stats.decoder_calibration),
        ),
        ("Task", "task", stats.task, lambda t: _task_lines(t, rs.n_unparsed_task)),
        ("Commands and acknowledgements", "messages", stats.messages, _message_lines),
    ]
    for title, key, value, fmt in sections:
        lines += _heading(title)
        lines += fmt(value) if value is not None else [f"missing: {stats.missing[key]}"]
        if key == "latency":
            lines += _heading("Latency per block (t_done − t_sample, the engine's summary)")
            lines += _block_lines(rs.session.sidecar)
    lines += _heading("Device faults")
    if LOOP in rs.session:
        lines += device_fault_lines(stats.device_faults)
    else:
        lines.append(f"missing: no {LOOP!r} stream (device faults are recorded there)")
    lines += _heading("Figures")
    lines += [f"{name}: written" for name in figures]
    lines += [f"{name}: skipped ({why})" for name, why in skipped.items()]
    return "\n".join(lines) + "\n"
