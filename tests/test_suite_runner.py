"""``tests/suite.py`` (the README's test command): two real pytest processes on a small tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.suite import BACKGROUND, MOVED, REPO, SIDE, combined, commands, main

PASS = "def test_ok():\n    assert 1 + 1 == 2\n"
FAIL = "def test_no():\n    assert 1 + 1 == 3\n"
SCHED = (
    "import os\n"
    "def test_policy():\n"
    "    assert os.sched_getscheduler(0) == getattr(os, 'SCHED_IDLE', -1) or os.nice(0) == 19\n"
)
# the foregrounds keep the normal policy
NORMAL = "import os\ndef test_policy():\n    assert os.sched_getscheduler(0) == os.SCHED_OTHER\n"


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_every_path_is_in_the_repo_and_in_one_process_only() -> None:
    paths = (*BACKGROUND, *SIDE)
    for p in (*paths, *MOVED):
        assert (REPO / p).exists(), p
    for a in paths:
        assert not any(b != a and b.startswith(a.rstrip("/") + "/") for b in paths)
        assert a.startswith("tests/")


def test_the_suite_passes_when_every_process_passes(tmp_path, capfd) -> None:
    files = {"tests/test_fg.py": PASS, "tests/side/test_s.py": PASS, "tests/bg/test_bg.py": SCHED}
    root = tree(tmp_path, files)
    assert main(["-q", "-p", "no:cacheprovider"], root, ("tests/bg",), ("tests/side",), ()) == 0
    out = capfd.readouterr().out
    assert "rest of tests/ exit 0, tests/side exit 0, background (SCHED_IDLE) exit 0" in out
    assert out.count("1 passed") == 3  # each file ran once, in its own process


@pytest.mark.parametrize(
    "failing", ["tests/test_fg.py", "tests/side/test_s.py", "tests/bg/test_bg.py"]
)
def test_a_failure_in_any_process_fails_the_suite(tmp_path, failing) -> None:
    files = {"tests/test_fg.py": PASS, "tests/side/test_s.py": PASS, "tests/bg/test_bg.py": PASS}
    files[failing] = FAIL
    root = tree(tmp_path, files)
    assert main(["-q", "-p", "no:cacheprovider"], root, ("tests/bg",), ("tests/side",), ()) == 1


def test_no_tests_in_the_background_is_a_failure(tmp_path) -> None:
    # the background path holds no test: pytest says 5 (no tests collected): not a pass
    root = tree(tmp_path, {"tests/test_fg.py": PASS, "tests/bg/helper.py": "X = 1\n"})
    assert main(["-q", "-p", "no:cacheprovider"], root, ("tests/bg",), (), ()) == 5


def test_a_missing_background_path_is_refused_by_name(tmp_path) -> None:
    root = tree(tmp_path, {"tests/test_fg.py": PASS})
    with pytest.raises(SystemExit, match="tests/gone does not exist"):
        main(["-q"], root, ("tests/gone",), (), ())


def test_exit_status_rule() -> None:
    assert combined(0, 0, 0) == 0
    assert combined(0, 0, 5) == 5 and combined(5, 0, 0) == 5
    assert combined(1, 2, 0) == 1 and combined(0, 2, 3) == 2


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
def test_the_background_really_runs_under_sched_idle(tmp_path) -> None:
    strict = "import os\ndef test_policy():\n    assert os.sched_getscheduler(0) == os.SCHED_IDLE\n"
    root = tree(tmp_path, {"tests/test_fg.py": NORMAL, "tests/bg/test_bg.py": strict})
    assert main(["-q", "-p", "no:cacheprovider"], root, ("tests/bg",), (), ()) == 0


def test_a_moved_file_runs_in_the_first_process_and_only_there(tmp_path, capfd) -> None:
    files = {
        "tests/test_fg.py": PASS,
        "tests/side/test_s.py": PASS,
        "tests/side/test_moved.py": "def test_moved():\n    assert True\n",
        "tests/bg/test_bg.py": PASS,
    }
    root = tree(tmp_path, files)
    rest, side, bg = commands(
        ["-q"], root, ("tests/bg",), ("tests/side",), ("tests/side/test_moved.py",)
    )
    assert "tests/side/test_s.py" in side and "tests/side/test_moved.py" not in side
    assert "--ignore=tests/side/test_s.py" in rest and "--ignore=tests/bg" in rest
    assert bg[-1] == "tests/bg"
    assert not any("test_moved" in a for a in rest)  # collected from tests/, not ignored
    assert (
        main(
            ["-v", "-p", "no:cacheprovider"],
            root,
            ("tests/bg",),
            ("tests/side",),
            ("tests/side/test_moved.py",),
        )
        == 0
    )
    out = capfd.readouterr().out
    assert out.count("test_moved PASSED") == 1
    assert out.index("test_moved PASSED") < out.index("==== tests/side ====")
