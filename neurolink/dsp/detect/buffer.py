"""The rows a streaming detector keeps, and how a block goes through them.

:class:`BlockBuffer` is the half of :class:`~neurolink.dsp.detect.base.PeakDetector` that holds
the buffers (filtered samples, normalised values, row flags: :mod:`.ingest`), the noise state and
the neighbour lists, all allocated once, and moves blocks through them: calibration, gaps, and
after calibration one numba call per block (:func:`.scan.ingest_scan`). A long block is taken in
chunks of rows few enough for both buffers (2 × 256 KiB) to stay in a core's L2 cache.
:class:`~neurolink.dsp.detect.base.PeakDetector` holds the parameters, the public API and the
streaming contract; the attributes used here are set there.
"""

from __future__ import annotations

import numpy as np

from neurolink.dsp.detect.ingest import FLAG_NAN, fixed_thresholds, ingest_raw, normalize_rows
from neurolink.dsp.detect.noise import calibrate_mad
from neurolink.dsp.detect.scan import ingest_scan, scan_peaks
from neurolink.streams.events import SPIKE_DTYPE

__all__ = ["EMPTY_SPIKES", "BlockBuffer"]

#: The spikes of a block without any (shared, read-only).
EMPTY_SPIKES = np.empty(0, SPIKE_DTYPE)
EMPTY_SPIKES.flags.writeable = False


class BlockBuffer:
    """Buffers and block plumbing of a streaming detector (see the module text)."""

    # set by PeakDetector.__init__ before _allocate
    n_channels: int
    dead: int
    back: int
    delay: int
    lookback: int
    snippet: tuple[int, int] | None
    n_calibration: int
    waveforms: np.ndarray | None
    n_invalid: int
    _offsets: np.ndarray
    _scale: float
    _sign_code: int
    _frozen: bool
    _fparams: np.ndarray
    # running state, set by PeakDetector.reset
    _first: int
    _next: int
    _base: int
    _rows: int
    _decided: int
    _calibrated: bool
    _fast: bool
    _cal: np.ndarray | None

    def _allocate(self) -> None:
        """Allocate everything a block needs, once."""
        self._chunk = max(256, (1 << 16) // self.n_channels)  # rows per kernel call (L2)
        cap = self._chunk + self.delay + self.lookback + 1
        self._bx = np.empty((cap, self.n_channels), np.float32)
        self._bz = np.empty((cap, self.n_channels), np.float32)
        self._flags = np.zeros(cap, np.uint8)  # row flags (.ingest): the rows a scan visits
        # one array each (rows of one 2-D array would keep numba from vectorising the kernels)
        self._med, self._mad, self._prev = (np.zeros(self.n_channels) for _ in range(3))
        self._thr, self._zero = (np.zeros(self.n_channels, np.float32) for _ in range(2))
        self._cap = cap
        self._local = np.empty(self.n_channels, np.bool_)  # scratch row of the scans
        self._scratch = np.empty(0, SPIKE_DTYPE)
        # neighbour lists (scan.scan_peaks); a method with neighbours sets them with _neighbours
        self._indptr = np.zeros(self.n_channels + 1, np.int64)
        self._indices = np.zeros(0, np.int64)
        self._fit_scratch(self._chunk + self.delay)

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
            return EMPTY_SPIKES
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
            self.dead, self._base, self._indptr, self._indices, self._scratch, self._local,
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
        per_channel = self._scratch.size // self.n_channels
        self._scratch_rows = (per_channel - 1) * (self.dead + 1) + self.dead
        self._kernel_args = (
            self._bx, self._bz, self._flags, self._sign_code, self._frozen, self._fparams,
            self._med, self._mad, self._prev, self._thr, self._zero, self.back, self.dead,
            self._indptr, self._indices, self._scratch, self._local,
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
