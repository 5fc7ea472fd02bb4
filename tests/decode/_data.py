"""Test data for the decoders: center-out-like movements, cosine-tuned Poisson counts, EEG epochs.

``simulated_reaching`` drives the simulated cortex of :mod:`neurolink.sim` (96-channel Utah
array) with the intended velocity of a center-out task and bins its ground-truth spikes per
channel (threshold-crossing-like multi-unit counts; channels without a unit stay empty).
``cosine_counts`` is a light in-test generator of cosine-tuned Poisson counts for fast checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BIN_S = 0.02


@dataclass(frozen=True)
class Reaching:
    """Binned counts with kinematics.

    Attributes
    ----------
    counts : numpy.ndarray of int32, shape (n_bins, n_channels)
    pos, vel : numpy.ndarray of float64, shape (n_bins, 2)
        Position (units) at the bin's end and mean velocity (units/s) over the bin.
    targets : numpy.ndarray of float64, shape (n_bins, 2)
        Target of the current movement.
    channels : tuple of str
    """

    counts: np.ndarray
    pos: np.ndarray
    vel: np.ndarray
    targets: np.ndarray
    channels: tuple[str, ...]

    @property
    def kin(self) -> np.ndarray:
        """``[pos, vel]``, shape (n_bins, 4)."""
        return np.hstack([self.pos, self.vel])


def center_out(
    duration_s: float, fs: float, rng: np.random.Generator, radius: float = 0.3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Center-out-and-back reaches to 8 targets with minimum-jerk profiles.

    Returns
    -------
    pos, vel, target : numpy.ndarray of float64, shape (n, 2) each, n = duration_s · fs
        Position, velocity (units/s) and current target, sampled at ``fs``.
    """
    n = round(duration_s * fs)
    pos = np.zeros((n, 2))
    tgt = np.zeros((n, 2))
    t, here = 0, np.zeros(2)
    angles = 2 * np.pi * np.arange(8) / 8
    while t < n:
        goal = radius * np.array([np.cos(a := rng.choice(angles)), np.sin(a)])
        for dest in (goal, np.zeros(2)):
            hold = min(round(rng.uniform(0.2, 0.5) * fs), n - t)
            pos[t : t + hold] = here
            tgt[t : t + hold] = dest
            t += hold
            m = round(rng.uniform(0.45, 0.75) * fs)
            s = np.arange(1, m + 1) / m
            shape = 10 * s**3 - 15 * s**4 + 6 * s**5  # minimum jerk
            seg = here + shape[:, None] * (dest - here)
            k = min(m, n - t)
            pos[t : t + k] = seg[:k]
            tgt[t : t + k] = dest
            t += k
            here = dest
            if t >= n:
                break
    vel = np.gradient(pos, 1.0 / fs, axis=0)
    return pos, vel, tgt


def simulated_reaching(duration_s: float, seed: int = 0, fs: float = 2000.0) -> Reaching:
    """Counts of the simulated 96-channel cortex during center-out movements (20 ms bins)."""
    from neurolink.dsp import bin_spikes
    from neurolink.sim import CortexConfig, CortexSimulator

    rng = np.random.default_rng(seed)
    pos, vel, tgt = center_out(duration_s, fs, rng)
    sim = CortexSimulator(CortexConfig(fs=fs, hash_rms_uv=0.0), seed=seed)
    _, truth = sim.generate(pos.shape[0], vel, chunk=round(30 * fs))
    width = round(BIN_S * fs)
    counts, _ = bin_spikes(truth, width, sim.n_channels, stop=pos.shape[0], by="channel")
    n_bins = counts.shape[0]
    v = vel[: n_bins * width].reshape(n_bins, width, 2).mean(axis=1)
    end = np.arange(1, n_bins + 1) * width - 1
    return Reaching(counts, pos[end], v, tgt[end], sim.channel_names)


def cosine_counts(
    n_bins: int, n_units: int = 30, seed: int = 0, n_dims: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson counts of cosine-tuned units driven by a smooth random velocity (20 ms bins).

    Returns
    -------
    counts : numpy.ndarray of int32, shape (n_bins, n_units)
    vel : numpy.ndarray of float64, shape (n_bins, n_dims)
    """
    from scipy.ndimage import gaussian_filter1d

    rng = np.random.default_rng(seed)
    vel = gaussian_filter1d(rng.normal(size=(n_bins, n_dims)), 8, axis=0) * 3.0
    pd = rng.normal(size=(n_units, n_dims))
    pd /= np.linalg.norm(pd, axis=1, keepdims=True)
    base = rng.uniform(5, 20, n_units)
    depth = rng.uniform(5, 30, n_units)
    rates = np.maximum(base + depth * (vel @ pd.T), 0.0)
    return rng.poisson(rates * BIN_S).astype(np.int32), vel


def synthetic_epochs(
    n_trials: int = 40,
    seed: int = 0,
    fs: float = 128.0,
    n_channels: int = 8,
    duration_s: float = 3.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-class EEG-like epochs: a 10 Hz and a 20 Hz source whose power depends on the class.

    Class ``"T1"`` has a strong 10 Hz and a weak 20 Hz source, ``"T2"`` the reverse; each source
    reaches the channels through a fixed random mixing, under unit white noise (µV).

    Returns
    -------
    X : numpy.ndarray of float64, shape (n_trials, n_samples, n_channels)
    y : numpy.ndarray of str, shape (n_trials,)
    """
    rng = np.random.default_rng(seed)
    mix = np.random.default_rng(12345).normal(size=(2, n_channels))
    n = round(duration_s * fs)
    t = np.arange(n) / fs
    y = np.array(["T1", "T2"] * (n_trials // 2) + ["T1"] * (n_trials % 2))
    X = rng.normal(size=(n_trials, n, n_channels))
    for k, label in enumerate(y):
        amp = (2.0, 0.7) if label == "T1" else (0.7, 2.0)
        s10 = amp[0] * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 2 * np.pi))
        s20 = amp[1] * np.sin(2 * np.pi * 20 * t + rng.uniform(0, 2 * np.pi))
        X[k] += np.outer(s10, mix[0]) + np.outer(s20, mix[1])
    return X, y
