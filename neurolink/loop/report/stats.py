"""The numbers of a session report, computed from the streams :func:`.find_streams` picked.

Each ``*_stats`` function takes streams and returns a frozen dataclass; :func:`compute_stats`
runs them all and notes, per section, why a section is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurolink.loop.core.latency import summarize
from neurolink.loop.recording import RecordedStream, Session
from neurolink.loop.report.messages import MessageStats, message_stats
from neurolink.loop.report.streams import INTENT, TASK, ReportStreams, TaskEvent

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
    """

    n: int
    n_invalid: int
    median: float
    p99: float
    max: float
    deadline: float | None
    misses: int | None
    stage_medians: dict[str, float]


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
class DecoderStats:
    """Coefficient of determination of the decoder output against the intended output.

    Attributes
    ----------
    dims : tuple of str
        Channels present in both streams, in decoded order.
    r2 : dict of str to float
        ``1 − Σ(intent − decoded)² / Σ(intent − mean(intent))²`` per dimension (NaN when the
        intent is constant).
    n_pairs : int
        Decoded bins paired with an intent sample (the latest at or before each bin).
    """

    dims: tuple[str, ...]
    r2: dict[str, float]
    n_pairs: int

    @property
    def mean_r2(self) -> float:
        """Mean R² over dimensions."""
        return float(np.mean(list(self.r2.values())))


@dataclass(frozen=True)
class TaskStats:
    """Task performance from the ``trial_end`` records.

    Attributes
    ----------
    n_trials, n_success : int
        Trials ended, and those with ``success`` true.
    success_rate : float
        ``n_success / n_trials``.
    mean_time_to_target : float or None
        Mean ``time_to_target`` (s) over successful trials that give one.
    mean_path_efficiency : float or None
        Mean ``path_efficiency`` over successful trials that give one.
    """

    n_trials: int
    n_success: int
    success_rate: float
    mean_time_to_target: float | None
    mean_path_efficiency: float | None


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
        The sections.
    missing : dict of str to str
        Why each missing section is missing, by section name.
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


def latency_stats(stream: RecordedStream, deadline: float | None) -> LatencyStats:
    """Latency figures of a ``latencies`` stream (column ``total`` then stages, seconds).

    Parameters
    ----------
    stream : RecordedStream
        With at least one finite ``total``.
    deadline : float or None
        Per-command deadline (s).
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
    )


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


def paired_intent(
    decoded: RecordedStream, intent: RecordedStream
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Decoded bins and the intent in force at each (latest intent sample at or before it).

    Returns
    -------
    dims : tuple of str
        Channels common to both streams, in decoded order.
    dec, want : numpy.ndarray of float64, shape (n_pairs, n_dims)
        Paired rows, non-finite rows dropped.
    """
    dims = tuple(c for c in decoded.channels if c in intent.channels)
    dec = np.asarray(decoded.data, np.float64)[:, [decoded.channels.index(c) for c in dims]]
    want_all = np.asarray(intent.data, np.float64)[:, [intent.channels.index(c) for c in dims]]
    j = np.searchsorted(intent.timestamps, decoded.timestamps, side="right") - 1
    have = j >= 0
    dec, want = dec[have], want_all[j[have]]
    ok = np.all(np.isfinite(dec), axis=1) & np.all(np.isfinite(want), axis=1)
    return dims, dec[ok], want[ok]


def decoder_stats(decoded: RecordedStream, intent: RecordedStream) -> DecoderStats | str:
    """R² of ``decoded`` against ``intent`` per common channel, or why it cannot be computed."""
    dims, dec, want = paired_intent(decoded, intent)
    if not dims:
        return (
            f"no channel in common between {decoded.name!r} {list(decoded.channels)} and "
            f"{intent.name!r} {list(intent.channels)}"
        )
    if len(dec) < 2:
        return f"fewer than 2 decoded bins paired with {INTENT!r} samples"
    ss_res = ((want - dec) ** 2).sum(axis=0)
    ss_tot = ((want - want.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, np.nan)
    return DecoderStats(dims, {d: float(v) for d, v in zip(dims, r2, strict=True)}, len(dec))


def _mean_of(ends: list[TaskEvent], key: str) -> float | None:
    vals = [e.fields.get(key) for e in ends]
    nums = [float(v) for v in vals if isinstance(v, int | float) and np.isfinite(v)]
    return float(np.mean(nums)) if nums else None


def task_stats(ends: list[TaskEvent]) -> TaskStats:
    """Success rate, mean time to target and path efficiency of ``trial_end`` records."""
    wins = [e for e in ends if e.fields.get("success") is True]
    return TaskStats(
        n_trials=len(ends),
        n_success=len(wins),
        success_rate=len(wins) / len(ends),
        mean_time_to_target=_mean_of(wins, "time_to_target"),
        mean_path_efficiency=_mean_of(wins, "path_efficiency"),
    )


def _latency_section(rs: ReportStreams, deadline: float | None) -> LatencyStats | str:
    s = rs.latencies
    if s is None:
        return "no latencies stream"
    col = s.channels.index("total") if "total" in s.channels else 0
    if not np.isfinite(np.asarray(s.data[:, col], np.float64)).any():
        return f"stream {s.name!r} has no finite latency"
    return latency_stats(s, deadline)


def _task_section(rs: ReportStreams) -> TaskStats | str:
    if rs.task is None:
        return f"no {TASK!r} stream"
    ends = rs.trial_ends()
    return task_stats(ends) if ends else f"stream {rs.task.name!r} has no trial_end record"


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
    if rs.decoded is None or rs.intent is None:
        absent = [n for n, s in (("decoded", rs.decoded), (INTENT, rs.intent)) if s is None]
        decoder = "no " + " and no ".join(f"{n!r}" for n in absent) + " stream"
    else:
        decoder = decoder_stats(rs.decoded, rs.intent)
    messages: MessageStats | str = "no commands or acks stream"
    if rs.commands is not None or rs.acks is not None:
        messages = message_stats(rs.commands, rs.acks)
    return ReportStats(
        streams=table,
        duration=duration,
        latency=keep("latency", _latency_section(rs, deadline)),
        spikes=keep("spikes", spikes),
        snn_spikes=keep("snn_spikes", snn),
        decoder=keep("decoder", decoder),
        task=keep("task", _task_section(rs)),
        messages=keep("messages", messages),
        missing=missing,
    )
