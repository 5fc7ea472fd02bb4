"""The "hash": spikes of the many small distant units that every electrode hears.

Each electrode hears ``n`` distant units firing at a mean rate ``r``: a compound Poisson process
of ``Λ = n·r`` events per second, independent between channels. Each event is a spike of a
unit at distance ``d`` drawn uniformly in the volume of a shell ``[r_min, r_max]`` around the
tip (so ``p(d) ∝ d²``), with amplitude ``s · g(d)`` (the same fall-off law as the recorded units)
and a template picked from a bank of the same family. ``s`` is set so that the hash has the
stated rms on every channel (Campbell's theorem)::

    Var = (Λ / fs) · s² · E[g(d)²] · mean_j Σ_t w_j(t)²

This is the filtered-Poisson form of the hash: with hundreds of tiny units per electrode it is
near-Gaussian, as the background of real recordings is, at a cost proportional to the event
count. Real hash is partly shared between sites closer than ~100 µm (dense probes); this model
keeps channels independent, which is accurate for the 400 µm pitch of Utah arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from neurolink.sim.geometry import distance_gain
from neurolink.sim.waveforms import WaveformShape, make_waveforms

__all__ = ["DistantHash", "insert_hash", "make_distant_hash"]


@dataclass(frozen=True, slots=True, eq=False)
class DistantHash:
    """Parameters of the hash process (the same on every channel).

    Attributes
    ----------
    event_rate : float
        Events per second per channel, ``Λ`` (Hz); 0 when there is no hash.
    templates : numpy.ndarray of float32, shape (n_templates, length)
        Waveform bank (−1 at the trough).
    scale : float
        ``s`` (µV): an event at distance ``d`` has peak ``s · g(d)``.
    shell : (float, float)
        ``(r_min, r_max)`` of the distances (µm).
    d0 : float
        Fall-off distance (µm).
    rms : float
        Standard deviation the hash adds to every channel (µV).
    """

    event_rate: float
    templates: np.ndarray
    scale: float
    shell: tuple[float, float]
    d0: float
    rms: float

    def amplitudes(self, u: np.ndarray) -> np.ndarray:
        """Event amplitudes (µV, float32) from uniform draws ``u`` (distance by inverse CDF)."""
        r0, r1 = self.shell
        d = np.cbrt(r0**3 + u * (r1**3 - r0**3))
        return (self.scale * distance_gain(d, self.d0)).astype(np.float32)


def mean_square_gain(shell: tuple[float, float], d0: float) -> float:
    """``E[g(d)²]`` for ``d`` uniform in the volume of a shell (closed form).

    With ``x = d / d0``: ``∫ x² / (1 + x²)² dx = ½ (atan x − x / (1 + x²))``.
    """
    r0, r1 = shell
    if r1 <= r0:
        return float(distance_gain(r0, d0) ** 2)

    def prim(x: float) -> float:
        return 0.5 * (np.arctan(x) - x / (1.0 + x * x))

    return float(3.0 * d0**3 / (r1**3 - r0**3) * (prim(r1 / d0) - prim(r0 / d0)))


def make_distant_hash(
    rng: np.random.Generator,
    rms: float,
    fs: float,
    *,
    units_per_channel: int,
    rate: float,
    shell: tuple[float, float],
    d0: float,
    shape: WaveformShape,
    n_templates: int = 32,
) -> DistantHash:
    """Draw the template bank and scale the hash to ``rms``.

    Parameters
    ----------
    rng : numpy.random.Generator
    rms : float
        Standard deviation of the hash on every channel (µV); 0 for none.
    fs : float
        Sampling rate (Hz).
    units_per_channel : int
        Distant units each electrode hears.
    rate : float
        Their mean firing rate (Hz).
    shell : (float, float)
        Distance range (µm).
    d0 : float
        Fall-off distance (µm).
    shape : WaveformShape
        Template parameter ranges.
    n_templates : int
        Size of the template bank.

    Returns
    -------
    DistantHash
    """
    templates = make_waveforms(rng, n_templates, fs, shape)
    event_rate = units_per_channel * rate if rms > 0 else 0.0
    energy = float(np.mean(np.sum(templates.astype(np.float64) ** 2, axis=1)))
    if event_rate > 0:
        scale = rms / np.sqrt(event_rate / fs * mean_square_gain(shell, d0) * energy)
    else:
        scale, rms = 0.0, 0.0
    return DistantHash(float(event_rate), templates, float(scale), shell, d0, float(rms))


@numba.njit(nogil=True, cache=True)
def insert_hash(
    buf: np.ndarray,
    onsets: np.ndarray,
    channels: np.ndarray,
    amplitudes: np.ndarray,
    template_ids: np.ndarray,
    templates: np.ndarray,
) -> None:  # pragma: no cover - numba
    """Add each event's template on its channel, in the given order.

    Parameters
    ----------
    buf : numpy.ndarray of float32, shape (n + length, n_channels)
        Accumulator (µV).
    onsets : numpy.ndarray of int64, shape (n_events,)
        Row of each template's first sample.
    channels : numpy.ndarray of int32, shape (n_events,)
    amplitudes : numpy.ndarray of float32, shape (n_events,)
        Peak amplitude (µV).
    template_ids : numpy.ndarray of int32, shape (n_events,)
    templates : numpy.ndarray of float32, shape (n_templates, length)
    """
    length = templates.shape[1]
    for k in range(onsets.shape[0]):
        o = onsets[k]
        c = channels[k]
        a = amplitudes[k]
        t = template_ids[k]
        for j in range(length):
            w = templates[t, j]
            if w != 0.0:
                buf[o + j, c] += a * w
