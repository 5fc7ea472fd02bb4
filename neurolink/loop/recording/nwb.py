"""Export a recorded session (XDF + sidecar) to NWB, for labs that share through NWB/DANDI.

What goes where (times in seconds from the session start, the sidecar's ``start.host_time``):

==================  ===========================================================================
recorded stream     NWB
==================  ===========================================================================
``raw``             ``acquisition/raw``: ElectricalSeries (µV stored, ``conversion`` 1e-6 → V)
                    over the electrode table (one electrode per channel, with ``rel_x/rel_y``
                    from the array geometry when it is known)
``events``          the Units table: one row per channel (multi-unit, unsorted detections) with
                    its spike times and electrode, and the detection amplitude (µV) per spike
``decoded``,        ``processing/behavior``: TimeSeries of the decoded and the intended velocity
``intent``,         and of the cursor position
``cursor``
``commands``        ``intervals/commands``: one interval per command as sent (stimulation:
                    from ``t_wire`` for ``pulse_count / frequency_hz``; others: an instant), with
                    its type, sink, channel, amplitude (µA) and the full command as JSON
``acks``            ``intervals/acks``: one instant per device reply (status, seq, attempts)
``task``            the trials table (``trial_start`` … ``trial_end``: success, time to target,
                    target)
``markers``         ``intervals/markers``: one instant per marker, with its label
``latencies``       ``processing/neurolink/latencies``: TimeSeries (s) per command
``snn_spikes``      ``processing/neurolink/snn_spikes``: TimeSeries of (step, neuron) rows
sidecar             ``notes``: the config, seeds and versions as JSON; ``session_id``,
                    ``identifier`` and ``session_start_time`` from the sidecar; the subject's
                    fields from its ``subject`` key (an id or a dict; "unspecified" when absent)
==================  ===========================================================================

pynwb (and hdmf) are imported only inside :func:`export_nwb` (``pip install 'neurolink[nwb]'``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from neurolink.errors import FileFormatError
from neurolink.loop.recording.layouts import from_json
from neurolink.loop.recording.reader import RecordedStream, Session, read_session

__all__ = ["export_nwb"]


def _need_pynwb() -> Any:
    try:
        import pynwb
    except ModuleNotFoundError as exc:
        raise FileFormatError("NWB export needs pynwb: pip install 'neurolink[nwb]'") from exc
    return pynwb


def _records(stream: RecordedStream | None) -> list[tuple[float, dict[str, Any]]]:
    """(time stamp, parsed JSON object) of a one-channel JSON stream; other values skipped."""
    if stream is None:
        return []
    out = []
    for t, text in zip(stream.timestamps, stream.labels(), strict=True):
        try:
            value = from_json(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            out.append((float(t), value))
    return out


def _start(session: Session) -> tuple[float, _dt.datetime, str]:
    """Host-clock zero, wall-clock start and identifier of the session."""
    side = session.sidecar or {}
    start = side.get("start") or {}
    firsts = [float(s.timestamps[0]) for s in session.streams.values() if len(s)]
    t0 = float(start.get("host_time", min(firsts, default=0.0)))
    t0 = min([t0, *firsts])
    iso = start.get("iso")
    when = _dt.datetime.fromisoformat(iso) if iso else _dt.datetime.now(_dt.UTC)
    return t0, when, str(side.get("session_id") or session.path.stem)


def _subject(pynwb: Any, given: Any) -> Any:
    """NWB Subject from the sidecar's ``subject``: an id, or a dict of Subject fields
    (``subject_id``, ``species``, ``sex``, ``age`` as ISO 8601 ``P90D`` …)."""
    fields = dict(given) if isinstance(given, dict) else {"subject_id": str(given or "")}
    fields = {k: str(v) for k, v in fields.items() if v not in (None, "")}
    fields.setdefault("subject_id", "unspecified")
    fields.setdefault("description", "from the sidecar's `subject` (demos: a simulated subject)")
    try:
        return pynwb.file.Subject(**fields)
    except TypeError as exc:
        raise FileFormatError(f"sidecar `subject`: {exc}") from None


def _electrodes(nwb: Any, raw: RecordedStream, geometry: np.ndarray | None) -> Any:
    device = nwb.create_device(name="array", description="recording array (neurolink source)")
    group = nwb.create_electrode_group(
        name="array", description="all channels of the source", location="unknown",
        device=device,
    )  # fmt: skip
    if geometry is not None:
        nwb.add_electrode_column(name="rel_x", description="x on the array (µm)")
        nwb.add_electrode_column(name="rel_y", description="y on the array (µm)")
    nwb.add_electrode_column(name="label", description="channel label in the recording")
    for i, label in enumerate(raw.channels):
        extra = {}
        if geometry is not None:
            extra = {"rel_x": float(geometry[i, 0]), "rel_y": float(geometry[i, 1])}
        nwb.add_electrode(group=group, location="unknown", label=label, **extra)
    return nwb.create_electrode_table_region(list(range(len(raw.channels))), "all channels")


def _raw(nwb: Any, pynwb: Any, raw: RecordedStream, t0: float, region: Any) -> None:
    ts = raw.timestamps - t0
    regular = raw.rate > 0 and len(ts) > 1
    if regular:
        expected = ts[0] + np.arange(len(ts)) / raw.rate
        regular = float(np.max(np.abs(ts - expected))) < 0.5 / raw.rate
    timing = (
        {"starting_time": float(ts[0]), "rate": float(raw.rate)} if regular else {"timestamps": ts}
    )
    nwb.add_acquisition(
        pynwb.ecephys.ElectricalSeries(
            name="raw", data=np.asarray(raw.data, np.float32), electrodes=region,
            conversion=1e-6, description="source samples in µV (conversion to V: 1e-6)",
            **timing,
        )
    )  # fmt: skip


def _units(nwb: Any, events: RecordedStream, t0: float, n_channels: int) -> None:
    rows = events.spike_events()
    times = events.timestamps - t0
    nwb.add_unit_column(name="amplitudes", description="detection amplitude (µV)", index=True)
    for ch in range(n_channels):
        mask = rows["channel"] == ch
        if not mask.any():
            continue
        nwb.add_unit(
            spike_times=times[mask], electrodes=[ch],
            amplitudes=rows["amplitude"][mask].astype(np.float64),
        )  # fmt: skip


def _series(pynwb: Any, name: str, s: RecordedStream, t0: float, unit: str, what: str) -> Any:
    return pynwb.TimeSeries(
        name=name, data=np.asarray(s.data, np.float64), timestamps=s.timestamps - t0,
        unit=unit, description=f"{what}; columns {', '.join(s.channels)}",
    )  # fmt: skip


def _instants(nwb: Any, name: str, what: str, rows: list[dict[str, Any]]) -> None:
    """An ``intervals/<name>`` table with one row per entry (``start_time``/``stop_time``)."""
    from pynwb.epoch import TimeIntervals

    table = TimeIntervals(name=name, description=what)
    columns = [k for k in rows[0] if k not in ("start_time", "stop_time")]
    for col in columns:
        table.add_column(name=col, description=col.replace("_", " "))
    for row in rows:
        table.add_row(**row)
    nwb.add_time_intervals(table)


def _commands(nwb: Any, commands: RecordedStream | None, t0: float) -> None:
    rows = []
    for t, cmd in _records(commands):
        start = t - t0
        n, f = cmd.get("pulse_count"), cmd.get("frequency_hz")
        stop = start + n / f if isinstance(n, int) and isinstance(f, int | float) and f else start
        rows.append(
            {
                "start_time": start, "stop_time": stop, "type": str(cmd.get("type", "")),
                "sink": str(cmd.get("sink", "")), "channel": int(cmd.get("channel", -1) or -1),
                "amplitude_ua": float(cmd.get("amplitude_ua") or np.nan),
                "command": json.dumps(cmd, sort_keys=True),
            }
        )  # fmt: skip
    if rows:
        _instants(nwb, "commands", "commands as sent (stimulation: the pulse train)", rows)


def _trials(nwb: Any, task: RecordedStream | None, t0: float) -> None:
    starts: dict[Any, tuple[float, Any]] = {}  # trial → (start time, target)
    rows = []
    for t, rec in _records(task):
        event, k = rec.get("event"), rec.get("trial")
        if event == "trial_start":
            starts[k] = (t, rec.get("target"))
        elif event == "trial_end" and k in starts:
            ttt = rec.get("time_to_target")
            t_start, target = starts.pop(k)
            rows.append(
                {
                    "start_time": t_start - t0,
                    "stop_time": t - t0,
                    "success": bool(rec.get("success", False)),
                    "time_to_target": float("nan") if ttt is None else float(ttt),
                    "target": json.dumps(rec.get("target", target)),
                }
            )
    if not rows:
        return
    for col, what in (
        ("success", "the target was reached"),
        ("time_to_target", "s from trial start, NaN on a miss"),
        ("target", "target position (JSON)"),
    ):
        nwb.add_trial_column(name=col, description=what)
    for row in rows:
        nwb.add_trial(**row)


def export_nwb(
    recording: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    geometry: np.ndarray | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a recorded session as an NWB file.

    Parameters
    ----------
    recording : path-like
        The ``.xdf`` recording (its sidecar beside it).
    out : path-like
        The ``.nwb`` file to create.
    geometry : numpy.ndarray of float, shape (n_channels, 2), optional
        Electrode positions on the array (µm); default: the sidecar's
        ``electrode_positions`` when present.
    overwrite : bool
        Replace an existing ``out``.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    FileFormatError
        pynwb is missing, ``out`` exists, or the geometry does not match the channels.
    """
    pynwb = _need_pynwb()
    out = Path(out)
    if out.exists() and not overwrite:
        raise FileFormatError(f"{out} exists; pass overwrite=True (--force) to replace it")
    session = read_session(recording, synchronize_clocks=True)  # producer clocks → host
    side = session.sidecar or {}
    t0, when, ident = _start(session)
    notes = {k: side.get(k) for k in ("config", "seeds", "versions", "summary") if k in side}
    nwb = pynwb.NWBFile(
        session_description=f"neurolink closed-loop session {session.path.name}",
        identifier=ident, session_start_time=when, session_id=ident,
        notes=json.dumps(notes, sort_keys=True, default=str),
        source_script="neurolink", source_script_file_name=session.path.name,
        subject=_subject(pynwb, side.get("subject")),
    )  # fmt: skip
    streams = session.streams
    raw = streams.get("raw")
    n_channels = len(raw.channels) if raw is not None else 0
    if geometry is None and side.get("electrode_positions") is not None:
        geometry = np.asarray(side["electrode_positions"], np.float64)
    if geometry is not None and geometry.shape[:1] != (n_channels,):
        raise FileFormatError(
            f"geometry has {geometry.shape[0]} positions for {n_channels} recorded channels"
        )
    if raw is not None and len(raw):
        _raw(nwb, pynwb, raw, t0, _electrodes(nwb, raw, geometry))
        if "events" in streams and len(streams["events"]):
            _units(nwb, streams["events"], t0, n_channels)
    behavior = [
        ("decoded", "decoded_velocity", "decoded velocity (arbitrary units per s)"),
        ("intent", "intended_velocity", "the subject's intended velocity"),
        ("cursor", "cursor_position", "cursor position reported by the prosthesis"),
    ]
    kept = [(streams[k], n, w) for k, n, w in behavior if k in streams and len(streams[k])]
    if kept:
        module = nwb.create_processing_module("behavior", "decoded and intended kinematics")
        for s, name, what in kept:
            module.add(_series(pynwb, name, s, t0, "a.u.", what))
    own = [(k, u) for k, u in (("latencies", "s"), ("snn_spikes", "n/a")) if k in streams]
    own = [(k, u) for k, u in own if len(streams[k])]
    if own:
        module = nwb.create_processing_module("neurolink", "loop internals")
        for k, unit in own:
            module.add(_series(pynwb, k, streams[k], t0, unit, f"neurolink {k}"))
    _commands(nwb, streams.get("commands"), t0)
    acks = [
        {"start_time": t - t0, "stop_time": t - t0, "status": str(a.get("status", "")),
         "sink": str(a.get("sink", "")), "seq": int(a.get("seq") or -1)}
        for t, a in _records(streams.get("acks"))
    ]  # fmt: skip
    if acks:
        _instants(nwb, "acks", "device replies to the commands", acks)
    _trials(nwb, streams.get("task"), t0)
    marks = streams.get("markers")
    if marks is not None and len(marks):
        rows = [
            {"start_time": float(t) - t0, "stop_time": float(t) - t0, "label": label}
            for t, label in zip(marks.timestamps, marks.labels(), strict=True)
        ]
        _instants(nwb, "markers", "phases, faults and the stop reason", rows)
    with pynwb.NWBHDF5IO(str(out), "w") as io:
        io.write(nwb)
    return out
