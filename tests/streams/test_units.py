"""Channel units: both conventions read, voltages delivered in µV, unknown units refused.

The expected factors are the SI prefixes (V → µV is ×1e6, mV → µV ×1e3, nV → µV ×1e-3); the
live tests send values whose µV equivalent is written out by hand.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pylsl
import pytest

from neurolink.streams.lsl_source import LSLSource, UnitWarning
from neurolink.streams.meta.channels import channel_descriptions
from neurolink.streams.meta.units import MICROVOLTS, UnitError, channel_units

DEADLINE = 20.0


@pytest.mark.parametrize(
    ("unit", "factor"),
    [
        ("V", 1e6),
        ("volts", 1e6),
        ("Volts", 1e6),
        ("mV", 1e3),
        ("millivolts", 1e3),
        ("\u00b5V", 1.0),
        ("\u03bcV", 1.0),
        ("uV", 1.0),
        ("microvolts", 1.0),
        ("nV", 1e-3),
        ("nanovolts", 1e-3),
    ],
)
def test_xdf_unit_names_scale_voltages_to_microvolts(unit: str, factor: float) -> None:
    conv = channel_units("s", ["a", "b"], [unit, unit], ["EEG", "EEG"])
    expected = None if factor == 1.0 else [factor, factor]
    if expected is None:
        assert conv.scale is None
    else:
        np.testing.assert_allclose(conv.scale, expected, rtol=1e-12)
    assert conv.units == (MICROVOLTS, MICROVOLTS)


@pytest.mark.parametrize(("power", "factor"), [("0", 1e6), ("-3", 1e3), ("-6", 1.0), ("-9", 1e-3)])
def test_mne_lsl_power_of_ten_on_voltage_types(power: str, factor: float) -> None:
    conv = channel_units("s", ["Fz", "STI"], [power, "0"], ["eeg", "stim"])
    got = np.ones(2) if conv.scale is None else conv.scale
    np.testing.assert_allclose(got, [factor, 1.0], rtol=1e-12)
    assert conv.units == (MICROVOLTS, "0")  # the stim channel keeps what it declared
    assert conv.types == ("eeg", "stim")


def test_non_voltage_channels_keep_their_unit() -> None:
    conv = channel_units("ctl", ["vx", "grip"], ["m/s", "normalized"], ["Velocity", "Grip"])
    assert conv.scale is None and conv.units == ("m/s", "normalized")


@pytest.mark.parametrize(
    ("unit", "ctype"),
    [("furlongs", "EEG"), ("kV", "EEG"), ("none", "eeg"), ("furlongs", ""), ("-6", "")],
)
def test_unknown_units_are_refused_naming_the_unit(unit: str, ctype: str) -> None:
    with pytest.raises(UnitError, match=f"'Cz'.*{unit!r}"):
        channel_units("s", ["Cz"], [unit], [ctype])


def test_undeclared_units_are_reported_or_assumed() -> None:
    none = channel_units("s", ["a"], [""], [""])
    assert not none.declared and none.units == ("",) and none.scale is None
    assumed = channel_units("s", ["a"], [""], [""], assume="mV")
    np.testing.assert_allclose(assumed.scale, [1e3])


# ---- live LSL -------------------------------------------------------------------------------


def _outlet(name: str, units: list[str], types: list[str], fmt: str = "float32"):
    info = pylsl.StreamInfo(name, "EEG", len(units), 100.0, fmt, name)
    chans = info.desc().append_child("channels")
    for i, (u, t) in enumerate(zip(units, types, strict=True)):
        ch = chans.append_child("channel")
        ch.append_child_value("label", f"c{i}")
        if u:
            ch.append_child_value("unit", u)
        if t:
            ch.append_child_value("type", t)
    return pylsl.StreamOutlet(info)


def _read(src: LSLSource, n: int) -> np.ndarray:
    rows, stop = [], time.monotonic() + DEADLINE
    while sum(len(r) for r in rows) < n:
        assert time.monotonic() < stop, "samples did not arrive"
        block = src.read(timeout=0.1)
        if block is not None:
            rows.append(block.data)
    return np.concatenate(rows)


def test_lsl_source_converts_mixed_xdf_units_to_microvolts(unique_name: str) -> None:
    outlet = _outlet(unique_name, ["volts", "millivolts", "nV", "m/s"], ["EEG", "EEG", "EEG", "X"])
    with LSLSource(source_id=unique_name) as src:
        assert outlet.wait_for_consumers(DEADLINE)
        sent = np.array([[2e-6, 0.5, 1500.0, 7.0]] * 4, dtype=np.float32)
        outlet.push_chunk(sent)
        got = _read(src, 4)
    assert src.units == (MICROVOLTS, MICROVOLTS, MICROVOLTS, "m/s")
    assert src.types == ("EEG", "EEG", "EEG", "X")
    # 2e-6 V = 2 µV, 0.5 mV = 500 µV, 1500 nV = 1.5 µV, the velocity untouched
    np.testing.assert_allclose(got, [[2.0, 500.0, 1.5, 7.0]] * 4, rtol=1e-6)


def test_lsl_source_refuses_an_unknown_unit_at_open(unique_name: str) -> None:
    _outlet_ref = _outlet(unique_name, ["parsecs"], ["EEG"])  # kept alive until the end
    src = LSLSource(source_id=unique_name)
    with pytest.raises(UnitError, match="'parsecs'"):
        src.open()
    assert not src.is_open


def test_lsl_source_warns_on_a_stream_without_units(unique_name: str) -> None:
    outlet = _outlet(unique_name, ["", ""], ["", ""])
    with pytest.warns(UnitWarning, match=unique_name), LSLSource(source_id=unique_name) as src:
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with LSLSource(source_id=unique_name, assume_unit="V") as src:
            assert outlet.wait_for_consumers(DEADLINE)
            outlet.push_chunk(np.full((2, 2), 3e-6, np.float32))
            got = _read(src, 2)
    np.testing.assert_allclose(got, 3.0, rtol=1e-6)
    assert src.units == (MICROVOLTS, MICROVOLTS)


def test_channel_descriptions_fall_back_when_the_node_is_incomplete(unique_name: str) -> None:
    info = pylsl.StreamInfo(unique_name, "EEG", 2, 10.0, "float32", unique_name)
    info.desc().append_child("channels").append_child("channel").append_child_value("unit", "V")
    labels, units, types = channel_descriptions(info)
    assert labels == ("ch0", "ch1") and units == ("", "") and types == ("", "")
