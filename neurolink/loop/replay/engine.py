"""The engine as a replay runs it: recorded catch-ups, sinks that collect, the recorded fit.

- :class:`ReplayEngine` is the live :class:`~neurolink.loop.core.engine.Engine` (the same chunking,
  graph stepping, command routing, rollback and recording calls) with one decision replaced:
  a catch-up ends where the recording says it did (``caught_up``), not when the data are
  fresh on the wall clock; :class:`RecordedPauses` starts one after the block at which the live
  run paused (``pause``);
- :class:`ReplaySink` stands in for a device: nothing reaches a wire. It refuses again the
  commands the live sink did not write (the same command at the same sample index; the
  mapper rolls back as it did live) and takes every other;
- :class:`ReplayRecorder` collects what the engine records (spikes, decoded values, network
  spikes, commands, events), and writes them to a new recording when asked;
- :class:`ReplayCalibration` replays the decoder's calibration: bins labelled with the recorded
  intent, and the fit after the same block — the model saved at fit time, or a new fit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from neurolink.decode import Decoder, load_decoder
from neurolink.hal.commands import Command, command_to_dict
from neurolink.hal.device import Sent
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.record import LoopRecorder
from neurolink.loop.core.sinks import SinkStats
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.decode import DecodeNode
from neurolink.loop.recording import events_to_rows
from neurolink.loop.replay.source import intent_at

__all__ = ["RecordedPauses", "ReplayCalibration", "ReplayEngine", "ReplayRecorder", "ReplaySink"]


class ReplaySink:
    """A sink that writes nothing and keeps the commands.

    Parameters
    ----------
    name, kind, mapper : str
        As the live sink (its name, device kind and mapper node).
    refused : dict of int to (str, dict or None)
        Origin sample index → reason and command, for the commands the live sink did not
        write: the same command at the same index is refused again (with the reason), any
        other is taken.
    """

    def __init__(
        self,
        name: str,
        kind: str,
        mapper: str,
        refused: dict[int, tuple[str, dict[str, Any] | None]] | None = None,
    ) -> None:
        self.name, self.kind, self.mapper = name, kind, mapper
        self.refused = refused
        self.stats = SinkStats()
        self.last_error = ""
        self.lost = False

    def send(self, cmd: Command) -> Sent | None:
        """A :class:`Sent` stamped at the command's sample time, or None for a refused one."""
        origin = getattr(cmd, "origin", None)
        live = self.refused.get(origin.sample_index) if self.refused and origin else None
        if live is not None:
            why, was = live
            if was is None or was == command_to_dict(cmd):
                st = self.stats
                st.refused += 1
                st.reasons[why] = st.reasons.get(why, 0) + 1
                self.last_error = why
                return None
        t = origin.timestamp if origin is not None else 0.0
        self.stats.sent += 1
        self.stats.acked += 1
        return Sent(cmd, t, t, "RECORDED")

    def rest(self) -> None:
        """Nothing to stop."""

    def close(self) -> None:
        """Nothing to close."""

    def describe(self) -> dict[str, Any]:
        """As :meth:`~neurolink.loop.core.sinks.DeviceSink.describe`."""
        return {
            "kind": self.kind,
            "mapper": self.mapper,
            "identity": "replay",
            "url": "",
            "emulated": False,
            **self.stats.as_dict(),
        }


class ReplayRecorder:
    """What the engine records, kept in memory (and written to ``out`` when given).

    Parameters
    ----------
    path : pathlib.Path
        Shown as the summary's ``recording``: ``out.path`` or the replayed recording.
    out : LoopRecorder, optional
        A new recording of the replay (without raw samples).
    """

    def __init__(self, path: Path, out: LoopRecorder | None = None) -> None:
        self.path = out.path if out is not None else path
        self.out = out
        self.tick: Tick | None = None  # the engine's, for the decoded values' sample index
        self.spike_rows: list[np.ndarray] = []
        self.spike_t: list[np.ndarray] = []
        self.decoded_index: list[int] = []
        self.decoded_t: list[float] = []
        self.decoded: list[np.ndarray] = []
        self.snn_rows: list[np.ndarray] = []
        self.snn_t: list[float] = []
        self.snn_index: list[int] = []
        self.commands: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.markers: list[str] = []

    def block(self, data: np.ndarray, timestamps: np.ndarray, first_index: int, gap: int) -> None:
        """Block boundaries go to ``out``; the samples are the recording's."""
        if self.out is not None:
            self.out.block(data, timestamps, first_index, gap)

    def spikes(self, spikes: np.ndarray, tick: Tick) -> None:
        """Detected spikes, stamped as live."""
        if spikes.shape[0]:
            self.spike_rows.append(events_to_rows(spikes))
            self.spike_t.append(
                tick.t_last - (tick.last_index - spikes["sample_index"]) / tick.rate
            )
            if self.out is not None:
                self.out.spikes(spikes, tick)

    def decoded_value(self, value: np.ndarray, t: float) -> None:
        """A decoded vector (fresh in this chunk), with its chunk's newest sample index."""
        self.decoded_index.append(self.tick.last_index if self.tick is not None else -1)
        self.decoded_t.append(t)
        self.decoded.append(value.copy())
        if self.out is not None:
            self.out.decoded_value(value, t)

    def host_value(self, rows: np.ndarray, t: float) -> None:
        """The shadow host decoder's vectors (passed on to the output recording, if any)."""
        if self.out is not None:
            self.out.host_value(rows, t)

    def snn_spikes(self, spikes: np.ndarray, first_step: int, t: float) -> None:
        """Output spikes of a network, as live (``step, neuron`` rows)."""
        steps, neurons = np.nonzero(spikes)
        if steps.size:
            self.snn_rows.append(np.column_stack([steps + first_step, neurons]).astype(float))
            self.snn_t.extend([t] * steps.size)
            self.snn_index.extend([self.tick.last_index if self.tick else -1] * steps.size)
            if self.out is not None:
                self.out.snn_spikes(spikes, first_step, t)

    def sent(
        self,
        sink: str,
        sent: Sent,
        latency_row: np.ndarray | None,
        requested: Command | None = None,
    ) -> None:
        """A command the sink took."""
        self.commands.append({**command_to_dict(sent.command), "sink": sink})
        if self.out is not None:
            self.out.sent(sink, sent, None, requested)

    def unsent(self, sink: str, cmd: Command, reason: str, t: float) -> None:
        """A command the sink refused (as the live one did)."""
        origin = getattr(cmd, "origin", None)
        index = origin.sample_index if origin is not None else -1
        self.loop_event("unsent", index, t, sink=sink, reason=reason)
        if self.out is not None:
            self.out.unsent(sink, cmd, reason, t)

    def loop_event(self, event: str, index: int, t: float, **fields: Any) -> None:
        """An engine or calibration event."""
        self.events.append({"event": event, "index": int(index), **fields})
        if self.out is not None and event != "unsent":
            self.out.loop_event(event, index, t, **fields)

    def marker(self, label: str, t: float) -> None:
        """A text marker."""
        self.markers.append(label)
        if self.out is not None:
            self.out.marker(label, t)

    def finish(self, summary: dict[str, Any]) -> None:
        """Close ``out`` with the summary."""
        if self.out is not None:
            self.out.finish(summary)


class ReplayCalibration:
    """The decoder's calibration, replayed: labels from the recorded intent, the same fit block.

    Parameters
    ----------
    node : DecodeNode
    intents : (list of float, list of tuple)
        Push times and values of the recorded intent.
    calibration_s : float
        Seconds of data before the fit.
    model : pathlib.Path, optional
        The model saved at fit time: loaded instead of fitting (None: fit).
    make_decoder : callable, optional
        The unfitted decoder to fit (default the node's own).
    channels : sequence of str
        Column labels of the counts.
    """

    name = "calibration"

    def __init__(
        self,
        node: DecodeNode,
        intents: tuple[list[float], list[tuple[float, ...]]],
        calibration_s: float,
        *,
        model: Path | None = None,
        make_decoder: Callable[[], Decoder] | None = None,
        channels: Sequence[str] = (),
    ) -> None:
        self.node, self.calibration_s = node, float(calibration_s)
        self.times, self.values = intents
        self.model, self.make_decoder, self.channels = model, make_decoder, tuple(channels)
        self.phase = "closed_loop"
        self.info: dict[str, Any] = {}
        if self.calibration_s > 0:
            self.phase = "calibration"
            node.start_calibration(self.teacher)

    def teacher(self, t: float) -> tuple[float, ...]:
        """The recorded intent in force at ``t``."""
        return intent_at(self.times, self.values, t)

    def on_block(self, engine: Engine, tick: Tick) -> None:
        """Fit after the block at which the live run fitted (by data time)."""
        if self.phase == "calibration" and engine.sample_time >= self.calibration_s:
            self._fit(engine)

    def _fit(self, engine: Engine) -> None:
        """Fit (or load the recorded model); the pause is :class:`RecordedPauses`' to replay."""
        node = self.node
        bins = node.n_calibration
        if self.model is not None:
            dec = load_decoder(self.model, self.channels)
            node.use(dec)
            how = f"recorded model {self.model.name}"
        else:
            dec = node.fit(
                self.channels, decoder=self.make_decoder() if self.make_decoder else None
            )
            how = "fitted again"
        self.info = {"bins": bins, "decoder": type(dec).__name__, "model": how}
        if engine.recorder is not None:
            engine.recorder.loop_event(
                "fit", engine.tick.last_index, engine.clock(), node=node.name, bins=bins
            )
        self.phase = "closed_loop"
        for mapper in engine.graph.of_kind("velocity"):
            mapper.reset()

    def on_stop(self, engine: Engine) -> None:
        """Nothing to tell."""

    def status(self) -> str:
        """No status line in a replay."""
        return ""

    def summary(self) -> dict[str, Any]:
        """Phase and how the decoder was obtained."""
        return {"phase": self.phase, "seconds": self.calibration_s, **self.info}


class RecordedPauses:
    """Pause the engine after the blocks at which the live run paused (a decoder fit): the
    next blocks are then caught up, with commands held, up to the recorded ``caught_up``.

    Parameters
    ----------
    pauses : sequence of (int, str)
        Newest sample index of the block after which the live run paused, and the label.
    """

    name = "pauses"

    def __init__(self, pauses: Sequence[tuple[int, str]]) -> None:
        self.pauses = sorted((int(i), str(label)) for i, label in pauses)
        self._next = 0
        self.n_paused = 0

    def on_block(self, engine: Engine, tick: Tick) -> None:
        """Pause when this block ends at (or passed) the next recorded pause."""
        while self._next < len(self.pauses) and self.pauses[self._next][0] <= tick.last_index:
            index, label = self.pauses[self._next]
            self._next += 1
            if index == tick.last_index:
                with engine.pause(label):
                    self.n_paused += 1

    def on_stop(self, engine: Engine) -> None:
        """Nothing to tell."""

    def status(self) -> str:
        """No status line in a replay."""
        return ""

    def summary(self) -> dict[str, Any]:
        """Pauses replayed."""
        return {"recorded": len(self.pauses), "replayed": self.n_paused}


class ReplayEngine(Engine):
    """The engine, with catch-ups ending at the recorded sample indices.

    Parameters
    ----------
    caught_up : sequence of int
        First sample index of each chunk at which the live run resumed sending.
    hold : bool
        A catch-up with no recorded end holds commands to the end, as the live run did (a
        recording that ends catching up); False ends it at once (a changed config that pauses
        where the live run did not).
    *args, **kwargs
        As :class:`~neurolink.loop.core.engine.Engine`.
    """

    def __init__(
        self, *args: Any, caught_up: Sequence[int], hold: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.caught_up = sorted(int(i) for i in caught_up)
        self.hold = hold
        self._until: int | None = None

    def _fresh(self, t_read: float, t_last: float) -> bool:
        """A catch-up ends at the first recorded ``caught_up`` at or after where it began."""
        first = self.tick.first_index
        if self._until is None:
            later = [i for i in self.caught_up if i >= first]
            self._until = later[0] if later else (-1 if self.hold else first)
        if self._until < 0 or first < self._until:
            return False
        self._until = None
        return True
