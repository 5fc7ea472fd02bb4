"""A recorder process killed with SIGKILL leaves a file readable up to its last flushed chunk."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pyxdf

from neurolink.loop.recording import read_session
from neurolink.loop.recording.reader import complete_length

REPO = Path(__file__).resolve().parents[2]
N_CH = 8
RATE = 1000.0

# The child writes sample index k as channel 0 and k % 1000 + j as channel j; time stamps k / RATE.
# After every write it prints how many samples of each stream have reached the file.
CHILD = f"""
import sys, time
import numpy as np
from neurolink.loop.recording import SessionRecorder, markers_layout, raw_layout

rec = SessionRecorder(sys.argv[1], {{"config": {{"child": True}}}}, flush_interval=0.01)
raw = rec.add_layout("raw", raw_layout([f"c{{j}}" for j in range({N_CH})], {RATE}), "kill-raw")
mk = rec.add_layout("mk", markers_layout(), "kill-mk")
block, k, reported, t_end = 25, 0, None, time.monotonic() + 60
while time.monotonic() < t_end:
    idx = np.arange(k, k + block)
    data = np.empty((block, {N_CH}), np.float32)
    data[:, 0] = idx
    data[:, 1:] = (idx % 1000)[:, None] + np.arange(1, {N_CH})
    rec.write(raw, data, idx / {RATE})
    if k % 100 == 0:
        rec.write_markers(mk, [f"m{{k}}"], [k / {RATE}])
    k += block
    counts = (rec.flushed_samples(raw), rec.flushed_samples(mk))
    if counts != reported:
        print(*counts, flush=True)
        reported = counts
    time.sleep(0.0002)
"""


def _expected_raw(n: int) -> np.ndarray:
    idx = np.arange(n)
    data = np.empty((n, N_CH), np.float32)
    data[:, 0] = idx
    data[:, 1:] = (idx % 1000)[:, None] + np.arange(1, N_CH)
    return data


def test_sigkill_leaves_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "killed.xdf"
    errors = tmp_path / "child.stderr"
    with open(errors, "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path)],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=REPO,
        )
    assert proc.stdout is not None
    reports: list[tuple[int, int]] = []
    enough = threading.Event()

    def read_reports() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            raw_n, mk_n = map(int, line.split())
            reports.append((raw_n, mk_n))
            if raw_n >= 20000 and mk_n >= 5:
                enough.set()

    reader = threading.Thread(target=read_reports, daemon=True)
    reader.start()
    try:
        reached = enough.wait(timeout=60)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        reader.join(timeout=30)  # drains every count printed before the kill
    assert reached, f"the child never flushed enough: {errors.read_text()[-2000:]}"
    assert proc.returncode == -signal.SIGKILL
    min_raw = max(r for r, _ in reports)
    min_mk = max(m for _, m in reports)

    sess = read_session(path)
    raw = sess["raw"]
    n = len(raw)
    assert n >= min_raw
    np.testing.assert_array_equal(raw.data, _expected_raw(n))  # contiguous and correct
    assert np.array_equal(raw.timestamps, np.arange(n) / RATE)
    labels = sess["mk"].labels()
    assert len(labels) >= min_mk
    assert labels == [f"m{100 * i}" for i in range(len(labels))]
    assert raw.footer is None  # never closed
    assert sess.sidecar is not None
    assert sess.sidecar["status"] == "recording" and sess.sidecar["config"] == {"child": True}

    content = path.read_bytes()
    if complete_length(io.BytesIO(content)) == len(content):
        # the usual case: the kill fell between flushes, pyxdf reads the file as it is
        streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
        by_name = {s["info"]["name"][0]: s for s in streams}
        assert len(by_name["raw"]["time_series"]) == n
    else:  # the kill fell inside a flush: the reader cut the partial chunk off
        assert sess.truncated
