"""The ``neurolink`` command line: --version, devices, stream (real BrainFlow board, real LSL)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

import neurolink
from neurolink.cli import main, options
from neurolink.cli.main import COMMANDS, build_parser
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
            port.write(wire.encode(wire.Hello(nonce=(1234).to_bytes(16, "little")), seq=7))
            decoder = wire.FrameDecoder()
            info = None
            for _ in range(50):  # up to 10 s; state reports may arrive first
                for frame in decoder.feed(port.read(4096)):
                    if isinstance(frame, wire.Frame) and isinstance(frame.message, wire.Info):
                        info = frame.message
                if info is not None:
                    break
        assert info is not None and info.nonce == (1234).to_bytes(16, "little")
        assert info.device_kind == wire.DeviceKind.PROSTHESIS
    finally:
        proc.terminate()
        proc.wait(10)


# --------------------------------------------------------------------------------------------
# start-up: no heavy library to build the parser; Ctrl-C while loading is a clean exit 130

HEAVY = ("numpy", "numba", "brainflow", "pylsl", "scipy", "matplotlib")

# Runs ``python -m neurolink.cli ARGS`` in this process, then prints which heavy libraries it
# imported (as the last line of stdout). With a trigger module named, a real SIGINT is sent the
# moment that module is first imported (Ctrl-C pressed while the command loads).
_PROBE = """
import json, os, runpy, signal, sys, time

heavy, trigger, argv = sys.argv[1].split(","), sys.argv[2], sys.argv[3:]


class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == trigger:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(10)  # the interrupt lands here
        return None


if trigger:
    sys.meta_path.insert(0, CtrlC())
sys.argv = ["neurolink", *argv]
try:
    runpy.run_module("neurolink.cli", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
print(json.dumps({"loaded": [m for m in heavy if m in sys.modules], "code": code}))
sys.exit(code)
"""


def _probe(*argv: str, trigger: str = "") -> tuple[dict, str, str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(HEAVY), trigger, *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    *printed, last = out.stdout.splitlines()
    return json.loads(last), "\n".join(printed), out.stderr


@pytest.mark.parametrize(
    "argv",
    [["--version"], ["--help"], *([name, "--help"] for name in COMMANDS)],
    ids=lambda argv: " ".join(argv),
)
def test_version_and_help_load_no_heavy_library(argv: list[str]) -> None:
    probe, printed, err = _probe(*argv)
    assert probe["code"] == 0, err
    assert probe["loaded"] == [], f"`neurolink {' '.join(argv)}` imported {probe['loaded']}"
    if argv == ["--version"]:
        assert printed == f"neurolink {neurolink.__version__}"
    else:
        assert printed.startswith("usage: neurolink")


@pytest.mark.parametrize(
    ("trigger", "prog"),
    [("neurolink.cli.run", "neurolink"), ("numpy", "neurolink run")],
    ids=["while-building-the-parser", "while-loading-the-command"],
)
def test_ctrl_c_during_start_up_exits_130_without_traceback(trigger: str, prog: str) -> None:
    examples = Path(__file__).resolve().parents[1] / "examples"
    probe, printed, err = _probe("run", str(examples / "center_out.toml"), trigger=trigger)
    assert probe["code"] == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == f"{prog}: interrupted"
    assert printed == ""


# --------------------------------------------------------------------------------------------
# shared options: one definition, checked while parsing

#: One way to call each command that has ``--duration`` (positionals are never opened: a bad
#: option stops the parse first).
DURATION_COMMANDS = {
    "run": ["run", "cfg.toml"],
    "demo": ["demo"],
    "stream": ["stream", "brainflow:synthetic"],
    "play": ["play", "rec.edf"],
    "calibrate": ["calibrate", "cfg.toml"],
    "node": ["node", "cfg.toml", "--stage", "a", "--input", "b", "--output", "c"],
}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_shared_options_have_one_definition() -> None:
    with_duration = set()
    for name, p in _subparsers(build_parser()).items():
        for action in p._actions:
            if "--duration" in action.option_strings:
                with_duration.add(name)
                assert action.type is options.seconds and action.metavar == "S", name
            if "--interval" in action.option_strings:
                assert action.type is options.seconds, name
            if "--summary-json" in action.option_strings:
                assert action.help == "also write the summary as JSON", name
            if "--quiet" in action.option_strings:
                assert action.help == "no live status line on stderr", name
    assert with_duration == set(DURATION_COMMANDS)


@pytest.mark.parametrize("command", DURATION_COMMANDS)
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0", "must be > 0 s, got '0'"),
        ("-2", "must be > 0 s, got '-2'"),
        ("nan", "must be a finite number of seconds, got 'nan'"),
        ("inf", "must be a finite number of seconds, got 'inf'"),
        ("10s", "expected a number of seconds, got '10s'"),
    ],
)
def test_bad_duration_is_refused_while_parsing(
    command: str, value: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*DURATION_COMMANDS[command], "--duration", value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == f"neurolink {command}: error: argument --duration: {problem}"


@pytest.mark.parametrize("command", DURATION_COMMANDS)
def test_good_duration_is_parsed_as_seconds(command: str) -> None:
    args = build_parser().parse_args([*DURATION_COMMANDS[command], "--duration", "2.5"])
    assert args.duration == 2.5


def test_time_option_types() -> None:
    assert options.seconds("1e-3") == 0.001
    assert options.nonnegative_seconds("0") == 0.0
    assert options.milliseconds("0.5") == 0.5
    with pytest.raises(argparse.ArgumentTypeError, match=r"^must be >= 0 s, got '-1'$"):
        options.nonnegative_seconds("-1")
    with pytest.raises(argparse.ArgumentTypeError, match=r"^must be > 0 ms, got '0'$"):
        options.milliseconds("0")


def test_play_formats_are_the_file_formats() -> None:
    from neurolink.cli.play import FORMATS
    from neurolink.streams.files import FileFormat

    assert FORMATS == tuple(f.value for f in FileFormat)


@pytest.mark.parametrize(
    ("argv", "fix"),
    [
        (["--duration", "15"], "pass --duration 25 or --calibration 8"),
        (["--duration", "10", "--calibration", "12"], "pass --duration 22 or --calibration 5"),
    ],
)
def test_demo_duration_within_the_calibration_says_what_to_pass(
    argv: list[str], fix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", *argv]) == 1
    err = capsys.readouterr().err.strip()
    duration, calibration = argv[1], (argv[3] if len(argv) > 2 else "15")
    assert err == (
        f"neurolink demo: error: --duration ({duration} s) must exceed the calibration "
        f"({calibration} s): {fix}"
    )


def test_demo_suggestions_are_accepted() -> None:
    from neurolink.cli.demo import demo_config

    assert demo_config(duration=25.0).loop.task.calibration_s == 15.0
    assert demo_config(duration=15.0, calibration=8.0).session.duration == 15.0
