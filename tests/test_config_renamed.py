"""Renamed config keys: the sampling rate is ``fs`` everywhere; the old spellings still load
with a warning that names the new key; the old ``neurolink.config`` imports still work."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from neurolink.config.tables import ConfigKeyDeprecation
from neurolink.errors import ConfigError
from neurolink.loop.session.config import config_to_dict, parse_config
from neurolink.streams.config import FileConfig, LslConfig
from neurolink.streams.factory import config_from_spec

LSL = '[source]\nkind = "lsl"\n[source.lsl]\nname = "EEG"\n'


def _raw(key: str) -> str:
    return (
        '[source]\nkind = "file"\n[source.file]\npath = "t.raw"\ndtype = "<i2"\n'
        f"n_channels = 2\n{key} = 15000\n"
    )


def test_lsl_expected_rate_is_read_as_fs_with_a_warning_naming_the_new_key() -> None:
    with pytest.warns(ConfigKeyDeprecation) as caught:
        cfg = parse_config(LSL + "expected_rate = 128\n", filename="cfg.toml")
    assert isinstance(cfg.source, LslConfig) and cfg.source.fs == 128.0
    assert [str(w.message) for w in caught] == [
        "cfg.toml:5: `source.lsl.expected_rate` is deprecated; use `source.lsl.fs`"
    ]
    assert issubclass(ConfigKeyDeprecation, DeprecationWarning)


def test_raw_file_rate_is_read_as_fs_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "t.raw").write_bytes(b"\x00" * 8)
    with pytest.warns(ConfigKeyDeprecation, match=r"`source\.file\.rate` is deprecated; use "):
        old = parse_config(_raw("rate"), base_dir=tmp_path).source
    new = parse_config(_raw("fs"), base_dir=tmp_path).source
    assert isinstance(old, FileConfig) and old.fs == 15000.0
    assert old == new


def test_the_new_key_gives_no_warning_and_is_what_is_written_back() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cfg = parse_config(LSL + "fs = 250\n")
    lsl = config_to_dict(cfg)["source"]["lsl"]
    assert lsl["fs"] == 250.0 and "expected_rate" not in lsl


def test_old_and_new_key_together_is_an_error() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(LSL + "fs = 250\nexpected_rate = 250\n", filename="cfg.toml")
    assert str(info.value) == (
        "cfg.toml:6: `source.lsl.expected_rate`: `expected_rate` is the old name of `fs`; "
        "give only `fs`"
    )


def test_a_bad_value_under_the_old_key_is_reported_at_that_key() -> None:
    with pytest.warns(ConfigKeyDeprecation), pytest.raises(ConfigError) as info:
        parse_config(LSL + "expected_rate = false\n", filename="cfg.toml")
    assert str(info.value) == (
        "cfg.toml:5: `source.lsl.expected_rate`: expected a number, got boolean false"
    )


def test_command_line_spec_accepts_the_old_key_too() -> None:
    with pytest.warns(ConfigKeyDeprecation, match=r"use `source\.lsl\.fs`"):
        src = config_from_spec("lsl:name=EEG?expected_rate=500")
    assert isinstance(src, LslConfig) and src.fs == 500.0
    assert config_from_spec("lsl:name=EEG?fs=500") == src


def test_the_warning_is_shown_by_default() -> None:
    code = (
        "from neurolink.streams.factory import config_from_spec\n"
        "config_from_spec('lsl:name=EEG?expected_rate=500')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "`source.lsl.expected_rate` is deprecated; use `source.lsl.fs`" in run.stderr


def test_old_imports_from_neurolink_config_still_work_without_importing_the_loop() -> None:
    code = (
        "import sys, neurolink.config as c\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('neurolink.loop', "
        "'neurolink.streams')))\n"
        "assert loaded == [], loaded\n"
        "from neurolink.config import Config, LslConfig, SimulatedConfig, load_config\n"
        "import neurolink.loop.session.config as s, neurolink.streams.config as t\n"
        "assert load_config is s.load_config and Config is s.Config and LslConfig is t.LslConfig\n"
        "assert 'simulated' in t.SOURCE_KINDS.classes\n"
        "try:\n    c.nothing\nexcept AttributeError as e:\n    print(e)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "module 'neurolink.config' has no attribute 'nothing'"
