"""``tests/suite.py`` (the README's test command): real pytest processes on small trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.suite import BACKGROUND, EXCLUSIVE, REPO, SIDE, combined, commands, main

PASS = "def test_ok():\n    assert 1 + 1 == 2\n"
FAIL = "def test_no():\n    assert 1 + 1 == 3\n"
NO_PLUGINS = ["-q", "-p", "no:cacheprovider"]
FILES = {
    "tests/test_fg.py": PASS,
    "tests/side/test_s.py": PASS,
    "tests/side/test_alone.py": PASS,
    "tests/bg/test_bg.py": PASS,
}
ROLES = {"bg": ("tests/bg",), "side": ("tests/side",), "alone": ("tests/side/test_alone.py",)}


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def run(root: Path, options: list[str] = NO_PLUGINS) -> int:
    return main(options, root, ROLES["bg"], ROLES["side"], ROLES["alone"])


def test_every_path_is_in_the_repo_and_in_one_process_only() -> None:
    paths = (*BACKGROUND, *SIDE)
    for p in (*paths, *EXCLUSIVE):
        assert (REPO / p).exists(), p
        assert p.startswith("tests/")
    for a in paths:
        assert not any(b != a and b.startswith(a.rstrip("/") + "/") for b in paths)
    assert all(any(e.startswith(s + "/") for s in SIDE) for e in EXCLUSIVE)


def test_each_file_is_in_one_command_only(tmp_path) -> None:
    cmds = commands(["-q"], tree(tmp_path, FILES), ROLES["bg"], ROLES["side"], ROLES["alone"])
    assert (
        cmds["side"][-1] == "tests/side/test_s.py"
        and "tests/side/test_alone.py" not in cmds["side"]
    )
    assert cmds["exclusive"][-1] == "tests/side/test_alone.py"
    assert cmds["background"][-1] == "tests/bg"
    rest = cmds["rest"]
    for path in ("tests/side/test_s.py", "tests/side/test_alone.py", "tests/bg"):
        assert f"--ignore={path}" in rest


def test_every_file_runs_once_in_its_phase_and_the_suite_passes(tmp_path, capfd) -> None:
    files = dict(FILES)
    files["tests/bg/test_bg.py"] = (
        "import os\ndef test_policy():\n"
        "    assert os.sched_getscheduler(0) == getattr(os, 'SCHED_IDLE', -1) or os.nice(0) == 19\n"
    )
    files["tests/test_fg.py"] = (  # the real-time processes keep the normal policy
        "import os\ndef test_policy():\n    assert os.sched_getscheduler(0) == os.SCHED_OTHER\n"
    )
    assert run(tree(tmp_path, files), ["-v", "-p", "no:cacheprovider"]) == 0
    out = capfd.readouterr().out
    for name in ("test_fg.py::test_policy", "test_s.py::test_ok", "test_alone.py::test_ok"):
        assert out.count(f"{name} PASSED") == 1, name
    assert out.count("test_bg.py::test_policy PASSED") == 1
    assert "tests/side/test_alone.py (phase 2, alone) exit 0" in out
    assert out.rstrip().endswith("background (SCHED_IDLE) exit 0 ====")


@pytest.mark.parametrize("failing", list(FILES))
def test_a_failure_in_any_process_fails_the_suite(tmp_path, failing) -> None:
    files = dict(FILES)
    files[failing] = FAIL
    assert run(tree(tmp_path, files)) == 1


def test_no_tests_in_a_process_is_a_failure(tmp_path) -> None:
    files = dict(FILES)
    del files["tests/bg/test_bg.py"]
    files["tests/bg/helper.py"] = "X = 1\n"  # a module, no test: pytest says 5
    assert run(tree(tmp_path, files)) == 5


def test_a_missing_path_is_refused_by_name(tmp_path) -> None:
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
    root = tree(tmp_path, {"tests/test_fg.py": PASS, "tests/bg/test_bg.py": strict})
    assert main(NO_PLUGINS, root, ("tests/bg",), (), ()) == 0
