"""Spike-train agreement: firing rates and the van Rossum distance.

Spike trains are boolean rasters of shape (T, n) on a fixed step ``dt_ms``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.signal import lfilter

__all__ = ["firing_rates", "rate_error", "van_rossum_distance"]


def _raster(x: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a raster of shape (T, n), got {arr.shape}")
    return arr.astype(np.float64)


def firing_rates(spikes: ArrayLike, dt_ms: float) -> np.ndarray:
    """Mean firing rate per neuron.

    Parameters
    ----------
    spikes : array_like of bool, shape (T, n)
    dt_ms : float
        Step in milliseconds.

    Returns
    -------
    numpy.ndarray, float64, shape (n,)
        Rates in Hz.
    """
    s = _raster(spikes, "spikes")
    return s.sum(axis=0) / (max(s.shape[0], 1) * dt_ms * 1e-3)


def rate_error(reference: ArrayLike, test: ArrayLike, dt_ms: float) -> dict[str, float]:
    """Agreement of firing rates between two rasters of the same shape (T, n).

    Returns
    -------
    dict
        ``reference_hz`` and ``test_hz`` (population means, Hz), ``relative`` (difference of the
        population means over the reference mean; 0 when both are silent, inf when only the
        reference is), ``mean_abs_hz`` (mean over neurons of |Δrate|, Hz).
    """
    r_ref, r_test = firing_rates(reference, dt_ms), firing_rates(test, dt_ms)
    if r_ref.shape != r_test.shape:
        raise ValueError(f"rasters differ in neurons: {r_ref.shape} vs {r_test.shape}")
    m_ref, m_test = float(r_ref.mean()), float(r_test.mean())
    if m_ref > 0:
        rel = abs(m_test - m_ref) / m_ref
    else:
        rel = 0.0 if m_test == 0 else float("inf")
    return {
        "reference_hz": m_ref,
        "test_hz": m_test,
        "relative": rel,
        "mean_abs_hz": float(np.mean(np.abs(r_test - r_ref))),
    }


def van_rossum_distance(a: ArrayLike, b: ArrayLike, tau_ms: float, dt_ms: float) -> np.ndarray:
    """Van Rossum distance between spike trains, per neuron.

    Each train is filtered with a causal exponential kernel exp(−t/τ) (each spike adds 1);
    D² = (1/τ) ∫ (f_a − f_b)² dt, evaluated on the step grid. One unmatched spike gives
    D ≈ 1/√2 (exactly √(dt/τ / (1 − exp(−2 dt/τ))), which tends to 1/√2 for dt ≪ τ).

    Parameters
    ----------
    a, b : array_like of bool, shape (T, n)
    tau_ms, dt_ms : float
        Kernel time constant and step, in milliseconds.

    Returns
    -------
    numpy.ndarray, float64, shape (n,)
    """
    diff = _raster(a, "a") - _raster(b, "b")
    if np.shape(b) != np.shape(a):
        raise ValueError(f"rasters differ in shape: {np.shape(a)} vs {np.shape(b)}")
    if tau_ms <= 0 or dt_ms <= 0:
        raise ValueError("tau_ms and dt_ms must be > 0")
    keep = np.exp(-dt_ms / tau_ms)
    trace = lfilter([1.0], [1.0, -keep], diff, axis=0)  # f[t] = keep·f[t−1] + diff[t]
    # the trace decays beyond the last step; add that tail in closed form
    tail = trace[-1] ** 2 * keep**2 / (1.0 - keep**2) if len(trace) else 0.0
    return np.sqrt((np.sum(trace**2, axis=0) + tail) * dt_ms / tau_ms)
