"""The detectors' buffer kernels (:mod:`neurolink.dsp.detect.ingest`) against plain references.

The kernels store the normalised value ``z = float32(s(x) * scale / mad)`` only where it can
exceed 1 and 0 elsewhere, flag the rows, and track the noise sample by sample. The references
below compute ``z`` for every sample in float64 numpy and run the tracker rule of
:mod:`neurolink.dsp.detect.noise` written out in Python.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.dsp.detect.ingest import (
    FLAG_NAN,
    FLAG_PEAK,
    fixed_thresholds,
    ingest_fixed,
    ingest_track,
)
from neurolink.dsp.detect.noise import MAD_TO_SIGMA, tracker_rates

K = 4.5
SCALE = MAD_TO_SIGMA / K
SIGNS = {"neg": -1, "pos": 1, "both": 0}


def signed(x: np.ndarray, sign: str) -> np.ndarray:
    x64 = x.astype(np.float64)
    return {"neg": -x64, "pos": x64, "both": np.abs(x64)}[sign]


def near_threshold_block(mad: np.ndarray, seed: int) -> np.ndarray:
    """Samples around ±threshold, many within a few float32 steps of it, plus non-finite ones."""
    rng = np.random.default_rng(seed)
    n, c = 400, mad.size
    thr = np.where(mad > 0, mad / SCALE, 1.0)  # the threshold in signal units
    x = rng.normal(0.0, 0.4, (n, c)) * thr
    edge = rng.random((n, c)) < 0.3
    steps = rng.integers(-3, 4, (n, c)).astype(np.float32)
    at = (thr * rng.choice([-1.0, 1.0], (n, c))).astype(np.float32)
    x = np.where(edge, at + steps * np.spacing(np.abs(at)), x).astype(np.float32)
    bad = rng.random((n, c)) < 0.01
    x[bad] = rng.choice(np.array([np.nan, np.inf, -np.inf], np.float32), int(bad.sum()))
    return x


def expected_fixed(x: np.ndarray, mad: np.ndarray, sign: str) -> tuple[np.ndarray, np.ndarray]:
    """bz and row flags for a fixed MAD, by definition."""
    fin = np.isfinite(x)
    live = fin & (mad > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        zp = signed(x, sign) * SCALE
        z = (zp / mad).astype(np.float32)
    keep = live & (zp > mad)
    bz = np.where(keep, z, np.where(live, np.float32(0.0), np.float32(np.nan)))
    flags = np.where((keep & (z > 1.0)).any(1), FLAG_PEAK, 0) | np.where(
        (~fin & (mad > 0)).any(1), FLAG_NAN, 0
    )
    return bz.astype(np.float32), flags.astype(np.uint8)


@pytest.mark.parametrize("sign", ["neg", "pos", "both"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fixed_ingest_stores_exact_z_where_it_can_pass_and_zero_below(sign: str, seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    mad = rng.uniform(1.0, 30.0, 8)
    mad[3] = 0.0  # an inactive channel
    x = near_threshold_block(mad, seed)
    n, c = x.shape
    want_bz, want_flags = expected_fixed(x, mad, sign)
    thr, zero = fixed_thresholds(mad, SCALE)
    # on active channels the float32 bound never excludes a sample the float64 test keeps
    with np.errstate(invalid="ignore"):
        kept64 = (signed(x, sign) * SCALE > mad) & (mad > 0)
        assert not np.any(kept64 & ~(signed(x, sign) > thr))
    pos = 5
    bx = np.full((n + 10, c), -7.0, np.float32)
    bz = bx.copy()
    flags = np.full(n + 10, 99, np.uint8)
    n_bad = ingest_fixed(x, bx, bz, flags, pos, SIGNS[sign], SCALE, mad, thr, zero)
    assert n_bad == int((~np.isfinite(x)).sum())
    np.testing.assert_array_equal(bx[pos : pos + n], x)
    np.testing.assert_array_equal(bz[pos : pos + n], want_bz)
    np.testing.assert_array_equal(flags[pos : pos + n], want_flags)
    assert np.all(bx[:pos] == -7.0) and np.all(flags[pos + n :] == 99)  # nothing else written
    # where 0 stands for z, the true z is at most 1: it compares with a candidate (z > 1) alike
    live = np.isfinite(x) & (mad > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (signed(x, sign) * SCALE / mad).astype(np.float32)
    placeholder = live & (bz[pos : pos + n] == 0.0)
    assert np.all(z[placeholder] <= 1.0)
    assert np.any(z[placeholder] == 1.0) or np.any(z[live & (z > 1.0)])  # the edge was probed


def reference_track(
    x: np.ndarray, med: np.ndarray, mad: np.ndarray, eta: float, up: float, down: float, sign: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tracker rule of neurolink.dsp.detect.noise, sample by sample; bz by definition."""
    med, mad = med.copy(), mad.copy()
    bz = np.empty(x.shape, np.float32)
    for t in range(x.shape[0]):
        bz[t], _ = expected_fixed(x[t : t + 1], mad, sign)
        for ch in range(x.shape[1]):
            v = float(x[t, ch])
            d = mad[ch]
            if not np.isfinite(v) or d <= 0.0:
                continue
            m = med[ch]
            if v > m:
                m += eta * d
            elif v < m:
                m -= eta * d
            med[ch] = m
            mad[ch] = d * (up if abs(v - m) > d else down)
    return bz, med, mad


@pytest.mark.parametrize("sign", ["neg", "both"])
def test_tracked_ingest_follows_the_tracker_rule_sample_by_sample(sign: str) -> None:
    rng = np.random.default_rng(7)
    mad0 = rng.uniform(1.0, 30.0, 6)
    mad0[2] = 0.0
    med0 = rng.normal(0.0, 1.0, 6)
    x = near_threshold_block(mad0, 3)[:200]
    eta, up, down = tracker_rates(0.002, 30_000.0)  # fast, so that the MAD moves visibly
    want_bz, want_med, want_mad = reference_track(x, med0, mad0, eta, up, down, sign)
    n, c = x.shape
    bx, bz = np.empty((n, c), np.float32), np.empty((n, c), np.float32)
    flags = np.empty(n, np.uint8)
    med, mad = med0.copy(), mad0.copy()
    _, zero = fixed_thresholds(mad0, SCALE)
    n_bad = ingest_track(
        x, bx, bz, flags, 0, SIGNS[sign], SCALE, med, mad, eta, up, down, zero, np.empty(c)
    )
    assert n_bad == int((~np.isfinite(x)).sum())
    assert not np.allclose(mad, mad0)  # the tracker moved
    np.testing.assert_array_equal(med, want_med)
    np.testing.assert_array_equal(mad, want_mad)
    np.testing.assert_array_equal(bz, want_bz)
    assert np.array_equal((flags & FLAG_PEAK) > 0, (want_bz > 1.0).any(1))
    nan_active = (~np.isfinite(x) & (mad0 > 0)).any(1)
    assert np.array_equal((flags & FLAG_NAN) > 0, nan_active)
