"""Profiles: the shipped ones load; a bad one is refused with the file and key named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devices.core.profile import ProfileError, load_profile
from devices.neuroboard.profile import parse_board_profile
from devices.prosthesis.profile import parse_prosthesis_profile
from devices.stimulator.profile import parse_stim_profile
from tests.devices._client import REPO

STIM = """
[device]
kind = "stimulator"
identity = "t"
heartbeat_timeout_ms = 500
[limits]
n_channels = 2
max_amplitude_ua = 100
max_phase_width_us = 100
max_interphase_gap_us = 100
max_frequency_hz = 100
max_charge_nc = 10
max_pulse_rate_hz = 100
shannon_k = 1.5
max_pulse_count = 10
[[channels]]
first = 0
count = 2
electrode_area_um2 = 1000
max_amplitude_ua = 100
max_phase_width_us = 100
max_charge_nc = 10
"""


def test_shipped_profiles_load():
    stim = parse_stim_profile(load_profile("stimulator"))
    assert len(stim.channels) == stim.limits.n_channels == 16
    assert parse_prosthesis_profile(load_profile("prosthesis_cursor")).limits_block().n_dof == 2
    assert parse_prosthesis_profile(load_profile("prosthesis_arm")).grip
    assert parse_board_profile(load_profile("neuroboard")).chip.limits.n_cores == 128


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "max_amplitude_ua = 100\nmax_phase_width_us = 100\nmax_interphase",
            "max_amplitude_ua = -1\nmax_phase_width_us = 100\nmax_interphase",
            "limits.max_amplitude_ua = -1 is outside",
        ),
        ("shannon_k = 1.5", "shannon_k = 1.505", "limits.shannon_k = 1.505 is not a multiple"),
        ("shannon_k = 1.5", "shannon_k = 1.5\nshannon_kk = 2", "limits.shannon_kk is not a known"),
        ("max_pulse_count = 10\n", "", "limits.max_pulse_count is missing"),
        ('kind = "stimulator"', 'kind = "prosthesis"', "device.kind = 'prosthesis'"),
        ("count = 2", "count = 1", "channels [1] are in no group"),
        (
            "width_us = 100\nmax_charge_nc = 10",
            "width_us = 100\nmax_charge_nc = 11",
            "channels[0].max_charge_nc = 11",
        ),
        ("n_channels = 2", "n_channels = 2 2", "not valid TOML"),
    ],
)
def test_a_bad_stimulator_profile_names_the_key(tmp_path: Path, old, new, message):
    path = tmp_path / "bad.toml"
    text = STIM.replace(old, new, 1)
    assert text != STIM
    path.write_text(text)
    with pytest.raises(ProfileError, match=r"bad\.toml") as e:
        parse_stim_profile(load_profile(path))
    assert message in str(e.value)


def test_an_unknown_profile_name_is_refused():
    with pytest.raises(ProfileError, match="no shipped profile so named"):
        load_profile("no-such-device")


def test_the_command_refuses_a_bad_profile_without_opening_a_port(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text(STIM.replace("n_channels = 2", "n_channels = 0"))
    r = subprocess.run(
        [sys.executable, "-m", "devices.stimulator", "--profile", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and r.stdout == ""
    assert "limits.n_channels = 0 is outside 1..255" in r.stderr
