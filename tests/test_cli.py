"""The ``neurolink`` command line: --version, devices, stream (real BrainFlow board, real LSL)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import neurolink
from neurolink.cli import main
from neurolink.streams.lsl_outlet import BlockOutlet


def test_version_from_console_script() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "neurolink.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"neurolink {neurolink.__version__}"


def test_devices_lists_boards_and_a_live_lsl_stream(
    unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with BlockOutlet(unique_name, "EEG", ["a", "b", "c"], 500.0, unique_name):
        assert main(["devices", "--timeout", "1.5"]) == 0
    out = capsys.readouterr().out
    assert "synthetic" in out and "cyton_daisy" in out
    line = next(x for x in out.splitlines() if unique_name in x)
    assert "3 ch" in line and "500 Hz" in line and f"source_id {unique_name}" in line


def test_stream_synthetic_board_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary_path = tmp_path / "summary.json"
    rc = main(
        ["stream", "brainflow:synthetic", "--duration", "2", "--summary-json", str(summary_path)]
    )
    assert rc == 0
    summary = json.loads(summary_path.read_text())
    (s,) = summary.values()
    assert s["channels"] == 16 and s["nominal_rate_hz"] == 250
    assert 225 <= s["measured_rate_hz"] <= 275  # BrainFlow's documented 250 Hz
    assert s["samples"] >= 250 and s["gaps"] == 0 and s["invalid_values"] == 0
    out = capsys.readouterr().out
    assert "nominal 250 Hz, 16 channels" in out and "summary brainflow-synthetic" in out


def test_stream_unknown_board_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stream", "brainflow:cyton_dasy", "--duration", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "unknown board 'cyton_dasy'; did you mean 'cyton_daisy'?" in err


def test_stream_missing_lsl_stream_is_a_one_line_error(
    unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["stream", f"lsl:{unique_name}?resolve_timeout=0.3", "--duration", "1"])
    assert rc == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and unique_name in err


def test_stream_without_sources_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stream"]) == 1
    assert "at least one SOURCE" in capsys.readouterr().err


def test_stream_file_source_delivers_whole_recording_and_annotations(
    shared_data: Path, tmp_path: Path
) -> None:
    edf = shared_data / "eeg_motor_imagery_64ch.edf"
    summary_path = tmp_path / "summary.json"
    rc = main(
        [
            "stream",
            f"file:{edf}?realtime=false",
            "--duration",
            "60",
            "--summary-json",
            str(summary_path),
        ]
    )
    assert rc == 0
    (s,) = json.loads(summary_path.read_text()).values()
    # facts from ../shared/data/README.md: 64 channels, 128 Hz, 124 s; 19 + 10 + 9 annotations
    assert s["channels"] == 64 and s["nominal_rate_hz"] == 128
    assert s["samples"] == 124 * 128 and s["gaps"] == 0
    assert s["markers"] == 19 + 10 + 9


def test_emulate_prints_a_port_that_answers_hello() -> None:
    """``neurolink emulate`` starts a device process whose port speaks the wire protocol."""
    import serial

    from neurolink.hal import wire

    proc = subprocess.Popen(
        [sys.executable, "-m", "neurolink.cli", "emulate", "prosthesis"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().split()
        assert first[0] == "PORT", first
        with serial.serial_for_url(first[1], timeout=0.2) as port:
            port.write(wire.encode(wire.Hello(nonce=1234), seq=7))
            decoder = wire.FrameDecoder()
            info = None
            for _ in range(50):  # up to 10 s; state reports may arrive first
                for frame in decoder.feed(port.read(4096)):
                    if isinstance(frame, wire.Frame) and isinstance(frame.message, wire.Info):
                        info = frame.message
                if info is not None:
                    break
        assert info is not None and info.nonce == 1234
        assert info.device_kind == wire.DeviceKind.PROSTHESIS
    finally:
        proc.terminate()
        proc.wait(10)
