"""Benchmark: streaming band-pass filter + spike detection, 1 ms blocks, one core.

Prints, for 32, 96 and 384 channels at 30 kHz in 30-sample blocks: the real-time factor, the
time per block (median and p99, µs) and the peak memory allocated by Python/numpy (tracemalloc)
in steady state (second, untimed pass) and the detector's
state arrays. Figures only; nothing is asserted. Run::

    NUMBA_NUM_THREADS=1 python benchmarks/dsp_filter_detect.py [--seconds 10] [--method ...]
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse
import time
import tracemalloc

import numpy as np

from neurolink.dsp import StreamingFilter, design_sos, make_detector

FS = 30_000.0
BLOCK = 30


def synthetic_raw(n_samples: int, n_channels: int, seed: int = 0) -> np.ndarray:
    """Noise (σ = 10 µV) plus spikes at ~20 Hz per channel (−80 µV, 1 ms), float32."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 10.0, (n_samples, n_channels)).astype(np.float32)
    wave = (-80.0 * np.sin(np.linspace(0, np.pi, 30)) ** 2).astype(np.float32)
    n_spk = int(20 * n_samples / FS) * n_channels
    t = rng.integers(0, n_samples - 30, n_spk)
    c = rng.integers(0, n_channels, n_spk)
    for k in range(30):
        np.add.at(x, (t + k, c), wave[k])
    return x


def make_positions(n_channels: int) -> np.ndarray:
    """Two-column probe, 20 µm pitch."""
    i = np.arange(n_channels)
    return np.stack([(i % 2) * 20.0, (i // 2) * 20.0], axis=1)


def run(n_channels: int, seconds: float, method: str, filtered: bool) -> dict[str, float]:
    """Time the per-block loop; returns the figures."""
    n = int(seconds * FS) // BLOCK * BLOCK
    raw = synthetic_raw(n, n_channels)
    filt = StreamingFilter(design_sos("bandpass", FS, band=(300.0, 5000.0), order=3), n_channels)
    if filtered:
        raw = filt.step(raw)
        filt.reset()
    params: dict[str, object] = {"calibration_s": 0.5}
    if method == "locally_exclusive":
        params.update(positions=make_positions(n_channels), radius_um=50.0)
    det = make_detector(method, n_channels, FS, **params)
    buf = np.empty((BLOCK, n_channels), np.float32)
    # warm up (JIT, calibration), then restart the stream
    for i in range(0, int(0.6 * FS), BLOCK):
        x = raw[i : i + BLOCK]
        det.step(x if filtered else filt.step(x, out=buf))
    times = np.empty(n // BLOCK)
    n_spk = 0
    clock = time.perf_counter_ns
    for j, i in enumerate(range(0, n, BLOCK)):
        x = raw[i : i + BLOCK]
        t0 = clock()
        y = x if filtered else filt.step(x, out=buf)
        n_spk += det.step(y).size
        times[j] = clock() - t0
    # peak memory of the steady state, in a second pass (tracemalloc slows every allocation)
    tracemalloc.start()
    for i in range(0, min(n, int(FS)), BLOCK):
        x = raw[i : i + BLOCK]
        det.step(x if filtered else filt.step(x, out=buf), start_index=det.next_index)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total_s = times.sum() * 1e-9
    state = sum(a.nbytes for a in vars(det).values() if isinstance(a, np.ndarray))
    return {
        "channels": n_channels,
        "state_kib": state / 1024,
        "x_realtime": (n / FS) / total_s,
        "median_us": float(np.median(times) * 1e-3),
        "p99_us": float(np.percentile(times, 99) * 1e-3),
        "peak_kib": peak / 1024,
        "spikes_per_s_per_ch": n_spk / (n / FS) / n_channels,
    }


def main(filtered: bool = False) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--method", default="locally_exclusive")
    ap.add_argument("--channels", type=int, nargs="*", default=[32, 96, 384])
    args = ap.parse_args()
    what = "detect only (pre-filtered)" if filtered else "filter + detect"
    print(f"{what}, {args.method}, fs = {FS:g} Hz, {BLOCK}-sample blocks, one thread")
    print(
        f"{'ch':>5} {'x real time':>12} {'median µs':>10} {'p99 µs':>9} "
        f"{'alloc peak KiB':>15} {'state KiB':>10} {'Hz/ch':>7}"
    )
    for c in args.channels:
        r = run(c, args.seconds, args.method, filtered)
        print(
            f"{c:5d} {r['x_realtime']:12.1f} {r['median_us']:10.1f} {r['p99_us']:9.1f} "
            f"{r['peak_kib']:15.1f} {r['state_kib']:10.1f} {r['spikes_per_s_per_ch']:7.1f}"
        )


if __name__ == "__main__":
    main(filtered=False)
