"""Simulated cortex at chip resolution for the compiled-decoder tests and benchmark.

The simulated 96-channel cortex (60 cosine-tuned units, :mod:`neurolink.sim`) during center-out
reaches, its ground-truth spikes counted per channel and 1 ms chip step; the decoders are fitted
on 20 ms bins of the same counts (the sum of 20 steps), as in ``tests/decode``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tests.decode._data import center_out

FS = 2000.0
STEP_SAMPLES = 2  # 1 ms chip steps
BIN_STEPS = 20  # 20 ms bins


@dataclass(frozen=True)
class ChipReaching:
    """Counts per 1 ms step and per 20 ms bin, with the velocity of each bin.

    Attributes
    ----------
    steps : numpy.ndarray of int32, shape (n_steps, 96)
    bins : numpy.ndarray of int32, shape (n_bins, 96)
    pos, vel : numpy.ndarray of float64, shape (n_bins, 2)
    """

    steps: np.ndarray
    bins: np.ndarray
    pos: np.ndarray
    vel: np.ndarray

    @property
    def kin(self) -> np.ndarray:
        return np.hstack([self.pos, self.vel])


@lru_cache(maxsize=2)
def chip_reaching(duration_s: float, seed: int = 0) -> ChipReaching:
    """Simulate ``duration_s`` seconds (a multiple of 20 ms) of reaching."""
    from neurolink.dsp import bin_spikes
    from neurolink.sim import CortexConfig, CortexSimulator

    rng = np.random.default_rng(seed)
    pos, vel, _ = center_out(duration_s, FS, rng)
    sim = CortexSimulator(CortexConfig(fs=FS, hash_rms_uv=0.0), seed=seed)
    _, truth = sim.generate(pos.shape[0], vel, chunk=round(30 * FS))
    steps, _ = bin_spikes(truth, STEP_SAMPLES, sim.n_channels, stop=pos.shape[0], by="channel")
    width = STEP_SAMPLES * BIN_STEPS
    n_bins = steps.shape[0] // BIN_STEPS
    steps = steps[: n_bins * BIN_STEPS]
    bins = steps.reshape(n_bins, BIN_STEPS, -1).sum(axis=1).astype(np.int32)
    v = vel[: n_bins * width].reshape(n_bins, width, 2).mean(axis=1)
    end = np.arange(1, n_bins + 1) * width - 1
    return ChipReaching(steps.astype(np.int32), bins, pos[end], v)
