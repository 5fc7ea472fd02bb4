"""numba kernels: tuned spike generation with dead time, and template insertion.

Both are deterministic given their random inputs and carried state, so a chunk can be cut
anywhere and the concatenation is bit-identical to one long run.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["hazard_probability", "insert_waveforms", "tuned_spikes"]


def hazard_probability(rate: np.ndarray, fs: float, dead_samples: int) -> np.ndarray:
    """Per-sample spike probability that yields ``rate`` despite the dead time.

    After a spike the unit is silent for ``R = dead_samples`` samples, then fires on each sample
    with probability ``p``: the inter-spike interval is ``R + Geometric(p)`` samples with mean
    ``R + 1/p``. Setting that mean to ``fs / rate`` gives ``p = x / (1 − R·x)`` with
    ``x = rate / fs`` (capped at 1), so the realised mean rate equals ``rate`` exactly for a
    constant rate (the usual dead-time loss ``r / (1 + r·τ)`` is compensated).

    Parameters
    ----------
    rate : numpy.ndarray, any shape
        Target rates (Hz), ≥ 0.
    fs : float
        Sampling rate (Hz).
    dead_samples : int
        ``R``.

    Returns
    -------
    numpy.ndarray of float64, same shape
    """
    x = np.asarray(rate, np.float64) / fs
    denom = 1.0 - dead_samples * x
    return np.where(denom > x, x / np.maximum(denom, 1e-300), 1.0)


@numba.njit(nogil=True, cache=True)
def tuned_spikes(
    velocity: np.ndarray,
    uniform: np.ndarray,
    baseline: np.ndarray,
    gain_x: np.ndarray,
    gain_y: np.ndarray,
    inv_fs: float,
    dead_samples: int,
    dead: np.ndarray,
    out_sample: np.ndarray,
    out_unit: np.ndarray,
) -> int:  # pragma: no cover - numba
    """Draw the spikes of cosine-tuned units for one chunk.

    ``rate_i(t) = max(0, baseline_i + gain_x_i·vx(t) + gain_y_i·vy(t))`` with
    ``gain = modulation · pd / v_max``; sample ``t`` fires when ``uniform[t, i] < p`` (see
    :func:`hazard_probability`) unless the unit is still refractory.

    Parameters
    ----------
    velocity : numpy.ndarray of float64, shape (n, 2)
        Intended velocity per sample.
    uniform : numpy.ndarray of float64, shape (n, n_units)
        Uniform [0, 1) draws.
    baseline, gain_x, gain_y : numpy.ndarray of float64, shape (n_units,)
        Tuning (Hz, Hz per velocity unit).
    inv_fs : float
        Sample period (s).
    dead_samples : int
        Samples blocked after each spike (``R``; minimum ISI is ``R + 1`` samples).
    dead : numpy.ndarray of int64, shape (n_units,)
        Remaining refractory samples per unit, carried across chunks (updated in place).
    out_sample, out_unit : numpy.ndarray of int64 / int32, shape (capacity,)
        Spike onsets (sample within the chunk) and unit ids, written in time order.

    Returns
    -------
    int
        Number of spikes written.
    """
    n, n_units = uniform.shape
    k = 0
    for t in range(n):
        vx = velocity[t, 0]
        vy = velocity[t, 1]
        for i in range(n_units):
            if dead[i] > 0:
                dead[i] -= 1
                continue
            rate = baseline[i] + gain_x[i] * vx + gain_y[i] * vy
            if rate <= 0.0:
                continue
            x = rate * inv_fs
            denom = 1.0 - dead_samples * x
            p = x / denom if denom > x else 1.0
            if uniform[t, i] < p:
                out_sample[k] = t
                out_unit[k] = i
                k += 1
                dead[i] = dead_samples
    return k


@numba.njit(nogil=True, cache=True)
def insert_waveforms(
    buf: np.ndarray,
    onsets: np.ndarray,
    sources: np.ndarray,
    waveforms: np.ndarray,
    gains: np.ndarray,
) -> None:  # pragma: no cover - numba
    """Add ``waveforms[s] ⊗ gains[s]`` to ``buf`` starting at each onset, in the given order.

    Parameters
    ----------
    buf : numpy.ndarray of float32, shape (n + length, n_channels)
        Accumulator (µV); rows past the chunk hold the tails carried into the next chunk.
    onsets : numpy.ndarray of int64, shape (n_spikes,)
        Row of each waveform's first sample.
    sources : numpy.ndarray of int32 / int64, shape (n_spikes,)
        Index into ``waveforms`` and ``gains``.
    waveforms : numpy.ndarray of float32, shape (n_sources, length)
    gains : numpy.ndarray of float32, shape (n_sources, n_channels)
        Peak amplitude per channel (µV).
    """
    length = waveforms.shape[1]
    n_ch = gains.shape[1]
    for k in range(onsets.shape[0]):
        o = onsets[k]
        s = sources[k]
        for j in range(length):
            w = waveforms[s, j]
            if w == 0.0:
                continue
            row = o + j
            for c in range(n_ch):
                buf[row, c] += w * gains[s, c]
