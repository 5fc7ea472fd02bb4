"""Channel units and types of LSL streams: read both conventions, convert voltages to µV.

DESIGN.md §2: every stream says its unit per channel, sources convert to the unit the Block
declares (µV for voltages) or refuse a unit they do not know. Two conventions meet in the wild:

* the XDF metadata convention (LabRecorder, most LSL apps): ``desc/channels/channel/unit`` holds
  a unit *name*: ``microvolts``, ``uV``, ``µV``, ``millivolts``, ``mV``, ``volts``, ``V``,
  ``nanovolts``, ``nV`` …;
* MNE-LSL (``StreamInfo.set_channel_info``, so every ``PlayerLSL``): ``unit`` holds the
  power-of-ten multiplier of the channel type's SI unit as an integer (``0`` = V, ``-6`` = µV for
  a voltage channel), beside ``<type>eeg</type>``.

Voltage channels are scaled to µV. A channel of another type (``stim``, a velocity, a
marker) keeps its values and its unit text. A voltage channel, or a channel of unknown type,
whose unit is neither a voltage nor a recognised "no unit" word is refused with
:class:`UnitError` naming the channel and the unit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neurolink.errors import SourceError

__all__ = [
    "MICROVOLTS",
    "VOLTAGE_TYPES",
    "ChannelUnits",
    "UnitError",
    "channel_units",
    "voltage_scale",
]

#: The unit name written for µV (XDF metadata convention).
MICROVOLTS = "microvolts"

#: Channel types whose SI unit is the volt (XDF/MNE names, compared case-insensitively).
VOLTAGE_TYPES = frozenset(
    {
        "eeg",
        "eog",
        "ecg",
        "emg",
        "ecog",
        "seeg",
        "ieeg",
        "dbs",
        "bio",
        "lfp",
        "extracellular",
        "voltage",
    }
)

#: Voltage unit names → factor to µV. Symbols are matched as written (``mV`` ≠ ``MV``); names
#: case-insensitively.
_VOLT_SYMBOLS = {
    "V": 1e6,
    "v": 1e6,
    "mV": 1e3,
    "mv": 1e3,
    "uV": 1.0,
    "uv": 1.0,
    "\u00b5V": 1.0,  # micro sign
    "\u03bcV": 1.0,  # Greek small mu
    "nV": 1e-3,
    "nv": 1e-3,
}
_VOLT_NAMES = {
    "volt": 1e6,
    "volts": 1e6,
    "millivolt": 1e3,
    "millivolts": 1e3,
    "microvolt": 1.0,
    "microvolts": 1.0,
    "nanovolt": 1e-3,
    "nanovolts": 1e-3,
}
#: Unit words that mean "no physical unit" (kept as they are on non-voltage channels).
_NO_UNIT = frozenset({"none", "n/a", "na", "a.u.", "au", "arbitrary", "normalized", "unitless"})

_INT = re.compile(r"[+-]?\d{1,3}")


class UnitError(SourceError, ValueError):
    """A channel's unit is not one neurolink can convert (or not a voltage where one is due)."""


def voltage_scale(unit: str) -> float | None:
    """Factor that turns a value in ``unit`` into µV, or None when ``unit`` is not a voltage.

    Parameters
    ----------
    unit : str
        A unit name or symbol (``"microvolts"``, ``"uV"``, ``"mV"``, ``"V"``, ``"nV"`` …).

    Returns
    -------
    float or None
        1e6 for volts, 1e3 for millivolts, 1 for microvolts, 1e-3 for nanovolts.
    """
    text = unit.strip()
    if text in _VOLT_SYMBOLS:
        return _VOLT_SYMBOLS[text]
    return _VOLT_NAMES.get(text.casefold())


@dataclass(frozen=True, slots=True)
class ChannelUnits:
    """What a source does to each channel, and what the channels carry afterwards.

    Attributes
    ----------
    scale : numpy.ndarray of float64, shape (n_channels,), or None
        Factor each channel is multiplied by (None when every factor is 1).
    units : tuple of str, length n_channels
        Unit of each channel after scaling: ``"microvolts"`` for voltage channels, the declared
        text for others, ``""`` when the stream declared none.
    types : tuple of str, length n_channels
        Channel types as declared (``""`` when absent).
    declared : bool
        True when the stream declared a unit for at least one channel.
    """

    scale: np.ndarray | None
    units: tuple[str, ...]
    types: tuple[str, ...]
    declared: bool


def _one(stream: str, label: str, unit: str, ctype: str) -> tuple[float, str]:
    """Factor and resulting unit of one channel (see the module docstring)."""
    kind = ctype.strip().casefold()
    text = unit.strip()
    if _INT.fullmatch(text):  # MNE-LSL: power of ten of the type's SI unit
        if kind in VOLTAGE_TYPES:
            return 10.0 ** (int(text) + 6), MICROVOLTS
        if kind:
            return 1.0, text  # e.g. a stim channel's "0": kept as it is
        raise UnitError(
            f"LSL stream {stream!r}, channel {label!r}: unit {unit!r} is a power of ten "
            "(MNE-LSL convention) but the channel declares no type to say of which unit"
        )
    factor = voltage_scale(text)
    if factor is not None:
        return factor, MICROVOLTS
    if kind and kind not in VOLTAGE_TYPES:
        return 1.0, text  # a non-voltage channel (velocity, marker …) keeps its unit
    if text.casefold() in _NO_UNIT and kind not in VOLTAGE_TYPES:
        return 1.0, text
    what = f"{ctype} channel" if kind else "channel of no declared type"
    raise UnitError(
        f"LSL stream {stream!r}, {what} {label!r}: unknown unit {unit!r} (expected V, mV, "
        "µV/uV/microvolts, nV, or MNE-LSL's power of ten such as -6)"
    )


def channel_units(
    stream: str,
    labels: Sequence[str],
    units: Sequence[str],
    types: Sequence[str],
    assume: str | None = None,
) -> ChannelUnits:
    """Decide the conversion of every channel of a stream.

    Parameters
    ----------
    stream : str
        Stream name, for messages.
    labels, units, types : sequence of str, length n_channels
        Channel labels, declared units and declared types (``""`` where absent).
    assume : str, optional
        Unit to use for every channel when the stream declares none (e.g. ``"uV"``).

    Returns
    -------
    ChannelUnits

    Raises
    ------
    UnitError
        A declared (or assumed) unit is unknown, or not a voltage on a voltage channel.
    """
    n = len(labels)
    if len(units) != n or len(types) != n:
        raise ValueError(f"stream {stream!r}: {n} labels, {len(units)} units, {len(types)} types")
    declared = any(u.strip() for u in units)
    if not declared and assume is not None:
        units = [assume] * n
    elif not declared:
        return ChannelUnits(None, tuple("" for _ in range(n)), tuple(types), False)
    factors = np.ones(n, dtype=np.float64)
    out: list[str] = []
    for i, (label, unit, ctype) in enumerate(zip(labels, units, types, strict=True)):
        if not unit.strip():
            factors[i], text = 1.0, ""
        else:
            factors[i], text = _one(stream, label, unit, ctype)
        out.append(text)
    scale = None if np.all(factors == 1.0) else factors
    return ChannelUnits(scale, tuple(out), tuple(types), True)
