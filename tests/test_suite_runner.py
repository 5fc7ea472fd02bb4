"""``tests/suite.py`` (the README's test command): real pytest processes on small trees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.suite import BACKGROUND, REPO, RUN_LAST, combined, commands, main

PASS = "def test_ok():\n    assert 1 + 1 == 2\n"
FAIL = "def test_no():\n    assert 1 + 1 == 3\n"
NO_CACHE = ["-q", "-p", "no:cacheprovider"]
FILES = {"tests/test_fg.py": PASS, "tests/sub/test_s.py": PASS, "tests/bg/test_bg.py": PASS}


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_every_background_path_is_in_the_repo_and_listed_once() -> None:
    for p in BACKGROUND:
        assert (REPO / p).exists() and p.startswith("tests/"), p
    for a in BACKGROUND:
        assert not any(b != a and b.startswith(a.rstrip("/") + "/") for b in BACKGROUND)


def test_each_file_is_in_one_command_only(tmp_path) -> None:
    fg, bg = commands(["-q"], tree(tmp_path, FILES), ("tests/bg",))
    assert "tests" in fg and "--ignore=tests/bg" in fg
    assert bg[-1] == "tests/bg" and "tests" not in bg


def test_every_file_runs_once_and_the_suite_passes(tmp_path, capfd) -> None:
    files = dict(FILES)
    files["tests/bg/test_bg.py"] = (
        "import os\ndef test_policy():\n"
        "    assert os.sched_getscheduler(0) == getattr(os, 'SCHED_IDLE', -1) or os.nice(0) == 19\n"
    )
    files["tests/test_fg.py"] = (  # the real-time tests keep the normal policy
        "import os\ndef test_policy():\n    assert os.sched_getscheduler(0) == os.SCHED_OTHER\n"
    )
    assert main(["-v", "-p", "no:cacheprovider"], tree(tmp_path, files), ("tests/bg",)) == 0
    out = capfd.readouterr().out
    for name in ("test_fg.py::test_policy", "test_s.py::test_ok", "test_bg.py::test_policy"):
        assert out.count(f"{name} PASSED") == 1, name
    assert out.rstrip().endswith("foreground exit 0, background exit 0 ====")


@pytest.mark.parametrize("failing", list(FILES))
def test_a_failure_in_either_process_fails_the_suite(tmp_path, failing) -> None:
    files = dict(FILES)
    files[failing] = FAIL
    assert main(NO_CACHE, tree(tmp_path, files), ("tests/bg",)) == 1


def test_no_tests_in_the_background_is_a_failure(tmp_path) -> None:
    files = {"tests/test_fg.py": PASS, "tests/bg/helper.py": "X = 1\n"}  # pytest says 5
    assert main(NO_CACHE, tree(tmp_path, files), ("tests/bg",)) == 5


def test_a_missing_path_is_refused_by_name(tmp_path) -> None:
    root = tree(tmp_path, {"tests/test_fg.py": PASS})
    with pytest.raises(SystemExit, match="tests/gone does not exist"):
        main(["-q"], root, ("tests/gone",))


def test_exit_status_rule() -> None:
    assert combined(0, 0) == 0
    assert combined(0, 5) == 5 and combined(5, 0) == 5
    assert combined(1, 2) == 1 and combined(0, 2) == 2


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
def test_the_background_really_runs_under_sched_idle(tmp_path) -> None:
    strict = "import os\ndef test_policy():\n    assert os.sched_getscheduler(0) == os.SCHED_IDLE\n"
    root = tree(tmp_path, {"tests/test_fg.py": PASS, "tests/bg/test_bg.py": strict})
    assert main(NO_CACHE, root, ("tests/bg",)) == 0


def test_every_run_last_file_exists_outside_the_background() -> None:
    for p in RUN_LAST:
        assert (REPO / p).is_file() and not any(p.startswith(b) for b in BACKGROUND), p
    assert len(set(RUN_LAST)) == len(RUN_LAST)


def test_the_longest_sessions_are_collected_last_in_their_order() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/loop",
            "tests/test_clock.py",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    files = []
    for line in out.splitlines():
        if "::" in line and (f := line.split("::")[0]) not in files:
            files.append(f)
    assert files[-len(RUN_LAST) :] == list(RUN_LAST)
    assert "tests/test_clock.py" in files[: -len(RUN_LAST)]  # before them, though named after
