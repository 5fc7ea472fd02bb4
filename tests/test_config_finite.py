"""Config floats are finite unless a key says otherwise (issue 13 §5): ``nan``/``inf`` in TOML
are refused at load with the key's line, also inside arrays and from command-line strings."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from neurolink.config.tables import Context, load_table, setting
from neurolink.errors import ConfigError
from neurolink.loop.session.config import parse_config


@dataclass(frozen=True)
class Section:
    gain: float = 1.0
    bounded: float = setting(1.0, gt=0)
    edges: tuple[float, ...] = ()
    limit: float = setting(1.0, nonfinite=True)


def _load(text: str, *, strings: bool = False) -> Section:
    ctx = Context("cfg.toml", Path("."), text, strings=strings)
    data = {"gain": text} if strings else tomllib.loads(text)
    return load_table(Section, data, ctx)


@pytest.mark.parametrize("spelling", ["nan", "inf", "-inf", "+nan"])
def test_nonfinite_float_refused_with_its_line(spelling: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(f"bounded = 2.0\ngain = {spelling}\n")
    assert str(info.value).startswith("cfg.toml:2: `gain`: must be a finite number, got ")


def test_bounds_do_not_let_nan_through() -> None:
    # nan compares false with everything: a `gt` check alone would not have caught it
    with pytest.raises(ConfigError, match=r"cfg.toml:1: `bounded`: must be a finite number"):
        _load("bounded = nan\n")


def test_array_elements_and_command_line_strings_checked() -> None:
    with pytest.raises(ConfigError, match=r"`edges\[1\]`: must be a finite number, got inf"):
        _load("edges = [1.0, inf]\n")
    with pytest.raises(ConfigError, match=r"`gain`: must be a finite number, got nan"):
        _load("nan", strings=True)


def test_a_key_may_allow_nonfinite_values() -> None:
    s = _load("limit = inf\n")
    assert s.limit == math.inf and s.gain == 1.0


def test_a_real_config_key() -> None:
    lsl = '[source]\nkind = "lsl"\n[source.lsl]\nname = "EEG"\nfs = nan\n'
    with pytest.raises(ConfigError, match=r"^cfg.toml:5: `source.lsl.fs`: must be a finite"):
        parse_config(lsl, filename="cfg.toml")
