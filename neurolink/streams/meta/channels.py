"""The ``desc/channels`` node of an LSL stream (XDF metadata convention): write and read it.

Each channel is ``<channel><label>…</label><unit>…</unit><type>…</type></channel>``
(https://github.com/sccn/xdf/wiki/Meta-Data). neurolink writes all three on every outlet it
creates: voltages in ``microvolts``, channel types such as ``EEG`` or ``Extracellular``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pylsl

from neurolink.streams.meta.units import MICROVOLTS, VOLTAGE_TYPES

__all__ = [
    "EXTRACELLULAR_MIN_RATE",
    "MARKER_TYPE",
    "add_channels",
    "channel_descriptions",
    "channel_labels",
    "channel_type_name",
    "common_type",
    "default_channel_type",
    "default_unit",
    "recording_stream_type",
    "source_channel_types",
]

#: Channel type names as the XDF metadata convention spells them, by lower-case name
#: (BrainFlow's row kinds, MNE's channel types); others are written as given.
_TYPE_NAMES = {
    "eeg": "EEG",
    "emg": "EMG",
    "ecg": "ECG",
    "eog": "EOG",
    "ecog": "ECoG",
    "seeg": "SEEG",
    "ppg": "PPG",
    "eda": "EDA",
    "accel": "Accel",
    "gyro": "Gyro",
    "extracellular": "Extracellular",
}

#: Channel type of a marker (string) stream's channel, as LabRecorder's marker apps write it.
MARKER_TYPE = "Marker"

#: A played recording sampled at this rate or faster is extracellular (spikes need >= 10 kHz;
#: EEG and ECoG amplifiers sample at 2 kHz or less in practice).
EXTRACELLULAR_MIN_RATE = 10_000.0


def recording_stream_type(rate: float) -> str:
    """Content type to publish a recording under: ``Extracellular`` at >= 10 kHz, else ``EEG``.

    Parameters
    ----------
    rate : float
        The recording's sampling rate (Hz).
    """
    return "Extracellular" if rate >= EXTRACELLULAR_MIN_RATE else "EEG"


def default_channel_type(stype: str, fmt: str) -> str:
    """Channel type for a stream's channels: ``Marker`` on string streams, else the stream type.

    Parameters
    ----------
    stype : str
        LSL content type of the stream (``"EEG"``, ``"Extracellular"``, ``"Markers"`` …).
    fmt : str
        LSL channel format (``"float32"``, ``"string"`` …).
    """
    return MARKER_TYPE if fmt == "string" else stype


def default_unit(channel_type: str, fmt: str) -> str:
    """``microvolts`` for a numeric voltage channel (EEG, extracellular …), else ``""``.

    Parameters
    ----------
    channel_type : str
        The channel's type.
    fmt : str
        LSL channel format.
    """
    if fmt != "string" and channel_type.casefold() in VOLTAGE_TYPES:
        return MICROVOLTS
    return ""


def add_channels(
    info: pylsl.StreamInfo,
    labels: Sequence[str],
    units: Sequence[str],
    types: Sequence[str],
) -> None:
    """Append ``desc/channels`` with one ``channel`` (``label``, ``unit``, ``type``) per label.

    Parameters
    ----------
    info : pylsl.StreamInfo
        The stream description to complete (its ``desc`` must not have ``channels`` yet).
    labels, units, types : sequence of str, length n_channels
        Per channel; an empty unit or type is left out (a marker has no unit).
    """
    chans = info.desc().append_child("channels")
    for label, unit, ctype in zip(labels, units, types, strict=True):
        ch = chans.append_child("channel")
        ch.append_child_value("label", str(label))
        if unit:
            ch.append_child_value("unit", unit)
        if ctype:
            ch.append_child_value("type", ctype)


def _channel_field(info: pylsl.StreamInfo, field: str) -> list[str]:
    """``desc/channels/channel/<field>`` of every channel ("" where absent)."""
    values: list[str] = []
    ch = info.desc().child("channels").child("channel")
    while not ch.empty():
        values.append(ch.child_value(field))
        ch = ch.next_sibling("channel")
    return values


def channel_labels(info: pylsl.StreamInfo) -> tuple[str, ...]:
    """Read channel labels from ``desc/channels``; ``ch0..chN`` when absent."""
    labels = _channel_field(info, "label")
    if len(labels) != info.channel_count():
        labels = [f"ch{i}" for i in range(info.channel_count())]
    return tuple(labels)


def channel_descriptions(
    info: pylsl.StreamInfo,
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Channel labels, units and types from ``desc/channels`` (XDF metadata convention).

    Returns
    -------
    labels, units, types : tuple of str, each of length n_channels
        Labels default to ``ch0..chN``, units and types to ``""`` when the description does not
        have exactly one ``channel`` element per channel.
    """
    n = info.channel_count()
    units, types = _channel_field(info, "unit"), _channel_field(info, "type")
    if len(units) != n:
        units = [""] * n
    if len(types) != n:
        types = [""] * n
    return channel_labels(info), tuple(units), tuple(types)


def channel_type_name(kind: str) -> str:
    """A channel type as the XDF metadata convention spells it (``eeg`` → ``EEG``).

    Parameters
    ----------
    kind : str
        A channel type in any case (BrainFlow row kind, MNE or LSL channel type).
    """
    text = str(kind).strip()
    return _TYPE_NAMES.get(text.casefold(), text)


def source_channel_types(declared: Sequence[str], n_channels: int, rate: float) -> tuple[str, ...]:
    """Per-channel types of a source, for the streams that record or republish it.

    Parameters
    ----------
    declared : sequence of str
        The types the source declares (an LSL stream's ``desc/channels``, a BrainFlow board's
        row kinds); ``""`` where unknown.
    n_channels : int
        The source's channel count.
    rate : float
        Sampling rate (Hz), for the channels whose type is unknown.

    Returns
    -------
    tuple of str, length n_channels
        The declared types (spelled by :func:`channel_type_name`); where none is declared,
        the type of the declared channels when they agree, else by rate
        (:func:`recording_stream_type`: ``Extracellular`` at >= 10 kHz, else ``EEG``).
    """
    names = [channel_type_name(t) if t else "" for t in declared]
    if len(names) != n_channels:
        names = [""] * n_channels
    known = {t for t in names if t}
    fill = known.pop() if len(known) == 1 else recording_stream_type(rate)
    return tuple(t or fill for t in names)


def common_type(types: Sequence[str]) -> str:
    """The stream type of channels of these types: the most frequent one (first on a tie).

    Parameters
    ----------
    types : sequence of str, non-empty
        Per-channel types.
    """
    if not types:
        raise ValueError("common_type: no channel types")
    counts: dict[str, int] = {}
    for t in types:
        counts[t] = counts.get(t, 0) + 1
    return max(counts, key=lambda t: counts[t])
