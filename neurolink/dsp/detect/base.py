"""The streaming peak detector: buffering with a margin, calibration, emission. Methods subclass it.

A detector receives filtered blocks and emits spikes (:data:`~neurolink.streams.SPIKE_DTYPE`).
Its output is identical whatever the block size, from one sample to the whole file:

* every sample is normalised as it arrives, ``z = s(x) / (k * noise)`` with ``s`` the sign map
  (neg: -x, pos: x, both: |x|) and the noise in force before the sample (:mod:`.noise`);
* a sample ``t`` is decided only once its whole neighbourhood ``[t - back, t + dead]`` (and the
  snippet ``[t - pre, t + post)``) has arrived, so spikes come out ``delay`` samples late
  (``delay = max(dead, post - 1)``) and a block edge never splits a decision;
* the last ``delay + lookback`` samples are kept for the next block
  (``lookback = max(back, pre)``).

Here ``dead`` is the dead time and ``back = max(dead, refractory)`` the look-back of a channel:
a peak is the largest sample of its channel within ``[t - back, t + dead]``. The longer look-back
(the refractory time, default 1.5 ms) exists because a causal band-pass filter turns a spike's
slow positive repolarisation into a second, smaller negative trough about 1–2 ms after the first
(up to 60 % of its depth at order 3, 40 % at order 2); with a symmetric ±1 ms window that trough
is a second detection of the same spike. The artefact always *follows* the spike, so only the
look-back is extended: the look-ahead, hence the latency, stays ``dead``. 1.5 ms is a cortical
neuron's absolute refractory period, so a unit's own next spike is (almost) never dropped; on
the simulated cortex it removes ~98 % of these second detections (1107 -> 25 in 15 s on 96
channels, order 2).

Detection starts at sample ``first + max(n_calibration, lookback)``: after the calibration window
(none when ``noise=`` is given) and once a full neighbourhood exists. The last ``delay`` samples of
a finished stream stay undecided.

Non-finite samples are skipped: they never give a spike, nor does any sample whose own-channel
window ``[t - back, t + dead]`` touches one; they are counted in ``n_invalid`` (values, as
``Block.n_invalid``). A gap (``first_index`` jumping forward) acts as non-finite samples, without
being counted.

Speed: the buffers, the per-channel state and the neighbour lists are allocated once
(:mod:`.buffer`); after calibration a block goes through one numba call (normalise and track the
noise, :mod:`.ingest`; then decide the rows whose neighbourhood is complete, :mod:`.scan`). The
speed work of issue 15 changed no spike: ``tests/dsp/test_detect_golden.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import ClassVar

import numpy as np

from neurolink.dsp.defaults import (
    CALIBRATION_S,
    DEAD_TIME_MS,
    DETECT_THRESHOLD,
    NOISE_TAU_S,
    PEAK_SIGN,
    REFRACTORY_MS,
)
from neurolink.dsp.detect.buffer import EMPTY_SPIKES, BlockBuffer
from neurolink.dsp.detect.noise import MAD_TO_SIGMA, tracker_rates
from neurolink.streams.block import Block

__all__ = ["PeakDetector", "PeakSign"]

_F32 = np.dtype(np.float32)


class PeakSign(StrEnum):
    """Which excursions count as peaks."""

    NEG = "neg"
    POS = "pos"
    BOTH = "both"


_SIGN_CODE = {PeakSign.NEG: -1, PeakSign.POS: 1, PeakSign.BOTH: 0}


class PeakDetector(BlockBuffer):
    """Base of the streaming detectors; a method is its neighbour lists (none: by channel).

    Parameters
    ----------
    n_channels : int
        Channels every block must have.
    fs : float
        Sampling rate (Hz).
    threshold : float
        ``k`` in ``k * noise``; must be > 0. Every default of this class is the loop's
        (:mod:`neurolink.dsp.defaults`).
    sign : {"neg", "pos", "both"}
        Peak polarity.
    dead_time_ms : float
        Dead time (ms): a peak is the largest sample within ``±dead`` on its channel; two peaks
        of one channel are always more than ``dead`` samples apart. Spikes are emitted ``dead``
        samples after their peak (or ``post - 1`` with a longer snippet).
    refractory_ms : float
        Refractory time (ms): a peak must also be larger than every sample of its channel within
        this time *before* it (the look-back is ``max(dead, refractory)``; 0 gives the symmetric
        ``±dead`` window). A peak following a larger one of its channel by less than this is
        dropped: the second trough a causal high-pass filter puts after a spike (1–1.8 ms later
        with a 300 Hz Butterworth), or a smaller spike of another unit. It costs no latency.
    calibration_s : float
        Length (s) of the calibration window at the start of the stream (ignored with ``noise``).
    noise : array_like of float, shape (n_channels,), optional
        Known noise level per channel (signal units, e.g. a previous ``detector.noise``); skips
        calibration and detection starts at once (after ``lookback`` samples).
    noise_tau_s : float or None
        Time constant (s) of the noise tracker; None keeps the calibrated noise fixed.
    snippet : tuple of int, optional
        ``(pre, post)``: after each :meth:`step`, :attr:`waveforms` holds the filtered samples
        ``[t - pre, t + post)`` of all channels around each emitted spike, float32 of shape
        ``(n_spikes, pre + post, n_channels)``; the peak is at index ``pre``.
    """

    method: ClassVar[str] = ""

    def __init__(
        self,
        n_channels: int,
        fs: float,
        *,
        threshold: float = DETECT_THRESHOLD,
        sign: PeakSign | str = PEAK_SIGN,
        dead_time_ms: float = DEAD_TIME_MS,
        refractory_ms: float = REFRACTORY_MS,
        calibration_s: float = CALIBRATION_S,
        noise: Sequence[float] | np.ndarray | None = None,
        noise_tau_s: float | None = NOISE_TAU_S,
        snippet: tuple[int, int] | None = None,
    ) -> None:
        if int(n_channels) != n_channels or n_channels < 1:
            raise ValueError(f"n_channels must be a positive integer, got {n_channels!r}")
        if not (np.isfinite(fs) and fs > 0):
            raise ValueError(f"fs must be a positive rate in Hz, got {fs!r}")
        if not (np.isfinite(threshold) and threshold > 0):
            raise ValueError(f"threshold k must be > 0 (threshold = k * noise), got {threshold!r}")
        try:
            self.sign = PeakSign(sign)
        except ValueError:
            raise ValueError(f"sign must be 'neg', 'pos' or 'both', got {sign!r}") from None
        if not dead_time_ms >= 0:
            raise ValueError(f"dead_time_ms must be >= 0, got {dead_time_ms!r}")
        if not refractory_ms >= 0:
            raise ValueError(f"refractory_ms must be >= 0, got {refractory_ms!r}")
        if noise_tau_s is not None and not noise_tau_s > 0:
            raise ValueError(f"noise_tau_s must be > 0 or None, got {noise_tau_s!r}")
        pre, post = (0, 0) if snippet is None else (int(snippet[0]), int(snippet[1]))
        if pre < 0 or post < 0 or (snippet is not None and pre + post < 1):
            raise ValueError(f"snippet must be (pre, post) with pre, post >= 0, got {snippet!r}")
        self.n_channels = int(n_channels)
        self.fs = float(fs)
        self.threshold = float(threshold)
        self.dead = round(dead_time_ms * 1e-3 * self.fs)
        self.back = max(self.dead, round(refractory_ms * 1e-3 * self.fs))
        self.snippet = None if snippet is None else (pre, post)
        self.delay = max(self.dead, post - 1)
        self.lookback = max(self.back, pre)
        self._offsets = np.arange(-pre, post)
        if noise is None:
            if not calibration_s > 0:
                raise ValueError(f"calibration_s must be > 0, got {calibration_s!r}")
            self.n_calibration = max(1, round(calibration_s * self.fs))
            self._noise0 = None
        else:
            nz = np.asarray(noise, dtype=np.float64).reshape(-1)
            if nz.shape != (self.n_channels,) or not np.all(np.isfinite(nz) & (nz > 0)):
                raise ValueError(
                    f"noise must hold {self.n_channels} finite values > 0, got {np.asarray(noise)}"
                )
            self.n_calibration = 0
            self._noise0 = nz
        self.noise_tau_s = noise_tau_s
        self._frozen = noise_tau_s is None
        self._scale = MAD_TO_SIGMA / self.threshold
        self._fparams = np.array([self._scale, *tracker_rates(noise_tau_s, self.fs)])
        self._sign_code = _SIGN_CODE[self.sign]
        self._allocate()
        self.waveforms: np.ndarray | None = None
        self.reset()

    # ----------------------------------------------------------------------------------- state
    def reset(self) -> None:
        """Forget everything (calibration included when it was not supplied)."""
        self._started = False
        self._first = 0
        self._next = 0
        self._base = 0
        self._rows = 0
        self._decided = 0
        self.n_invalid = 0
        self._med[:] = 0.0
        self._mad[:] = 0.0
        if self._noise0 is not None:
            self._mad[:] = self._noise0 * MAD_TO_SIGMA
            self._set_constants()
            self._calibrated = True
            self._cal = None
        else:
            self._calibrated = False
            self._cal = np.full((self.n_calibration, self.n_channels), np.nan, np.float32)
        self.waveforms = None if self.snippet is None else self._empty_waveforms()
        self._fast = self._calibrated and self.snippet is None  # step's one-call path

    @property
    def calibrated(self) -> bool:
        """True once the noise is known (calibration window complete, or ``noise=`` given)."""
        return self._calibrated

    @property
    def noise(self) -> np.ndarray:
        """Current noise level per channel, ``MAD / 0.6745`` (signal units), shape (n_channels,).

        NaN before calibration; 0 for an inactive channel.
        """
        if not self._calibrated:
            return np.full(self.n_channels, np.nan)
        return self._mad / MAD_TO_SIGMA

    @property
    def thresholds(self) -> np.ndarray:
        """Current threshold per channel, ``k * noise`` (signal units), shape (n_channels,)."""
        return self.threshold * self.noise

    @property
    def next_index(self) -> int:
        """Running index of the next sample the detector expects."""
        return self._next

    @property
    def complete_until(self) -> int:
        """Every spike with ``sample_index`` below this has been emitted (the delay's edge)."""
        return max(self._first, self._next - self.delay)

    @property
    def detect_start(self) -> int:
        """First sample index at which a spike can be detected."""
        return self._first + max(self.n_calibration, self.lookback)

    # ------------------------------------------------------------------------------------ step
    def step(self, x: Block | np.ndarray, start_index: int | None = None) -> np.ndarray:
        """Take one block of filtered samples and return the spikes decided by it.

        Parameters
        ----------
        x : Block or numpy.ndarray of float32, shape (n_samples, n_channels)
            Filtered samples. A Block gives its own ``first_index``.
        start_index : int, optional
            Running index of ``x[0]`` for a raw array (default: contiguous with the previous
            block, 0 for the first). A jump forward is a gap.

        Returns
        -------
        numpy.ndarray of SPIKE_DTYPE, shape (n_spikes,)
            Sorted by ``sample_index`` then ``channel``; ``amplitude`` is the filtered value at
            the peak (signed); ``unit`` is -1. The snippets, if asked for, are in
            :attr:`waveforms`.

        Raises
        ------
        ValueError
            Wrong channel count, or a start index before the next expected one.
        """
        if isinstance(x, Block):
            data, start = x.data, x.first_index
        else:
            data, start = x, start_index
        if data.ndim != 2 or data.shape[1] != self.n_channels:
            raise ValueError(
                f"{type(self).__name__} expects blocks of shape (n_samples, {self.n_channels}), "
                f"got {data.shape}: expected {self.n_channels} channels, got "
                f"{data.shape[1] if data.ndim == 2 else 'a non-2-D array'}"
            )
        if data.dtype is not _F32 or not data.flags.c_contiguous:
            data = np.ascontiguousarray(data, dtype=np.float32)
        if not self._started:
            s0 = 0 if start is None else int(start)
            self._started = True
            self._first = self._next = self._base = s0
            self._decided = self.detect_start
        elif start is not None and start < self._next:
            raise ValueError(
                f"{type(self).__name__}: block starts at sample {start}, before the next "
                f"expected sample {self._next}"
            )
        if self._fast and data.shape[0] <= self._chunk and (start is None or start == self._next):
            n = self._step_calibrated(data)  # the closed loop's case: one kernel call, no list
            return self._scratch[:n].copy() if n else EMPTY_SPIKES
        parts: list[np.ndarray] = []
        waves: list[np.ndarray] = []
        if start is not None and start > self._next:
            self._gap(int(start) - self._next, parts, waves)
        for i in range(0, data.shape[0], self._chunk):
            if self._calibrated:
                self._emit(self._step_calibrated(data[i : i + self._chunk]), parts, waves)
            else:
                self._push(data[i : i + self._chunk])
                self._decide(parts, waves)
        return self._collect(parts, waves)
