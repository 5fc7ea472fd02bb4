"""numba kernels: tuned spike generation with dead time, and template insertion.

The spiking rule of a tuned unit is the refractory Poisson unit of
:mod:`neurolink.models.point_process` (:func:`~neurolink.models.point_process.fires`); this module
adds the cosine tuning that computes its rate from the intended velocity.

Both are deterministic given their random inputs and carried state, so a chunk can be cut
anywhere and the concatenation is bit-identical to one long run.
"""

from __future__ import annotations

import numba
import numpy as np

from neurolink.models.point_process import fires

__all__ = ["insert_waveforms", "tuned_spikes"]


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
    :func:`neurolink.models.point_process.hazard_probability`) unless the unit is still
    refractory.

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
            if fires(rate, uniform[t, i], inv_fs, dead_samples):
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
