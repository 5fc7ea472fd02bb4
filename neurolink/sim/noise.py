"""Background noise: the streaming 1/f (pink) filter, its exact variance, and the mixers.

Pink noise uses Paul Kellett's "refined" filter (music-dsp archive, 1999): six leaky integrators
fed with white noise plus two direct terms. Designed at 44.1 kHz for ±0.05 dB of 1/f above
9.2 Hz; at another rate the same coefficients give 1/f above ``9.2 · fs / 44100`` Hz (≈ 6 Hz at
30 kHz) and a flat floor below. Its output variance is computed in closed form so the filter is
scaled to a stated rms, and its state starts from the stationary distribution so the very first
sample already has that rms.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "PINK_DIRECT",
    "PINK_GAIN",
    "PINK_POLE",
    "PINK_PREV",
    "add_units",
    "frame_background",
    "pink_stationary_state",
    "pink_unit_variance_scale",
]

#: Poles of the six leaky integrators (Kellett's refined pink filter).
PINK_POLE = np.array([0.99886, 0.99332, 0.96900, 0.86650, 0.55000, -0.7616])
#: Input gains of the six integrators.
PINK_GAIN = np.array([0.0555179, 0.0750759, 0.1538520, 0.3104856, 0.5329522, -0.0168980])
#: Gain of the direct (current-sample) term.
PINK_DIRECT = 0.5362
#: Gain of the one-sample-delayed term.
PINK_PREV = 0.115926


def _state_covariance() -> np.ndarray:
    """Stationary covariance of ``(b_0..b_5, w[n-1])`` for unit-variance white input."""
    p, g = PINK_POLE, PINK_GAIN
    cov = np.empty((7, 7))
    cov[:6, :6] = np.outer(g, g) / (1.0 - np.outer(p, p))
    cov[:6, 6] = cov[6, :6] = g  # b_j[n-1] = p_j b_j[n-2] + g_j w[n-1]
    cov[6, 6] = 1.0
    return cov


def pink_unit_variance_scale() -> float:
    """Factor that brings the filter output to unit variance for unit-variance white input.

    The output is ``y[n] = Σ_j b_j[n] + c1·w[n-1] + c0·w[n]``; its impulse response is
    ``h[0] = Σg + c0``, ``h[1] = Σ g p + c1``, ``h[n] = Σ g pⁿ`` (n ≥ 2), so
    ``Var y = Σ_jk g_j g_k / (1 − p_j p_k) + c0² + 2 c0 Σg + c1² + 2 c1 Σ g p``.

    Returns
    -------
    float
        ``1 / sqrt(Var y)``.
    """
    p, g = PINK_POLE, PINK_GAIN
    var = float(np.sum(np.outer(g, g) / (1.0 - np.outer(p, p))))
    var += PINK_DIRECT**2 + 2.0 * PINK_DIRECT * g.sum()
    var += PINK_PREV**2 + 2.0 * PINK_PREV * float(np.sum(g * p))
    return 1.0 / np.sqrt(var)


def pink_stationary_state(rng: np.random.Generator, n_channels: int) -> np.ndarray:
    """Draw the filter state of every channel from its stationary distribution.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_channels : int

    Returns
    -------
    numpy.ndarray of float64, shape (7, n_channels)
        Rows 0–5: the integrators; row 6: the previous white input sample.
    """
    chol = np.linalg.cholesky(_state_covariance())
    return np.ascontiguousarray(chol @ rng.standard_normal((7, n_channels)))


@numba.njit(nogil=True, cache=True)
def frame_background(
    white: np.ndarray,
    drive: np.ndarray,
    state: np.ndarray,
    white_rms: float,
    pink_scale: float,
    hash_buf: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - numba
    """Background of consecutive samples: white + pink + hash (nothing here depends on intent).

    Parameters
    ----------
    white, drive : numpy.ndarray of float32, shape (n, n_channels)
        Standard-normal draws: the white component and the pink filter's input.
    state : numpy.ndarray of float64, shape (7, n_channels)
        Pink filter state, updated in place (carried across calls).
    white_rms : float
        Rms of the white component (µV).
    pink_scale : float
        ``pink_rms × pink_unit_variance_scale()`` (µV).
    hash_buf : numpy.ndarray of float32, shape (>= n, n_channels)
        Summed hash waveforms (µV), every event starting at or before a row already added.
    out : numpy.ndarray of float32, shape (n, n_channels)
        Background (µV), written.
    """
    n, n_ch = out.shape
    p0, p1, p2, p3, p4, p5 = PINK_POLE[0], PINK_POLE[1], PINK_POLE[2], PINK_POLE[3], \
        PINK_POLE[4], PINK_POLE[5]  # fmt: skip
    g0, g1, g2, g3, g4, g5 = PINK_GAIN[0], PINK_GAIN[1], PINK_GAIN[2], PINK_GAIN[3], \
        PINK_GAIN[4], PINK_GAIN[5]  # fmt: skip
    for t in range(n):
        for c in range(n_ch):
            x = np.float64(drive[t, c])
            b0 = p0 * state[0, c] + g0 * x
            b1 = p1 * state[1, c] + g1 * x
            b2 = p2 * state[2, c] + g2 * x
            b3 = p3 * state[3, c] + g3 * x
            b4 = p4 * state[4, c] + g4 * x
            b5 = p5 * state[5, c] + g5 * x
            pink = b0 + b1 + b2 + b3 + b4 + b5 + PINK_PREV * state[6, c] + PINK_DIRECT * x
            state[0, c] = b0
            state[1, c] = b1
            state[2, c] = b2
            state[3, c] = b3
            state[4, c] = b4
            state[5, c] = b5
            state[6, c] = x
            noise = np.float32(white_rms * np.float64(white[t, c]) + pink_scale * pink)
            out[t, c] = noise + hash_buf[t, c]  # float32 + float32


@numba.njit(nogil=True, cache=True)
def add_units(
    background: np.ndarray,
    unit_buf: np.ndarray,
    out: np.ndarray,
    bg_sum: np.ndarray,
    bg_sumsq: np.ndarray,
) -> None:  # pragma: no cover - numba
    """Output of consecutive samples: background + tuned units, and the background's sums.

    Parameters
    ----------
    background : numpy.ndarray of float32, shape (n, n_channels)
        From :func:`frame_background` (µV).
    unit_buf : numpy.ndarray of float32, shape (>= n, n_channels)
        Summed waveforms of the tuned units (µV).
    out : numpy.ndarray of float32, shape (n, n_channels)
        Output voltage (µV), written.
    bg_sum, bg_sumsq : numpy.ndarray of float64, shape (n_channels,)
        Running sums of the background and of its square, updated in place, sample by sample.
    """
    n, n_ch = out.shape
    for t in range(n):
        for c in range(n_ch):
            bg = background[t, c]
            bg64 = np.float64(bg)
            bg_sum[c] += bg64
            bg_sumsq[c] += bg64 * bg64
            out[t, c] = bg + unit_buf[t, c]  # float32 + float32
