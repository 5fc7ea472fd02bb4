"""Latency across processes: detection and decoding as two ``neurolink node`` processes.

    python benchmarks/node_pipeline.py [--seconds 20] [--figure PATH]

Four processes on this host: the simulated subject (96-channel Utah array at 30 kHz in 1 ms
chunks, ``python -m neurolink.sim.cortex_stream``); process A, ``neurolink node --stage
highpass..counts`` (filter, common average reference, detection, 20 ms bins) publishing counts
on LSL; process B, ``neurolink node --stage decoder`` (a Bayesian decoder, 96 units, 25 × 25
grid) publishing the decoded velocity; and this one, reading B's output. Every message carries
the host time of the newest raw sample of the block that completed its bin (``t_sample``).

Prints, from each node's summary: ``t_out − t_sample`` (newest sample → published), its parts
``t_in − t_sample`` (the stream into the process) and ``t_out − t_in`` (the process's work),
and, measured here, newest sample → decoded value received by a third process. With
``--figure`` writes a histogram of the last. Prints figures only; nothing is asserted
(DESIGN §8).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from neurolink.decode import BayesianDecoder
from neurolink.loop.core.ports import Port
from neurolink.loop.stages.inlet import PortInlet
from neurolink.sim.subject import SimulatedSubject

CONFIG = """
[source]
kind = "simulated"

[[loop.nodes]]
name = "highpass"
kind = "filter"

[[loop.nodes]]
name = "car"
kind = "reref"

[[loop.nodes]]
name = "spikes"
kind = "detect"

[[loop.nodes]]
name = "counts"
kind = "bin"
bin.width_ms = 20.0

[[loop.nodes]]
name = "decoder"
kind = "decode"
decode.model = "{model}"
"""


def _model(path: Path, n_units: int = 96) -> Path:
    """A Bayesian decoder fitted on cosine-tuned Poisson counts (its cost is what matters)."""
    rng = np.random.default_rng(0)
    vel = rng.uniform(-1, 1, (6000, 2))
    pd = rng.uniform(0, 2 * np.pi, n_units)
    rate = 10 + 8 * (vel[:, :1] * np.cos(pd) + vel[:, 1:] * np.sin(pd))
    X = rng.poisson(np.maximum(rate, 0) * 0.02).astype(float)
    channels = [f"ch{i:03d}" for i in range(n_units)]
    return (
        BayesianDecoder(bin_s=0.02, grid_shape=25, prior="continuity")
        .fit(X, vel, channels=channels)
        .save(path)
    )


def _node(cfg: Path, stage: str, src: str, out: str, summary: Path, *extra: str):
    cmd = [sys.executable, "-m", "neurolink.cli", "node", str(cfg), "--stage", stage]
    cmd += ["--input", src, "--output", out, "--summary-json", str(summary), "--quiet", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _line(label: str, lat: dict) -> str:
    if not lat.get("n"):
        return f"  {label:<34} (none)"
    return (
        f"  {label:<34} n={lat['n']:<6d} median {lat['median']:7.3f}  p99 {lat['p99']:7.3f}  "
        f"max {lat['max']:8.3f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the pipeline and print the figures; returns 0."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=20.0, help="seconds of data (default 20)")
    p.add_argument("--figure", type=Path, help="write a latency histogram (PNG)")
    args = p.parse_args(argv)
    name = f"bench-node-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = _model(folder / "bayes.npz")
        cfg = folder / "pipeline.toml"
        cfg.write_text(CONFIG.format(model=model.as_posix()))
        subject = SimulatedSubject(name, seed=1, duration=args.seconds + 60).start()
        procs, seen = [], []
        try:
            procs.append(_node(cfg, "decoder", f"{name}-c", f"{name}-d", folder / "b.json"))
            procs.append(
                _node(cfg, "highpass..counts", name, f"{name}-c", folder / "a.json",
                      "--duration", f"{args.seconds:g}")
            )  # fmt: skip
            inlet = PortInlet(f"{name}-d", port=Port.STATE, resolve_timeout=60.0)
            inlet.open()
            deadline = time.monotonic() + args.seconds + 120
            while not inlet.ended and time.monotonic() < deadline:
                m = inlet.read(0.05)
                if m is not None and m.fresh:
                    seen.append(m.t_received - m.t_origin)
            inlet.close()
            for proc in procs:
                out = proc.communicate(timeout=60)[0]
                if proc.returncode:
                    print(out, file=sys.stderr)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
            subject.stop()
        a = json.loads((folder / "a.json").read_text())
        b = json.loads((folder / "b.json").read_text())
    print(
        f"node pipeline, 96 ch x 30 kHz, {a['seconds_of_data']:.1f} s of data, "
        f"{os.cpu_count()} CPUs ({sys.platform}); subject, A, B and this reader each a process"
    )
    print("A: highpass, car, spikes, counts -> counts")
    print(_line("t_out - t_sample (raw -> counts)", a["latency_ms"]))
    print(_line("t_in - t_sample (subject -> A)", a["transport_ms"]))
    print(_line("t_out - t_in (A's work)", a["process_ms"]))
    print("B: decoder -> decoded velocity")
    print(_line("t_out - t_sample (raw -> decoded)", b["latency_ms"]))
    print(_line("t_in - t_sample (... -> B)", b["transport_ms"]))
    print(_line("t_out - t_in (B's work)", b["process_ms"]))
    here = np.array(seen) * 1e3
    stats = (
        {
            "n": here.size,
            "median": float(np.median(here)),
            "p99": float(np.percentile(here, 99)),
            "max": float(here.max()),
        }
        if here.size
        else {}
    )
    print("reader (a third process):")
    print(_line("received - t_sample", stats))
    if args.figure is not None and here.size:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.hist(here, bins=np.linspace(0, np.percentile(here, 99.5), 60))
        ax.set_xlabel("newest raw sample → decoded value in a third process (ms)")
        ax.set_ylabel("bins")
        ax.set_title(f"detection | decoding in two processes (median {np.median(here):.2f} ms)")
        fig.tight_layout()
        fig.savefig(args.figure, dpi=120)
        print(f"figure: {args.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
