"""Per-bin ``step`` latency of the decoders, and their fit time on 10 minutes of calibration.

Data: cosine-tuned Poisson units driven by a smooth random 2-D velocity, 20 ms bins
(30 000 bins = 10 minutes). Latency is measured around each ``step`` call with
``time.perf_counter_ns`` on bins the decoder has not seen, after a warm-up; the figures include
the Python call and the input check.

- Bayesian decoder: 100 units, 50 × 50 velocity grid, GLM tuning; uniform, continuity and
  recursive priors (their σ chosen at fit time, as by default).
- Kalman filter: 96 units, position + velocity state; full and steady-state gain.
- Wiener filter: 96 units, 10 lags.

Usage::

    python benchmarks/decode_step_latency.py [--bins 5000]

Prints figures only; nothing is asserted (DESIGN.md §8).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy.ndimage import gaussian_filter1d

from neurolink.decode import BayesianDecoder, Decoder, KalmanDecoder, WienerFilter

BIN_S = 0.02
CAL_BINS = 30_000  # 10 minutes at 20 ms


def make_data(n_bins: int, n_units: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts (int32, (n_bins, n_units)) of cosine-tuned units and the velocity (n_bins, 2)."""
    rng = np.random.default_rng(seed)
    vel = gaussian_filter1d(rng.normal(size=(n_bins, 2)), 8, axis=0) * 3.0
    pd = rng.uniform(0, 2 * np.pi, n_units)
    rates = rng.uniform(5, 20, n_units) + rng.uniform(5, 30, n_units) * (
        vel[:, :1] * np.cos(pd) + vel[:, 1:] * np.sin(pd)
    )
    return rng.poisson(np.maximum(rates, 0) * BIN_S).astype(np.int32), vel


def latency(dec: Decoder, X: np.ndarray, n: int) -> tuple[float, float]:
    """Median and 99th percentile of ``step`` (µs) over ``n`` bins after 200 warm-up bins."""
    rows = np.ascontiguousarray(X[: n + 200], dtype=np.float64)
    dec.reset()
    for r in rows[:200]:
        dec.step(r)
    t = np.empty(n)
    for i, r in enumerate(rows[200:]):
        t0 = time.perf_counter_ns()
        dec.step(r)
        t[i] = time.perf_counter_ns() - t0
    return float(np.median(t) / 1e3), float(np.percentile(t, 99) / 1e3)


def run(name: str, dec: Decoder, X: np.ndarray, y: np.ndarray, n: int, extra: str = "") -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        dec.fit(X[:CAL_BINS], y[:CAL_BINS])
        fit_s = time.perf_counter() - t0
    med, p99 = latency(dec, X[CAL_BINS:], n)
    print(f"{name:34s} step median {med:7.1f} µs  p99 {p99:7.1f} µs   fit {fit_s:6.2f} s  {extra}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bins", type=int, default=5000, help="bins timed per decoder")
    n = ap.parse_args().bins
    X100, v100 = make_data(CAL_BINS + n + 200, 100, seed=1)
    X96, v96 = make_data(CAL_BINS + n + 200, 96, seed=2)
    kin = np.hstack([np.cumsum(v96, axis=0) * BIN_S, v96])
    # compile (or load from cache) the numba kernels outside the timings
    BayesianDecoder(grid_shape=10, prior="recursive").fit(X100[:2000], v100[:2000]).predict(
        X100[:5]
    )
    KalmanDecoder(steady_state=True).fit(X96[:2000], kin[:2000]).predict(X96[:5])
    KalmanDecoder().fit(X96[:2000], kin[:2000]).predict(X96[:5])

    print(f"10 min of calibration = {CAL_BINS} bins of {BIN_S * 1e3:g} ms; {n} bins timed\n")
    for prior in ("uniform", "continuity", "recursive"):
        dec = BayesianDecoder(bin_s=BIN_S, grid_shape=50, prior=prior)
        run(f"Bayes 100 units 50×50 {prior}", dec, X100, v100, n)
        if prior != "uniform":
            sig = getattr(dec, "continuity_sigma_", getattr(dec, "transition_sigma_", None))
            print(f"{'':34s} σ = {np.round(sig / dec.grid.cell, 2)} cells (selected)")
    run("Kalman 96 units full gain", KalmanDecoder(), X96, kin, n)
    run("Kalman 96 units steady-state gain", KalmanDecoder(steady_state=True), X96, kin, n)
    run("Wiener 96 units 10 lags", WienerFilter(n_lags=10), X96, v96, n)


if __name__ == "__main__":
    main()
