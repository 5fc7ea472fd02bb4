"""What a replay reads from a recording, and the source that serves its samples again.

:func:`load_run` reads a recording (:mod:`neurolink.loop.core.record` lists what it holds) and
checks that it can be replayed: the raw samples, the block boundaries the engine saw, the
config and the device limits in the sidecar. :class:`RecordingSource` then yields the raw
stream block by block with the original ``first_index``, gaps and time stamps, as fast as it is
read; its :meth:`~RecordingSource.clock` is the newest sample time served, the replay's clock.

A recording cut short (a killed session) is replayed up to its last complete block; the
outputs are compared up to :attr:`RecordedRun.until_index`, the sample index up to which every
compared stream was flushed. After a ``device_lost`` fault the engine stopped inside a block:
the replay stops after the same chunk.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import numpy as np

from neurolink.errors import NeurolinkError
from neurolink.loop.core.build import DeviceLimits
from neurolink.loop.recording import RecordedStream, Session, read_session
from neurolink.loop.session.config import Config, config_from_dict
from neurolink.streams.block import Block, count_invalid
from neurolink.streams.events import empty_markers
from neurolink.streams.source import SourceStats

__all__ = ["RecordedRun", "RecordingSource", "ReplayError", "load_run"]


class ReplayError(NeurolinkError, ValueError):
    """A recording that cannot be replayed; the message says what is missing."""


@dataclass(frozen=True, eq=False)
class RecordedRun:
    """A recording read for replay.

    Attributes
    ----------
    path : pathlib.Path
    session : Session
        Every stream, and the sidecar.
    config : Config
        The config the session ran with.
    source_name : str
        Name of the live source (the ``origin`` stream of its commands).
    raw : RecordedStream
        The samples.
    blocks : numpy.ndarray of int64, shape (n_blocks, 3)
        ``first_index, n_samples, gap`` of every block replayable (complete in ``raw``).
    events : list of dict
        ``loop`` events (``caught_up``, ``pause``, ``unsent``, ``fit``, ``fault``).
    limits : dict of str to DeviceLimits
        Device limits by sink name.
    complete : bool
        The session closed normally (not killed, not cut short).
    until_index : int
        Sample index up to which the recorded outputs are complete (the newest processed
        sample when the recording is complete).
    """

    path: Path
    session: Session
    config: Config
    source_name: str
    raw: RecordedStream
    blocks: np.ndarray
    events: list[dict[str, Any]]
    limits: dict[str, DeviceLimits]
    complete: bool
    until_index: int

    @property
    def rate(self) -> float:
        """Sampling rate (Hz)."""
        return self.raw.rate

    @property
    def channels(self) -> tuple[str, ...]:
        """Channel labels."""
        return self.raw.channels

    @property
    def seconds(self) -> float:
        """Data time of the replayable blocks, gaps included (s)."""
        return float(self.blocks[:, 1:].sum()) / self.rate

    def of_event(self, event: str) -> list[dict[str, Any]]:
        """The ``loop`` events of one kind, in order."""
        return [e for e in self.events if e.get("event") == event]

    def intents(self) -> tuple[list[float], list[tuple[float, ...]]]:
        """Push times and values of the subject's intent (empty without a task)."""
        if "intent" not in self.session:
            return [], []
        s = self.session["intent"]
        return s.timestamps.tolist(), [tuple(map(float, row)) for row in s.data]

    @property
    def last_index(self) -> int:
        """Newest sample index of the replayable blocks."""
        return int(self.blocks[-1, 0] + self.blocks[-1, 1] - 1)

    def index_of(self, ts: np.ndarray) -> np.ndarray:
        """Sample index of each raw time stamp in ``ts`` (-1 for one that is not a raw
        sample's); decoded values and network spikes are stamped with their chunk's newest."""
        raw_ts = self.raw.timestamps[: int(self.blocks[:, 1].sum())]
        order = np.argsort(raw_ts, kind="stable")
        sorted_ts = raw_ts[order]
        ts = np.asarray(ts, np.float64)
        pos = np.clip(np.searchsorted(sorted_ts, ts), 0, max(len(sorted_ts) - 1, 0))
        found = sorted_ts[pos] == ts if len(sorted_ts) else np.zeros(ts.shape, bool)
        rows = order[pos]
        offsets = np.concatenate([[0], np.cumsum(self.blocks[:, 1])])
        k = np.searchsorted(offsets, rows, side="right") - 1
        return np.where(found, self.blocks[k, 0] + rows - offsets[k], -1).astype(np.int64)

    def time_of(self, index: int) -> float:
        """Time stamp of sample ``index`` (s), from the replayable block holding it."""
        b = self.blocks
        k = max(0, int(np.searchsorted(b[:, 0], index, side="right")) - 1)
        start = int(b[:k, 1].sum())
        j = min(start + max(0, int(index - b[k, 0])), start + int(b[k, 1]) - 1)
        return float(self.raw.timestamps[j])

    def model_path(self, node: str) -> Path | None:
        """The decoder fitted during the run for ``node`` (None: none was saved)."""
        fits = [e for e in self.of_event("fit") if e.get("node") == node]
        if not fits:
            return None
        saved = self.path.with_name(str(fits[0]["model"]))
        renamed = self.path.with_name(f"{self.path.stem}.{node}.npz")  # a recording renamed
        return saved if saved.exists() or not renamed.exists() else renamed


def _missing(path: Path, session: Session, what: str, why: str) -> ReplayError:
    have = ", ".join(session.streams) or "none"
    return ReplayError(f"{path}: cannot replay: {what} {why}. Recorded streams: {have}")


def load_run(path: str | Path, config: Config | None = None) -> RecordedRun:
    """Read a recording for replay.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.xdf`` file (its sidecar next to it).
    config : Config, optional
        Used only when the sidecar holds none.

    Raises
    ------
    ReplayError
        No raw samples, no block boundaries, no config: the message names what is missing.
    FileFormatError
        Not a readable recording.
    """
    path = Path(path)
    session = read_session(path)
    side = session.sidecar or {}
    recorded = side.get("config")
    if recorded is not None:
        config = config_from_dict(recorded, filename=f"{path} (sidecar config)")
    if "raw" not in session:
        raise _missing(
            path, session, "the raw samples (stream 'raw') are not in it:", _why_no_raw(session)
        )
    if "blocks" not in session:
        why = (
            f"the file is {session.damage}, before the first boundaries were written"
            if session.truncated
            else "recordings made before replay support lack it; the mappers decide at block "
            "ends, so the boundaries are needed to reproduce the commands"
        )
        raise _missing(path, session, "the block boundaries (stream 'blocks') are not in it:", why)
    if config is None:
        raise ReplayError(f"{path}: the sidecar holds no config; pass one (--config)")
    raw = session["raw"]
    loop = session["loop"].records() if "loop" in session else []
    events = [e for e in loop if isinstance(e, dict)]
    blocks = _replayable_blocks(path, session, raw, session["blocks"])
    blocks = _stop_at_device_lost(blocks, events)
    limits = _limits(path, side.get("limits") or {})
    src = side.get("source") or {}
    name = str(src.get("name") or _origin_stream(session) or "raw")
    complete = not session.truncated and side.get("status") == "closed"
    run = RecordedRun(path, session, config, name, raw, blocks, events, limits, complete, -1)
    return _with_window(run)


def _why_no_raw(session: Session) -> str:
    """Why a recording holds no raw samples, as far as the file and its sidecar show it."""
    if session.truncated:
        return f"the file is {session.damage}, before the first raw samples were written"
    side = session.sidecar or {}
    listed = [d.get("name") for d in side.get("streams") or [] if isinstance(d, dict)]
    if not listed:
        return "the sidecar does not list the streams written, so the file cannot tell why"
    if "raw" in listed:
        return (
            "yet its sidecar lists a 'raw' stream: the file is not as the session wrote it "
            "(streams removed, or another file under its name)"
        )
    config = side.get("config") if isinstance(side.get("config"), dict) else {}
    setting = ((config.get("loop") or {}).get("recording") or {}).get("raw")
    said = (
        "its config has `[loop.recording] raw = false` (`neurolink demo` without --record-raw)"
        if setting is False
        else "it was told not to record them"
    )
    return (
        f"the session did not record them ({said}; its sidecar lists the streams it wrote: "
        f"{', '.join(map(str, listed))}). Replay drives the graph from the samples; record them "
        "with `[loop.recording] raw = true` to replay"
    )


def _limits(path: Path, table: Any) -> dict[str, DeviceLimits]:
    try:
        return {
            str(sink): DeviceLimits(int(v["n_dof"]), float(v["max_speed"]), float(v["max_accel"]))
            for sink, v in table.items()
        }
    except (AttributeError, KeyError, TypeError, ValueError):
        raise ReplayError(
            f"{path}: the sidecar's 'limits' are not sink -> {{n_dof, max_speed, max_accel}}"
        ) from None


def _replayable_blocks(
    path: Path, session: Session, raw: RecordedStream, stream: RecordedStream
) -> np.ndarray:
    if stream.data.ndim != 2 or stream.data.shape[1] != 3 or stream.fmt == "string":
        raise ReplayError(
            f"{path}: cannot replay: the 'blocks' stream has {stream.data.shape[1]} "
            f"{stream.fmt} channels, not 3 numbers (first_index, n_samples, gap)"
        )
    blocks = np.asarray(stream.data, np.float64).astype(np.int64).reshape(-1, 3)
    ends = np.cumsum(blocks[:, 1])
    keep = int(np.searchsorted(ends, len(raw.timestamps), side="right"))
    blocks, ends = blocks[:keep], ends[:keep]
    if keep and not np.array_equal(raw.timestamps[ends - 1], stream.timestamps[:keep]):
        raise ReplayError(
            f"{path}: cannot replay: the 'raw' samples and the 'blocks' boundaries disagree "
            "(a block's newest sample has another time stamp)"
        )
    if not keep:
        cut = f" (the file is {session.damage})" if session.truncated else ""
        raise ReplayError(f"{path}: cannot replay: no complete block of raw samples{cut}")
    return blocks


def _stop_at_device_lost(blocks: np.ndarray, events: list[dict[str, Any]]) -> np.ndarray:
    lost = [
        e["index"] for e in events if e.get("event") == "fault" and e.get("kind") == "device_lost"
    ]
    if not lost:
        return blocks
    stop = int(lost[0]) + 1
    out = blocks[blocks[:, 0] < stop].copy()
    last = out[-1]
    last[1] = min(last[1], stop - last[0])
    return out


def _origin_stream(session: Session) -> str | None:
    if "commands" not in session or not len(session["commands"]):
        return None
    first = session["commands"].records()[0]
    origin = first.get("origin") if isinstance(first, dict) else None
    return origin.get("stream") if isinstance(origin, dict) else None


def _with_window(run: RecordedRun) -> RecordedRun:
    """The sample index up to which every compared stream is complete.

    A file cut short ends inside a flush; each stream is a complete prefix, and within a flush
    the streams follow the recorder's order (``loop``, ``intent``, ``raw``, ``events``,
    ``decoded``, ``snn_spikes``, ``commands``): what the last decoded value and the last
    command needed (intents, events, network spikes of their chunk and before) was flushed
    with or before them. Spikes are emitted a little after their sample (the detector looks
    ahead), in sample order: the last recorded spike bounds the window too.
    """
    s, until = run.session, run.last_index
    fault = [e for e in run.events if e.get("event") == "fault" and e.get("kind") == "device_lost"]
    if fault:  # the chunk of the loss was cut short: compare the chunks before it
        until = min(until, int(fault[0]["index"]) - 1)
    if not run.complete:
        ends = []
        if "events" in s and len(s["events"]):
            ends.append(int(s["events"].data[-1, 0]))
        if "decoded" in s and len(s["decoded"]):
            ends.append(int(run.index_of(s["decoded"].timestamps[-1:])[0]))
        cmds = s["commands"].records() if "commands" in s else []
        if cmds:
            ends.append(int((cmds[-1].get("origin") or {}).get("sample_index", until)))
        elif "snn_spikes" in s and len(s["snn_spikes"]):
            ends.append(int(run.index_of(s["snn_spikes"].timestamps[-1:])[0]))
        until = min(until, *ends)
    return dataclasses.replace(run, until_index=until)


class RecordingSource:
    """The recorded raw stream as Blocks with their original indices and time stamps.

    Parameters
    ----------
    run : RecordedRun
    on_exhausted : callable, optional
        Called once when the last block has been served (the replay stops the engine).
    """

    def __init__(self, run: RecordedRun, on_exhausted: Callable[[], None] | None = None) -> None:
        self.name = run.source_name
        self.rate = run.rate
        self.channels = run.channels
        self.stats = SourceStats()
        self.on_exhausted = on_exhausted
        self._data = np.ascontiguousarray(run.raw.data, np.float32)
        self._ts = np.asarray(run.raw.timestamps, np.float64)
        self._blocks = run.blocks
        self._offsets = np.concatenate([[0], np.cumsum(run.blocks[:, 1])]).tolist()
        self._k = 0
        self._now = float(self._ts[0]) if self._ts.size else 0.0
        self._told = False

    def open(self) -> None:
        """Start from the first block."""
        self._k, self._told = 0, False

    def clock(self) -> float:
        """The replay's host clock: the time stamp of the newest sample served (s)."""
        return self._now

    def read(self, timeout: float = 0.0) -> Block | None:
        """The next recorded block; None (and ``on_exhausted``) after the last."""
        k = self._k
        if k >= len(self._blocks):
            if not self._told and self.on_exhausted is not None:
                self._told = True
                self.on_exhausted()
            return None
        first, n, gap = (int(v) for v in self._blocks[k])
        a = self._offsets[k]
        data = self._data[a : a + n]
        invalid = count_invalid(data)
        block = Block(
            data, self._ts[a : a + n], first, self.rate, self.channels, self.name, gap, invalid
        )
        self._k = k + 1
        self._now = float(self._ts[a + n - 1])
        st = self.stats
        st.n_samples += n
        st.n_blocks += 1
        st.n_gaps += gap > 0
        st.gap_samples += gap
        st.n_invalid += invalid
        st.last_data_age = 0.0
        return block

    def read_markers(self) -> np.ndarray:
        """No markers are replayed."""
        return empty_markers()

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def intent_at(times: list[float], values: list[tuple[float, ...]], t: float) -> tuple[float, ...]:
    """The intent in force at host time ``t`` (the last pushed at or before it; zeros before)."""
    k = bisect.bisect_right(times, t) - 1
    if k >= 0:
        return values[k]
    return (0.0,) * (len(values[0]) if values else 2)
