"""First run with cold numba caches: every kernel compiles before the real-time part starts and
the demo gets closed-loop trials (issue 14; ``neurolink warmup`` filling a cold cache is
``test_warmup_cold.py``, computation only, run beside the real-time tests)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def cold_env(cache: Path) -> dict[str, str]:
    cache.mkdir()
    return dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONUNBUFFERED="1")


@pytest.mark.slow
def test_a_first_demo_with_cold_caches_compiles_nothing_in_its_loop(tmp_path: Path) -> None:
    cache, out = tmp_path / "numba-cache", tmp_path / "summary.json"
    cmd = [sys.executable, "-m", "neurolink.cli", "demo", "--duration", "12"]
    cmd += ["--calibration", "5", "--neuroboard", "--no-record", "--summary-json", str(out)]
    proc = subprocess.run(
        cmd, cwd=tmp_path, env=cold_env(cache), capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    s = json.loads(out.read_text())
    assert s["kernels_compiled_in_loop"]["compiled"] == [], s["kernels_compiled_in_loop"]
    warm = s["warm_up_s"]["before_devices"]
    assert warm["decoder_fit"] > 0 and warm["graph"] > 0
    assert s["task"]["phase"] == "closed_loop" and s["task"]["trials"] >= 1, s["task"]
    assert s["latency"]["phases"]["closed_loop"]["commands"]["n"] > 100  # 7 s closed loop
    assert re.search(r"kernels warmed before the devices were armed in [0-9.]+ s", proc.stdout)
    # the status line says how the decoder is fitted: in a pause of the loop, then how long
    assert "calibration | " in proc.stderr and "decoder fit at 5 s, loop paused" in proc.stderr
    assert re.search(
        r"closed loop \| .*decoder fitted in [0-9.]+ s \(loop paused\) \| task \d+/\d+", proc.stderr
    )
    assert any(cache.rglob("*_kernels*.nbi"))  # the decoder's kernels were cached
