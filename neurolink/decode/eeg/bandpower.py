"""Log band power of EEG, causally, as a streaming node (``step`` over raw blocks).

For each band: a causal Butterworth band-pass (:func:`neurolink.dsp.design_sos` sections run by
:class:`neurolink.dsp.StreamingFilter` in float64, state carried across blocks), an optional
spatial filter (e.g. CSP), the square, a moving average over the last ``window_s`` seconds (the
smoothed squared envelope), and the natural log::

    f_b(t) = log( mean_{s ∈ (t − N, t]} (W_bᵀ bandpass_b(x)(s))² ),   N = round(window_s · fs)

Until ``N`` samples have been seen the mean runs over those seen. The output does not depend on
how the stream is cut into blocks (to rounding).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from neurolink.decode.errors import DecoderError
from neurolink.dsp.filters import FilterKind, StreamingFilter, design_sos

__all__ = ["BandPower"]

#: Added to the mean power before the log (µV²), so a flat signal gives a finite feature.
POWER_FLOOR = 1e-12


@lru_cache(maxsize=64)
def _bandpass_sos(order: int, lo: float, hi: float, fs: float) -> np.ndarray:
    """Butterworth band-pass sections (cached: nodes are made per fit; callers copy)."""
    return design_sos(FilterKind.BANDPASS, fs, band=(lo, hi), order=order)


def _float64_filter(sos: np.ndarray, n_channels: int) -> StreamingFilter:
    """A streaming band-pass from rest on float64 samples (``scipy.signal.sosfilt`` exactly)."""
    return StreamingFilter(sos, n_channels, dtype=np.float64)


class BandPower:
    """Causal log band-power features of a multichannel stream.

    Parameters
    ----------
    fs : float
        Sampling rate (Hz).
    bands : sequence of (float, float)
        Pass bands (Hz), e.g. mu ``(8, 12)`` and beta ``(13, 30)``.
    window_s : float
        Length of the moving average of the squared signal (s).
    order : int
        Butterworth order of each band-pass (the filter has ``2·order`` poles).
    spatial_filters : array_like, shape (n_bands, n_channels, n_out), optional
        Spatial filter applied after each band-pass; default none (one feature per channel).

    Notes
    -----
    Features are band-major: ``[band 0: out 0 … out K−1, band 1: …]`` with ``K = n_out`` (or
    ``n_channels`` without spatial filters).
    """

    def __init__(
        self,
        fs: float,
        bands: Sequence[tuple[float, float]] = ((8.0, 12.0), (13.0, 30.0)),
        window_s: float = 1.0,
        order: int = 4,
        spatial_filters: np.ndarray | None = None,
    ) -> None:
        self.fs = fs
        self.bands = bands
        self.window_s = window_s
        self.order = order
        self.spatial_filters = spatial_filters

    # ------------------------------------------------------------------ design
    def _design(self) -> None:
        fs, nyq = float(self.fs), 0.5 * float(self.fs)
        sos = []
        for lo, hi in self.bands:
            if not 0 < lo < hi < nyq:
                raise ValueError(f"band ({lo}, {hi}) Hz must lie in (0, {nyq}) Hz at fs = {fs}")
            sos.append(_bandpass_sos(int(self.order), float(lo), float(hi), fs).copy())
        self._sos = sos
        self._n_win = max(1, round(float(self.window_s) * fs))
        W = self.spatial_filters
        self._W = None if W is None else np.asarray(W, dtype=np.float64)
        if self._W is not None and (self._W.ndim != 3 or self._W.shape[0] != len(sos)):
            raise ValueError("spatial_filters must have shape (n_bands, n_channels, n_out)")
        self._filters: list[StreamingFilter] | None = None

    @property
    def window(self) -> int:
        """Moving-average length ``N`` (samples)."""
        if "_sos" not in vars(self):
            self._design()
        return self._n_win

    def reset(self) -> None:
        """Forget the filter states and the averaging window."""
        self._design()
        self._tail: np.ndarray | None = None
        self._seen = 0

    # ------------------------------------------------------------------ streaming
    def _project(self, b: int, F: np.ndarray) -> np.ndarray:
        return F if self._W is None else F @ self._W[b]

    def step(self, block: np.ndarray) -> np.ndarray:
        """Features of every sample of a block.

        Parameters
        ----------
        block : array_like, shape (n_samples, n_channels)
            Raw EEG (µV), time-major as a Block's ``data``.

        Returns
        -------
        numpy.ndarray of float64, shape (n_samples, n_features)
        """
        if "_sos" not in vars(self):
            self.reset()
        x = np.asarray(block, dtype=np.float64)
        if x.ndim != 2:
            raise DecoderError(f"BandPower.step: block must be 2-D, got shape {x.shape}")
        if not np.all(np.isfinite(x)):
            raise DecoderError("BandPower.step: block holds non-finite values (NaN or inf)")
        if self._filters is None:
            self._filters = [_float64_filter(sos, x.shape[1]) for sos in self._sos]
        elif self._filters[0].n_channels != x.shape[1]:
            raise DecoderError(
                f"BandPower.step: block has {x.shape[1]} channels, earlier blocks "
                f"{self._filters[0].n_channels}"
            )
        sq = []
        for b, filt in enumerate(self._filters):
            sq.append(self._project(b, filt.step(x)) ** 2)
        P = np.concatenate(sq, axis=1)
        return self._smooth(P)

    def _smooth(self, P: np.ndarray) -> np.ndarray:
        """Moving average of the squared signal over the last N samples, then log."""
        N = self._n_win
        tail = self._tail if self._tail is not None else np.zeros((0, P.shape[1]))
        ext = np.concatenate([tail, P], axis=0)
        cs = np.concatenate([np.zeros((1, P.shape[1])), np.cumsum(ext, axis=0)], axis=0)
        k = tail.shape[0]
        end = np.arange(k + 1, k + P.shape[0] + 1)
        start = np.maximum(end - N, 0)
        mean = (cs[end] - cs[start]) / (end - start)[:, None]
        self._tail = ext[max(0, ext.shape[0] - (N - 1)) :] if N > 1 else ext[:0]
        self._seen += P.shape[0]
        return np.log(np.maximum(mean, 0.0) + POWER_FLOOR)

    # ------------------------------------------------------------------ epochs
    def filtered(self, X: np.ndarray) -> list[np.ndarray]:
        """Band-pass each epoch from a zero state (as after :meth:`reset`).

        Parameters
        ----------
        X : numpy.ndarray of float64, shape (n_trials, n_samples, n_channels)

        Returns
        -------
        list of numpy.ndarray, one per band, each (n_trials, n_samples, n_channels)
        """
        if "_sos" not in vars(self):
            self.reset()
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 3:
            raise DecoderError(f"BandPower.filtered: X must be 3-D epochs, got shape {X.shape}")
        n_trials, n_samples, n_channels = X.shape
        # Epochs side by side as columns of one stream: each column is filtered on its own, from
        # rest, so this is the streaming filter over every (trial, channel) pair at once.
        cols = X.transpose(1, 0, 2).reshape(n_samples, n_trials * n_channels)
        out = []
        for sos in self._sos:
            F = _float64_filter(sos, cols.shape[1]).step(cols)
            out.append(F.reshape(n_samples, n_trials, n_channels).transpose(1, 0, 2))
        return out

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Features at the last sample of each epoch, each filtered from a zero state.

        Equal (to rounding) to :meth:`reset` then :meth:`step` over the epoch, last row.

        Parameters
        ----------
        X : numpy.ndarray of float64, shape (n_trials, n_samples, n_channels)

        Returns
        -------
        numpy.ndarray of float64, shape (n_trials, n_features)
        """
        return self.features(self.filtered(X))

    def features(self, filtered: list[np.ndarray]) -> np.ndarray:
        """Features at the last sample of epochs already band-passed by :meth:`filtered`.

        Parameters
        ----------
        filtered : list of numpy.ndarray, one per band, each (n_trials, n_samples, n_channels)

        Returns
        -------
        numpy.ndarray of float64, shape (n_trials, n_features)
        """
        N = self.window
        feats = []
        for b, F in enumerate(filtered):
            S = self._project(b, F[:, -N:, :])
            feats.append(np.log(np.mean(S * S, axis=1) + POWER_FLOOR))
        return np.concatenate(feats, axis=1)
