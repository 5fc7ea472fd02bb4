"""The ``desc/channels`` node of an LSL stream (XDF metadata convention): write and read it.

Each channel is ``<channel><label>…</label><unit>…</unit><type>…</type></channel>``
(https://github.com/sccn/xdf/wiki/Meta-Data). neurolink writes all three on every outlet it
creates: voltages in ``microvolts``, channel types such as ``EEG`` or ``Extracellular``.
"""

from __future__ import annotations

import pylsl

__all__ = ["channel_descriptions", "channel_labels"]


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
