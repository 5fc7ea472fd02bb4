"""``neurolink sweep --scheduler`` on a real Dask cluster: a ``dask scheduler`` and a ``dask
worker`` started as their own processes in directories of their own (not the repository, not
where the sweep is typed), and the ``neurolink`` console script run from a third directory with
a relative recording path. The results equal a local sweep of the same grid, and the worker
ran every point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from neurolink.loop.sweep.run import TIMING, plan_sweep, run_sweep
from tests.loop.test_sweep import _fit
from tests.loop.test_sweep_check import _decoding, _record

distributed = pytest.importorskip("distributed")

REPO = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
GRID = ["detect.threshold=4.0,5.0", "velocity.gain=0.5,1.0"]
START_S = 90.0  # a loaded machine imports distributed slowly


def _env() -> dict[str, str]:
    """This environment without a path to the repository: workers import the installed
    package, as on a cluster."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(OPENBLAS_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    return env


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"


@pytest.fixture
def cluster(tmp_path) -> Iterator[tuple[str, Path]]:
    """``(scheduler address, worker directory)`` of a running one-worker cluster."""
    sched_dir, worker_dir = tmp_path / "scheduler", tmp_path / "worker"
    sched_dir.mkdir()
    worker_dir.mkdir()
    info = sched_dir / "scheduler.json"
    procs: list[subprocess.Popen] = []
    logs = {"scheduler": sched_dir / "log.txt", "worker": worker_dir / "log.txt"}

    def spawn(args: list[str], cwd: Path, log: Path) -> None:
        with open(log, "wb") as out:
            procs.append(
                subprocess.Popen(
                    [str(BIN / "dask"), *args],
                    cwd=cwd,
                    env=_env(),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )

    try:
        scheduler = ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
        spawn([*scheduler, "--scheduler-file", str(info)], sched_dir, logs["scheduler"])
        deadline = time.monotonic() + START_S
        while not (info.exists() and info.stat().st_size):
            assert procs[0].poll() is None, f"scheduler exited: {_tail(logs['scheduler'])}"
            assert time.monotonic() < deadline, f"no scheduler: {_tail(logs['scheduler'])}"
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written in one go; let it be complete
        address = json.loads(info.read_text())["address"]
        worker = ["worker", address, "--nthreads", "1", "--nworkers", "1", "--no-nanny"]
        worker += ["--no-dashboard", "--death-timeout", "60", "--local-directory", str(worker_dir)]
        spawn(worker, worker_dir, logs["worker"])
        with distributed.Client(address, timeout=START_S) as client:
            try:
                client.wait_for_workers(1, timeout=START_S)
            except TimeoutError:
                pytest.fail(f"no worker registered: {_tail(logs['worker'])}")
        yield address, worker_dir
    finally:
        for p in reversed(procs):
            _stop(p)


def _data(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMING} for r in rows]


def test_a_sweep_typed_elsewhere_runs_on_a_real_scheduler_and_worker(cluster, tmp_path) -> None:
    address, worker_dir = cluster
    data = tmp_path / "lab" / "data"
    data.mkdir(parents=True)
    recording = _record(data / "session.xdf", _decoding(_fit(data)), seconds=1.5)
    typed_in = tmp_path / "lab" / "analysis"
    typed_in.mkdir()
    relative = Path("..") / "data" / "session.xdf"
    assert (typed_in / relative).resolve() == recording
    assert not (worker_dir / relative).exists()  # the path as typed means nothing there
    out = typed_in / "results.json"

    cmd = [str(BIN / "neurolink"), "sweep", str(relative), "--scheduler", address]
    for axis in GRID:
        cmd += ["--grid", axis]
    done = subprocess.run(
        [*cmd, "--out", out.name],
        cwd=typed_in,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"4 runs (1 recording × 4 combinations) on the Dask scheduler {address}" in done.stderr
    remote = json.loads(out.read_text())

    local = run_sweep(plan_sweep([recording], GRID))  # here, no scheduler
    local = json.loads(json.dumps(local, default=str))
    assert _data(remote) == _data(local)
    assert [(r["detect.threshold"], r["velocity.gain"]) for r in remote] == [
        (4.0, 0.5),
        (4.0, 1.0),
        (5.0, 0.5),
        (5.0, 1.0),
    ]
    assert all(r["recording"] == "session.xdf" and r["commands"] > 0 for r in remote)
    assert remote[0]["spikes"] > remote[2]["spikes"]  # the thresholds reached the workers

    with distributed.Client(address, timeout=30) as client:
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert sum(executed.values()) == len(remote)  # the worker ran every point
