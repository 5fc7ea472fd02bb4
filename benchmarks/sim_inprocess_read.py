"""Cost of the in-process simulated subject at the loop: what each ``read()`` takes.

    OPENBLAS_NUM_THREADS=1 python benchmarks/sim_inprocess_read.py [--seconds 10]
        [--channels 96 384] [--work-ms 0.3] [--modes ahead sync] [--seed 1]

Opens :class:`~neurolink.sim.inprocess.InProcessSubject` (the demo's subject, 30 kHz, 1 ms
chunks) and reads it as the engine does (``read(0.05)`` again as soon as a block was handled),
spending ``--work-ms`` of busy CPU per block to stand for the loop's own processing (a Python
loop that holds the GIL: the worst case for the subject's producer thread). For every
block (population: blocks, closed-loop-like reading, no warm-up phase counted after the first
0.5 s) it prints median, p99 and max of:

- ``read``: wall time of the call (µs), the wait until the chunk is due included;
- ``work``: the same less the time spent sleeping until the chunk was due (µs): the generator's
  cost in the loop thread;
- ``age``: data age when ``read`` returned, ``now − stamp of the newest sample`` (µs): how late
  the block reached the loop (a chunk is due at its last stamp, so 0 is on time);
- ``samples``: samples per block (30 = one chunk; more means the reader fell behind).

The 1-minute load average before and after each run is printed beside it (the machine is
shared). ``--modes``: ``ahead`` (the default source: the background made by a producer thread)
and ``sync`` (``draw_ahead=False``: made on the loop's thread, a frame in one go). Prints
figures only; nothing is asserted (DESIGN §8).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

from neurolink.clock import now
from neurolink.sim.inprocess import InProcessSubject
from neurolink.sim.source_config import InProcessConfig


def _stats(v: np.ndarray) -> str:
    p50, p99 = np.percentile(v, (50, 99))
    return f"{p50:8.1f} {p99:8.1f} {v.max():8.1f}"


def run_one(channels: int, mode: str, seconds: float, work_ms: float, seed: int) -> str:
    """One run; the figure line."""
    slept = [0.0]

    def sleep(s: float) -> None:
        t = time.perf_counter()
        time.sleep(s)
        slept[0] += time.perf_counter() - t

    cfg = InProcessConfig(name=f"bench{channels}", seed=seed, channels=channels)
    sim = cfg.make_source().simulator
    src = InProcessSubject(
        sim, cfg.name, chunk_samples=cfg.chunk_samples, sleep=sleep, draw_ahead=mode == "ahead"
    )
    load0 = os.getloadavg()[0]
    rows: list[tuple[float, float, float, int]] = []
    with src:
        t_end = now() + seconds
        while now() < t_end:
            slept[0] = 0.0
            t = time.perf_counter()
            b = src.read(0.05)
            dt = time.perf_counter() - t
            if b is None:
                continue
            age = now() - float(b.timestamps[-1])
            rows.append((dt, dt - slept[0], age, b.n_samples))
            src.push((0.5 * np.cos(len(rows) / 300.0), 0.5 * np.sin(len(rows) / 300.0)))
            spin = time.perf_counter() + work_ms * 1e-3
            while time.perf_counter() < spin:
                pass
    load1 = os.getloadavg()[0]
    r = np.array(rows[round(0.5 * 1000) :])  # past the first 0.5 s
    return (
        f"{channels:>4} {mode:<5} {r.shape[0]:>6} "
        + " | ".join(_stats(r[:, i] * 1e6) for i in range(3))
        + f" | {np.median(r[:, 3]):4.0f} {r[:, 3].max():5.0f}"
        + f"  {load0:5.2f}->{load1:5.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; returns 0."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=10.0, help="seconds of data per run")
    p.add_argument("--channels", type=int, nargs="+", default=[96, 384])
    p.add_argument("--work-ms", type=float, default=0.3, help="busy CPU per block (ms)")
    p.add_argument("--modes", nargs="+", default=["ahead", "sync"], choices=["ahead", "sync"])
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    print(
        f"in-process subject, read() per block (population: blocks after the first 0.5 s), "
        f"30 kHz, 1 ms chunks, {args.seconds:g} s per run, {args.work_ms:g} ms busy per block; "
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {sys.version.split()[0]}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )
    print(
        f"{'ch':>4} {'mode':<5} {'blocks':>6} {'read µs med/p99/max':>26} | "
        f"{'work µs med/p99/max':>26} | "
        f"{'age µs med/p99/max':>26} | samples med/max  load(1 min) before->after"
    )
    for n in args.channels:
        for mode in args.modes:
            print(run_one(n, mode, args.seconds, args.work_ms, args.seed), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
