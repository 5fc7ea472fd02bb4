"""TOML config: every promised error message, typed values, examples, round trip, line locator.

Line numbers in the expected messages are counted by hand from each test's TOML text (the
text starts on line 1 right after the opening quotes).
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from pathlib import Path

import pytest
from brainflow.board_shim import BoardIds, BrainFlowPresets
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.config.locate import LineLocator, format_path
from neurolink.config.tables import Context, Scope, load_table, setting
from neurolink.errors import ConfigError
from neurolink.loop.session.config import (
    Config,
    config_from_dict,
    config_to_dict,
    load_config,
    parse_config,
)
from neurolink.streams.config import BrainFlowConfig, FileConfig, LslConfig

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def error_of(text: str, filename: str = "cfg.toml", base_dir: Path | None = None) -> str:
    """The message of the ConfigError that ``text`` raises."""
    with pytest.raises(ConfigError) as info:
        parse_config(text, filename=filename, base_dir=base_dir)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the promised messages ---------------------------------------------------------------------


def test_unknown_board_says_did_you_mean() -> None:
    text = """\
[source]
kind = "brainflow"
[source.brainflow]
board = "cyton_dasy"
"""
    assert error_of(text, filename="examples/x.toml") == (
        "examples/x.toml:4: `source.brainflow.board`: unknown board 'cyton_dasy'; "
        "did you mean 'cyton_daisy'?"
    )


def test_unknown_master_board_names_its_key() -> None:
    text = """\
[source]
kind = "brainflow"

[source.brainflow]
board = "playback_file"
file = "rec.csv"
master_board = "synthetc"
"""
    msg = error_of(text)
    assert msg.startswith("cfg.toml:7: `source.brainflow.master_board`: unknown board 'synthetc'")
    assert "did you mean 'synthetic'?" in msg


def test_unknown_key_suggests_the_close_one() -> None:
    text = """\
[source]
kind = "brainflow"

[source.brainflow]
board = "synthetic"
stal_timeout = 1.0
"""
    assert error_of(text) == (
        "cfg.toml:6: `source.brainflow.stal_timeout`: unknown key; did you mean 'stall_timeout'?"
    )


def test_unknown_top_level_table_lists_the_sections() -> None:
    text = """\
[source]
kind = "lsl"
lsl.name = "EEG"

[sesion]
name = "x"
"""
    assert error_of(text) == "cfg.toml:5: `sesion`: unknown key; did you mean 'session'?"


def test_wrong_type_names_expected_and_given() -> None:
    text = """\
[source]
kind = "lsl"
[source.lsl]
name = "EEG"
stall_timeout = "fast"
"""
    assert error_of(text) == (
        "cfg.toml:5: `source.lsl.stall_timeout`: expected a number, got string 'fast'"
    )


def test_out_of_range() -> None:
    text = """\
[source]
kind = "brainflow"
[source.brainflow]
stall_timeout = -1
"""
    assert error_of(text) == "cfg.toml:4: `source.brainflow.stall_timeout`: must be > 0, got -1.0"


def test_port_upper_bound() -> None:
    text = """\
[source]
kind = "brainflow"
[source.brainflow]
board = "streaming"
ip_port = 70000
"""
    assert error_of(text) == "cfg.toml:5: `source.brainflow.ip_port`: must be <= 65535, got 70000"


def test_bool_is_not_an_integer() -> None:
    text = """\
[source]
kind = "brainflow"
[source.brainflow]
board = "synthetic"
timeout = true
"""
    assert error_of(text) == (
        "cfg.toml:5: `source.brainflow.timeout`: expected an integer, got boolean true"
    )


def test_bool_is_not_a_number_and_float_is_not_an_integer() -> None:
    msg = error_of('[source]\nkind = "lsl"\nlsl.name = "x"\nlsl.fs = false\n')
    assert msg == "cfg.toml:4: `source.lsl.fs`: expected a number, got boolean false"
    msg = error_of('[source]\nkind = "lsl"\nlsl.name = "x"\nlsl.expected_channels = 8.0\n')
    assert msg == "cfg.toml:4: `source.lsl.expected_channels`: expected an integer, got float 8.0"


def test_missing_source_table() -> None:
    text = """\
[session]
name = "x"
"""
    assert error_of(text) == (
        "cfg.toml: `source`: missing required table with `kind` = one of "
        "'brainflow', 'lsl', 'file', 'simulated', 'simulated_inprocess'"
    )


def test_missing_kind_points_at_the_source_table() -> None:
    text = """\
[session]
name = "x"

[source]

[source.lsl]
name = "EEG"
"""
    msg = error_of(text)
    assert msg.startswith("cfg.toml:4: `source.kind`: missing required table with `kind` = one of")


def test_missing_required_file_path(tmp_path: Path) -> None:
    text = """\
[source]
kind = "file"

[source.file]
loop = true
"""
    assert error_of(text, base_dir=tmp_path) == (
        "cfg.toml:4: `source.file.path`: missing required key (a path (string))"
    )


def test_lsl_needs_name_type_or_source_id() -> None:
    text = """\
[source]
kind = "lsl"

[source.lsl]
resolve_timeout = 2.0
"""
    assert error_of(text) == (
        "cfg.toml:4: `source.lsl`: give at least one of `name`, `type` or `source_id` "
        "to find the stream"
    )


def test_lsl_without_its_table_points_at_source() -> None:
    msg = error_of('[source]\nkind = "lsl"\n')
    assert msg.startswith("cfg.toml:1: `source.lsl`: give at least one of `name`, `type`")


def test_raw_file_without_rate(tmp_path: Path) -> None:
    (tmp_path / "trial.raw").write_bytes(b"\x00" * 16)
    text = """\
[source]
kind = "file"

[source.file]
path = "trial.raw"
dtype = "<i2"
n_channels = 4
"""
    assert error_of(text, base_dir=tmp_path) == (
        "cfg.toml:4: `source.file`: format 'raw' needs `dtype`, `n_channels` and `fs`; missing `fs`"
    )


def test_raw_file_with_bad_dtype(tmp_path: Path) -> None:
    (tmp_path / "trial.dat").write_bytes(b"\x00" * 16)
    text = """\
[source]
kind = "file"
[source.file]
path = "trial.dat"
format = "raw"
dtype = "int17"
n_channels = 4
fs = 15000
"""
    msg = error_of(text, base_dir=tmp_path)
    assert msg.startswith("cfg.toml:6: `source.file.dtype`: expected a numeric numpy dtype")


def test_raw_keys_refused_for_other_formats(shared_data: Path) -> None:
    text = f"""\
[source]
kind = "file"
[source.file]
path = "{shared_data / "eeg_motor_imagery_64ch.edf"}"
fs = 128
"""
    assert error_of(text) == (
        "cfg.toml:5: `source.file.fs`: only used with format 'raw' (format is 'edf')"
    )


def test_unknown_suffix_asks_for_format(tmp_path: Path) -> None:
    (tmp_path / "rec.foo").write_bytes(b"")
    msg = error_of('[source]\nkind = "file"\nfile.path = "rec.foo"\n', base_dir=tmp_path)
    assert msg.startswith("cfg.toml:3: `source.file.path`: cannot tell the format of 'rec.foo'")
    assert "set `format` to one of 'edf'" in msg


def test_unknown_format_value(tmp_path: Path) -> None:
    (tmp_path / "rec.edf").write_bytes(b"")
    text = '[source]\nkind = "file"\n[source.file]\npath = "rec.edf"\nformat = "eddf"\n'
    assert error_of(text, base_dir=tmp_path) == (
        "cfg.toml:5: `source.file.format`: unknown value 'eddf'; did you mean 'edf'?"
    )


def test_unknown_kind_says_did_you_mean() -> None:
    text = """\
# acquisition
[source]
kind = "brainflw"
"""
    assert error_of(text) == (
        "cfg.toml:3: `source.kind`: unknown source kind 'brainflw'; did you mean 'brainflow'?"
    )


def test_unknown_key_beside_kind_suggests_among_kinds() -> None:
    text = '[source]\nkind = "lsl"\n\n[source.lls]\nname = "x"\n'
    assert error_of(text) == "cfg.toml:4: `source.lls`: unknown key; did you mean 'lsl'?"


def test_toml_syntax_error_names_file_and_line() -> None:
    text = """\
[source]
kind = "brainflow"
board "synthetic"
"""
    msg = error_of(text, filename="bad.toml")
    assert msg.startswith("bad.toml:3: invalid TOML: ")
    assert "line 3" in msg


def test_nonexistent_file_path_is_named_resolved(tmp_path: Path) -> None:
    text = """\
[source]
kind = "file"

[source.file]
path = "data/missing.edf"
"""
    missing = tmp_path.resolve() / "data" / "missing.edf"
    assert error_of(text, base_dir=tmp_path) == (
        f"cfg.toml:5: `source.file.path`: file not found: {str(missing)!r}"
    )


def test_element_of_a_list_is_named_by_index() -> None:
    text = """\
[source]
kind = "brainflow"
[source.brainflow]
channel_types = [
  "eeg",
  "emgg",
]
"""
    assert error_of(text) == (
        "cfg.toml:4: `source.brainflow.channel_types[1]`: unknown value 'emgg'; did you mean 'emg'?"
    )


def test_errors_inside_inline_tables_point_at_their_line() -> None:
    text = """\
[session]
name = "x"
source = { kind = "lsl", lsl = { name = "EEG", stall_timeout = 0 } }
"""
    # `source` inside [session] is unknown: the key is located on line 3.
    assert error_of(text) == (
        "cfg.toml:3: `session.source`: unknown key; "
        "expected one of 'name', 'duration', 'status_interval'"
    )
    text = 'source = { kind = "lsl", lsl = { name = "EEG", stall_timeout = 0 } }\n'
    assert error_of(text) == "cfg.toml:1: `source.lsl.stall_timeout`: must be > 0, got 0.0"


def test_load_config_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=re.escape(f"{path}: config file not found")):
        load_config(path)


def test_load_config_names_the_file_it_was_given(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text('[source]\nkind = "brainflow"\n\n[source.brainflow]\npreset = "aux"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}:5: `source.brainflow.preset`: unknown value 'aux'; "
        "expected one of 'default', 'auxiliary', 'ancillary'"
    )


# --- typed values ------------------------------------------------------------------------------


def test_full_brainflow_config() -> None:
    text = """\
[session]
name = "cyton-run"
duration = 60
status_interval = 1

[source]
kind = "brainflow"

[source.brainflow]
board = "CYTON_DAISY_BOARD"
serial_port = "/dev/ttyUSB0"
timeout = 15
ip_protocol = "tcp"
preset = "auxiliary"
channel_types = ["eeg", "accel"]
stall_timeout = 3
"""
    cfg = parse_config(text)
    src = cfg.source
    assert isinstance(src, BrainFlowConfig) and src.kind == "brainflow"
    assert src.board == "cyton_daisy"
    assert src.board_id == BoardIds.CYTON_DAISY_BOARD.value
    assert src.channel_types == ("eeg", "accel")
    assert src.stall_timeout == 3.0 and isinstance(src.stall_timeout, float)
    assert src.preset_id == BrainFlowPresets.AUXILIARY_PRESET.value
    params = src.input_params()
    assert (params.serial_port, params.timeout, params.ip_protocol) == ("/dev/ttyUSB0", 15, 2)
    assert params.master_board == BoardIds.NO_BOARD.value
    assert cfg.session.name == "cyton-run"
    assert cfg.session.duration == 60.0 and isinstance(cfg.session.duration, float)
    assert cfg.session.status_interval == 1.0


def test_board_by_id_and_playback_master_board() -> None:
    text = """\
[source]
kind = "brainflow"
[source.brainflow]
board = -3
file = "rec.csv"
master_board = "Cyton-Daisy"
"""
    src = parse_config(text).source
    assert isinstance(src, BrainFlowConfig)
    assert (src.board, src.board_id) == ("playback_file", BoardIds.PLAYBACK_FILE_BOARD.value)
    assert src.master_board == "cyton_daisy"
    assert src.input_params().master_board == BoardIds.CYTON_DAISY_BOARD.value


def test_playback_files_are_relative_to_the_config_folder(tmp_path: Path) -> None:
    text = """\
[source]
kind = "brainflow"
[source.brainflow]
board = "playback_file"
master_board = "synthetic"
file = "rec/default.csv"
file_aux = "/data/aux.csv"
"""
    src = parse_config(text, base_dir=tmp_path).source
    assert isinstance(src, BrainFlowConfig)
    # like [source.file] path: against the config's folder, not the working directory
    assert src.file == str(tmp_path.resolve() / "rec" / "default.csv")
    assert src.input_params().file == src.file
    assert src.file_aux == "/data/aux.csv"  # absolute stays
    assert src.file_anc == ""  # not given: not a path
    again = config_from_dict(config_to_dict(parse_config(text, base_dir=tmp_path)))
    assert again.source == src  # absolute once loaded: loading again changes nothing


def test_defaults_applied() -> None:
    cfg = parse_config('[source]\nkind = "brainflow"\n')
    src = cfg.source
    assert isinstance(src, BrainFlowConfig)
    assert (src.board, src.board_id) == ("synthetic", BoardIds.SYNTHETIC_BOARD.value)
    assert src.channel_types == ("eeg",)
    assert src.stall_timeout == 2.0 and src.preset == "default" and src.ip_protocol == "none"
    assert cfg.session.name == "neurolink"
    assert cfg.session.duration is None and cfg.session.status_interval == 0.5


def test_lsl_values_and_defaults() -> None:
    cfg = parse_config('[source]\nkind = "lsl"\n[source.lsl]\nsource_id = "amp-1"\nmarkers = "m"\n')
    src = cfg.source
    assert isinstance(src, LslConfig)
    assert (src.name, src.type, src.source_id, src.markers) == (None, None, "amp-1", "m")
    assert (src.resolve_timeout, src.stall_timeout) == (5.0, 2.0)
    assert src.expected_channels is None and src.fs is None


def test_raw_file_from_shared_data(shared_data: Path, tmp_path: Path) -> None:
    text = """\
[source]
kind = "file"
[source.file]
path = "locust_trial_01.raw"
dtype = "<i2"
n_channels = 4
fs = 15000
realtime = false
"""
    src = parse_config(text, base_dir=shared_data).source
    assert isinstance(src, FileConfig)
    assert src.path == (shared_data / "locust_trial_01.raw").resolve()
    assert (src.format, src.dtype, src.n_channels, src.fs) == ("raw", "<i2", 4, 15000.0)
    assert (src.realtime, src.loop, src.chunk_ms, src.name) == (
        False,
        False,
        20.0,
        "locust_trial_01",
    )


def test_other_kind_tables_are_kept_aside() -> None:
    text = """\
[source]
kind = "lsl"
[source.lsl]
name = "EEG"
[source.brainflow]
board = "not checked while kind is lsl"
"""
    assert isinstance(parse_config(text).source, LslConfig)


# --- examples and round trip -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [("stream_synthetic.toml", "brainflow"), ("stream_lsl.toml", "lsl"), ("play_edf.toml", "file")],
)
def test_example_configs_load(name: str, kind: str, shared_data: Path) -> None:
    cfg = load_config(EXAMPLES / name)
    assert cfg.source.kind == kind
    if isinstance(cfg.source, FileConfig):
        assert cfg.source.path == (shared_data / "eeg_motor_imagery_64ch.edf").resolve()
        assert cfg.source.format == "edf"
    plain = config_to_dict(cfg)
    assert json.loads(json.dumps(plain)) == plain
    assert config_from_dict(plain) == cfg


def test_round_trip_of_a_full_config(shared_data: Path) -> None:
    text = """\
[session]
duration = 2.5
[source]
kind = "file"
[source.file]
path = "locust_trial_02.raw"
dtype = "int16"
n_channels = 4
fs = 15000.0
loop = true
"""
    cfg = parse_config(text, base_dir=shared_data)
    plain = config_to_dict(cfg)
    assert plain["source"]["kind"] == "file"
    assert plain["source"]["file"]["path"] == str((shared_data / "locust_trial_02.raw").resolve())
    assert plain["source"]["file"]["name"] == "locust_trial_02"
    assert "duration" in plain["session"]
    assert config_from_dict(plain, base_dir="/") == cfg
    assert tomllib.loads(_to_toml(plain)) == plain  # TOML-ready: no None, only TOML types


def test_strings_from_a_command_line() -> None:
    data = {
        "source": {
            "kind": "brainflow",
            "brainflow": {"board": "2", "timeout": "5", "channel_types": "eeg, emg"},
        },
        "session": {"duration": "1.5"},
    }
    cfg = config_from_dict(data, strings=True)
    assert isinstance(cfg.source, BrainFlowConfig)
    assert (cfg.source.board, cfg.source.timeout) == ("cyton_daisy", 5)
    assert cfg.source.channel_types == ("eeg", "emg")
    assert cfg.session.duration == 1.5
    with pytest.raises(ConfigError, match=r"^<dict>: `session.duration`: expected a number"):
        config_from_dict({"source": {"kind": "brainflow"}, "session": {"duration": "1.5"}})
    with pytest.raises(ConfigError, match="expected an integer, got string 'soon'"):
        config_from_dict(
            {"source": data["source"] | {"brainflow": {"timeout": "soon"}}}, strings=True
        )


def _to_toml(plain: dict) -> str:
    """Minimal TOML writer for the round-trip check (tables of scalars and arrays)."""
    lines: list[str] = []

    def table(prefix: str, d: dict) -> None:
        subs = {k: v for k, v in d.items() if isinstance(v, dict)}
        lines.append(f"[{prefix}]")
        lines.extend(f"{k} = {json.dumps(v)}" for k, v in d.items() if k not in subs)
        for k, v in subs.items():
            table(f"{prefix}.{k}", v)

    for key, value in plain.items():
        table(key, value)
    return "\n".join(lines) + "\n"


# --- adding a section: the engine on a new dataclass -------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Device:
    port: int = setting(ge=0, le=65535)
    name: str = "dev"


@dataclasses.dataclass(frozen=True)
class _Hal:
    device: tuple[_Device, ...] = ()
    gain: tuple[float, float] = (1.0, 1.0)
    mode: str = setting("safe", choices=("safe", "armed"))


@dataclasses.dataclass(frozen=True)
class _Root:
    hal: _Hal = dataclasses.field(default_factory=_Hal)


def _load_root(text: str) -> _Root:
    return load_table(_Root, tomllib.loads(text), Context("demo.toml", Path.cwd(), text=text))


def test_new_section_with_arrays_of_tables() -> None:
    text = """\
[hal]
gain = [2, 0.5]

[[hal.device]]
port = 1
name = "stim"

[[hal.device]]
port = 2
"""
    root = _load_root(text)
    assert root.hal.device == (_Device(1, "stim"), _Device(2))
    assert root.hal.gain == (2.0, 0.5)
    assert _load_root("") == _Root()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[[hal.device]]\nport = 1\n\n[[hal.device]]\nname = 'x'\nport = 70000\n",
            "demo.toml:6: `hal.device[1].port`: must be <= 65535, got 70000",
        ),
        (
            "[[hal.device]]\nport = 1\n[[hal.device]]\nname = 'x'\n",
            "demo.toml:3: `hal.device[1].port`: missing required key (an integer)",
        ),
        ("[hal]\ngain = [1, 2, 3]\n", "demo.toml:2: `hal.gain`: expected an array of 2 values"),
        ("[hal]\nmode = 'armd'\n", "demo.toml:2: `hal.mode`: unknown value 'armd'; did you mean"),
        ("hal = 3\n", "demo.toml:1: `hal`: expected a table, got integer 3"),
    ],
)
def test_new_section_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load_root(text)
    assert str(info.value).startswith(message)


def test_config_sections_are_frozen_dataclasses() -> None:
    for f in dataclasses.fields(Config):
        assert f.name in ("source", "session", "loop")
    cfg = parse_config('[source]\nkind = "brainflow"\n')
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.session.name = "x"  # type: ignore[misc]


# --- line locator ------------------------------------------------------------------------------


def test_locator_skips_strings_and_multiline_values() -> None:
    text = """\
title = \"\"\"
fake = 1
[not.a.table]
\"\"\"
list = [
  "x = 2",
  { a = 1 },
]
"quoted.key" = 3  # line 9
[ a . "b c" ]
d.e = 'lit # not a comment'
[[arr]]
x = 1
[[arr]]
x = 2
[arr.sub]
y = 3
"""
    loc = LineLocator(text)
    assert loc.exact(("title",)) == 1
    assert loc.exact(("fake",)) is None and loc.exact(("not",)) is None
    assert loc.exact(("list",)) == 5 and loc.exact(("a",)) == 10
    assert loc.exact(("quoted.key",)) == 9
    assert loc.exact(("a", "b c")) == 10 and loc.exact(("a", "b c", "d", "e")) == 11
    assert loc.exact(("arr", 0, "x")) == 13 and loc.exact(("arr", 1, "x")) == 15
    assert loc.exact(("arr", 1, "sub", "y")) == 17
    assert loc.line(("a", "b c", "missing")) == 10
    assert loc.line(("nowhere",)) is None
    assert format_path(("a", "b c", "d", 1, "x")) == 'a."b c".d[1].x'


_KEY = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True)
_VALUE = st.sampled_from(
    [
        "1",
        "2.5",
        "true",
        '"a = 1"',
        "'[x]'",
        '"#" # comment',
        '"""\nfake = 2\n[not.a.table]\n"""',
        "'''\n[[x]]\n'''",
        "[\n  1,\n  2,\n]",
        '[ [1], ["]"] ]',
        '{ x = 1, y = "}" }',
        '[\n  { k = "v" },\n  { k = "[" },\n]',
    ]
)
_PAIRS = st.lists(st.tuples(st.lists(_KEY, min_size=1, max_size=2), _VALUE), max_size=5)


@settings(max_examples=150, deadline=None)
@given(
    top=_PAIRS,
    tables=st.lists(st.tuples(_KEY, _PAIRS), max_size=4, unique_by=lambda t: t[0]),
    data=st.data(),
)
def test_locator_finds_every_key_whatever_the_layout(
    top: list[tuple[list[str], str]],
    tables: list[tuple[str, list[tuple[list[str], str]]]],
    data: st.DataObject,
) -> None:
    lines: list[str] = []
    expected: dict[tuple[str | int, ...], int] = {}
    spaces = st.sampled_from(["", " ", "  ", "\t"])

    def add_pairs(prefix: tuple[str, ...], pairs: list[tuple[list[str], str]]) -> None:
        seen: set[str] = set()
        for parts, value in pairs:
            if parts[0] in seen:  # TOML forbids redefining a key
                continue
            seen.add(parts[0])
            if data.draw(st.booleans()):
                lines.append(data.draw(st.sampled_from(["", "# a = 1", "   # [t]"])))
            quoted = [f'"{p}"' if data.draw(st.booleans()) else p for p in parts]
            key = (data.draw(spaces) + "." + data.draw(spaces)).join(quoted)
            eq = data.draw(spaces) + "=" + data.draw(spaces)
            lines.append(data.draw(spaces) + key + eq)
            expected[(*prefix, *parts)] = len(lines)
            first, *rest = value.split("\n")
            lines[-1] += first
            lines.extend(rest)

    add_pairs((), top)
    for name, pairs in tables:
        name = "t" + name  # never the same as a top-level key (those have no 't' prefix rule)
        if (name,) in expected or any(p[0] == name for p in expected):
            continue
        lines.append(f"[{data.draw(spaces)}{name}{data.draw(spaces)}]")
        expected[(name,)] = len(lines)
        add_pairs((name,), pairs)

    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # the generator writes valid TOML
    loc = LineLocator(text)
    for path, line in expected.items():
        assert loc.exact(path) == line, (path, text)


def test_misspelt_rule_is_a_programming_error() -> None:
    @dataclasses.dataclass(frozen=True)
    class Bad:
        rate: float = dataclasses.field(default=1.0, metadata={"gte": 0})

    with pytest.raises(TypeError, match=r"Bad.rate: unknown config rule\(s\) \['gte'\]"):
        load_table(Bad, {}, Context("x.toml", Path.cwd()))


@dataclasses.dataclass(frozen=True)
class _Limits:
    max_ua: float = setting(100.0, gt=0)
    raised_by: str | None = None

    def validate(self, scope: Scope) -> _Limits:
        if "max_ua" in scope.given and self.max_ua > 100.0 and not self.raised_by:
            raise scope.error("max_ua", "raising the limit needs `raised_by`")
        return self


def test_validate_hook_sees_which_keys_were_given() -> None:
    text = "max_ua = 50\n\nmax_ua_note = 1\n"
    ctx = Context("lim.toml", Path.cwd(), text=text)
    with pytest.raises(ConfigError, match=r"^lim.toml:3: `max_ua_note`: unknown key; did you"):
        load_table(_Limits, tomllib.loads(text), ctx)
    text = "# limits\nmax_ua = 500\n"
    ctx = Context("lim.toml", Path.cwd(), text=text)
    with pytest.raises(ConfigError) as info:
        load_table(_Limits, tomllib.loads(text), ctx)
    assert str(info.value) == "lim.toml:2: `max_ua`: raising the limit needs `raised_by`"
    assert load_table(_Limits, {}, ctx) == _Limits()
