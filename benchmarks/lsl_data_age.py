"""Data age at the consumer of an LSL stream read through :class:`LSLSource`.

A producer in another process (``_lsl_producer.py``) pushes 1 ms chunks in real time, stamped
with their nominal sample times. The consumer calls ``read(timeout=0.1)`` in a loop (it returns
as soon as samples are there) and records, per block, ``now() − timestamp of the newest sample``:
the time from when the sample was due to when a :class:`Block` holding it is in hand. That age
includes the producer's own lateness in pushing (printed separately), LSL transport and the read.
Blocks per producer chunk (above 1: partial chunks handed out) and the machine's load average
are printed beside (the dev host is shared).

Usage::

    python benchmarks/lsl_data_age.py [--seconds 10]

Prints figures only; nothing is asserted (DESIGN.md §8).
"""

from __future__ import annotations

import argparse
import json
import os
import uuid

import numpy as np
from _lsl_producer import start_producer  # benchmarks/ is on sys.path when run as a script

from neurolink.clock import now
from neurolink.streams.lsl_source import LSLSource

CONFIGS = [(1000.0, 64), (30000.0, 96), (30000.0, 384)]  # (rate Hz, channels)


def measure(rate: float, n_channels: int, seconds: float) -> dict[str, float]:
    """Run one producer/consumer pair and return the figures."""
    name = f"nlbench-age-{uuid.uuid4().hex[:10]}"
    proc = start_producer(name, rate, n_channels, seconds, "realtime")
    assert proc.stdin is not None and proc.stdout is not None
    try:
        with LSLSource(
            source_id=name, expected_channels=n_channels, expected_rate=rate, stall_timeout=5.0
        ) as src:
            proc.stdin.write("go\n")
            proc.stdin.flush()
            chunk = max(1, round(rate / 1000))
            n_expected = round(rate * seconds) // chunk * chunk
            ages, sizes, got = [], [], 0
            while got < n_expected:
                block = src.read(timeout=0.1)
                t = now()
                if block is not None:
                    ages.append(t - block.timestamps[-1])
                    sizes.append(block.n_samples)
                    got += block.n_samples
            summary = json.loads(proc.stdout.readline())
            stats = src.stats
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    a = np.asarray(ages) * 1e3
    return {
        "samples": got,
        "gaps": stats.n_gaps,
        "blocks": len(sizes),
        "block_median": float(np.median(sizes)),
        "age_median_ms": float(np.median(a)),
        "age_p99_ms": float(np.percentile(a, 99)),
        "age_max_ms": float(a.max()),
        "push_late_median_ms": summary["push_lateness_median_ms"],
        "push_late_p99_ms": summary["push_lateness_p99_ms"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="LSL data age at the consumer")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each run (s)")
    seconds = parser.parse_args().seconds
    print(f"LSL data age, 1 ms chunks, {seconds:g} s per stream, producer in another process")
    print(
        f"{'stream':>16} {'samples':>8} {'gaps':>4} {'blocks':>6} {'blk med':>7} "
        f"{'age med':>8} {'age p99':>8} {'age max':>8} {'push late med/p99':>18} "
        f"{'blk/chunk':>9} {'loadavg 1/5 min':>15}"
    )
    for rate, n_ch in CONFIGS:
        r = measure(rate, n_ch, seconds)
        late = f"{r['push_late_median_ms']:.3f}/{r['push_late_p99_ms']:.3f} ms"
        per_chunk = r["blocks"] / (r["samples"] / max(1, round(rate / 1000)))
        load = os.getloadavg()
        print(
            f"{f'{rate / 1000:g} kHz x {n_ch} ch':>16} {r['samples']:>8} {r['gaps']:>4} "
            f"{r['blocks']:>6} {r['block_median']:>7.0f} {r['age_median_ms']:>5.3f} ms "
            f"{r['age_p99_ms']:>5.3f} ms {r['age_max_ms']:>5.2f} ms {late:>18} "
            f"{per_chunk:>9.3f} {load[0]:>7.2f} {load[1]:>6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
