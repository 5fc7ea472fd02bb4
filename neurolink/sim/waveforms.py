"""Parametric extracellular spike waveforms.

A template is the sum of three Gaussian bumps, in milliseconds relative to the trough:

    w(t) = a0·G(t + t0; s0) − T(t) + r·G(t − δ; s2)

with ``T`` an asymmetric Gaussian trough (rise width ``s_rise`` before 0, fall width ``s_fall``
after), a slower positive repolarisation lobe of relative height ``r`` whose peak lies ``δ`` after
the trough (the trough-to-peak time), and an optional small positive pre-trough bump. Templates
are sampled so that their minimum falls exactly on sample ``pre``, normalised to ``−1`` there,
and tapered to zero at both ends.

Default ranges follow cortical recordings: trough-to-peak 0.25–0.65 ms spans narrow (fast-spiking)
and broad (regular-spiking) units (Barthó et al. 2004, J Neurophysiol 92:600), with the positive
phase 15–50 % of the trough (Gold et al. 2006, J Neurophysiol 95:3113).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["WaveformShape", "make_waveforms", "template_length"]


@dataclass(frozen=True, slots=True)
class WaveformShape:
    """Ranges (uniform draws) of the template parameters; times in ms.

    Attributes
    ----------
    rise : (float, float)
        Gaussian width of the falling edge into the trough (ms).
    fall : (float, float)
        Gaussian width of the trough's recovery (ms).
    trough_to_peak : (float, float)
        Time from trough to the repolarisation peak (ms).
    repol_width : (float, float)
        Gaussian width of the repolarisation lobe (ms).
    repol_ratio : (float, float)
        Height of the repolarisation peak relative to the trough depth.
    pre_bump : (float, float)
        Height of the pre-trough positive bump relative to the trough depth.
    pre_ms, post_ms : float
        Template extent before and after the trough (ms).
    """

    rise: tuple[float, float] = (0.06, 0.12)
    fall: tuple[float, float] = (0.08, 0.16)
    trough_to_peak: tuple[float, float] = (0.25, 0.65)
    repol_width: tuple[float, float] = (0.18, 0.35)
    repol_ratio: tuple[float, float] = (0.15, 0.5)
    pre_bump: tuple[float, float] = (0.0, 0.1)
    pre_ms: float = 0.5
    post_ms: float = 1.5


def template_length(fs: float, shape: WaveformShape) -> tuple[int, int]:
    """Samples before the trough and total template length at ``fs``.

    Parameters
    ----------
    fs : float
        Sampling rate (Hz).
    shape : WaveformShape

    Returns
    -------
    (int, int)
        ``pre`` (index of the trough) and ``length`` (samples).
    """
    pre = round(shape.pre_ms * 1e-3 * fs)
    post = round(shape.post_ms * 1e-3 * fs)
    return pre, pre + post


def _shape(t: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate the template family at times ``t`` (ms), broadcasting over units."""
    width = np.where(t < 0, p["rise"], p["fall"])
    trough = np.exp(-0.5 * (t / width) ** 2)
    repol = p["repol_ratio"] * np.exp(-0.5 * ((t - p["trough_to_peak"]) / p["repol_width"]) ** 2)
    bump = p["pre_bump"] * np.exp(-0.5 * ((t + 2.0 * p["rise"]) / (0.8 * p["rise"])) ** 2)
    return bump - trough + repol


def _taper(length: int, n_head: int, n_tail: int) -> np.ndarray:
    win = np.ones(length)
    if n_head > 0:
        win[:n_head] = 0.5 - 0.5 * np.cos(np.pi * np.arange(n_head) / n_head)
    if n_tail > 0:
        win[length - n_tail :] = 0.5 + 0.5 * np.cos(np.pi * (np.arange(n_tail) + 1) / n_tail)
    return win


def make_waveforms(
    rng: np.random.Generator, n_units: int, fs: float, shape: WaveformShape
) -> np.ndarray:
    """Draw ``n_units`` distinct templates.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_units : int
        Number of templates.
    fs : float
        Sampling rate (Hz).
    shape : WaveformShape
        Parameter ranges.

    Returns
    -------
    numpy.ndarray of float32, shape (n_units, length)
        Unit-free templates, ``-1`` at sample ``pre`` (their minimum), 0 at both ends; ``pre``
        and ``length`` as given by :func:`template_length`.
    """
    names = ("rise", "fall", "trough_to_peak", "repol_width", "repol_ratio", "pre_bump")
    p = {k: rng.uniform(*getattr(shape, k), size=(n_units, 1)) for k in names}
    pre, length = template_length(fs, shape)
    # Locate the continuous minimum (the repolarisation lobe pulls it slightly early) on a
    # fine grid, then sample so that it lands exactly on sample ``pre``.
    fine = np.linspace(-0.1, 0.1, 401)[None, :]
    t_min = fine[0, np.argmin(_shape(fine, p), axis=1)][:, None]
    t = (np.arange(length)[None, :] - pre) * (1e3 / fs) + t_min
    w = _shape(t, p)
    w *= _taper(length, max(1, pre // 5), max(1, (length - pre) // 5))[None, :]
    w /= -w[:, pre : pre + 1]
    return np.ascontiguousarray(w, dtype=np.float32)
