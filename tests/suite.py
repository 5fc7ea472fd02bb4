"""The whole test suite as the README runs it: two pytest processes side by side.

    python -m tests.suite [pytest options ...]

Most of the suite's time is real-time work (streams paced by the clock, emulated devices on
ptys, watchdogs) that leaves a core idle much of the time; the rest is computation with no
clock in it (models, decoders, the chip's arithmetic, DSP accuracy, parsers of crafted files).
Here the computation (:data:`BACKGROUND`) runs from start to end in a second pytest process
under ``SCHED_IDLE`` (Linux: it gets a CPU only when nothing else wants one, and gives it up at
once when a real-time test wakes up; elsewhere the lowest nice value), so it fills idle time
without delaying a real-time test (on a 2-core fresh clone: foreground 8.6-8.8 min,
background 3.8-4.5 min, side by side; one after the other they would take 12-13).

The real-time tests stay in one process, one at a time: two of them at once (tried: the
closed-loop sessions in a second process) starve an emulated device's heartbeats on 2 cores.

Every test file runs in exactly one process. The foreground's output comes as it runs, the
background's after it, under a header. The exit status is 0 only when both passed, otherwise
the first failing one's (pytest's 5, "no tests collected", is a failure like any other). Options
given are passed to both.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["BACKGROUND", "RUN_LAST", "combined", "commands", "main", "run_last_rank"]

REPO = Path(__file__).resolve().parents[1]

#: Test paths without real-time work: run under ``SCHED_IDLE`` beside the others.
BACKGROUND = (
    "tests/models",
    "tests/decode",
    "tests/snn",
    "tests/firmware_sim",
    "tests/dsp",
    "tests/bounded",
    "tests/loop/test_warmup_cold.py",
    "tests/test_house.py",
    "tests/test_config.py",
    "tests/test_config_finite.py",
    "tests/test_config_renamed.py",
    # files of the real-time directories with no clock, pty or stream in them
    "tests/loop/test_report.py",
    "tests/loop/test_replay.py",
    "tests/loop/test_replay_support.py",
    "tests/loop/test_recording_property.py",
    "tests/loop/test_registry.py",
    "tests/loop/test_graph_nodes.py",
    "tests/loop/test_graph_config.py",
    "tests/loop/test_sweep.py",
    "tests/loop/test_sweep_check.py",
    "tests/hal/test_wire_messages.py",
    "tests/hal/test_wire_fuzz.py",
    "tests/hal/test_wire_crc_cobs.py",
    "tests/hal/test_wire_seq.py",
    "tests/hal/test_commands.py",
    "tests/hal/test_fast_checks.py",
    "tests/hal/test_pulse_ledger_property.py",
    "tests/hal/test_safety_pulse_ledger.py",
    "tests/hal/test_safety_stim_guard.py",
    "tests/hal/test_safety_charge.py",
    "tests/sim/test_signal.py",
    "tests/sim/test_tuning.py",
    "tests/sim/test_reproducibility.py",
)


#: Foreground files with the longest closed-loop sessions, run after every other foreground test
#: (in this order; ``tests/conftest.py`` sorts them there). On the 2-core machine a CPU-bound
#: process beside a closed loop, even one under ``SCHED_IDLE`` like the background, was measured
#: to hold up the pty's data for 0.1-0.8 s at times (the emulated device's read waits in the
#: kernel's tty buffer flush), which the host rightly takes for a lost device; the background
#: takes about as long as the foreground's other tests, so these start about when it ends.
RUN_LAST = (
    "tests/loop/test_node_pipeline.py",
    "tests/loop/test_sweep_dask_cluster.py",
    "tests/loop/test_demo_channels.py",
    "tests/loop/test_replay_live.py",
    "tests/loop/test_examples.py",
    "tests/loop/test_calibrate.py",
    "tests/loop/test_first_run.py",
    "tests/loop/test_demo_e2e.py",
    "tests/loop/test_audit_session.py",
    "tests/loop/test_report_agrees.py",
    "tests/loop/test_demo_on_chip.py",
    "tests/loop/test_demo_on_board.py",
)


def run_last_rank(relpath: str) -> int:
    """Sort key of a test file (path relative to the repository, ``/``-separated): -1 for most,
    its place in :data:`RUN_LAST` for those run last."""
    try:
        return RUN_LAST.index(relpath)
    except ValueError:
        return -1


def _idle() -> None:
    """In the background child, before it runs pytest: lowest scheduling class available."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(19)


def commands(
    options: list[str], root: Path = REPO, background: tuple[str, ...] = BACKGROUND
) -> tuple[list[str], list[str]]:
    """The foreground's and the background's pytest command lines, run in ``root``."""
    for path in background:
        if not (root / path).exists():
            raise SystemExit(f"tests/suite.py: test path {path} does not exist")
    pytest = [sys.executable, "-m", "pytest", *options]
    fg = [*pytest, "tests", *(f"--ignore={p}" for p in background)]
    return fg, [*pytest, *background]


def combined(*statuses: int) -> int:
    """The suite's exit status: 0 when every process passed, else the first failure's."""
    return next((s for s in statuses if s != 0), 0)


def main(
    argv: list[str] | None = None, root: Path = REPO, background: tuple[str, ...] = BACKGROUND
) -> int:
    """Run the suite in ``root`` (module docstring); exit status as :func:`combined`."""
    options = list(sys.argv[1:] if argv is None else argv) or ["-q"]
    fg_cmd, bg_cmd = commands(options, root, background)
    with tempfile.TemporaryFile("w+") as out:
        bg = subprocess.Popen(
            bg_cmd, cwd=root, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_idle
        )
        try:
            fg_status = subprocess.call(fg_cmd, cwd=root)
        except BaseException:  # interrupted: the background goes too
            bg.kill()
            bg.wait()
            raise
        bg_status = bg.wait()
        out.seek(0)
        print(f"\n==== background ({' '.join(background)}), under SCHED_IDLE ====")
        sys.stdout.write(out.read())
        sys.stdout.flush()
    print(f"==== suite: foreground exit {fg_status}, background exit {bg_status} ====")
    return combined(fg_status, bg_status)


if __name__ == "__main__":
    raise SystemExit(main())
