"""Channel layouts of the streams the engine records, so that replay can read them back.

Each recorded stream has a :class:`StreamKind`, written into its XDF header as
``desc/neurolink/kind``; the layout functions below fix the channel labels, format and rate for
each kind, and the conversion helpers turn the engine's arrays into rows and back.

=========== ========= ============================================================ ==========
kind        format    channels                                                     rate
=========== ========= ============================================================ ==========
raw         float32   the acquisition channel labels                               stream Hz
events      double64  ``sample_index, channel, amplitude, unit`` (one spike a row) 0
decoded     double64  one per decoded dimension or class                           bin Hz / 0
snn_spikes  double64  ``step, neuron`` (one spike a row)                           0
commands    string    ``json`` (one command a sample, canonical JSON)              0
acks        string    ``json`` (one device acknowledgement a sample)               0
latencies   double64  ``total`` (t_wire − t_sample, s), then one column per stage  0
markers     string    ``label``                                                    0
=========== ========= ============================================================ ==========

Spike events are stored as doubles: every field of :data:`~neurolink.streams.events.SPIKE_DTYPE`
(int64 sample index below 2**53, int32 channel and unit, float32 amplitude) is exact in a double,
and the int32 format would overflow the sample index after ~20 h at 30 kHz.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from neurolink.bounded.json_text import loads_bounded
from neurolink.errors import FileFormatError
from neurolink.loop.recording.xdf import NUMERIC_DTYPES
from neurolink.streams.events import SPIKE_DTYPE
from neurolink.streams.meta.channels import MARKER_TYPE
from neurolink.streams.meta.units import MICROVOLTS

__all__ = [
    "EVENT_CHANNELS",
    "FORMATS",
    "SNN_SPIKE_CHANNELS",
    "StreamKind",
    "StreamLayout",
    "acks_layout",
    "commands_layout",
    "decoded_layout",
    "events_layout",
    "events_to_rows",
    "from_json",
    "latencies_layout",
    "markers_layout",
    "raw_layout",
    "rows_to_events",
    "snn_spikes_layout",
    "to_json",
]

#: XDF channel formats a stream may have.
FORMATS = (*NUMERIC_DTYPES, "string")
#: Channel labels of an ``events`` stream, in column order.
EVENT_CHANNELS = ("sample_index", "channel", "amplitude", "unit")
#: Channel labels of an ``snn_spikes`` stream, in column order.
SNN_SPIKE_CHANNELS = ("step", "neuron")


class StreamKind(enum.StrEnum):
    """What a recorded stream holds (stored in the header as ``desc/neurolink/kind``)."""

    RAW = "raw"
    EVENTS = "events"
    DECODED = "decoded"
    SNN_SPIKES = "snn_spikes"
    COMMANDS = "commands"
    ACKS = "acks"
    LATENCIES = "latencies"
    MARKERS = "markers"
    OTHER = "other"


@dataclasses.dataclass(frozen=True, slots=True)
class StreamLayout:
    """Everything about a stream except its name and source id.

    Attributes
    ----------
    kind : StreamKind
        What the stream holds.
    type : str
        LSL content type (``EEG``, ``Markers``…).
    channels : tuple of str
        Channel labels, one per column.
    rate : float
        Nominal rate (Hz); 0 for an irregular stream.
    fmt : str
        XDF ``channel_format``.
    units : tuple of str or None
        Per-channel units, if any (``microvolts`` for voltages, XDF metadata convention).
    types : tuple of str or None
        Per-channel types; None: :meth:`channel_types` derives them.
    """

    kind: StreamKind
    type: str
    channels: tuple[str, ...]
    rate: float
    fmt: str
    units: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise ValueError(f"format {self.fmt!r} is not one of {FORMATS}")
        if not self.channels or not all(isinstance(c, str) for c in self.channels):
            raise ValueError(f"channels must be one or more str labels, got {self.channels!r}")
        if self.units is not None and len(self.units) != len(self.channels):
            raise ValueError(f"{len(self.units)} units for {len(self.channels)} channels")
        if self.types is not None and len(self.types) != len(self.channels):
            raise ValueError(f"{len(self.types)} types for {len(self.channels)} channels")
        if not (self.rate >= 0 and np.isfinite(self.rate)):
            raise ValueError(f"rate must be a finite number ≥ 0 Hz, got {self.rate!r}")

    def channel_types(self) -> tuple[str, ...]:
        """Per-channel types: as given, else ``Marker`` (markers) or the stream type."""
        if self.types is not None:
            return self.types
        ctype = MARKER_TYPE if self.kind is StreamKind.MARKERS else self.type
        return (ctype,) * len(self.channels)


def raw_layout(
    channels: Sequence[str],
    rate: float,
    *,
    type: str = "ExtracellularVoltage",
    unit: str = MICROVOLTS,
    channel_type: str = "Extracellular",
) -> StreamLayout:
    """Continuous acquisition data, float32 ``(n_samples, n_channels)`` as in a Block.

    Parameters
    ----------
    channels : sequence of str
        Channel labels.
    rate : float
        Sampling rate (Hz), > 0.
    type : str
        LSL content type (``EEG`` for EEG).
    unit : str
        Unit of every channel (``microvolts``: what a Block carries for voltages).
    channel_type : str
        Type of every channel (``Extracellular``, ``EEG`` …).
    """
    if not rate > 0:
        raise ValueError(f"a raw stream needs a sampling rate > 0 Hz, got {rate!r}")
    chans = tuple(channels)
    n = len(chans)
    return StreamLayout(
        StreamKind.RAW, type, chans, float(rate), "float32", (unit,) * n, (channel_type,) * n
    )


def events_layout() -> StreamLayout:
    """Detected spikes, one per sample: ``sample_index, channel, amplitude, unit`` as doubles."""
    return StreamLayout(StreamKind.EVENTS, "SpikeEvents", EVENT_CHANNELS, 0.0, "double64")


def decoded_layout(dims: Sequence[str], rate: float = 0.0) -> StreamLayout:
    """Decoder outputs, float64 ``(n_bins, n_dims)`` (state dimensions or class posteriors).

    Parameters
    ----------
    dims : sequence of str
        One label per decoded dimension (``vx``, ``vy``…) or class.
    rate : float
        Bin rate (Hz), or 0 when bins are irregular.
    """
    return StreamLayout(StreamKind.DECODED, "Decoded", tuple(dims), float(rate), "double64")


def snn_spikes_layout() -> StreamLayout:
    """Output spikes of the spiking network, one per sample: ``step, neuron`` as doubles."""
    return StreamLayout(StreamKind.SNN_SPIKES, "SNNSpikes", SNN_SPIKE_CHANNELS, 0.0, "double64")


def commands_layout() -> StreamLayout:
    """Device commands, one canonical-JSON string per sample (see :func:`to_json`)."""
    return StreamLayout(StreamKind.COMMANDS, "Commands", ("json",), 0.0, "string")


def acks_layout() -> StreamLayout:
    """Device acknowledgements, one canonical-JSON string per sample."""
    return StreamLayout(StreamKind.ACKS, "Acks", ("json",), 0.0, "string")


def latencies_layout(stages: Sequence[str] = ()) -> StreamLayout:
    """Per-command latency (s): ``total`` = t_wire − t_sample, then one column per stage.

    Parameters
    ----------
    stages : sequence of str
        Stage names (``acquire``, ``filter_detect``, ``decode``, ``snn``, ``wire``…).
    """
    names = ("total", *stages)
    if len(set(names)) != len(names):
        raise ValueError(f"latency stage names must be unique and not 'total', got {names}")
    return StreamLayout(
        StreamKind.LATENCIES, "Latency", names, 0.0, "double64", ("s",) * len(names)
    )


def markers_layout() -> StreamLayout:
    """Text markers (task events, faults, state changes), one label per sample."""
    return StreamLayout(StreamKind.MARKERS, "Markers", ("label",), 0.0, "string")


def events_to_rows(events: np.ndarray) -> np.ndarray:
    """Spike events as rows of an ``events`` stream.

    Parameters
    ----------
    events : numpy.ndarray of SPIKE_DTYPE, shape (n_spikes,)

    Returns
    -------
    numpy.ndarray of float64, shape (n_spikes, 4)
        Columns :data:`EVENT_CHANNELS`.
    """
    rows = np.empty((len(events), len(EVENT_CHANNELS)), dtype=np.float64)
    for j, field in enumerate(EVENT_CHANNELS):
        rows[:, j] = events[field]
    return rows


def rows_to_events(rows: np.ndarray) -> np.ndarray:
    """Inverse of :func:`events_to_rows`.

    Parameters
    ----------
    rows : numpy.ndarray of float64, shape (n_spikes, 4)

    Returns
    -------
    numpy.ndarray of SPIKE_DTYPE, shape (n_spikes,)
    """
    rows = np.asarray(rows, dtype=np.float64).reshape(-1, len(EVENT_CHANNELS))
    events = np.empty(len(rows), dtype=SPIKE_DTYPE)
    for j, field in enumerate(EVENT_CHANNELS):
        events[field] = rows[:, j]
    return events


def _plain(obj: Any) -> Any:
    """``json.dumps`` fallback: dataclasses, enums, numpy values, tuples of those."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "__fspath__"):
        return str(obj)
    raise TypeError(f"cannot record a {type(obj).__name__} as JSON: {obj!r}")


def to_json(obj: Any) -> str:
    """Canonical JSON of a command, ack or sidecar value (sorted keys, no spaces).

    Dataclasses (commands), enums, numpy scalars and arrays, and paths are converted; the same
    object always gives the same text, so live and replayed commands compare as strings.
    """
    return json.dumps(obj, default=_plain, sort_keys=True, separators=(",", ":"), allow_nan=True)


def from_json(text: str) -> Any:
    """Parse one recorded JSON value, its size and nesting bounded.

    Raises
    ------
    FileFormatError
        Not JSON, or over the limits of :func:`neurolink.bounded.loads_bounded`.
    """
    return loads_bounded(text, "a recorded JSON record", FileFormatError)
