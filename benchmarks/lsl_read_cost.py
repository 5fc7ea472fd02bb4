"""CPU cost of :meth:`LSLSource.read` per block, blocks per producer chunk, data age at pull.

A producer in another process (``_lsl_producer.py --mode realtime``) pushes 1 ms chunks in
real time (30 samples at 30 kHz), stamped with their nominal sample times. The consumer calls
``read(timeout=0.1)`` in a loop, as the engine's acquire stage does, and records per call that
returned a block: the CPU time of this thread spent in the call (``time.thread_time``, so time
blocked inside liblsl is not counted), the block's size and its data age (``now() − timestamp
of its newest sample``). Blocks per producer chunk above 1 means the source handed out partial
chunks (each paying the full per-block cost); ``learned`` is the producer chunk size the source
learned and waits for (``LSLSource.chunk_size``). The load average of the machine is printed beside
the figures (the dev host is shared).

Usage::

    python benchmarks/lsl_read_cost.py [--channels 96 1024] [--seconds 5] [--profile]

``--profile`` adds a cProfile of the reads (top functions by internal time, per block).
Prints figures only; nothing is asserted (DESIGN.md §8).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import time
import uuid

import numpy as np
from _lsl_producer import start_producer  # benchmarks/ is on sys.path when run as a script

from neurolink.clock import now
from neurolink.streams.lsl_source import LSLSource


def measure(rate: float, n_channels: int, seconds: float, profile: bool) -> dict[str, object]:
    """Run one producer/consumer pair and return the figures (module docstring)."""
    name = f"nlbench-read-{uuid.uuid4().hex[:10]}"
    proc = start_producer(name, rate, n_channels, seconds, "realtime")
    assert proc.stdin is not None and proc.stdout is not None
    prof = cProfile.Profile() if profile else None
    try:
        with LSLSource(
            source_id=name, expected_channels=n_channels, expected_rate=rate, stall_timeout=5.0
        ) as src:
            proc.stdin.write("go\n")
            proc.stdin.flush()
            chunk = max(1, round(rate / 1000))
            n_expected = round(rate * seconds) // chunk * chunk
            cpu, ages, sizes, got = [], [], [], 0
            clock = time.thread_time_ns
            if prof is not None:
                prof.enable()
            while got < n_expected:
                c0 = clock()
                block = src.read(timeout=0.1)
                c1 = clock()
                t = now()
                if block is not None:
                    cpu.append(c1 - c0)
                    ages.append(t - block.timestamps[-1])
                    sizes.append(block.n_samples)
                    got += block.n_samples
            if prof is not None:
                prof.disable()
            summary = json.loads(proc.stdout.readline())
            gaps = src.stats.n_gaps
            learned = getattr(src, "chunk_size", None)  # absent before issue 15's change
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    a = np.asarray(ages) * 1e3
    us = np.asarray(cpu) / 1e3
    n_chunks = n_expected // chunk
    out: dict[str, object] = {
        "samples": got,
        "gaps": gaps,
        "learned": "-" if learned is None else learned,
        "blocks": len(sizes),
        "blocks_per_chunk": len(sizes) / n_chunks,
        "partial": int(np.count_nonzero(np.asarray(sizes) % chunk)),
        "cpu_median_us": float(np.median(us)),
        "cpu_p99_us": float(np.percentile(us, 99)),
        "age_median_ms": float(np.median(a)),
        "age_p99_ms": float(np.percentile(a, 99)),
        "push_late_median_ms": summary["push_lateness_median_ms"],
    }
    if prof is not None:
        text = io.StringIO()
        stats = pstats.Stats(prof, stream=text)
        stats.sort_stats("tottime").print_stats(14)
        out["profile"] = text.getvalue()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="LSLSource.read cost per block")
    parser.add_argument("--channels", type=int, nargs="+", default=[96, 1024])
    parser.add_argument("--rate", type=float, default=30000.0, help="Hz")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each run (s)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the reads")
    a = parser.parse_args()
    print(
        f"LSLSource.read, {a.rate / 1000:g} kHz, 1 ms producer chunks, {a.seconds:g} s per run, "
        "producer in another process; population: blocks (closed-loop style reads)"
    )
    print(
        f"{'channels':>8} {'blocks':>6} {'blk/chunk':>9} {'partial':>7} {'gaps':>4} "
        f"{'learned':>7} {'cpu med':>9} {'cpu p99':>9} {'age med':>8} {'age p99':>8} "
        f"{'push late':>9} "
        f"{'loadavg 1/5 min':>15}"
    )
    for n_ch in a.channels:
        r = measure(a.rate, n_ch, a.seconds, a.profile)
        load = os.getloadavg()
        print(
            f"{n_ch:>8} {r['blocks']:>6} {r['blocks_per_chunk']:>9.3f} {r['partial']:>7} "
            f"{r['gaps']:>4} {r['learned']:>7} {r['cpu_median_us']:>6.1f} us "
            f"{r['cpu_p99_us']:>6.1f} us "
            f"{r['age_median_ms']:>5.3f} ms {r['age_p99_ms']:>5.3f} ms "
            f"{r['push_late_median_ms']:>6.3f} ms {load[0]:>7.2f} {load[1]:>6.2f}",
            flush=True,
        )
        if "profile" in r:
            print(r["profile"])


if __name__ == "__main__":
    main()
