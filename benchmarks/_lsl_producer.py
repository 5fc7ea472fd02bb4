"""An LSL producer in its own process, driven by the LSL benchmarks over stdin/stdout.

Protocol: the producer creates its outlet (name = source id = ``--name``) and prints ``ready``;
on each ``go`` line from stdin it pushes ``--seconds`` of data in chunks of ``--chunk-ms``,
stamped with the nominal sample times ``t0 + i / rate`` (as an acquisition device's sample clock
would), channel 0 carrying the sample index, then prints one JSON line (samples pushed and how
late each push was after the time of its newest sample). It ends when stdin closes.

``--mode realtime`` pushes each chunk when its newest sample is due; ``--mode backlog`` pushes
everything as fast as it can.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from neurolink.clock import now
from neurolink.pacing import sleep_until
from neurolink.streams.lsl_outlet import BlockOutlet


def produce(name: str, rate: float, n_channels: int, seconds: float, chunk_ms: float, mode: str):
    """Run the protocol described in the module docstring."""
    chunk = max(1, round(rate * chunk_ms / 1000.0))
    n_total = round(rate * seconds) // chunk * chunk
    labels = [f"C{i}" for i in range(n_channels)]
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((chunk, n_channels)).astype(np.float32)
    with BlockOutlet(name, "EEG", labels, rate, source_id=name, chunk_size=chunk) as outlet:
        print("ready", flush=True)
        data, i0, t0 = noise.copy(), 0, 0.0
        while sys.stdin.readline().strip() == "go":
            if mode == "realtime" or i0 == 0:  # a backlog keeps its nominal clock across rounds
                t0 = now() + 0.01 - i0 / rate
            lateness = np.empty(n_total // chunk)
            for k in range(n_total // chunk):
                i = i0 + k * chunk
                last = t0 + (i + chunk - 1) / rate  # nominal time of the chunk's newest sample
                if mode == "realtime":  # pushed when due, as the simulated subject does
                    sleep_until(last)
                data[:, 0] = np.arange(i, i + chunk, dtype=np.float32)
                outlet.push(data, last)
                lateness[k] = now() - last
            i0 += n_total
            summary = {
                "pushed": n_total,
                "chunk": chunk,
                "push_lateness_median_ms": float(np.median(lateness) * 1e3),
                "push_lateness_p99_ms": float(np.percentile(lateness, 99) * 1e3),
            }
            print(json.dumps(summary), flush=True)


def start_producer(
    name: str, rate: float, n_channels: int, seconds: float, mode: str
) -> subprocess.Popen[str]:
    """Start this script in a new process and wait for its outlet to exist.

    Write ``go`` to its stdin to start pushing; read its JSON summary from stdout; close its
    stdin to end it.
    """
    proc = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__)),
            "--name",
            name,
            "--rate",
            str(rate),
            "--channels",
            str(n_channels),
            "--seconds",
            str(seconds),
            "--mode",
            mode,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != "ready":
        proc.kill()
        raise RuntimeError(f"producer for {name!r} did not start (said {line!r})")
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--rate", type=float, required=True, help="Hz")
    parser.add_argument("--channels", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True, help="seconds of data to push")
    parser.add_argument("--chunk-ms", type=float, default=1.0, help="chunk length (ms)")
    parser.add_argument("--mode", choices=["realtime", "backlog"], default="realtime")
    a = parser.parse_args()
    produce(a.name, a.rate, a.channels, a.seconds, a.chunk_ms, a.mode)


if __name__ == "__main__":
    main()
