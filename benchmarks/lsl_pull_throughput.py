"""Pull throughput: :class:`LSLSource` (into a preallocated buffer) vs plain ``pylsl`` pulls.

One producer in another process (``_lsl_producer.py --mode backlog``) pushes a backlog of
``--seconds`` of data to three inlets on the same stream, all opened before the push, in this
process: an :class:`LSLSource`; a ``pylsl.StreamInlet`` pulled with ``pull_chunk`` returning
lists (the usual pylsl idiom); and one pulled with ``as_numpy=True`` (pylsl ≥ 1.18: a fresh
array per pull). Once a backlog is queued in all inlets, each is drained in turn with the same
``max_samples`` per pull and timed; ``--rounds`` backlogs, the drain order rotating, medians shown.

Usage::

    python benchmarks/lsl_pull_throughput.py [--seconds 5] [--rate 30000] [--channels 96]

Prints figures only; nothing is asserted (DESIGN.md §8).
"""

from __future__ import annotations

import argparse
import json
import math
import time
import uuid
from collections.abc import Callable

import numpy as np
import pylsl
from _lsl_producer import start_producer  # benchmarks/ is on sys.path when run as a script

from neurolink.streams.discovery import resolve_stream
from neurolink.streams.lsl_source import LSLSource


def drain(pull: Callable[[], int], n: int) -> float:
    """Call ``pull`` (returns the samples it got) until ``n`` samples came; return seconds."""
    got, t0 = 0, time.perf_counter()
    while got < n:
        got += pull()
    return time.perf_counter() - t0


def wait_queued(inlet: pylsl.StreamInlet | LSLSource, n: int, limit: float = 60.0) -> None:
    """Wait until ``n`` samples are queued in ``inlet`` (liblsl reports the exact count)."""
    stop = time.monotonic() + limit
    while inlet.samples_available() < n:
        if time.monotonic() > stop:
            raise RuntimeError(f"only {inlet.samples_available()} of {n} samples arrived")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description="LSL pull throughput")
    parser.add_argument("--seconds", type=float, default=5.0, help="backlog length (s of data)")
    parser.add_argument("--rate", type=float, default=30000.0, help="Hz")
    parser.add_argument("--channels", type=int, default=96)
    parser.add_argument("--max-samples", type=int, default=0, help="per pull (0: 1 s of data)")
    parser.add_argument("--rounds", type=int, default=3, help="backlogs; drain order rotates")
    a = parser.parse_args()
    m = a.max_samples or max(1024, math.ceil(a.rate))
    buflen = math.ceil(a.seconds) + 30
    name = f"nlbench-pull-{uuid.uuid4().hex[:10]}"
    proc = start_producer(name, a.rate, a.channels, a.seconds, "backlog")
    assert proc.stdin is not None and proc.stdout is not None
    labels = [
        "LSLSource.read (preallocated buffer, Block copy)",
        "pylsl pull_chunk -> lists",
        "pylsl pull_chunk(as_numpy=True), new array per pull",
    ]
    times: dict[str, list[float]] = {k: [] for k in labels}
    try:
        info = resolve_stream(source_id=name)
        plain = [pylsl.StreamInlet(info, max_buflen=buflen) for _ in range(2)]
        for inlet in plain:
            inlet.open_stream(timeout=5.0)
        with LSLSource(source_id=name, max_samples=m, max_buflen=buflen, stall_timeout=60) as src:

            def pull_source() -> int:
                block = src.read(timeout=1.0)
                return 0 if block is None else block.n_samples

            def pull_lists() -> int:
                return len(plain[0].pull_chunk(timeout=0.0, max_samples=m)[1])

            def pull_numpy() -> int:
                return len(plain[1].pull_chunk(timeout=0.0, max_samples=m, as_numpy=True)[1])

            pulls = dict(zip(labels, [pull_source, pull_lists, pull_numpy], strict=True))
            for r in range(a.rounds):
                proc.stdin.write("go\n")
                proc.stdin.flush()
                n = json.loads(proc.stdout.readline())["pushed"]
                for inlet in [*plain, src]:
                    wait_queued(inlet, n)
                for label in labels[r % 3 :] + labels[: r % 3]:
                    times[label].append(drain(pulls[label], n))
            gaps = src.stats.n_gaps
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    mb = n * a.channels * 4 / 1e6
    print(
        f"LSL pull throughput: backlog of {n} samples x {a.channels} ch float32 ({mb:.0f} MB), "
        f"{a.rate / 1000:g} kHz nominal, max_samples={m} per pull, median of {a.rounds} rounds "
        f"(drain order rotated), LSLSource gaps={gaps}"
    )
    med = {k: float(np.median(v)) for k, v in times.items()}
    for label in labels:
        rate = n / med[label]
        print(
            f"  {label:<52} {rate / 1e6:7.2f} Msamples/s {mb / med[label]:8.0f} MB/s "
            f"({rate / a.rate:6.1f}x real time)"
        )
    src_t, list_t, np_t = (med[k] for k in labels)
    print(
        f"  speed ratio LSLSource/lists {list_t / src_t:.1f}x, "
        f"LSLSource/as_numpy {np_t / src_t:.2f}x"
    )


if __name__ == "__main__":
    main()
