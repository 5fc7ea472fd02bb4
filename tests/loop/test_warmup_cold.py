"""``neurolink warmup`` with a cold numba cache fills it and says how long each part took
(issue 14). Computation only (no device, no stream): it runs in the suite's background process."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.loop.test_first_run import cold_env


@pytest.mark.slow
def test_warmup_fills_a_cold_cache_and_says_how_long(tmp_path: Path) -> None:
    cache = tmp_path / "numba-cache"
    cmd = [sys.executable, "-m", "neurolink.cli", "warmup", "--decoder", "kalman"]
    proc = subprocess.run(
        [*cmd, "--no-emulators"],
        cwd=tmp_path,
        env=cold_env(cache),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == f"warming the demo's kernels (numba cache: {cache})"
    assert re.fullmatch(r"  simulated subject: [0-9.]+ s", lines[1])
    assert re.fullmatch(r"  demo graph, kalman decoder \(on host\): [0-9.]+ s", lines[2])
    assert re.match(r"warm-up done in [0-9.]+ s", lines[-1])
    cached = {p.name.split(".")[1].split("-")[0] for p in cache.rglob("*.nbi")}
    # the filter, the detector, the Kalman filter's step and the subject's spike kernels
    assert {"sosfilt_block", "step_steady", "tuned_spikes"} <= cached, sorted(cached)
