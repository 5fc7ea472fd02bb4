"""What the engine records, and under which names (DESIGN.md §6).

:class:`LoopRecorder` declares the session's streams in a
:class:`~neurolink.loop.recording.SessionRecorder` and writes them as the loop runs. Names follow
the report's conventions (:mod:`neurolink.loop.report.streams`):

============= ========== =========================================================
stream        kind       content
============= ========== =========================================================
``blocks``    other      every processed block: ``first_index, n_samples, gap``
``loop``      other      engine and calibration events for replay (JSON, below)
``intent``    decoded    the subject's intended velocity, stamped when it was pushed
``raw``       raw        the source's samples (optional: ``record_raw``)
``events``    events     detected spikes (the first detect node)
``decoded``   decoded    the first decode node's output per bin
``snn_spikes`` snn_spikes output spikes of the spiking networks (``step, neuron``)
``commands``  commands   every command as sent (JSON, stamped ``t_wire``)
``acks``      acks       device replies (status, seq, attempts), stamped ``t_reply``
``latencies`` latencies  per command ``t_wire − t_sample`` and its stages (s)
``cursor``    decoded    the prosthesis's reported position (``x, y``)
``task``      other      task records (JSON with ``event``)
``markers``   markers    phases, faults and the stop reason
============= ========== =========================================================

What a replay (:mod:`neurolink.loop.replay.run`) needs besides the samples, because the live run
decided it at run time and not from the samples alone:

- ``blocks``: the block boundaries the engine saw (mappers emit at block ends, by sample index)
  and each block's gap (it counts in the data time that starts a decoder fit);
- ``loop`` events (JSON with ``event`` and the sample ``index``): ``caught_up`` (the first
  sample index of the chunk whose commands went out again after a catch-up), ``pause``
  (work between blocks, after sample ``index``), ``unsent`` (a command the sink did not write:
  refused, NACKed, blocked by the e-stop; with ``sink``, ``reason``, ``command``), ``fit`` (a
  decoder fitted after sample ``index``, saved as ``model`` next to the recording:
  ``<stem>.<node>.npz``), ``fault``;
- ``intent`` stamped with the host time at which the intent was pushed: the calibration labels
  each bin with the intent in force at its centre;
- ``commands``: a command the safety layer changed (clipped) also carries the mapper's own as
  ``requested``;
- the sidecar (:mod:`neurolink.loop.session.run`): the config, the source's name and rate, and
  each sink's device limits (they shape the mappers' commands).

Stream order matters for a file cut short: within a flush the chunks follow this order, so the
recording of anything a replay needs precedes the outputs it explains.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from neurolink.hal.commands import Command, command_to_dict
from neurolink.hal.device import Sent
from neurolink.loop.core.latency import STAGES
from neurolink.loop.core.tick import Tick
from neurolink.loop.recording import (
    SessionRecorder,
    StreamHandle,
    StreamKind,
    acks_layout,
    commands_layout,
    decoded_layout,
    events_layout,
    events_to_rows,
    latencies_layout,
    markers_layout,
    raw_layout,
    snn_spikes_layout,
    to_json,
)
from neurolink.loop.recording.clocks import StreamClock
from neurolink.loop.recording.layouts import StreamLayout
from neurolink.streams.lsl_inlet import ClockCorrection
from neurolink.streams.meta.channels import common_type, default_unit, source_channel_types

__all__ = ["BLOCKS_LAYOUT", "LOOP_LAYOUT", "LoopRecorder", "raw_stream_args"]

#: ``blocks``: one row per block the engine processed.
BLOCKS_LAYOUT = StreamLayout(
    StreamKind.OTHER, "Blocks", ("first_index", "n_samples", "gap"), 0.0, "double64"
)
#: ``loop``: engine and calibration events for replay, one JSON object per sample.
LOOP_LAYOUT = StreamLayout(StreamKind.OTHER, "LoopEvents", ("json",), 0.0, "string")


def raw_stream_args(source: Any) -> dict[str, Any]:
    """What a source says about its raw stream, as :class:`LoopRecorder` keywords.

    Parameters
    ----------
    source : Source
        An open source. Its per-channel ``types`` and ``units`` when it has them (LSL sources
        read them from the stream's description; BrainFlow sources know their rows' kinds),
        and its ``clock_history`` when its time stamps are a producer's corrected onto the host
        clock (LSL sources).

    Returns
    -------
    dict
        ``channel_types``, ``units`` and ``clock_history`` (None where the source has none).
    """
    n, rate = len(source.channels), float(source.rate)
    declared = tuple(getattr(source, "types", ()) or ())
    units = tuple(getattr(source, "units", ()) or ())
    history = getattr(source, "clock_history", None)
    return {
        "channel_types": source_channel_types(declared, n, rate),
        "units": units if len(units) == n else None,
        "clock_history": history if isinstance(history, list) and history else None,
    }


def _raw_layout(
    channels: Sequence[str],
    rate: float,
    types: Sequence[str] | None,
    units: Sequence[str] | None,
) -> StreamLayout:
    """The raw stream's layout: types by rate unless given; units ``microvolts`` for voltages
    where the source gave none."""
    n = len(channels)
    ctypes = tuple(types) if types is not None else source_channel_types((), n, rate)
    if len(ctypes) != n:
        raise ValueError(f"raw stream: {len(ctypes)} channel types for {n} channels")
    given = tuple(units) if units is not None else ("",) * n
    if len(given) != n:
        raise ValueError(f"raw stream: {len(given)} units for {n} channels")
    unit = tuple(u or default_unit(t, "float32") for u, t in zip(given, ctypes, strict=True))
    base = raw_layout(channels, rate, type=common_type(ctypes))
    return dataclasses.replace(base, units=unit, types=ctypes)


class LoopRecorder:
    """The engine's streams in one XDF file with a JSON sidecar.

    Parameters
    ----------
    path : pathlib.Path
        The ``.xdf`` file (created; never overwritten).
    sidecar : dict
        Config, seeds and anything else for the sidecar.
    channels : sequence of str
        The source's channel labels.
    rate : float
        The source's rate (Hz).
    record_raw : bool
        Record the raw samples too.
    decoded_dims : sequence of str, optional
        Labels of the decoded stream (none: no decoded stream).
    shadow : bool
        Also a ``decoded_host`` stream: the host decoder in shadow of a decoder on the chip.
    cursor_dims : int
        Degrees of freedom of the cursor stream (0: none).
    flush_interval : float
        Seconds between flushes.
    channel_types : sequence of str, optional
        Per-channel types of the raw stream (``EEG``…: :func:`raw_stream_args`); the stream's
        type is the most frequent one. Default: by rate (``Extracellular`` at >= 10 kHz, else
        ``EEG``).
    units : sequence of str, optional
        Per-channel units of the raw stream as the source delivers them; ``""`` entries (and
        the default) become ``microvolts`` on voltage channels.
    clock_history : list of ClockCorrection, optional
        The source's clock corrections, a list it appends to (an LSL source's
        ``clock_history``): the raw stream is then recorded as LabRecorder records LSL, with
        the producer's time stamps and every correction as a ClockOffset chunk (forwarded
        before each block and at the end; :class:`~neurolink.loop.recording.StreamClock`
        ``CORRECTED``). None: a source on the host clock (offsets of 0).
    """

    def __init__(
        self,
        path: Path,
        sidecar: dict[str, Any],
        channels: Sequence[str],
        rate: float,
        *,
        record_raw: bool = True,
        decoded_dims: Sequence[str] = (),
        shadow: bool = False,
        cursor_dims: int = 0,
        flush_interval: float = 0.25,
        channel_types: Sequence[str] | None = None,
        units: Sequence[str] | None = None,
        clock_history: Sequence[ClockCorrection] | None = None,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.rec = SessionRecorder(path, sidecar, flush_interval=flush_interval)
        self.path = path
        sid = path.stem
        add = self._add
        self.blocks = add("blocks", BLOCKS_LAYOUT, sid)
        self.loop = add("loop", LOOP_LAYOUT, sid)
        self.intent = add("intent", decoded_layout(decoded_dims), sid) if decoded_dims else None
        self._clocks = clock_history
        self._n_clocks = 0
        self.raw = None
        if record_raw:
            clock = StreamClock.HOST if clock_history is None else StreamClock.CORRECTED
            layout = _raw_layout(channels, rate, channel_types, units)
            self.raw = self.rec.add_layout("raw", layout, f"{sid}-raw", clock=clock)
        self.events = add("events", events_layout(), sid)
        self.decoded = add("decoded", decoded_layout(decoded_dims), sid) if decoded_dims else None
        self.decoded_host = (
            add("decoded_host", decoded_layout(decoded_dims), sid)
            if decoded_dims and shadow
            else None
        )
        axes = ("x", "y", "z") if cursor_dims <= 3 else tuple(f"q{i}" for i in range(99))
        self.cursor = (
            add("cursor", decoded_layout(axes[:cursor_dims]), sid) if cursor_dims else None
        )
        self.snn = add("snn_spikes", snn_spikes_layout(), sid)
        self.commands = add("commands", commands_layout(), sid)
        self.acks = add("acks", acks_layout(), sid)
        self.latencies = add("latencies", latencies_layout(STAGES), sid)
        self.task = add(
            "task", StreamLayout(StreamKind.OTHER, "Task", ("json",), 0.0, "string"), sid
        )
        self.markers = add("markers", markers_layout(), sid)
        self._block_row = np.zeros((1, 3), np.float64)

    def _add(self, name: str, layout: StreamLayout, sid: str) -> StreamHandle:
        return self.rec.add_layout(name, layout, f"{sid}-{name}")

    # ---- per block ---------------------------------------------------------------------------
    def block(
        self,
        data: np.ndarray,
        timestamps: np.ndarray,
        first_index: int | None = None,
        gap: int = 0,
    ) -> None:
        """Raw samples (float32 (n, n_channels)) with their host time stamps, and the block's
        place in the stream (``blocks``; stamped with its newest sample's time)."""
        n = data.shape[0]
        if first_index is not None and n:
            row = self._block_row
            row[0, 0], row[0, 1], row[0, 2] = first_index, n, gap
            self.rec.write(self.blocks, row, timestamps[n - 1 :])
        if self.raw is not None:
            self._forward_clocks()
            self.rec.write(self.raw, data, timestamps)

    def _forward_clocks(self) -> None:
        """Each correction the source measured since the last call, as a ClockOffset chunk."""
        history = self._clocks
        if history is None or self.raw is None:
            return
        for c in history[self._n_clocks :]:
            self.rec.clock_offset(self.raw, c.host_time, c.offset)
        self._n_clocks = len(history)

    def loop_event(self, event: str, index: int, t: float, **fields: Any) -> None:
        """One ``loop`` event (JSON ``{"event", "index", ...}``) at host time ``t``."""
        self.rec.write_json(self.loop, [{"event": event, "index": int(index), **fields}], (t,))

    def save_model(self, node: str, decoder: Any, index: int, t: float, **fields: Any) -> Path:
        """Save a decoder fitted during the run next to the recording; a ``fit`` event."""
        path = self.path.with_name(f"{self.path.stem}.{node}.npz")
        decoder.save(path)
        self.loop_event("fit", index, t, node=node, model=path.name, **fields)
        return path

    def spikes(self, spikes: np.ndarray, tick: Tick) -> None:
        """Detected spikes of the block, stamped at their sample's time."""
        if spikes.shape[0]:
            ts = tick.t_last - (tick.last_index - spikes["sample_index"]) / tick.rate
            self.rec.write(self.events, events_to_rows(spikes), ts)

    def decoded_value(self, value: np.ndarray, t: float) -> None:
        """One decoded vector, stamped with its newest sample's time."""
        if self.decoded is not None:
            self.rec.write(self.decoded, value.reshape(1, -1), (t,))

    def host_value(self, rows: np.ndarray, t: float) -> None:
        """The shadow host decoder's vectors (n_bins, n_dims) beside a decoder on the chip
        (``decoded_host``), stamped with the block's newest sample's time."""
        if self.decoded_host is not None:
            self.rec.write(self.decoded_host, rows, np.full(rows.shape[0], t))

    def snn_spikes(self, spikes: np.ndarray, first_step: int, t: float) -> None:
        """Output spikes (bool (n_steps, n_neurons)) from network step ``first_step``."""
        steps, neurons = np.nonzero(spikes)
        if steps.size:
            rows = np.column_stack([steps + first_step, neurons]).astype(np.float64)
            self.rec.write(self.snn, rows, np.full(steps.size, t))

    def sent(
        self,
        sink: str,
        sent: Sent,
        latency_row: np.ndarray | None,
        requested: Command | None = None,
    ) -> None:
        """A command as sent, its reply and its latency row (total, then the stages).

        ``requested`` is the mapper's command; kept (as ``requested``) when the safety layer
        sent another one.
        """
        cmd = command_to_dict(sent.command)
        cmd["sink"] = sink
        if requested is not None and requested != sent.command:
            cmd["requested"] = command_to_dict(requested)
        self.rec.write_json(self.commands, [cmd], (sent.t_wire,))
        ack = {
            "sink": sink,
            "status": sent.status,
            "seq": sent.seq,
            "attempts": sent.attempts,
            "acked": sent.acked,
            "t_wire": sent.t_wire,
        }
        self.rec.write_json(self.acks, [ack], (sent.t_reply or sent.t_wire,))
        if latency_row is not None:
            self.rec.write(self.latencies, latency_row[2:].reshape(1, -1), (sent.t_wire,))

    def unsent(self, sink: str, cmd: Command, reason: str, t: float) -> None:
        """A command its sink did not write (refused, NACKed, blocked): an ``unsent`` event."""
        origin = getattr(cmd, "origin", None)
        index = origin.sample_index if origin is not None else -1
        self.loop_event("unsent", index, t, sink=sink, reason=reason, command=command_to_dict(cmd))

    # ---- task and markers ----------------------------------------------------------------------
    def cursor_intent(
        self,
        t: float,
        cursor: Sequence[float] | None,
        intent: Sequence[float] | None,
        t_intent: float | None = None,
    ) -> None:
        """A cursor report (at ``t``) and the intent computed from it (at ``t_intent``, when
        it was pushed; default ``t``)."""
        if self.cursor is not None and cursor is not None:
            self.rec.write(self.cursor, np.asarray(cursor, np.float64).reshape(1, -1), (t,))
        if self.intent is not None and intent is not None:
            ti = t if t_intent is None else t_intent
            self.rec.write(self.intent, np.asarray(intent, np.float64).reshape(1, -1), (ti,))

    def task_records(self, records: Sequence[dict[str, Any]], t: float) -> None:
        """Task records (``trial_start``, ``trial_end`` …)."""
        if records:
            ts = [float(r.get("t", t)) for r in records]
            self.rec.write(self.task, [(to_json(r),) for r in records], ts)

    def marker(self, label: str, t: float) -> None:
        """A text marker."""
        self.rec.write_markers(self.markers, [label], (t,))

    # ---- end -------------------------------------------------------------------------------------
    def finish(self, summary: dict[str, Any]) -> None:
        """Put the summary in the sidecar, flush and close (idempotent)."""
        if self.rec.closed:
            return
        try:
            self._forward_clocks()
            self.rec.set_summary(summary)
        finally:
            self.rec.close()
