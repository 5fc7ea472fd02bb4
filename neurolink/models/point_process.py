"""Point-process spiking units: a Poisson process with an absolute refractory period.

A unit driven by a rate ``r(t)`` (Hz), sampled at ``fs``: after each spike it is silent for
``R`` samples (the dead time), then fires on each sample with probability ``p``, so that the
inter-spike interval is ``R + Geometric(p)`` samples with mean ``R + 1/p``. Setting that mean to
``fs / r`` gives the hazard::

    p = x / (1 − R·x),   x = r / fs        (1 when x ≥ 1 − R·x: the unit fires at every chance)

so the realised mean rate equals ``r`` exactly for a constant rate below ``fs / (R + 1)`` (the
usual dead-time loss ``r / (1 + r·τ)`` is compensated). The shortest interval is ``R + 1``
samples, ``R = ceil(refractory_s · fs) − 1``.

Unlike the models of :mod:`neurolink.models.dynamics` there is no membrane: the rate is the
model's input. The simulated cortex (:mod:`neurolink.sim`) draws its tuned units' spikes with
:func:`fires`, inside its own numba loop that computes the tuned rates; :meth:`RefractoryPoisson.
sample` runs the same rule over a given rate array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from neurolink.models.dynamics.params import ModelError

__all__ = ["RefractoryPoisson", "fires", "hazard_probability"]


def hazard_probability(rate: np.ndarray, fs: float, dead_samples: int) -> np.ndarray:
    """Per-sample spike probability that yields ``rate`` despite the dead time.

    Parameters
    ----------
    rate : numpy.ndarray, any shape
        Target rates (Hz), ≥ 0.
    fs : float
        Sampling rate (Hz).
    dead_samples : int
        ``R``, samples blocked after each spike.

    Returns
    -------
    numpy.ndarray of float64, same shape
        ``p = x / (1 − R·x)`` with ``x = rate / fs``, or 1 where that is not below 1.
    """
    x = np.asarray(rate, np.float64) / fs
    denom = 1.0 - dead_samples * x
    return np.where(denom > x, x / np.maximum(denom, 1e-300), 1.0)


@njit(nogil=True, cache=True)
def fires(rate: float, uniform: float, inv_fs: float, dead_samples: int) -> bool:
    """Whether a unit out of its dead time fires on this sample.

    Parameters
    ----------
    rate : float
        Rate (Hz) at this sample; ≤ 0 never fires.
    uniform : float
        A uniform [0, 1) draw for this unit and sample.
    inv_fs : float
        Sample period (s).
    dead_samples : int
        ``R`` (see :func:`hazard_probability`, of which this is the scalar form).

    Returns
    -------
    bool
        ``uniform < p``. The caller then blocks the unit for ``R`` samples.
    """
    if rate <= 0.0:
        return False
    x = rate * inv_fs
    denom = 1.0 - dead_samples * x
    p = x / denom if denom > x else 1.0
    return uniform < p


@njit(nogil=True, cache=True)
def _run(
    rate: np.ndarray, uniform: np.ndarray, inv_fs: float, dead_samples: int, dead: np.ndarray
) -> np.ndarray:  # pragma: no cover - numba
    n, n_units = rate.shape
    out = np.zeros((n, n_units), np.bool_)
    for t in range(n):
        for i in range(n_units):
            if dead[i] > 0:
                dead[i] -= 1
                continue
            if fires(rate[t, i], uniform[t, i], inv_fs, dead_samples):
                out[t, i] = True
                dead[i] = dead_samples
    return out


@dataclass(frozen=True)
class RefractoryPoisson:
    """Poisson spiking with an absolute refractory period, rate-compensated.

    Parameters
    ----------
    refractory_s : float
        Absolute refractory period (s), > 0; the shortest inter-spike interval is
        ``ceil(refractory_s · fs)`` samples.
    """

    refractory_s: float = 1.5e-3

    def __post_init__(self) -> None:
        if not (np.isfinite(self.refractory_s) and self.refractory_s > 0):
            raise ModelError(
                f"RefractoryPoisson.refractory_s must be > 0 s, got {self.refractory_s!r}"
            )

    def dead_samples(self, fs: float) -> int:
        """``R``: samples a unit is blocked after a spike at sampling rate ``fs`` (Hz)."""
        if not (np.isfinite(fs) and fs > 0):
            raise ModelError(f"RefractoryPoisson: fs must be > 0 Hz, got {fs!r}")
        return max(0, int(np.ceil(self.refractory_s * fs - 1e-9)) - 1)

    def min_isi_samples(self, fs: float) -> int:
        """Shortest inter-spike interval (samples), ``R + 1``."""
        return self.dead_samples(fs) + 1

    def hazard(self, rate: np.ndarray, fs: float) -> np.ndarray:
        """Per-sample firing probability out of the dead time (see :func:`hazard_probability`).

        Parameters
        ----------
        rate : numpy.ndarray, any shape
            Rates (Hz).
        fs : float
            Sampling rate (Hz).

        Returns
        -------
        numpy.ndarray of float64, same shape
        """
        return hazard_probability(rate, fs, self.dead_samples(fs))

    def sample(
        self,
        rate: np.ndarray,
        fs: float,
        rng: np.random.Generator | int | None = None,
        *,
        dead: np.ndarray | None = None,
    ) -> np.ndarray:
        """Draw spike trains for given rates.

        Parameters
        ----------
        rate : array_like of float, shape (n_samples, n_units)
            Rate of each unit at each sample (Hz).
        fs : float
            Sampling rate (Hz).
        rng : numpy.random.Generator or int, optional
            Source of the uniform draws (one per unit and sample, row by row).
        dead : numpy.ndarray of int64, shape (n_units,), optional
            Remaining dead samples per unit, updated in place (to continue a train in chunks);
            default all units free.

        Returns
        -------
        numpy.ndarray of bool, shape (n_samples, n_units)
            True where a unit spiked.
        """
        r = np.ascontiguousarray(rate, dtype=np.float64)
        if r.ndim != 2 or not np.all(np.isfinite(r)):
            raise ModelError(
                f"RefractoryPoisson.sample: rate must be finite with shape (n_samples, n_units), "
                f"got shape {r.shape}"
            )
        if dead is None:
            dead = np.zeros(r.shape[1], np.int64)
        elif dead.shape != (r.shape[1],) or dead.dtype != np.int64:
            raise ModelError(
                f"RefractoryPoisson.sample: dead must be int64 of shape ({r.shape[1]},), "
                f"got {dead.dtype} {dead.shape}"
            )
        uniform = np.random.default_rng(rng).random(r.shape)
        return _run(r, uniform, 1.0 / fs, self.dead_samples(fs), dead)
