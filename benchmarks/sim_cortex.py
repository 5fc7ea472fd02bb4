"""Generation speed of the simulated cortex on one core (prints figures, asserts nothing).

    python benchmarks/sim_cortex.py [--seconds 10] [--repeats 3]

Offline: ``generate`` of ``--seconds`` of data, best of ``--repeats``, as × real time, for a
96-channel Utah array (60 units) and a 384-channel dense probe (240 units), both at 30 kHz with
the default noise (white + pink + hash of 300 distant units per channel). Live: the cost of one
1 ms ``step`` as the streamer calls it (with ``prefetch`` after each chunk).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

from neurolink.sim import CortexConfig, CortexSimulator, probe_positions

CASES = {
    "Utah 96 ch, 60 units": CortexConfig(),
    "probe 384 ch, 240 units": CortexConfig(positions=probe_positions(384), n_units=240),
}


def offline(cfg: CortexConfig, seconds: float, repeats: int) -> float:
    """Best × real time of ``generate`` over ``seconds`` of data with a moving intent."""
    sim = CortexSimulator(cfg, seed=0)
    n = int(seconds * cfg.fs)

    def circle(t: np.ndarray) -> np.ndarray:
        return np.column_stack([np.cos(t), np.sin(t)])

    sim.generate(int(0.1 * cfg.fs), circle)  # compile / load the numba kernels
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        sim.generate(n, circle)
        best = min(best, time.perf_counter() - t0)
    return seconds / best


def live(cfg: CortexConfig, seconds: float) -> np.ndarray:
    """Wall time (µs) of each 1 ms ``step`` + ``prefetch``, as the streamer runs them."""
    sim = CortexSimulator(cfg, seed=0)
    chunk = round(cfg.fs / 1000)
    sim.step(chunk)
    out = np.empty(int(seconds * 1000))
    for i in range(out.size):
        t0 = time.perf_counter()
        sim.step(chunk, (0.3, -0.2))
        sim.prefetch()
        out[i] = time.perf_counter() - t0
    return out * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    print(f"simulated cortex, 30 kHz, {args.seconds:g} s per run, best of {args.repeats}, 1 core")
    for label, cfg in CASES.items():
        x = offline(cfg, args.seconds, args.repeats)
        us = live(cfg, min(args.seconds, 5.0))
        print(
            f"  {label:<24} offline {x:6.1f}× real time ({1e3 / x:6.1f} ms per s)  |  "
            f"live 1 ms step: median {np.median(us):5.0f} µs, p99 {np.percentile(us, 99):5.0f} µs,"
            f" max {us.max():6.0f} µs"
        )


if __name__ == "__main__":
    main()
