"""Read a recorded session back: streams by name as numpy arrays, with the sidecar.

:func:`read_session` parses with ``pyxdf.load_xdf`` (a runtime dependency)
with clock synchronisation and de-jittering off by default, so time stamps come back exactly as
written, except those of a ``corrected`` stream (an LSL source's raw samples,
:mod:`~neurolink.loop.recording.clocks`): the file holds the producer's stamps and its clock
corrections, and they come back on the host clock, bit for bit as the engine saw them.

The file is first checked chunk by chunk (:func:`neurolink.bounded.xdf_scan.scan_xdf`): a chunk that
breaks the format or declares more than the limits allow (a channel count, a sample count its bytes
cannot hold) is refused as "corrupt chunk at byte N" before pyxdf allocates anything, so pyxdf never
skips damage silently. A file cut short (a killed session) ends inside a chunk: only the complete
chunks are handed to pyxdf, :attr:`Session.truncated` is set and :attr:`Session.truncated_at` says
where the partial chunk starts. The sidecar is read with its size and JSON depth bounded, and the
types of the keys the recorder writes checked.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from neurolink.bounded.xdf_file import checked_xdf
from neurolink.bounded.xdf_scan import CorruptChunk, NotXdf, XdfScan, scan_xdf
from neurolink.errors import FileFormatError
from neurolink.loop.recording.clocks import StreamClock
from neurolink.loop.recording.layouts import StreamKind, from_json, rows_to_events
from neurolink.loop.recording.sidecar import read_sidecar
from neurolink.loop.recording.xdf import NUMERIC_DTYPES
from neurolink.streams.meta.clock import host_times

__all__ = ["RecordedStream", "Session", "complete_length", "read_session"]


@dataclass(frozen=True, eq=False)
class RecordedStream:
    """One stream of a recording.

    Attributes
    ----------
    name, type, source_id : str
        LSL name, content type and source id.
    kind : StreamKind
        What the stream holds (``other`` for streams not written by neurolink).
    stream_id : int
        XDF stream id.
    channels : tuple of str
        Channel labels.
    rate : float
        Nominal rate (Hz), 0 for irregular.
    fmt : str
        XDF ``channel_format``.
    data : numpy.ndarray, shape (n_samples, n_channels)
        Values in the stream's dtype; ``object`` array of str for a string stream.
    timestamps : numpy.ndarray of float64, shape (n_samples,)
        Time stamps (s), as written unless clocks were synchronised on reading; a ``corrected``
        stream's on the host clock (its producer's stamps plus its clock corrections).
    clock_offsets : numpy.ndarray of float64, shape (n_offsets, 2)
        ``(collection_time, offset)`` rows (s).
    footer : dict or None
        ``first_timestamp``, ``last_timestamp``, ``sample_count`` from the stream footer, or None
        when the file has no footer for the stream (a session that did not close).
    info : dict
        The header as pyxdf parses it.
    """

    name: str
    type: str
    source_id: str
    kind: StreamKind
    stream_id: int
    channels: tuple[str, ...]
    rate: float
    fmt: str
    data: np.ndarray
    timestamps: np.ndarray
    clock_offsets: np.ndarray
    footer: dict[str, float] | None
    info: dict[str, Any] = field(repr=False)

    def __len__(self) -> int:
        return len(self.timestamps)

    def labels(self) -> list[str]:
        """Values of a one-channel string stream (markers, JSON records) as a list."""
        if self.fmt != "string" or len(self.channels) != 1:
            raise ValueError(f"stream {self.name!r} is not a one-channel string stream")
        return [str(v) for v in self.data[:, 0]]

    def records(self) -> list[Any]:
        """Parsed JSON values of a commands or acks stream."""
        return [from_json(text) for text in self.labels()]

    def spike_events(self) -> np.ndarray:
        """An ``events`` stream as SPIKE_DTYPE, shape (n_spikes,)."""
        if self.kind is not StreamKind.EVENTS:
            raise ValueError(f"stream {self.name!r} holds {self.kind.value}, not events")
        return rows_to_events(self.data)


@dataclass(frozen=True, eq=False)
class Session:
    """A recording read back.

    Attributes
    ----------
    path : pathlib.Path
        The XDF file.
    streams : dict of str to RecordedStream
        Streams by name, in file order.
    sidecar : dict or None
        The JSON sidecar (None when missing).
    file_header : dict
        The XDF file header as pyxdf parses it.
    truncated : bool
        True when the file ended inside a chunk (the partial chunk was ignored).
    truncated_at : int or None
        Byte offset where the partial chunk starts (None when not truncated).
    """

    path: Path
    streams: dict[str, RecordedStream]
    sidecar: dict[str, Any] | None
    file_header: dict[str, Any] | None
    truncated: bool
    truncated_at: int | None = None

    @property
    def damage(self) -> str | None:
        """``"truncated at byte N"`` with what was ignored, or None for a whole file."""
        if not self.truncated:
            return None
        return (
            f"truncated at byte {self.truncated_at}: the file ends inside a chunk, which was "
            "ignored (the session did not close: killed, or the disk filled)"
        )

    def __getitem__(self, name: str) -> RecordedStream:
        try:
            return self.streams[name]
        except KeyError:
            raise KeyError(
                f"{self.path}: no stream {name!r}; streams: {list(self.streams)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self.streams

    def __iter__(self) -> Iterator[RecordedStream]:
        return iter(self.streams.values())

    def by_kind(self, kind: StreamKind | str) -> list[RecordedStream]:
        """Streams of one kind, in file order."""
        k = StreamKind(kind)
        return [s for s in self.streams.values() if s.kind is k]


def complete_length(f: BinaryIO) -> int:
    """Length of the longest prefix of an XDF file that ends on a chunk boundary.

    Every chunk is checked (:func:`~neurolink.bounded.xdf_scan.scan_xdf`), not only framed.

    Parameters
    ----------
    f : binary file, seekable
        The file, at any position; it is left at an unspecified position.

    Returns
    -------
    int
        Byte count: the magic plus every complete chunk; the rest is a partial chunk.

    Raises
    ------
    FileFormatError
        Not an XDF file, or a corrupt chunk (its byte offset in the message).
    """
    return _scan(f).end


def _scan(f: BinaryIO) -> XdfScan:
    try:
        return scan_xdf(f)
    except (NotXdf, CorruptChunk) as exc:
        raise FileFormatError(str(exc)) from None


def read_session(
    path: str | Path, *, synchronize_clocks: bool = False, dejitter: bool = False
) -> Session:
    """Read a recording written by :class:`~.recorder.SessionRecorder` (or any XDF file).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.xdf`` file (``.xdfz``: gzip-compressed); its sidecar is read from
        ``path.with_suffix(".json")`` if present.
    synchronize_clocks : bool
        Apply the ClockOffset chunks to the time stamps (pyxdf's synchronisation).
    dejitter : bool
        Replace the time stamps of regular streams by a linear fit (pyxdf's de-jittering).

    Returns
    -------
    Session

    Raises
    ------
    FileFormatError
        One line naming the file: not XDF, a corrupt chunk (with its byte offset), more than
        memory allows, an unreadable sidecar.
    """
    path = Path(path)
    try:
        pyxdf = importlib.import_module("pyxdf")
    except ImportError as exc:
        raise FileFormatError(f"{path}: reading XDF needs pyxdf (pip install pyxdf)") from exc
    source, scan = checked_xdf(path, FileFormatError)
    try:
        streams, header = pyxdf.load_xdf(
            source,
            synchronize_clocks=synchronize_clocks,
            dejitter_timestamps=dejitter,
        )
        by_name = {
            rs.name: rs for rs in (_recorded(s, host=not synchronize_clocks) for s in streams)
        }
    except MemoryError:
        raise FileFormatError(f"{path}: not enough memory to read the recording") from None
    except Exception as exc:  # pyxdf raises anything on a file it cannot read
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise FileFormatError(f"{path}: cannot read as XDF: {first}") from None
    sidecar = read_sidecar(path)
    at = scan.end if scan.truncated else None
    return Session(path, by_name, sidecar, header, scan.truncated, at)


def _first(d: dict[str, Any], key: str, default: Any = None) -> Any:
    value = d.get(key)
    if not value:
        return default
    return value[0]


def _channels(info: dict[str, Any], n: int) -> tuple[tuple[str, ...], StreamKind, str]:
    """Channel labels, kind and clock (``desc/neurolink``; ``""`` when not neurolink's)."""
    labels = [f"ch{i}" for i in range(n)]
    kind = StreamKind.OTHER
    clock = ""
    desc = _first(info, "desc")
    if isinstance(desc, dict):
        chans = _first(desc, "channels")
        if isinstance(chans, dict):
            found = [str(_first(c, "label", "") or "") for c in chans.get("channel", [])]
            if len(found) == n:
                labels = found
        meta = _first(desc, "neurolink")
        if isinstance(meta, dict):
            try:
                kind = StreamKind(_first(meta, "kind"))
            except ValueError:
                kind = StreamKind.OTHER
            clock = str(_first(meta, "clock", "") or "")
    return tuple(labels), kind, clock


def _footer(s: dict[str, Any]) -> dict[str, float] | None:
    footer = s.get("footer")
    if not footer:
        return None
    info = footer.get("info") or {}
    out: dict[str, float] = {}
    for key, kind, default in (
        ("first_timestamp", float, "nan"),
        ("last_timestamp", float, "nan"),
        ("sample_count", int, "0"),
    ):
        text = _first(info, key, default)
        try:
            out[key] = kind(text)
        except (TypeError, ValueError):
            name = _first(s["info"], "name", "")
            raise FileFormatError(
                f"the footer of stream {name!r} holds {key} = {str(text)[:40]!r}, not a number"
            ) from None
    return out


def _recorded(s: dict[str, Any], *, host: bool) -> RecordedStream:
    info = s["info"]
    n = int(_first(info, "channel_count"))
    fmt = str(_first(info, "channel_format"))
    channels, kind, clock = _channels(info, n)
    if fmt == "string":
        data = np.empty((len(s["time_series"]), n), dtype=object)
        for i, row in enumerate(s["time_series"]):
            data[i, :] = row
    else:
        data = np.asarray(s["time_series"], dtype=NUMERIC_DTYPES[fmt]).reshape(-1, n)
    offsets = np.column_stack(
        [
            np.asarray(s["clock_times"], dtype=np.float64),
            np.asarray(s["clock_values"], dtype=np.float64),
        ]
    ).reshape(-1, 2)
    timestamps = np.asarray(s["time_stamps"], dtype=np.float64)
    if host and clock == StreamClock.CORRECTED and len(offsets) and len(timestamps):
        timestamps = host_times(timestamps, offsets[:, 0], offsets[:, 1])
    return RecordedStream(
        name=str(_first(info, "name", "")),
        type=str(_first(info, "type", "") or ""),
        source_id=str(_first(info, "source_id", "") or ""),
        kind=kind,
        stream_id=int(info["stream_id"]),
        channels=channels,
        rate=float(_first(info, "nominal_srate", "0")),
        fmt=fmt,
        data=data,
        timestamps=timestamps,
        clock_offsets=offsets,
        footer=_footer(s),
        info=info,
    )
