"""The device fixtures leave no process behind: after a failing test, an interrupted session
and a pytest process killed outright (the emulator's lifeline)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

INNER = """
import os, signal, pytest

def _save(*devices):
    with open(os.environ["NL_PIDS"], "a") as f:
        for d in devices:
            f.write(f"{d.pid}\\n")

def test_fails(emulated_stimulator, emulated_prosthesis):
    _save(emulated_stimulator, emulated_prosthesis)
    assert False, "the test fails"

def test_interrupted(emulated_stimulator):
    _save(emulated_stimulator)
    raise KeyboardInterrupt

def test_killed(emulated_stimulator):
    _save(emulated_stimulator)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _gone(pids: list[int], timeout: float = 15.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (alive := [p for p in pids if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


@pytest.mark.parametrize(
    ("name", "n_pids"), [("test_fails", 2), ("test_interrupted", 1), ("test_killed", 1)]
)
def test_no_emulator_outlives_its_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, name: str, n_pids: int
) -> None:
    pids_file = pytester.path / "pids.txt"
    monkeypatch.setenv("NL_PIDS", str(pids_file))
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", name, timeout=120)
    if name == "test_fails":
        result.assert_outcomes(failed=1)
    elif name == "test_killed":
        assert result.ret == -signal.SIGKILL
    else:
        assert result.ret == pytest.ExitCode.INTERRUPTED
    pids = [int(x) for x in Path(pids_file).read_text().split()]
    assert len(pids) == n_pids and all(p != os.getpid() for p in pids)
    assert _gone(pids) == []
