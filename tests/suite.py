"""The whole test suite as the README runs it: pytest processes side by side, in two phases.

    python -m tests.suite [pytest options ...]

Most of the suite's time is real-time work (streams paced by the clock, emulated devices on
ptys, watchdogs) that leaves a core idle much of the time; the rest is computation with no
clock in it (models, decoders, the chip's arithmetic, DSP accuracy, parsers of crafted files).
Run one after the other on the 2-core CI machine they take ~15 min. Here:

- the computation (:data:`BACKGROUND`) runs from start to end in a pytest process under
  ``SCHED_IDLE`` (Linux: it gets a CPU only when nothing else wants one, and gives it up at
  once when a real-time test wakes up; elsewhere the lowest nice value), so it fills idle time
  without delaying a real-time test;
- phase 1: the real-time tests but :data:`SIDE` (``rest``) and the test files under
  :data:`SIDE` (the closed-loop sessions) run in two pytest processes at once, but
- phase 2: the heaviest sessions (:data:`EXCLUSIVE`: a cold-cache first run that compiles every
  kernel, the decoder on the emulated neuromorphic board) run alone once phase 1 has ended (two
  such at once, or one beside a compile, starve the emulated devices' heartbeats on 2 cores).

Every test file runs in exactly one process. The first process's output comes as it runs, the
others' after it, each under a header. The exit status is 0 only when every process passed,
otherwise the first failing one's (pytest's 5, "no tests collected", is a failure like any
other). Options given are passed to every process.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

__all__ = ["BACKGROUND", "EXCLUSIVE", "SIDE", "combined", "commands", "main"]

REPO = Path(__file__).resolve().parents[1]

#: Test paths without real-time work: run under ``SCHED_IDLE`` beside everything else.
BACKGROUND = (
    "tests/models",
    "tests/decode",
    "tests/snn",
    "tests/firmware_sim",
    "tests/dsp",
    "tests/bounded",
    "tests/test_house.py",
    "tests/test_config.py",
    "tests/test_config_finite.py",
    "tests/test_config_renamed.py",
)

#: Real-time test paths run in a second process beside the rest, in phase 1.
SIDE = ("tests/loop",)

#: Test files under :data:`SIDE` run alone, in phase 2.
EXCLUSIVE = ("tests/loop/test_first_run.py", "tests/loop/test_demo_on_board.py")


def _idle() -> None:
    """In the background child, before it runs pytest: lowest scheduling class available."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(19)


def commands(
    options: list[str],
    root: Path = REPO,
    background: tuple[str, ...] = BACKGROUND,
    side: tuple[str, ...] = SIDE,
    exclusive: tuple[str, ...] = EXCLUSIVE,
) -> dict[str, list[str]]:
    """The pytest command lines, run in ``root``, by role: ``rest`` (``tests`` but the
    others' files), ``side`` (the test files under ``side`` but ``exclusive``), ``exclusive``
    and ``background``; a role with nothing to run is left out."""
    for path in (*background, *side, *exclusive):
        if not (root / path).exists():
            raise SystemExit(f"tests/suite.py: test path {path} does not exist")
    side_files = [
        rel
        for d in side
        for f in sorted((root / d).rglob("test_*.py"))
        if (rel := f.relative_to(root).as_posix()) not in exclusive
    ]
    pytest = [sys.executable, "-m", "pytest", *options]
    ignored = (*side_files, *exclusive, *background)
    out = {"rest": [*pytest, "tests", *(f"--ignore={p}" for p in ignored)]}
    if side_files:
        out["side"] = [*pytest, *side_files]
    if exclusive:
        out["exclusive"] = [*pytest, *exclusive]
    out["background"] = [*pytest, *background]
    return out


def combined(*statuses: int) -> int:
    """The suite's exit status: 0 when every process passed, else the first failure's."""
    return next((s for s in statuses if s != 0), 0)


def _show(title: str, out: IO[str]) -> None:
    out.seek(0)
    print(f"\n==== {title} ====")
    sys.stdout.write(out.read())
    sys.stdout.flush()


def main(
    argv: list[str] | None = None,
    root: Path = REPO,
    background: tuple[str, ...] = BACKGROUND,
    side: tuple[str, ...] = SIDE,
    exclusive: tuple[str, ...] = EXCLUSIVE,
) -> int:
    """Run the suite in ``root`` (module docstring); exit status as :func:`combined`."""
    options = list(sys.argv[1:] if argv is None else argv) or ["-q"]
    cmds = commands(options, root, background, side, exclusive)
    titles = {
        "rest": "rest of tests/ (phase 1)",
        "side": f"{' '.join(side)} (phase 1)",
        "exclusive": f"{' '.join(exclusive)} (phase 2, alone)",
        "background": "background (SCHED_IDLE)",
    }
    later = [k for k in ("side", "exclusive", "background") if k in cmds]
    status: dict[str, int] = {}
    with contextlib.ExitStack() as stack:
        outs = {k: stack.enter_context(tempfile.TemporaryFile("w+")) for k in later}
        procs: dict[str, subprocess.Popen[bytes]] = {}

        def start(key: str) -> None:
            procs[key] = subprocess.Popen(
                cmds[key],
                cwd=root,
                stdout=outs[key],
                stderr=subprocess.STDOUT,
                preexec_fn=_idle if key == "background" else None,
            )

        try:
            start("background")
            if "side" in cmds:
                start("side")
            status["rest"] = subprocess.call(cmds["rest"], cwd=root)
            if "side" in cmds:
                status["side"] = procs["side"].wait()
            if "exclusive" in cmds:
                start("exclusive")
                status["exclusive"] = procs["exclusive"].wait()
            status["background"] = procs["background"].wait()
        except BaseException:  # interrupted: every process goes too
            for proc in procs.values():
                proc.kill()
                proc.wait()
            raise
        for key in later:
            _show(titles[key], outs[key])
    order = ["rest", *later]
    said = ", ".join(f"{titles[k]} exit {status[k]}" for k in order)
    print(f"==== suite: {said} ====")
    return combined(*(status[k] for k in order))


if __name__ == "__main__":
    raise SystemExit(main())
