"""Locally exclusive detection: one detection per spike across neighbouring channels.

As SpikeInterface's ``locally_exclusive`` method, with values normalised per channel: a channel
peak (see :mod:`.by_channel`; its own channel is read over ``[t - back, t + dead]``) at
``(t, c)`` with normalised value ``v = s(x) / (k * noise_c)`` is kept only if no channel ``c'``
within ``radius_um`` of ``c`` holds a value ``z[s, c'] > v`` for any ``s`` in
``[t - dead, t + dead]``. Comparing in units of each channel's own threshold lets a
quiet channel win over a noisy one with a larger raw excursion. Ties are broken by the earliest
sample, then the lowest channel, so the result is deterministic and block-independent.

The comparison is with every neighbour sample in the window (as in SpikeInterface), not only with
the neighbours' peaks: a neighbour rising towards a larger peak just outside the window also
suppresses. Non-finite neighbour values and inactive neighbours never suppress. The kernels are in
:mod:`.scan`; this method only builds the neighbour lists, once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from neurolink.dsp.defaults import (
    CALIBRATION_S,
    DEAD_TIME_MS,
    DETECT_THRESHOLD,
    NOISE_TAU_S,
    PEAK_SIGN,
    REFRACTORY_MS,
)
from neurolink.dsp.detect.base import PeakDetector, PeakSign

__all__ = ["LocallyExclusiveDetector", "neighbours_within"]


def neighbours_within(positions: np.ndarray, radius_um: float) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour lists of every channel, as compressed rows.

    Parameters
    ----------
    positions : numpy.ndarray of float, shape (n_channels, 2)
        Contact positions (µm).
    radius_um : float
        Channels at a distance ``<= radius_um`` are neighbours (a channel is not its own).

    Returns
    -------
    indptr : numpy.ndarray of int64, shape (n_channels + 1,)
    indices : numpy.ndarray of int64, shape (n_pairs,)
        Neighbours of channel ``c`` are ``indices[indptr[c]:indptr[c + 1]]``, ascending.
    """
    d = np.sqrt(((positions[:, None, :] - positions[None, :, :]) ** 2).sum(-1))
    adj = d <= radius_um
    np.fill_diagonal(adj, False)
    indptr = np.concatenate([[0], np.cumsum(adj.sum(1))]).astype(np.int64)
    indices = np.nonzero(adj)[1].astype(np.int64)
    return indptr, indices


class LocallyExclusiveDetector(PeakDetector):
    """Peak detection that keeps, within a radius, only the largest peak relative to threshold.

    Parameters
    ----------
    n_channels : int
        Channels every block must have.
    fs : float
        Sampling rate (Hz).
    positions : array_like of float, shape (n_channels, 2)
        Contact positions (µm).
    radius_um : float
        Exclusion radius (µm); channels at a distance ``<= radius_um`` are neighbours. It should
        be the distance over which one unit is seen on several channels: ~50–100 µm on a dense
        probe; below the pitch on a Utah array (400 µm), where a unit is seen on one electrode
        and a radius of one pitch would only let neighbouring units' coincident spikes suppress
        each other (on the simulated cortex: recall of SNR >= 5 units 0.98 -> 0.94).
    threshold, sign, dead_time_ms, refractory_ms, calibration_s, noise, noise_tau_s, snippet
        As in :class:`~neurolink.dsp.detect.base.PeakDetector`.
    """

    method = "locally_exclusive"

    def __init__(
        self,
        n_channels: int,
        fs: float,
        *,
        positions: Sequence[Sequence[float]] | np.ndarray,
        radius_um: float = 50.0,
        threshold: float = DETECT_THRESHOLD,
        sign: PeakSign | str = PEAK_SIGN,
        dead_time_ms: float = DEAD_TIME_MS,
        refractory_ms: float = REFRACTORY_MS,
        calibration_s: float = CALIBRATION_S,
        noise: Sequence[float] | np.ndarray | None = None,
        noise_tau_s: float | None = NOISE_TAU_S,
        snippet: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(
            n_channels,
            fs,
            threshold=threshold,
            sign=sign,
            dead_time_ms=dead_time_ms,
            refractory_ms=refractory_ms,
            calibration_s=calibration_s,
            noise=noise,
            noise_tau_s=noise_tau_s,
            snippet=snippet,
        )
        pos = np.asarray(positions, dtype=np.float64)
        if pos.shape != (self.n_channels, 2) or not np.all(np.isfinite(pos)):
            raise ValueError(
                f"positions must be finite with shape ({self.n_channels}, 2) in µm, "
                f"got shape {pos.shape}"
            )
        if not (np.isfinite(radius_um) and radius_um >= 0):
            raise ValueError(f"radius_um must be >= 0, got {radius_um!r}")
        self.positions = pos
        self.radius_um = float(radius_um)
        self._neighbours(*neighbours_within(pos, self.radius_um))
