"""Random draws cut into fixed frames: the reproducibility contract of the simulator.

Every random number the stream needs is drawn from one ``numpy.random.Generator`` in frames of
:data:`FRAME_SAMPLES` samples, always whole and always in the same order (raw words for the
white noise and the pink drive, turned into normals by :mod:`neurolink.sim.ziggurat`; spike
uniforms; the hash events: counts per channel, onsets, distances, templates). None of it
depends on the intended velocity or on how callers cut the stream into chunks
(:mod:`neurolink.sim.background` serves chunks as views into the frames), nor on which thread
draws them. So the same seed gives bit-identical draws for any chunking, offline or live.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolink.sim.distant import DistantHash
from neurolink.sim.ziggurat import standard_normal_from_raw

__all__ = ["FRAME_SAMPLES", "Draws", "RandomFrames"]

#: Samples per frame of random draws (part of the reproducibility contract: changing it changes
#: every simulated stream).
FRAME_SAMPLES = 512
assert FRAME_SAMPLES < 2**15  # onsets are sorted as int16


@dataclass(frozen=True, slots=True)
class Draws:
    """The random inputs of one frame of ``n`` samples.

    Attributes
    ----------
    white, drive : numpy.ndarray of float32, shape (n, n_channels)
        Standard-normal draws for the white component and the pink filter input.
    uniform : numpy.ndarray of float64, shape (n, n_units)
        Uniform [0, 1) draws deciding the tuned units' spikes.
    hash_onset : numpy.ndarray of int64, shape (k,)
        Onsets of hash events, relative to the chunk start, sorted.
    hash_channel : numpy.ndarray of int32, shape (k,)
        Their channels (ascending within one onset).
    hash_amplitude : numpy.ndarray of float32, shape (k,)
        Their peak amplitudes (µV).
    hash_template : numpy.ndarray of int32, shape (k,)
        Their templates (index into the bank).
    """

    white: np.ndarray
    drive: np.ndarray
    uniform: np.ndarray
    hash_onset: np.ndarray
    hash_channel: np.ndarray
    hash_amplitude: np.ndarray
    hash_template: np.ndarray


class RandomFrames:
    """Draws the random inputs of consecutive whole frames of :data:`FRAME_SAMPLES` samples.

    Parameters
    ----------
    rng : numpy.random.Generator
        The stream's generator (consumed only here, by :meth:`draw`).
    n_channels, n_units : int
        Columns of the normal and uniform draws.
    hash : DistantHash
        The hash process (event rate, amplitude law, template bank).
    fs : float
        Sampling rate (Hz).
    """

    def __init__(
        self,
        rng: np.random.Generator,
        n_channels: int,
        n_units: int,
        hash: DistantHash,
        fs: float,
    ):
        self._rng = rng
        self._n_channels = n_channels
        self._n_units = n_units
        self._hash = hash
        self._hash_mean = hash.event_rate * FRAME_SAMPLES / fs

    def draw(self) -> Draws:
        """The draws of the next frame (``n = FRAME_SAMPLES``; hash onsets within the frame).

        Every call consumes the generator in the same order, so the k-th call returns the same
        values whoever calls it and whenever (one thread at a time).
        """
        rng, f, c = self._rng, FRAME_SAMPLES, self._n_channels
        words = rng.bit_generator.random_raw(f * c).view(np.uint32)  # 2·f·c words
        seed = int(rng.bit_generator.random_raw())
        normal = standard_normal_from_raw(words, seed).reshape(2, f, c)
        white, drive = normal[0], normal[1]
        uniform = rng.random((f, self._n_units))
        counts = rng.poisson(self._hash_mean, size=c)
        channel = np.repeat(np.arange(c, dtype=np.int32), counts)
        onset = rng.integers(0, f, size=channel.size, dtype=np.int64)
        u = rng.random(channel.size)
        template = rng.integers(0, self._hash.templates.shape[0], channel.size, dtype=np.int32)
        # Stable sort by onset (radix sort on int16): channels stay ascending within an onset.
        order = np.argsort(onset.astype(np.int16), kind="stable")
        return Draws(
            white, drive, uniform, onset[order], channel[order],
            self._hash.amplitudes(u[order]), template[order],
        )  # fmt: skip
