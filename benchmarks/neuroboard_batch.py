"""The compiled decoder on the emulated neuromorphic board over a real pty: round trip per
NEURO_STEP_BATCH frame against the steps it carries, and whether the board keeps up with 1 ms
chip steps when batches are pipelined (one in flight) at the pace of real time.

The network is the demo's: a Bayesian decoder (25 × 25 grid, continuity prior) fitted on 40 s
of simulated reaching and compiled (625 neurons, ~0.45 M synapses), fed held-out spikes of the
simulated cortex (96 channels). Figures:

* synchronous: ``step_batch`` of k steps, back to back; round trip per frame (median, p99 µs)
  and per step; k = 1 is one NEURO_STEP per step, as before batching;
* paced: one batch of k = 5 steps handed over every 5 ms (``submit``), the one before it read
  out (``collect``): how long ``collect`` waited (median, p99 µs), the round trip of each
  frame, and the CPU the host process and the board process used (% of one core);
* flat out: batches of 5 handed over as fast as they are read out: steps per second, i.e. how
  many times faster than real time a board that fell behind catches up.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/neuroboard_batch.py [--seconds 5]

Prints figures; asserts nothing. Figures depend on the machine's load (printed).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from neurolink.decode import BayesianDecoder
from neurolink.hal.drivers import NeuroboardDriver
from neurolink.hal.emulate import Emulator
from neurolink.snn import compile_decoder
from tests.snn._compile_data import chip_reaching


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (from /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _us(x: np.ndarray) -> str:
    return f"{np.median(x) * 1e6:8.0f} {np.percentile(x, 99) * 1e6:8.0f}"


def synchronous(drv: NeuroboardDriver, rows: list[dict], k: int, n_frames: int) -> np.ndarray:
    """Round trip (s) of each of ``n_frames`` frames of ``k`` steps."""
    out = np.zeros(n_frames)
    for i in range(n_frames):
        batch = rows[(i * k) % (len(rows) - k) :][:k]
        t0 = time.perf_counter()
        drv.step_batch(batch)
        out[i] = time.perf_counter() - t0
    return out


def paced(drv: NeuroboardDriver, rows: list[dict], k: int, seconds: float, pid: int) -> None:
    """One batch per ``k`` ms for ``seconds``; print the waits, round trips and CPU."""
    drv.reset()
    n = int(seconds * 1000) // k
    waits = np.zeros(n)
    sent = len(drv.batch_rtt)
    h0, b0, t0 = time.process_time(), _cpu_s(pid), time.perf_counter()
    due = t0
    for i in range(n):
        due += k * 1e-3
        ahead = due - time.perf_counter()
        if ahead > 0:
            time.sleep(ahead)
        drv.submit(rows[(i * k) % (len(rows) - k) :][:k])
        if i:
            w0 = time.perf_counter()
            drv.collect()
            waits[i] = time.perf_counter() - w0
    drv.collect()
    wall = time.perf_counter() - t0
    rtt = np.array([r for r, _ in list(drv.batch_rtt)[sent:]])
    print(
        f"paced, {k} steps per {k} ms, {seconds:g} s ({n} batches): collect waited "
        f"median/p99 {_us(waits[1:])} µs; frame round trip {_us(rtt)} µs; "
        f"CPU host {100 * (time.process_time() - h0) / wall:.0f} %, "
        f"board {100 * (_cpu_s(pid) - b0) / wall:.0f} % of a core"
    )


def flat_out(drv: NeuroboardDriver, rows: list[dict], k: int, n: int) -> None:
    """``n`` batches handed over back to back, one in flight; print steps per second."""
    drv.reset()
    t0 = time.perf_counter()
    for i in range(n):
        drv.submit(rows[(i * k) % (len(rows) - k) :][:k])
        if i:
            drv.collect()
    drv.collect()
    rate = n * k / (time.perf_counter() - t0)
    print(f"flat out, batches of {k}: {rate:.0f} steps/s = {rate / 1000:.1f} × real time at 1 ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="length of the paced run")
    ap.add_argument("--frames", type=int, default=300, help="frames per synchronous case")
    args = ap.parse_args()
    train = chip_reaching(40.0, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dec = BayesianDecoder(bin_s=0.02, grid_shape=25, prior="continuity")
        dec.fit(train.bins.astype(np.float64), train.vel)
    compiled = compile_decoder(dec)
    rows = [{"spikes": r} for r in chip_reaching(10.0, seed=2).steps > 0]
    print(
        f"load average {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs; network "
        f"{compiled.neurons} neurons, {compiled.report()['synapses']} synapses, 96 input axons"
    )
    with Emulator("neuroboard") as emu, NeuroboardDriver(emu.port) as drv:
        t0 = time.perf_counter()
        drv.load(compiled.spec)
        print(f"load: {time.perf_counter() - t0:.2f} s in NEURO_LOAD chunks of 1,012 bytes")
        print("synchronous step_batch, round trip per frame (µs)  median      p99   per step")
        for k in (1, 2, 5, 10, 20, 50):
            rtt = synchronous(drv, rows, k, args.frames)
            print(f"  {k:3d} steps per frame {'':27} {_us(rtt)} {np.median(rtt) / k * 1e6:8.0f}")
        paced(drv, rows, 5, args.seconds, emu.process.pid)
        flat_out(drv, rows, 5, 400)


if __name__ == "__main__":
    main()
