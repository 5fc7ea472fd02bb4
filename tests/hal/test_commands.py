"""Command types: validation names field and value; charge-balanced defaults; dict round trip."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from neurolink.hal.commands import (
    Origin,
    Polarity,
    ProsthesisCommand,
    SpikeInput,
    SpikeOutput,
    StimCommand,
    StimStop,
    command_from_dict,
    command_to_dict,
    is_stop,
)
from neurolink.hal.errors import CommandError

ORIGIN = Origin("cortex", 1234, 56.75)


def stim(**kw: object) -> StimCommand:
    base: dict[str, object] = dict(
        channel=3, amplitude_ua=50.0, phase_width_us=200.0, frequency_hz=100.0
    )
    base.update(kw)
    return StimCommand(**base)  # type: ignore[arg-type]


def test_symmetric_default_and_charge() -> None:
    c = stim()
    assert c.second_amplitude_ua == 50.0 and c.second_width_us == 200.0
    # Q = 50 µA · 200 µs = 10 000 pC = 10 nC
    assert c.charge_nc == 10.0 and c.second_charge_nc == 10.0
    assert c.polarity is Polarity.CATHODIC_FIRST and c.pulse_count == 1
    assert c.train_duration_s == 0.0


def test_second_phase_solved_for_charge_balance() -> None:
    # width 400 µs given → amplitude 50·200/400 = 25 µA
    c = stim(second_width_us=400.0)
    assert c.second_amplitude_ua == 25.0
    # amplitude 100 µA given → width 50·200/100 = 100 µs
    c = stim(second_amplitude_ua=100.0)
    assert c.second_width_us == 100.0
    assert c.charge_nc == c.second_charge_nc == 10.0
    assert c.peak_amplitude_ua == 100.0


def test_explicit_unbalanced_second_phase_is_kept() -> None:
    c = stim(second_amplitude_ua=40.0, second_width_us=200.0)
    assert c.second_charge_nc == 8.0  # the guard, not the command, refuses imbalance


def test_polarity_from_string_and_train_duration() -> None:
    c = stim(polarity="anodic_first", pulse_count=11)
    assert c.polarity is Polarity.ANODIC_FIRST
    assert c.train_duration_s == pytest.approx(0.1)  # (11 − 1) / 100 Hz


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"channel": -1}, "StimCommand.channel must be >= 0, got -1"),
        ({"channel": 1.0}, "StimCommand.channel must be an integer, got 1.0"),
        ({"channel": True}, "StimCommand.channel must be an integer, got True"),
        ({"amplitude_ua": 0.0}, "StimCommand.amplitude_ua must be > 0 µA, got 0.0"),
        ({"amplitude_ua": -5}, "StimCommand.amplitude_ua must be > 0 µA, got -5"),
        ({"amplitude_ua": float("nan")}, "StimCommand.amplitude_ua must be finite, got nan"),
        ({"amplitude_ua": "10"}, "StimCommand.amplitude_ua must be a number in µA, got '10'"),
        ({"phase_width_us": 0}, "StimCommand.phase_width_us must be > 0 µs, got 0"),
        ({"frequency_hz": -1.0}, "StimCommand.frequency_hz must be > 0 Hz, got -1.0"),
        ({"interphase_gap_us": -1.0}, "StimCommand.interphase_gap_us must be >= 0 µs, got -1.0"),
        ({"pulse_count": 0}, "StimCommand.pulse_count must be >= 1, got 0"),
        ({"polarity": "sideways"}, "StimCommand.polarity must be one of"),
        ({"second_width_us": -2.0}, "StimCommand.second_width_us must be > 0 µs, got -2.0"),
        ({"origin": ("s", 1, 2.0)}, "StimCommand.origin must be an Origin or None"),
    ],
)
def test_stim_validation_names_field_and_value(kw: dict[str, object], needle: str) -> None:
    with pytest.raises(CommandError, match="^" + re.escape(needle)):
        stim(**kw)


def test_pulse_must_fit_in_period() -> None:
    # 2 kHz → period 500 µs; 200 + 100 + 200 = 500 µs does not fit (needs < period)
    with pytest.raises(CommandError, match=r"frequency_hz 2000 Hz gives a period of 500 µs"):
        stim(frequency_hz=2000.0, interphase_gap_us=100.0)
    stim(frequency_hz=2000.0, interphase_gap_us=99.0)


def test_numpy_scalars_are_accepted() -> None:
    c = stim(channel=np.int64(2), amplitude_ua=np.float32(10.0), pulse_count=np.int32(3))
    assert type(c.channel) is int and c.channel == 2
    assert type(c.amplitude_ua) is float and type(c.pulse_count) is int


def test_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        stim().amplitude_ua = 1.0  # type: ignore[misc]


def test_origin_validation() -> None:
    assert ORIGIN.sample_index == 1234
    with pytest.raises(CommandError, match=r"Origin\.sample_index must be >= 0, got -1"):
        Origin("x", -1, 0.0)
    with pytest.raises(CommandError, match=r"Origin\.stream must be a string"):
        Origin(3, 1, 0.0)  # type: ignore[arg-type]


def test_stim_stop() -> None:
    assert StimStop().channel is None
    assert StimStop(2, "done").channel == 2
    assert is_stop(StimStop())
    with pytest.raises(CommandError, match=r"StimStop\.channel must be >= 0, got -3"):
        StimStop(-3)


def test_prosthesis_command() -> None:
    c = ProsthesisCommand(np.array([0.1, -0.2]), grip=0.5, origin=ORIGIN)
    assert c.velocity == (0.1, -0.2) and c.n_dof == 2 and not c.is_stop
    assert ProsthesisCommand.stop(3).velocity == (0.0, 0.0, 0.0)
    assert is_stop(ProsthesisCommand.stop(2))
    assert not ProsthesisCommand((0.0, 0.0), grip=1.0).is_stop  # grip moves
    with pytest.raises(CommandError, match=r"ProsthesisCommand.velocity\[1\] must be finite"):
        ProsthesisCommand((0.0, float("inf")))
    with pytest.raises(CommandError, match=r"ProsthesisCommand\.grip must be <= 1, got 1\.5"):
        ProsthesisCommand((0.0,), grip=1.5)
    with pytest.raises(CommandError, match="at least one degree of freedom"):
        ProsthesisCommand(())


def test_spike_io() -> None:
    s = SpikeInput(7, [1, 4, 9], origin=ORIGIN)
    assert s.neurons == (1, 4, 9)
    assert SpikeOutput(7).neurons == ()
    with pytest.raises(CommandError, match=r"neurons must be strictly increasing, got \(4, 4\)"):
        SpikeInput(0, [4, 4])
    with pytest.raises(CommandError, match=r"SpikeOutput.neurons\[0\] must be >= 0, got -1"):
        SpikeOutput(0, [-1])
    assert not is_stop(s)


finite = st.floats(min_value=0.1, max_value=1000.0, allow_nan=False)
origins = st.none() | st.builds(
    Origin, st.text(max_size=8), st.integers(0, 2**40), st.floats(0, 1e6, allow_nan=False)
)
commands = st.one_of(
    st.builds(
        StimCommand,
        channel=st.integers(0, 63),
        amplitude_ua=finite,
        phase_width_us=st.floats(1.0, 400.0),
        frequency_hz=st.floats(0.1, 1000.0),
        pulse_count=st.integers(1, 1000),
        interphase_gap_us=st.floats(0.0, 100.0),
        polarity=st.sampled_from(Polarity),
        origin=origins,
    ),
    st.builds(
        StimStop,
        channel=st.none() | st.integers(0, 63),
        reason=st.text(max_size=10),
        origin=origins,
    ),
    st.builds(
        ProsthesisCommand,
        velocity=st.lists(st.floats(-10, 10), min_size=1, max_size=7).map(tuple),
        grip=st.none() | st.floats(0.0, 1.0),
        origin=origins,
    ),
    st.builds(
        SpikeInput,
        step=st.integers(0, 10**6),
        neurons=st.sets(st.integers(0, 1023)).map(sorted),
        origin=origins,
    ),
    st.builds(
        SpikeOutput,
        step=st.integers(0, 10**6),
        neurons=st.sets(st.integers(0, 1023)).map(sorted),
        origin=origins,
    ),
)


@given(commands)
def test_dict_round_trip(cmd: object) -> None:
    d = command_to_dict(cmd)  # type: ignore[arg-type]
    assert d["type"] == type(cmd).__name__
    assert command_from_dict(d) == cmd


def test_from_dict_errors() -> None:
    with pytest.raises(CommandError, match="unknown command type 'Zap'"):
        command_from_dict({"type": "Zap"})
    with pytest.raises(CommandError, match="cannot build StimStop"):
        command_from_dict({"type": "StimStop", "volume": 11})
    with pytest.raises(CommandError, match="not a command"):
        command_to_dict(ORIGIN)  # type: ignore[arg-type]
