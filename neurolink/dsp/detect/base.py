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
from neurolink.dsp.detect.ingest import FLAG_NAN, fixed_thresholds, ingest_raw, normalize_rows
from neurolink.dsp.detect.noise import MAD_TO_SIGMA, calibrate_mad, tracker_rates
from neurolink.dsp.detect.scan import ingest_scan, scan_peaks
from neurolink.streams.block import Block
from neurolink.streams.events import SPIKE_DTYPE

__all__ = ["PeakDetector", "PeakSign"]

_EMPTY = np.empty(0, SPIKE_DTYPE)
_EMPTY.flags.writeable = False
_F32 = np.dtype(np.float32)


class PeakSign(StrEnum):
    """Which excursions count as peaks."""

    NEG = "neg"
    POS = "pos"
    BOTH = "both"


_SIGN_CODE = {PeakSign.NEG: -1, PeakSign.POS: 1, PeakSign.BOTH: 0}


class PeakDetector:
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
        # everything a block needs is allocated here, once; a long block is taken in chunks of
        # rows small enough for both buffers (2 x 256 KiB) to stay in a core's L2 cache
        self._chunk = max(256, (1 << 16) // self.n_channels)
        cap = self._chunk + self.delay + self.lookback + 1
        self._bx = np.empty((cap, self.n_channels), np.float32)
        self._bz = np.empty((cap, self.n_channels), np.float32)
        self._flags = np.zeros(cap, np.uint8)  # row flags (.ingest): the rows a scan visits
        # one array each (rows of one 2-D array would keep numba from vectorising the kernels)
        self._med, self._mad, self._prev = (np.zeros(self.n_channels) for _ in range(3))
        self._thr, self._zero = (np.zeros(self.n_channels, np.float32) for _ in range(2))
        self._cap = cap
        self._scratch = np.empty(0, SPIKE_DTYPE)
        # neighbour lists (scan.scan_peaks); a method with neighbours sets them with _neighbours
        self._indptr = np.zeros(self.n_channels + 1, np.int64)
        self._indices = np.zeros(0, np.int64)
        self._fit_scratch(self._chunk + self.delay)
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
            return self._scratch[:n].copy() if n else _EMPTY
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

    # ----------------------------------------------------------------------------- internals
    def _empty_waveforms(self) -> np.ndarray:
        return np.empty((0, self._offsets.size, self.n_channels), np.float32)

    def _collect(self, parts: list[np.ndarray], waves: list[np.ndarray]) -> np.ndarray:
        if self.snippet is not None:
            self.waveforms = (
                self._empty_waveforms()
                if not waves
                else (waves[0] if len(waves) == 1 else np.concatenate(waves))
            )
        if not parts:
            return _EMPTY
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _reserve(self, n: int) -> int:
        """Make room for ``n`` rows (n <= chunk); return the row where they go."""
        if self._rows + n > self._bx.shape[0]:
            # rows before the lookback of the first undecided sample are no longer needed
            keep_from = min(self._next, max(self._base, self._decided - self.lookback))
            k = keep_from - self._base
            kept = self._rows - k
            if kept > 0 and k > 0:
                self._bx[:kept] = self._bx[k : self._rows]
                self._bz[:kept] = self._bz[k : self._rows]
                self._flags[:kept] = self._flags[k : self._rows]
            self._base = keep_from
            self._rows = kept
        return self._rows

    def _push(self, data: np.ndarray | None, n_gap: int = 0) -> None:
        """Append samples (or ``n_gap`` NaN gap rows when ``data`` is None), splitting at the end
        of calibration."""
        n = data.shape[0] if data is not None else n_gap
        done = 0
        while done < n:
            m = n - done
            if not self._calibrated:
                m = min(m, self._first + self.n_calibration - self._next)
            pos = self._reserve(m)
            if data is None:
                self._bx[pos : pos + m] = np.nan
                self._bz[pos : pos + m] = np.nan
                self._flags[pos : pos + m] = FLAG_NAN
            elif not self._calibrated:
                part = data[done : done + m]
                self.n_invalid += ingest_raw(part, self._bx, self._bz, self._flags, pos)
                c0 = self._next - self._first
                self._cal[c0 : c0 + m] = part
            else:
                part = data[done : done + m]
                self.n_invalid += ingest_scan(part, pos, 0, 0, self._base, *self._kernel_args)[0]
            self._rows += m
            self._next += m
            done += m
            if not self._calibrated and self._next >= self._first + self.n_calibration:
                self._finish_calibration()

    def _set_constants(self) -> None:
        """Per-channel constants of the ingest kernels, from the calibrated MAD."""
        self._thr[:], self._zero[:] = fixed_thresholds(self._mad, self._scale)

    def _finish_calibration(self) -> None:
        self._med[:], self._mad[:] = calibrate_mad(self._cal)
        self._set_constants()
        self._cal = None
        self._calibrated = True
        self._fast = self.snippet is None
        normalize_rows(
            self._bx, self._bz, self._flags, 0, self._rows, self._sign_code, self._scale, self._mad
        )

    def _gap(self, n: int, parts: list[np.ndarray], waves: list[np.ndarray]) -> None:
        """Treat ``n`` missing samples as NaN rows; only the last ``delay + lookback`` matter."""
        g = min(n, self.delay + self.lookback)
        for i in range(0, g, self._chunk):
            self._push(None, min(self._chunk, g - i))
            self._decide(parts, waves)
        skip = n - g
        if skip == 0:
            return
        self._base += skip
        self._next += skip
        if not self._calibrated and self._next >= self._first + self.n_calibration:
            self._finish_calibration()
        if self._calibrated:
            self._decided = max(self._decided, self._next - self.delay)

    def _decide(self, parts: list[np.ndarray], waves: list[np.ndarray]) -> None:
        t1 = self._next - self.delay
        t0 = self._decided
        if not self._calibrated or t1 <= t0:
            return
        self._fit_scratch(t1 - t0)
        n = scan_peaks(
            self._bx, self._bz, self._flags, t0 - self._base, t1 - self._base, self.back,
            self.dead, self._base, self._indptr, self._indices, self._scratch,
        )  # fmt: skip
        self._decided = t1
        self._emit(n, parts, waves)

    def _fit_scratch(self, n_rows: int) -> None:
        """Make the spike scratch hold the spikes of ``n_rows`` decided rows (at most one per
        channel every ``dead + 1`` samples); set the arguments of the fused kernel."""
        need = (n_rows // (self.dead + 1) + 1) * self.n_channels
        if need > self._scratch.size:
            self._scratch = np.empty(need, SPIKE_DTYPE)
        # the largest number of rows the scratch holds the spikes of
        self._scratch_rows = (self._scratch.size // self.n_channels - 1) * (
            self.dead + 1
        ) + self.dead
        self._kernel_args = (
            self._bx, self._bz, self._flags, self._sign_code, self._frozen, self._fparams,
            self._med, self._mad, self._prev, self._thr, self._zero, self.back, self.dead,
            self._indptr, self._indices,
            self._scratch,
        )  # fmt: skip

    def _neighbours(self, indptr: np.ndarray, indices: np.ndarray) -> None:
        """Set the neighbour lists of a method (once, at construction)."""
        self._indptr, self._indices = indptr, indices
        self._fit_scratch(0)

    def _emit(self, n: int, parts: list[np.ndarray], waves: list[np.ndarray]) -> None:
        if n == 0:
            return
        out = self._scratch[:n].copy()
        parts.append(out)
        if self.snippet is not None:
            rows = (out["sample_index"] - self._base)[:, None] + self._offsets
            waves.append(self._bx[rows])

    def _step_calibrated(self, x: np.ndarray) -> int:
        """Push and decide a calibrated block of at most ``chunk`` rows; spikes in the scratch.

        The closed loop's path, one numba call per block: kept lean (no method call, no
        allocation but the returned spikes).
        """
        n = x.shape[0]
        pos = self._rows
        if pos + n > self._cap:
            pos = self._reserve(n)
        self._rows = pos + n
        self._next += n
        base = self._base
        lo = self._decided - base
        t1 = self._next - self.delay
        hi = t1 - base
        if hi > lo:
            self._decided = t1
            if hi - lo > self._scratch_rows:
                self._fit_scratch(hi - lo)
        else:
            hi = lo
        n_bad, n_spk = ingest_scan(x, pos, lo, hi, base, *self._kernel_args)
        if n_bad:
            self.n_invalid += n_bad
        return n_spk
