"""The whole test suite as the README runs it: two pytest processes side by side.

    python -m tests.suite [pytest options ...]

Half of the suite's time is real-time work (streams paced by the clock, emulated devices on
ptys, watchdogs) that leaves a core idle most of the time; the other half is computation with
no clock in it (models, decoders, the chip's arithmetic, DSP accuracy, parsers of crafted
files). Run one after the other on the 2-core CI machine they take ~15 min; here the
computation (:data:`BACKGROUND`) runs beside the real-time tests in a second pytest process
under ``SCHED_IDLE`` (Linux: it gets a CPU only when nothing else wants one, and gives it up at
once when a real-time test wakes up), so it fills the idle time without delaying any real-time
test. Where ``SCHED_IDLE`` is not available the background runs at the lowest nice value.

Every test file belongs to exactly one of the two processes (the foreground ignores the
background's paths). The background's output is printed after the foreground's, under a header.
The exit status is 0 only when both processes passed; otherwise the first failing one's (pytest's
5, "no tests collected", is a failure like any other). Options given are passed to both.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["BACKGROUND", "MOVED", "SIDE", "combined", "commands", "main"]

REPO = Path(__file__).resolve().parents[1]

#: Test paths without real-time work: run in the background process, under ``SCHED_IDLE``.
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

#: Real-time test paths run in a second foreground process beside the first (the rest).
SIDE = ("tests/loop",)
#: Test files under :data:`SIDE` run by the first process instead, to even the two out
#: (~6 min each on the 2-core CI machine).
MOVED = ("tests/loop/test_first_run.py",)


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
    moved: tuple[str, ...] = MOVED,
) -> list[list[str]]:
    """The pytest command lines, run in ``root``: the rest of ``tests`` (foreground), the test
    files under ``side`` but ``moved`` (a second foreground process; none when empty) and
    ``background``."""
    for path in (*background, *side, *moved):
        if not (root / path).exists():
            raise SystemExit(f"tests/suite.py: test path {path} does not exist")
    side_files = [
        f.relative_to(root).as_posix()
        for d in side
        for f in sorted((root / d).rglob("test_*.py"))
        if f.relative_to(root).as_posix() not in moved
    ]
    pytest = [sys.executable, "-m", "pytest"]
    ignored = (*side_files, *background)
    rest = [*pytest, *options, "tests", *(f"--ignore={p}" for p in ignored)]
    out = [rest]
    if side_files:
        out.append([*pytest, *options, *side_files])
    out.append([*pytest, *options, *background])
    return out


def combined(*statuses: int) -> int:
    """The suite's exit status: 0 when every process passed, else the first failure's."""
    return next((s for s in statuses if s != 0), 0)


def main(
    argv: list[str] | None = None,
    root: Path = REPO,
    background: tuple[str, ...] = BACKGROUND,
    side: tuple[str, ...] = SIDE,
    moved: tuple[str, ...] = MOVED,
) -> int:
    """Run the processes in ``root`` at once; print the first one's output as it comes and the
    others' after it; exit status as :func:`combined`."""
    options = list(sys.argv[1:] if argv is None else argv) or ["-q"]
    cmds = commands(options, root, background, side, moved)
    names = ["rest of tests/", "+".join(side), "background (SCHED_IDLE)"][-len(cmds) :]
    names[0] = "rest of tests/"
    with contextlib.ExitStack() as stack:
        outs = [stack.enter_context(tempfile.TemporaryFile("w+")) for _ in cmds[1:]]
        later = [
            subprocess.Popen(
                cmd,
                cwd=root,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_idle if k == len(cmds) - 2 else None,
            )
            for k, (cmd, out) in enumerate(zip(cmds[1:], outs, strict=True))
        ]
        try:
            first = subprocess.call(cmds[0], cwd=root)
        except BaseException:  # interrupted: the others go too
            for proc in later:
                proc.kill()
                proc.wait()
            raise
        statuses = [first, *(proc.wait() for proc in later)]
        for name, out in zip(names[1:], outs, strict=True):
            out.seek(0)
            print(f"\n==== {name} ====")
            sys.stdout.write(out.read())
            sys.stdout.flush()
    said = ", ".join(f"{n} exit {s}" for n, s in zip(names, statuses, strict=True))
    print(f"==== suite: {said} ====")
    return combined(*statuses)


if __name__ == "__main__":
    raise SystemExit(main())
