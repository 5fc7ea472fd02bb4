"""Parsing of command-line source specs."""

from __future__ import annotations

import pytest

from neurolink.errors import ConfigError
from neurolink.streams.factory import parse_source_spec


def test_brainflow_spec_with_params() -> None:
    s = parse_source_spec("brainflow:cyton_daisy?serial_port=/dev/ttyUSB0&timeout=5")
    assert (s.kind, s.target) == ("brainflow", "cyton_daisy")
    assert s.params == {"serial_port": "/dev/ttyUSB0", "timeout": "5"}


def test_bare_board_name_means_brainflow() -> None:
    s = parse_source_spec("synthetic")
    assert (s.kind, s.target, s.params) == ("brainflow", "synthetic", {})


def test_lsl_by_name_and_by_query() -> None:
    assert parse_source_spec("lsl:MyEEG").params == {"name": "MyEEG"}
    s = parse_source_spec("lsl:type=EEG&source_id=abc")
    assert s.target == "" and s.params == {"type": "EEG", "source_id": "abc"}


def test_file_spec_keeps_path() -> None:
    s = parse_source_spec("file:../shared/data/x.edf?loop=true")
    assert (s.kind, s.target, s.params) == ("file", "../shared/data/x.edf", {"loop": "true"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("brainflw:synthetic", "unknown kind 'brainflw'.*did you mean 'brainflow:'"),
        ("lsl:colour=red", r"unknown LSL key\(s\) \['colour'\]"),
        ("lsl:", "lsl needs a stream name"),
        ("file:", "file needs a file path"),
        ("", "empty source spec"),
        ("brainflow:synthetic?oops", "malformed parameters 'oops'"),
    ],
)
def test_bad_specs_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_source_spec(text)
