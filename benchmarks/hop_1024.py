"""One inter-process hop at 1 024 channels × 30 kHz in 1 ms chunks, beside BRAND's < 600 µs.

    OPENBLAS_NUM_THREADS=1 python benchmarks/hop_1024.py [--seconds 20] [--repeat 2]
                                                          [--stage filter|reref] [--channels N]

BRAND (Ali et al. 2024, Redis) reports < 600 µs per inter-process hop for 1 024 channels at
30 kHz. Two set-ups here, each run ``--repeat`` times (the roles are in ``_hop_roles.py``):

* **LSL floor**: a bare ``pylsl`` outlet pushing 30-sample chunks in real time and a bare
  ``pylsl`` inlet in another process waiting inside liblsl for each full chunk. No neurolink.
* **neurolink hop**: a publisher process (:class:`~neurolink.streams.lsl_outlet.BlockOutlet`,
  same chunks and pacing) → a ``neurolink node`` stage process (a ``filter`` or ``reref`` node
  on all channels, reading the stream with :class:`~neurolink.streams.lsl_source.LSLSource`,
  publishing on a port stream with :class:`~neurolink.loop.stages.io.PortOutlet`) → this
  process (:class:`~neurolink.loop.stages.inlet.PortInlet`).

Per hop, per message (the newest sample of each message):

* *from stamp*: the sample's producer timestamp (its nominal time, as a device's sample clock
  stamps it) → the data in hand in the next process. Includes how late the producer pushed.
* *from push*: the host time just before the producer's push call → in hand in the next
  process (what a Redis round trip in BRAND is compared with). For the node → reader hop the
  node's clock is read after its push call returns (``t_out``), so that figure leaves out the
  push call itself (the publisher's push call time is printed beside).

Samples lost: published samples in the span the reader covered minus those it received (the
node checks every gap itself; the reader checks that its messages tile the sample indices).
The load average of this shared machine is printed beside each run. Prints figures only;
nothing is asserted (DESIGN §8).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy, inherited by the roles
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from neurolink.clock import now  # sets LSLAPICFG, inherited by the plain roles)
from neurolink.loop.core.ports import Port
from neurolink.loop.stages.inlet import PortInlet

ROLES = Path(__file__).with_name("_hop_roles.py")
BRAND_MS = 0.6
CONFIG = """
[source]
kind = "simulated"

[[loop.nodes]]
name = "stage"
kind = "{kind}"
"""


def _spawn(role: str, *args: str) -> subprocess.Popen[str]:
    """Start a role (its stderr, liblsl's log lines included, to a file beside ``--out``)."""
    log = Path(args[args.index("--out") + 1]).with_suffix(".log")
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, str(ROLES), role, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != "ready":
        proc.kill()
        raise RuntimeError(f"{role} process did not start: {log.read_text()[-2000:]}")
    return proc


def _say(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def _stats(seconds: np.ndarray) -> dict[str, float]:
    ms = np.asarray(seconds, np.float64) * 1e3
    if ms.size == 0:
        return {"n": 0}
    return {
        "n": int(ms.size),
        "median": float(np.median(ms)),
        "p99": float(np.percentile(ms, 99)),
        "max": float(ms.max()),
    }


def _common(a: argparse.Namespace, name: str, seconds: float, out: Path) -> list[str]:
    return ["--name", name, "--rate", str(a.rate), "--channels", str(a.channels),
            "--chunk", str(a.chunk), "--seconds", str(seconds), "--out", str(out)]  # fmt: skip


def run_floor(a: argparse.Namespace, folder: Path) -> dict:
    """Bare pylsl push → pull between two processes."""
    name = f"hop-floor-{uuid.uuid4().hex[:8]}"
    pub = _spawn("publish", *_common(a, name, a.seconds, folder / "fpub.npz"), "--plain")
    try:
        sub = _spawn("pull", *_common(a, name, a.seconds, folder / "fsub.npz"))
        _say(pub, "go")
        sub.wait(timeout=a.seconds + 60)
        assert pub.stdout is not None
        pub.stdout.readline()  # "done"
    finally:
        pub.kill()
    p, s = np.load(folder / "fpub.npz"), np.load(folder / "fsub.npz")
    first = s["first"].astype(np.int64)
    k = first // a.chunk  # channel 0 carries the publisher's sample index
    expected = int(first[-1] - first[0]) + a.chunk if first.size else 0
    return {
        "from_stamp": _stats(s["t_recv"] - s["stamp"]),
        "from_push": _stats(s["t_recv"] - p["t_push"][k]),
        "push_call": _stats(p["t_done"] - p["t_push"]),
        "late": _stats(p["t_push"] - p["nominal"]),
        "samples": int(first.size * a.chunk),
        "lost": expected - int(first.size * a.chunk),
        "cpu": (float(p["cpu"]), float(s["cpu"])),
    }


def _read_port(name: str, pub: subprocess.Popen[str]) -> tuple[np.ndarray, float]:
    """Read the node's output to its end: (first, stop, t_origin, t_received) per message, and
    the CPU time this took (s)."""
    inlet = PortInlet(
        name, port=Port.SAMPLES, resolve_timeout=120.0, start_timeout=60.0, stall_timeout=10.0
    )
    inlet.open()
    _say(pub, "go")
    cpu = time.process_time()
    rows, out = 0, np.zeros((1 << 15, 4), np.float64)
    try:
        while not inlet.ended:
            m = inlet.read(0.05)
            if m is None or not m.fresh:
                continue
            if rows == out.shape[0]:
                out = np.concatenate([out, np.zeros_like(out)])
            out[rows] = (m.first_index, m.stop_index, m.t_origin, m.t_received)
            rows += 1
    finally:
        inlet.close()
    return out[:rows], time.process_time() - cpu


def run_hop(a: argparse.Namespace, folder: Path) -> dict:
    """Publisher → ``neurolink node`` → this process."""
    name = f"hop-nl-{uuid.uuid4().hex[:8]}"
    cfg = folder / "stage.toml"
    cfg.write_text(CONFIG.format(kind=a.stage))
    pub = _spawn("publish", *_common(a, name, a.seconds + 5, folder / "pub.npz"))
    node = None
    try:
        node = _spawn(
            "node", "--config", str(cfg), "--stage", "stage", "--input", name,
            "--output", f"{name}-out", "--seconds", str(a.seconds), "--out",
            str(folder / "node.npy"), *(["--profile", a.profile] if a.profile else []),
        )  # fmt: skip
        r, cpu = _read_port(f"{name}-out", pub)
        if node.wait(timeout=60):
            log = (folder / "node.log").read_text()
            raise RuntimeError(f"the node process failed: {log[-3000:]}")
        _say(pub, "stop")
        pub.wait(timeout=a.seconds + 30)
    finally:
        for proc in (pub, node):
            if proc is not None and proc.poll() is None:
                proc.kill()
    p, t = np.load(folder / "pub.npz"), np.load(folder / "node.npy")
    summary = json.loads((folder / "node.json").read_text())
    if len(r) != len(t):
        raise RuntimeError(f"the node sent {len(t)} messages, the reader got {len(r)}")
    # the publisher's index of each message's newest sample: node and reader count from the
    # node's first sample, whose producer stamp (no clock offset) lies on the publisher's grid
    t0 = p["nominal"][0] - (a.chunk - 1) / a.rate
    i0 = round((summary["input"]["first_producer_time"] - t0) * a.rate)
    k = (i0 + r[:, 1].astype(np.int64) - 1 - int(r[0, 0])) // a.chunk
    n = len(r)
    holes = int(np.sum(r[1:, 0] != r[:-1, 1])) if len(r) else 0
    got = int(np.sum(r[:, 1] - r[:, 0]))
    return {
        "hop1_stamp": _stats(t[:, 1] - t[:, 0]),
        "hop1_push": _stats(t[:, 1] - p["t_push"][k]),
        "work": _stats(t[:, 2] - t[:, 1]),
        "hop2_out": _stats(r[:n, 3] - t[:n, 2]),
        "end_to_end": _stats(r[:, 3] - r[:, 2]),
        "push_call": _stats(p["t_done"] - p["t_push"]),
        "late": _stats(p["t_push"] - p["nominal"]),
        "origin_mismatch_ms": float(np.max(np.abs(r[:n, 2] - t[:n, 0]))) * 1e3 if n else 0.0,
        "messages": (len(t), len(r), int(k[-1] - k[0] + 1)),
        "samples": summary["samples"],
        "stop": f"{summary['stop_reason']} ({summary['why']})",
        "cpu": (float(p["cpu"]), summary["cpu_s"] / summary["seconds_of_data"], cpu / a.seconds),
        "lost2": summary["samples"] - got,
        "holes": holes,
        "node_ms": summary["node_ms"],
    }


def _row(label: str, s: dict, bar: bool = False) -> str:
    if not s.get("n"):
        return f"  {label:<44} (none)"
    vs = f"   {'<=' if s['median'] <= BRAND_MS else '> '} BRAND 0.600" if bar else ""
    return (
        f"  {label:<44} median {s['median']:6.3f}  p99 {s['p99']:6.3f}  max {s['max']:7.3f} ms"
        f"  (n={s['n']}){vs}"
    )


def _load() -> str:
    return "load avg " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    """Run the floor and the hop ``--repeat`` times and print the figures; returns 0."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=20.0, help="seconds of data per run")
    p.add_argument("--repeat", type=int, default=2, help="runs of each set-up")
    p.add_argument("--stage", choices=["filter", "reref"], default="filter", help="node kind")
    p.add_argument("--channels", type=int, default=1024)
    p.add_argument("--rate", type=float, default=30000.0, help="Hz")
    p.add_argument("--chunk", type=int, default=30, help="samples per push")
    p.add_argument("--skip-floor", action="store_true", help="only the neurolink hop")
    p.add_argument("--profile", help="write a cProfile of the node process here")
    a = p.parse_args(argv)
    print(
        f"one hop, {a.channels} ch x {a.rate / 1e3:g} kHz float32, {a.chunk}-sample chunks "
        f"({a.chunk / a.rate * 1e3:g} ms), {a.seconds:g} s per run, {os.cpu_count()} CPUs, "
        f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}; BRAND: < 0.600 ms per hop"
    )
    for run in range(1, a.repeat + 1):
        with tempfile.TemporaryDirectory() as tmp:
            if not a.skip_floor:
                print(f"run {run}, LSL floor (bare pylsl, two processes)  [{_load()}]")
                f = run_floor(a, Path(tmp))
                print(_row("push -> pulled", f["from_push"], bar=True))
                print(_row("stamp -> pulled", f["from_stamp"]))
                print(_row("(publisher: push call)", f["push_call"]))
                print(_row("(publisher: push after stamp)", f["late"]))
                print(
                    f"  samples {f['samples']}, lost {f['lost']}; CPU s per s of data: publisher "
                    f"{f['cpu'][0]:.2f}, reader {f['cpu'][1]:.2f}  [{_load()}]"
                )
            t_start = now()
            print(f"run {run}, neurolink: publisher -> node ({a.stage}) -> reader  [{_load()}]")
            h = run_hop(a, Path(tmp))
            print(_row("hop 1 publisher -> node: push -> in hand", h["hop1_push"], bar=True))
            print(_row("hop 1 publisher -> node: stamp -> in hand", h["hop1_stamp"]))
            print(_row(f"node work ({a.stage} + push)", h["work"]))
            print(_row("hop 2 node -> reader: push done -> in hand", h["hop2_out"], bar=True))
            print(_row("end to end: stamp -> reader", h["end_to_end"]))
            print(_row("(publisher: push call)", h["push_call"]))
            print(_row("(publisher: push after stamp)", h["late"]))
            n_node, n_reader, n_chunks = h["messages"]
            print(
                f"  samples {h['samples']} in {n_chunks} published chunks, messages node "
                f"{n_node} / reader {n_reader}; lost "
                f"hop 2 {h['lost2']} ({h['holes']} holes); origin stamps agree within "
                f"{h['origin_mismatch_ms']:.3f} ms; CPU s per s of data: publisher "
                f"{h['cpu'][0]:.2f}, node {h['cpu'][1]:.2f}, reader {h['cpu'][2]:.2f}"
            )
            print(
                f"  node stopped: {h['stop']} (its source stops on any gap: hop 1 lost 0 "
                f"unless an error says otherwise); {now() - t_start:.0f} s  [{_load()}]"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
