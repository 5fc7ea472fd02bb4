"""Xylo profile: ``fixed`` and ``chip`` steps per second at 16 → 1000 → 8 (prints, never asserts).

Network (seeded): 16 input channels → 1000 hidden neurons (two synapses, 10 % recurrent
connectivity) → 8 outputs, int8 weights, 10 % of input channels carry one event per step.
Paths: ``fixed`` batch ``run(T)`` and per-step ``step()``; ``chip`` (firmware_sim.XyloChip)
batch ``run(T)`` and per-step ``step()``. The hidden activity (mean spikes per neuron and
step) is printed beside each figure: both tiers slow down with activity (recurrent fan-out).
For comparison, the issue quotes XyloSim at ~2 600 steps/s when quiet and ~200 at high activity.

Run: ``OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/xylo_throughput.py``
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time

import numpy as np

from neurolink.snn import DenseConnection, InputPort, NetworkSpec, Population, Probe, make_backend

N_IN, N_H, N_OUT, T, N_STEP = 16, 1000, 8, 2_000, 500


def xylo_spec(rng: np.random.Generator, threshold: int) -> NetworkSpec:
    hidden = Population("hidden", N_H, du=2, du2=4, dv=4, vth=threshold, max_spikes=31)
    out = Population("out", N_OUT, du=2, dv=4, vth=2000)
    w_in = rng.integers(-20, 100, (N_H, N_IN))
    w_rec = rng.integers(-60, 60, (N_H, N_H)) * (rng.random((N_H, N_H)) < 0.1)
    conns = [
        DenseConnection("in_h", "in", "hidden", w_in, 4),
        DenseConnection("in_h2", "in", "hidden", -w_in // 4, 4, synapse=1),
        DenseConnection("rec", "hidden", "hidden", w_rec, 2),
        DenseConnection("h_o", "hidden", "out", rng.integers(-128, 128, (N_OUT, N_H)), 0),
    ]
    probes = [Probe("hidden", "spikes"), Probe("out", "spikes")]
    return NetworkSpec([hidden, out], conns, [InputPort("in", N_IN)], probes, profile="xylo")


def timed(fn, n: int) -> float:
    t0 = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t0)


def main() -> None:
    rng = np.random.default_rng(0)
    x = (rng.random((T, N_IN)) < 0.10).astype(np.uint8)
    print(f"xylo {N_IN} -> {N_H} -> {N_OUT}, 10 % input activity, {T} steps (median of 3)")
    for label, thr in (("quiet", 20000), ("active", 600), ("busy", 150)):
        spec = xylo_spec(np.random.default_rng(1), thr)
        for kind in ("fixed", "chip"):
            be = make_backend(kind, spec)
            be.run(10, x[:10])  # warm the kernels
            be.reset()
            rates, activity = [], 0.0
            for _ in range(3):
                be.reset()
                t0 = time.perf_counter()
                out = be.run(T, x)
                rates.append(T / (time.perf_counter() - t0))
                activity = float(out["hidden.spikes"].mean())
            be.reset()
            step_rate = timed(lambda b=be: [b.step({"in": r}) for r in x[:N_STEP]], N_STEP)
            print(f"  {label:6s} {kind:5s}: run(T) {np.median(rates):10.0f} steps/s, "
                  f"step() {step_rate:10.0f} steps/s; hidden activity {activity:.3f} "
                  f"spikes/neuron/step")  # fmt: skip


if __name__ == "__main__":
    main()
