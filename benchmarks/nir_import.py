"""NIR import time of a 10-layer graph (prints, never asserts).

A seeded chain Input → (Linear → CubaLIF) × 10 → Output, 64 neurons per layer, written once to
a temporary .nir file; then ``nir.read`` and :func:`neurolink.snn.nir.from_nir` (float, and
quantized onto loihi) are timed, median of 5.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/nir_import.py``
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import tempfile
import time
from pathlib import Path

import nir
import numpy as np

from neurolink.snn import nir as snir

LAYERS, WIDTH, N_IN = 10, 64, 16


def graph(rng: np.random.Generator) -> nir.NIRGraph:
    nodes: dict[str, nir.NIRNode] = {"input": nir.Input(input_type={"input": np.array([N_IN])})}
    edges, prev, n_prev = [], "input", N_IN
    for k in range(LAYERS):
        nodes[f"w{k}"] = nir.Linear(weight=rng.normal(0.3, 0.2, (WIDTH, n_prev)))
        one = np.ones(WIDTH)
        nodes[f"lif{k}"] = nir.CubaLIF(tau_syn=2e-3 * one, tau_mem=1e-2 * one, r=100 * one,
                                       v_leak=0 * one, v_threshold=one, w_in=20 * one)  # fmt: skip
        edges += [(prev, f"w{k}"), (f"w{k}", f"lif{k}")]
        prev, n_prev = f"lif{k}", WIDTH
    nodes["output"] = nir.Output(output_type={"output": np.array([WIDTH])})
    edges.append((prev, "output"))
    return nir.NIRGraph(nodes=nodes, edges=edges)


def median_time(fn) -> float:
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ten.nir"
        nir.write(path, graph(np.random.default_rng(0)))
        g = nir.read(path)
        print(f"NIR import, {LAYERS} CubaLIF layers x {WIDTH} neurons, {N_IN} inputs "
              f"(median of 5)")  # fmt: skip
        print(f"  nir.read:                    {median_time(lambda: nir.read(path)) * 1e3:8.1f} ms")
        print(
            f"  from_nir (float):            {median_time(lambda: snir.from_nir(g)) * 1e3:8.1f} ms"
        )
        t = median_time(lambda: snir.from_nir(g, "loihi"))
        print(f"  from_nir (quantized, loihi): {t * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
