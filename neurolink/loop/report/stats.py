"""The numbers of a session report, computed from the streams :func:`.find_streams` picked.

Each ``*_stats`` function takes streams and returns a frozen dataclass; :func:`compute_stats`
runs them all and notes, per section, why a section is missing. The decoder's and the task's
figures are in :mod:`.outcome`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurolink.loop.core.figures import CALIBRATION, CLOSED_LOOP, WHOLE_RUN
from neurolink.loop.core.latency import describe_table, summarize
from neurolink.loop.recording import RecordedStream, Session
from neurolink.loop.report.messages import MessageStats, message_stats
from neurolink.loop.report.outcome import (
    CALIBRATION_TRIAL_END,
    DecoderStats,
    TaskStats,
    decoder_stats,
    task_stats,
)
from neurolink.loop.report.phases import (
    PhaseSpan,
    loop_events,
    phase_mask,
    phase_spans,
    phases_of,
)
from neurolink.loop.report.streams import INTENT, TASK, ReportStreams

__all__ = [
    "DecoderStats",
    "LatencyStats",
    "ReportStats",
    "SpikeStats",
    "StreamStats",
    "TaskStats",
    "compute_stats",
    "decoder_stats",
    "latency_stats",
    "spike_stats",
    "stream_stats",
    "task_stats",
]


@dataclass(frozen=True)
class StreamStats:
    """Sample count and rates of one stream.

    Attributes
    ----------
    name, kind : str
        Stream name and kind.
    n_samples : int
        Samples recorded.
    nominal_rate : float
        Declared rate (Hz), 0 for irregular.
    measured_rate : float or None
        ``(n − 1) / (last − first)`` (Hz); None with fewer than two samples or no time span.
    first, last : float or None
        First and last time stamp (s, host clock).
    """

    name: str
    kind: str
    n_samples: int
    nominal_rate: float
    measured_rate: float | None
    first: float | None
    last: float | None


@dataclass(frozen=True)
class LatencyStats:
    """Per-command latency ``t_wire − t_sample`` (s) of a ``latencies`` stream.

    Attributes
    ----------
    n : int
        Finite ``total`` values (commands).
    n_invalid : int
        Non-finite ``total`` values (ignored).
    median, p99, max : float
        Of ``total`` (s); p99 is ``numpy.percentile(total, 99)`` (linear interpolation).
    deadline : float or None
        Deadline (s) a command missed when ``total > deadline``; None when not known.
    misses : int or None
        Commands over the deadline; None without a deadline.
    stage_medians : dict of str to float
        Median (s, NaN ignored) of each stage column, in column order.
    tables : dict of str to dict
        By phase (``calibration``, ``closed_loop``, ``whole_run``): the figures of the commands
        recorded in it as the engine's summary states them
        (:func:`~neurolink.loop.core.latency.describe_table`: ms, ``stages``,
        ``over_deadline``).
    """

    n: int
    n_invalid: int
    median: float
    p99: float
    max: float
    deadline: float | None
    misses: int | None
    stage_medians: dict[str, float]
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class SpikeStats:
    """Spike counts per channel (or per neuron) of an ``events`` or ``snn_spikes`` stream.

    Attributes
    ----------
    stream : str
        Stream name.
    column : str
        Column counted (``channel`` or ``neuron``).
    n_spikes : int
        Total spikes.
    n_active : int
        Channels with at least one spike.
    duration : float
        Seconds the rates are over (the session's time span).
    top : list of (int, int)
        ``(channel, count)`` of the busiest channels, most spikes first, ties by channel.
    """

    stream: str
    column: str
    n_spikes: int
    n_active: int
    duration: float
    top: list[tuple[int, int]]


@dataclass(frozen=True)
class ReportStats:
    """Every number of a report; a section is None when its streams are missing.

    Attributes
    ----------
    streams : list of StreamStats
        One per stream, in file order.
    duration : float
        Session time span over all streams (s).
    latency, spikes, snn_spikes, decoder, task, messages
        The sections (``decoder``: over the closed-loop bins, or the whole run when the
        recording has no phases).
    missing : dict of str to str
        Why each missing section is missing, by section name.
    phases : list of str
        The run's phases, in order (``whole_run`` alone when not recorded).
    decoder_calibration : DecoderStats or None
        R² over the calibration bins (where the decoded output was the intent itself).
    device_faults : dict
        Device FAULT reports (``device_fault`` loop events) ``{phase: {sink: {code: n}}}``.
    """

    streams: list[StreamStats]
    duration: float
    latency: LatencyStats | None
    spikes: SpikeStats | None
    snn_spikes: SpikeStats | None
    decoder: DecoderStats | None
    task: TaskStats | None
    messages: MessageStats | None
    missing: dict[str, str] = field(default_factory=dict)
    phases: list[str] = field(default_factory=lambda: [WHOLE_RUN])
    decoder_calibration: DecoderStats | None = None
    device_faults: dict[str, Any] = field(default_factory=dict)


def stream_stats(session: Session) -> list[StreamStats]:
    """Sample count, nominal and measured rate of every stream, in file order."""
    out = []
    for s in session:
        n = len(s)
        first = float(s.timestamps[0]) if n else None
        last = float(s.timestamps[-1]) if n else None
        span = (last - first) if first is not None and last is not None else 0.0
        measured = (n - 1) / span if n >= 2 and span > 0 else None
        out.append(StreamStats(s.name, s.kind.value, n, s.rate, measured, first, last))
    return out


def latency_stats(
    stream: RecordedStream, deadline: float | None, spans: list[PhaseSpan] | None = None
) -> LatencyStats:
    """Latency figures of a ``latencies`` stream (column ``total`` then stages, seconds).

    Parameters
    ----------
    stream : RecordedStream
        With at least one finite ``total``.
    deadline : float or None
        Per-command deadline (s).
    spans : list of PhaseSpan, optional
        The run's phases (default: one, the whole run); ``tables`` has each phase and the
        whole run.
    """
    data = np.asarray(stream.data, dtype=np.float64)
    col = stream.channels.index("total") if "total" in stream.channels else 0
    lat = summarize(data[:, col], deadline)
    stages = {}
    for j, name in enumerate(stream.channels):
        if j != col:
            stages[name] = summarize(data[:, j]).median
    return LatencyStats(
        n=lat.n,
        n_invalid=lat.n_invalid,
        median=lat.median,
        p99=lat.p99,
        max=lat.max,
        deadline=deadline,
        misses=lat.misses,
        stage_medians=stages,
        tables=_phase_tables(stream, deadline, spans or phase_spans([])),
    )


def _phase_tables(
    stream: RecordedStream, deadline: float | None, spans: list[PhaseSpan]
) -> dict[str, dict[str, Any]]:
    data = np.asarray(stream.data, dtype=np.float64)
    cols = tuple(stream.channels)
    if "total" not in cols:
        cols = ("total", *cols[1:])
    out = {}
    for phase in (*phases_of(spans), WHOLE_RUN):
        rows = data[phase_mask(stream.timestamps, spans, phase)]
        out[phase] = describe_table(rows, cols, deadline)
    return out


def spike_stats(stream: RecordedStream, column: str, duration: float, top: int = 10) -> SpikeStats:
    """Spike counts per value of ``column`` (``channel`` of events, ``neuron`` of SNN spikes).

    Parameters
    ----------
    stream : RecordedStream
        An ``events`` or ``snn_spikes`` stream.
    column : str
        Channel label holding the channel or neuron index.
    duration : float
        Seconds to state rates over.
    top : int
        How many of the busiest channels to list.
    """
    idx = np.asarray(stream.data[:, stream.channels.index(column)], dtype=np.float64)
    chans = idx[np.isfinite(idx) & (idx >= 0)].astype(np.int64)
    counts = np.bincount(chans) if len(chans) else np.zeros(0, np.int64)
    active = np.flatnonzero(counts)
    order = active[np.lexsort((active, -counts[active]))][:top]
    return SpikeStats(
        stream=stream.name,
        column=column,
        n_spikes=len(idx),
        n_active=len(active),
        duration=duration,
        top=[(int(c), int(counts[c])) for c in order],
    )


def _latency_section(
    rs: ReportStreams, deadline: float | None, spans: list[PhaseSpan]
) -> LatencyStats | str:
    s = rs.latencies
    if s is None:
        return "no latencies stream"
    col = s.channels.index("total") if "total" in s.channels else 0
    if not np.isfinite(np.asarray(s.data[:, col], np.float64)).any():
        return f"stream {s.name!r} has no finite latency"
    return latency_stats(s, deadline, spans)


def _task_section(rs: ReportStreams) -> TaskStats | str:
    if rs.task is None:
        return f"no {TASK!r} stream"
    ends = rs.trial_ends()
    cal = [e for e in rs.task_events if e.event == CALIBRATION_TRIAL_END]
    if not ends and not cal:
        return f"stream {rs.task.name!r} has no trial_end record"
    return task_stats(ends, cal)


def device_fault_counts(
    events: list[tuple[float, dict[str, Any]]], spans: list[PhaseSpan]
) -> dict[str, Any]:
    """``device_fault`` loop events as ``{phase: {sink: {code: count}}}``."""
    out: dict[str, Any] = {}
    for t, e in events:
        if e["event"] != "device_fault":
            continue
        phase = next((s.phase for s in spans if s.start <= t < s.stop), WHOLE_RUN)
        codes = out.setdefault(phase, {}).setdefault(str(e.get("sink")), {})
        code = str(e.get("fault"))
        codes[code] = codes.get(code, 0) + 1
    return out


def compute_stats(rs: ReportStreams, deadline: float | None) -> ReportStats:
    """All sections of the report.

    Parameters
    ----------
    rs : ReportStreams
        The session's streams.
    deadline : float or None
        Per-command latency deadline (s), None when not known.
    """
    table = stream_stats(rs.session)
    events = loop_events(rs.session)
    spans = phase_spans(events)
    phases = phases_of(spans)
    lasts = [s.last for s in table if s.last is not None]
    duration = max(lasts) - rs.t0 if lasts else 0.0
    missing: dict[str, str] = {}

    def keep(section: str, value: Any) -> Any:
        if isinstance(value, str):
            missing[section] = value
            return None
        return value

    spikes: SpikeStats | str = "no events stream"
    if rs.events is not None:
        spikes = spike_stats(rs.events, "channel", duration)
    snn: SpikeStats | str = "no snn_spikes stream"
    if rs.snn_spikes is not None:
        snn = spike_stats(rs.snn_spikes, "neuron", duration)
    decoder: DecoderStats | str
    calibration: DecoderStats | str | None = None
    if rs.decoded is None or rs.intent is None:
        absent = [n for n, s in (("decoded", rs.decoded), (INTENT, rs.intent)) if s is None]
        decoder = "no " + " and no ".join(f"{n!r}" for n in absent) + " stream"
    else:
        main = CLOSED_LOOP if CLOSED_LOOP in phases else phases[0]
        decoder = decoder_stats(rs.decoded, rs.intent, spans, main)
        if CALIBRATION in phases and main != CALIBRATION:
            calibration = decoder_stats(rs.decoded, rs.intent, spans, CALIBRATION)
    messages: MessageStats | str = "no commands or acks stream"
    if rs.commands is not None or rs.acks is not None:
        messages = message_stats(rs.commands, rs.acks)
    return ReportStats(
        streams=table,
        duration=duration,
        latency=keep("latency", _latency_section(rs, deadline, spans)),
        spikes=keep("spikes", spikes),
        snn_spikes=keep("snn_spikes", snn),
        decoder=keep("decoder", decoder),
        task=keep("task", _task_section(rs)),
        messages=keep("messages", messages),
        missing=missing,
        phases=phases,
        decoder_calibration=calibration if isinstance(calibration, DecoderStats) else None,
        device_faults=device_fault_counts(events, spans),
    )
