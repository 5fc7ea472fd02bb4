"""The simulated subject's process dies with the process that started it (Linux)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

PARENT = """
import subprocess, sys
from neurolink.sim.subject import _die_with_parent
PREEXEC = {preexec}
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         preexec_fn=PREEXEC)
print(child.pid, flush=True)
"""  # the parent exits at once, leaving its child (which holds none of its pipes)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie has died; its new parent reaps it
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("preexec", ["_die_with_parent", "None"])
def test_the_subject_process_gets_sigterm_when_its_parent_is_gone(preexec: str) -> None:
    # with None (an ordinary child) the same check sees the child outlive its parent
    code = PARENT.format(preexec=preexec)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 2.0
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    outlived = _alive(pid)
    if outlived:  # leave nothing behind
        os.kill(pid, 9)
    assert outlived is (preexec == "None"), f"child {pid}: outlived its parent: {outlived}"
