"""What the graph driver adds per block: check, chunk, tick, step, against a hand-written loop.

    OPENBLAS_NUM_THREADS=1 python benchmarks/graph_driver.py [--blocks 20000]

96 channels at 30 kHz in 1 ms blocks (30 samples), through a graph of one pass-through node so
that the figures are the driver's own work: :meth:`GraphDriver.check` + :meth:`GraphDriver.feed`
(gap and NaN checks, chunking to ``max_chunk``, the tick, stage timing) against the loop the
engine ran before the driver (tick set, stage reset, ``graph.process``). Also a 3000-sample
block cut into 2048 + 952. Prints median and p99 per block (µs); nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from neurolink.loop.core.driver import GraphDriver, Tolerances
from neurolink.loop.core.graph import Graph
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.tick import Tick
from neurolink.streams.block import Block

FS, N_CH = 30_000.0, 96


class PassThrough:
    """Gives its input on (the cheapest node: the figures are the driver's)."""

    kind, inputs, output, stage = "pass", (Port.SAMPLES,), Port.SAMPLES, Stage.FILTER_DETECT
    name = "pass"

    def reset(self) -> None: ...

    def step(self, x: np.ndarray, tick: Tick) -> np.ndarray:
        return x


def _blocks(n: int, size: int) -> list[Block]:
    rng = np.random.default_rng(0)
    data = rng.normal(0, 10, (size, N_CH)).astype(np.float32)
    names = tuple(f"ch{i}" for i in range(N_CH))
    return [
        Block(data, np.arange(size, dtype=np.float64) / FS, k * size, FS, names, "bench")
        for k in range(n)
    ]


def _by_hand(graph: Graph, blocks: list[Block], max_chunk: int) -> np.ndarray:
    """The engine's loop before the driver: per-block µs."""
    tick, stage = Tick(rate=FS, stream="bench"), np.zeros(len(Stage))
    out = np.zeros(len(blocks))
    for k, block in enumerate(blocks):
        t0 = time.perf_counter_ns()
        if block.n_invalid > 0 or block.gap > 0:
            raise AssertionError("clean blocks only")
        n = block.n_samples
        for a in range(0, n, max_chunk):
            b = min(n, a + max_chunk)
            t_last = float(block.timestamps[b - 1])
            tick.set(block.first_index + a, block.first_index + b, t_last)
            stage[:] = 0.0
            stage[Stage.ACQUIRE] = 0.0 - t_last
            graph.process(block.data[a:b], tick, stage)
        out[k] = (time.perf_counter_ns() - t0) / 1e3
    return out


def _driven(graph: Graph, blocks: list[Block], max_chunk: int) -> np.ndarray:
    """The same through :class:`GraphDriver`: per-block µs."""
    driver = GraphDriver(graph, rate=FS, stream="bench", tolerances=Tolerances(max_chunk=max_chunk))
    out = np.zeros(len(blocks))
    for k, block in enumerate(blocks):
        t0 = time.perf_counter_ns()
        if driver.check(block) is not None:
            raise AssertionError("clean blocks only")
        driver.feed(block, t_read=0.0)
        out[k] = (time.perf_counter_ns() - t0) / 1e3
    return out


def _line(name: str, us: np.ndarray) -> str:
    p50, p99 = np.percentile(us[len(us) // 10 :], (50, 99))  # the first tenth warms up
    return f"  {name:<34} median {p50:7.2f} µs   p99 {p99:7.2f} µs"


def main(argv: list[str] | None = None) -> int:
    """Print the figures; returns 0."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--blocks", type=int, default=20_000, help="blocks per case (default 20000)")
    args = p.parse_args(argv)
    graph = Graph([PassThrough()], ["source"])
    print(f"graph driver, {N_CH} channels at {FS / 1e3:g} kHz, BLAS threads "
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")  # fmt: skip
    for size, n in ((30, args.blocks), (3000, max(100, args.blocks // 20))):
        blocks = _blocks(n, size)
        print(f"{size}-sample blocks ({n}), max_chunk 2048:")
        print(_line("hand-written loop (before)", _by_hand(graph, blocks, 2048)))
        print(_line("GraphDriver.check + feed", _driven(graph, blocks, 2048)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
