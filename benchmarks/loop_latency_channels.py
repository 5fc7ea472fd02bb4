"""Closed-loop latency by channel count and source: 96 and 384 channels, on LSL and in-process.

    OPENBLAS_NUM_THREADS=1 python benchmarks/loop_latency_channels.py [--seconds 20]
        [--calibration 8] [--channels 96 384] [--sources lsl inprocess] [--seed 1]

Runs the demo's chain (``neurolink demo --channels N --source S``: filter, re-reference,
detect, bin 20 ms, Bayesian decoder, velocity mapper, emulated prosthesis on a pty, center-out
task) once per (channels, source): the simulated subject streams 30 kHz in 1 ms chunks, either
from its own process on LSL (``lsl``) or generated inside the loop's process and handed over
directly (``inprocess``: no transport, the pipeline's own floor; the loop's thread then only adds
the tuned units' spikes for the intent in force, between blocks, while a producer thread makes
the intent-independent background ahead: ``benchmarks/sim_inprocess_read.py`` shows that cost).

Prints, for each run, over the commands of the closed-loop phase (``t_wire − t_sample``,
DESIGN §2): median and p99 of the total and of each stage (acquire, filter+detect, bin+decode,
SNN, wire), the samples lost, the task score, and the 1-minute load average before and after the
run (the machine is shared: read the figures beside it). Prints figures only; nothing is
asserted (DESIGN §8).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys

import numpy as np

from neurolink.cli.demo import demo_config
from neurolink.loop.core.figures import CLOSED_LOOP
from neurolink.loop.core.latency import STAGES
from neurolink.loop.session.run import Session


def _ms(v: np.ndarray) -> str:
    v = v[np.isfinite(v)] * 1e3
    if not v.size:
        return f"{'-':>15}"
    p50, p99 = np.percentile(v, (50, 99))
    return f"{p50:7.3f}/{p99:7.3f}"


def run_one(channels: int, source: str, seconds: float, calibration: float, seed: int) -> str:
    """One run; the figure line."""
    cfg = demo_config(
        duration=seconds, calibration=calibration, seed=seed, channels=channels, source=source
    )
    rec_off = dataclasses.replace(cfg.loop.recording, enabled=False)
    cfg = dataclasses.replace(cfg, loop=dataclasses.replace(cfg.loop, recording=rec_off))
    load0 = os.getloadavg()[0]
    session = Session(cfg, status_out=None)
    summary = session.run()
    load1 = os.getloadavg()[0]
    eng = session.engine
    assert eng is not None
    book = eng.book
    rows = book.phase_rows(CLOSED_LOOP, "commands")
    data = book.commands.data[rows]
    cols = book.commands.columns
    src, task = summary["source"], summary.get("task", {})
    cells = [_ms(data[:, cols.index("total")])]
    cells += [_ms(data[:, cols.index(s)]) for s in STAGES]
    faults = [f["kind"] for f in summary["faults"]]
    return (
        f"{channels:>4} {source:<9} {rows.size:>6} "
        + " ".join(cells)
        + f" {src['samples_lost']:>5} {task.get('successes')}/{task.get('trials'):<3}"
        f" {load0:5.2f}->{load1:5.2f}" + (f"  faults {faults}" if faults else "")
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; returns 0."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=20.0, help="seconds of data per run")
    p.add_argument("--calibration", type=float, default=8.0, help="seconds of calibration")
    p.add_argument("--channels", type=int, nargs="+", default=[96, 384])
    p.add_argument("--sources", nargs="+", default=["lsl", "inprocess"])
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    print(
        f"closed-loop latency per command, closed-loop phase, median/p99 (ms); 30 kHz, 1 ms "
        f"chunks, {args.seconds:g} s of data ({args.calibration:g} s calibration) per run; "
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {sys.version.split()[0]}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )
    head = ["total", *STAGES]
    print(
        f"{'ch':>4} {'source':<9} {'cmds':>6} "
        + " ".join(f"{h:>15}" for h in head)
        + f" {'lost':>5} task  load(1 min) before->after"
    )
    for n in args.channels:
        for s in args.sources:
            print(run_one(n, s, args.seconds, args.calibration, args.seed), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
