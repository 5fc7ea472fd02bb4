"""Throughput of the ``fixed`` SNN backend: steps/s and synaptic events/s (prints, never asserts).

Networks (input activity drawn once, seeded):
  * dense 16 → 100, 16 → 1000, 256 → 4096 with 10 % of input axons active per step;
  * sparse: 10 000 input axons → 10 000 neurons, 100 synapses per axon, inputs at ~10 Hz
    (p = 0.01 per 1 ms step).
Both paths: per-step ``step()`` calls (the closed-loop path) and batch ``run(T)`` on chunks of
5 000 steps that record every output spike.
Synaptic events = Σ over steps of (active presynaptic sources × their fan-out).

Run: ``NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/snn_fixed_throughput.py``
Targets: ≥ 100 000 steps/s at 16 → 100 and ≥ 30 000 steps/s at 256 → 4096.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import time

import numpy as np

from neurolink.snn import (
    DenseConnection,
    InputPort,
    NetworkSpec,
    Population,
    Probe,
    SparseConnection,
    make_backend,
)

CHUNK = 5_000  # run(T) is called on chunks of this many steps (probing every spike)


def dense_spec(n_in: int, n_out: int, rng: np.random.Generator) -> NetworkSpec:
    exp = -int(np.log2(n_in // 16))  # scale the summed input to that of 16 axons
    vth = rng.integers(1200, 1600, size=n_out) * 16  # output rates of tens of Hz
    pop = Population("out", n_out, du=400, dv=300, vth=vth, bias_mant=10, bias_exp=2)
    w = rng.integers(-64, 256, size=(n_out, n_in))
    conn = DenseConnection("in_out", "in", "out", w, weight_exp=exp)
    return NetworkSpec([pop], [conn], [InputPort("in", n_in)], [Probe("out", "spikes")])


def sparse_spec(n: int, fan_out: int, rng: np.random.Generator) -> NetworkSpec:
    pop = Population("out", n, du=400, dv=300, vth=rng.integers(12_000, 20_000, size=n))
    pre = np.repeat(np.arange(n), fan_out)
    post = np.concatenate([rng.choice(n, fan_out, replace=False) for _ in range(n)])
    w = rng.integers(0, 256, size=pre.size)
    conn = SparseConnection("in_out", "in", "out", pre, post, w, weight_exp=0)
    return NetworkSpec([pop], [conn], [InputPort("in", n)], [Probe("out", "spikes")])


def measure(name: str, spec: NetworkSpec, p: float, fan_out: int, T: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_in = spec.inputs[0].n
    raster = rng.random((T, n_in)) < p
    events = int(raster.sum()) * fan_out
    be = make_backend("fixed", spec)
    be.step({"in": raster[0]})  # compile / load the cache outside the timing
    be.run(2, {"in": raster[:2]})

    be.reset()
    rows = [{"in": row} for row in raster]
    t0 = time.perf_counter()
    for inp in rows:
        be.step(inp)
    dt_step = time.perf_counter() - t0

    be.reset()
    n_spikes = 0
    t0 = time.perf_counter()
    for k in range(0, T, CHUNK):
        out = be.run(min(CHUNK, T - k), {"in": raster[k : k + CHUNK]})
        n_spikes += int(out["out.spikes"].sum())
    dt_run = time.perf_counter() - t0
    rate = n_spikes / (T * spec.populations[0].n) * 1000.0  # Hz at 1 ms steps
    print(
        f"{name:<34} step(): {T / dt_step:>10,.0f} steps/s {events / dt_step:>13,.0f} ev/s | "
        f"run(T): {T / dt_run:>10,.0f} steps/s {events / dt_run:>13,.0f} ev/s | "
        f"out {rate:6.1f} Hz"
    )


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"NUMBA_NUM_THREADS={os.environ['NUMBA_NUM_THREADS']}")
    measure("dense 16→100, 10% active", dense_spec(16, 100, rng), 0.1, 100, 200_000, 1)
    measure("dense 16→1000, 10% active", dense_spec(16, 1000, rng), 0.1, 1000, 100_000, 2)
    measure("dense 256→4096, 10% active", dense_spec(256, 4096, rng), 0.1, 4096, 20_000, 3)
    measure("sparse 10k×100 syn, ~10 Hz", sparse_spec(10_000, 100, rng), 0.01, 100, 5_000, 4)


if __name__ == "__main__":
    main()
