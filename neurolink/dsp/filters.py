"""Causal IIR filters designed as second-order sections and run block by block.

``design_sos`` wraps :mod:`scipy.signal` (Butterworth band-pass / high-pass / low-pass, IIR notch);
:class:`StreamingFilter` runs the sections with a numba kernel that carries the state of every
section and channel across blocks, as MNE-LSL does with ``sosfilt`` and ``zi``. Over any split of
a signal into blocks the output equals :func:`scipy.signal.sosfilt` on the whole signal (float64
state; float32 input and output for Blocks, float64 on request, e.g. for EEG band power), and it
is bit-identical whatever the split. It is the one streaming IIR implementation of the package:
:class:`neurolink.decode.BandPower` runs its band-passes on it too.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Literal, overload

import numpy as np
from scipy import signal

from neurolink.dsp._sos_kernel import sosfilt_block
from neurolink.streams.block import Block

__all__ = ["FilterKind", "StreamingFilter", "design_sos"]


class FilterKind(StrEnum):
    """The filter families :func:`design_sos` knows."""

    BANDPASS = "bandpass"
    HIGHPASS = "highpass"
    LOWPASS = "lowpass"
    NOTCH = "notch"


def _check_inside(what: str, freqs: tuple[float, ...], fs: float) -> None:
    nyq = fs / 2.0
    if not all(np.isfinite(f) and 0.0 < f < nyq for f in freqs):
        shown = freqs[0] if len(freqs) == 1 else freqs
        raise ValueError(
            f"{what} {shown} Hz must lie inside (0, fs/2) = (0, {nyq:g}) Hz for fs = {fs:g} Hz"
        )


def design_sos(
    kind: FilterKind | str,
    fs: float,
    *,
    band: tuple[float, float] | None = None,
    cutoff: float | None = None,
    freq: float | None = None,
    order: int = 3,
    quality: float = 30.0,
) -> np.ndarray:
    """Design a causal IIR filter as second-order sections.

    Parameters
    ----------
    kind : {"bandpass", "highpass", "lowpass", "notch"}
        Butterworth band-pass (needs ``band``), high-pass or low-pass (need ``cutoff``), or a
        second-order IIR notch (needs ``freq`` and ``quality``).
    fs : float
        Sampling rate (Hz).
    band : tuple of float, optional
        ``(low, high)`` edges of the band-pass (Hz), ``0 < low < high < fs/2``.
    cutoff : float, optional
        -3 dB frequency of the high-pass or low-pass (Hz), inside ``(0, fs/2)``.
    freq : float, optional
        Centre frequency of the notch (Hz), inside ``(0, fs/2)``.
    order : int
        Butterworth order (a band-pass of order N has 2N poles, N sections). Ignored for a notch.
    quality : float
        Quality factor of the notch (centre frequency / -3 dB bandwidth).

    Returns
    -------
    numpy.ndarray of float64, shape (n_sections, 6)
        Sections ``[b0, b1, b2, 1, a1, a2]`` for :func:`scipy.signal.sosfilt` or
        :class:`StreamingFilter`.

    Raises
    ------
    ValueError
        Unknown kind, missing parameter, non-positive ``fs`` or ``order``, or a frequency outside
        ``(0, fs/2)`` (the message names the band and ``fs``).
    """
    try:
        kind = FilterKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in FilterKind)
        raise ValueError(f"unknown filter kind {kind!r}; expected one of {known}") from None
    if not (np.isfinite(fs) and fs > 0):
        raise ValueError(f"{kind.value} filter: fs must be a positive rate in Hz, got {fs!r}")
    if kind is not FilterKind.NOTCH and (int(order) != order or order < 1):
        raise ValueError(f"{kind.value} filter: order must be a positive integer, got {order!r}")
    if kind is FilterKind.BANDPASS:
        if band is None or len(band) != 2:
            raise ValueError(f"bandpass filter needs band=(low, high) in Hz, got {band!r}")
        lo, hi = float(band[0]), float(band[1])
        _check_inside("band-pass band", (lo, hi), fs)
        if not lo < hi:
            raise ValueError(f"band-pass band ({lo:g}, {hi:g}) Hz must have low < high")
        return signal.butter(int(order), (lo, hi), btype="bandpass", fs=fs, output="sos")
    if kind in (FilterKind.HIGHPASS, FilterKind.LOWPASS):
        if cutoff is None:
            raise ValueError(f"{kind.value} filter needs cutoff= in Hz")
        _check_inside(f"{kind.value} cutoff", (float(cutoff),), fs)
        return signal.butter(int(order), float(cutoff), btype=kind.value, fs=fs, output="sos")
    if freq is None:
        raise ValueError("notch filter needs freq= in Hz")
    _check_inside("notch frequency", (float(freq),), fs)
    if not quality > 0:
        raise ValueError(f"notch filter: quality must be > 0, got {quality!r}")
    b, a = signal.iirnotch(float(freq), float(quality), fs=fs)
    return signal.tf2sos(b, a)


class StreamingFilter:
    """A causal IIR filter node that carries its state across blocks.

    Parameters
    ----------
    sos : array_like of float, shape (n_sections, 6)
        Second-order sections, e.g. from :func:`design_sos`.
    n_channels : int
        Number of channels every block must have.
    init : {"zeros", "step"}
        Initial state. ``"zeros"`` (the :func:`scipy.signal.sosfilt` default) starts from rest;
        ``"step"`` sets the steady state for a constant input equal to the first sample of each
        channel (:func:`scipy.signal.sosfilt_zi` scaled by it), which removes the onset transient
        of a DC offset (raw ADC data). Either is decided by the first sample alone, so the output
        does not depend on the block split.
    dtype : {numpy.float32, numpy.float64}
        Sample type of input and output. float32 (the default) is a Block's type; float64 gives
        exactly :func:`scipy.signal.sosfilt` of float64 data. The state is float64 either way.

    Attributes
    ----------
    zi : numpy.ndarray of float64, shape (n_sections, 2, n_channels)
        Current state (section, delay, channel).
    n_invalid : int
        Non-finite input values seen so far. Each gives NaN at the output and leaves its
        channel's state unchanged (the filter holds across it; it is not poisoned for good).

    Notes
    -----
    Non-finite samples are the one place where the output departs from
    :func:`scipy.signal.sosfilt`, which would turn every later sample of the channel into NaN.
    Gaps between blocks (a jump in ``Block.first_index``) are ignored: the filter runs on.
    """

    def __init__(
        self,
        sos: np.ndarray,
        n_channels: int,
        *,
        init: Literal["zeros", "step"] = "zeros",
        dtype: type[np.floating] = np.float32,
    ) -> None:
        sos = np.array(sos, dtype=np.float64, order="C", ndmin=2)
        if sos.ndim != 2 or sos.shape[1] != 6 or sos.shape[0] < 1:
            raise ValueError(f"sos must have shape (n_sections, 6), got {sos.shape}")
        if not np.allclose(sos[:, 3], 1.0):
            raise ValueError("sos must be normalised: a0 (column 3) must be 1 in every section")
        if int(n_channels) != n_channels or n_channels < 1:
            raise ValueError(f"n_channels must be a positive integer, got {n_channels!r}")
        if init not in ("zeros", "step"):
            raise ValueError(f"init must be 'zeros' or 'step', got {init!r}")
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {np.dtype(dtype)}")
        self.sos = sos
        self.n_channels = int(n_channels)
        self.init = init
        self.dtype = np.dtype(dtype)
        self.zi = np.zeros((sos.shape[0], 2, self.n_channels), np.float64)
        self._zi_unit = np.ascontiguousarray(signal.sosfilt_zi(sos)) if init == "step" else None
        self._work = np.empty(self.n_channels, np.float64)
        self._started = False
        self.n_invalid = 0

    def reset(self) -> None:
        """Return to the initial state, as if no sample had been seen."""
        self.zi[:] = 0.0
        self._started = False
        self.n_invalid = 0

    @overload
    def step(self, x: Block, out: np.ndarray | None = None) -> Block: ...
    @overload
    def step(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray: ...

    def step(self, x: Block | np.ndarray, out: np.ndarray | None = None) -> Block | np.ndarray:
        """Filter one block.

        Parameters
        ----------
        x : Block or numpy.ndarray of float32, shape (n_samples, n_channels)
            Input samples (other real dtypes are converted to the filter's ``dtype``).
        out : numpy.ndarray, shape (n_samples, n_channels), optional
            Preallocated, C-contiguous output of the filter's ``dtype`` (may be ``x`` itself for
            in-place filtering).

        Returns
        -------
        Block or numpy.ndarray of ``dtype`` (float32 by default), shape (n_samples, n_channels)
            Filtered samples; a Block (same indices and timestamps) when given a Block.

        Raises
        ------
        ValueError
            Wrong channel count, or ``out`` of the wrong shape, dtype or layout.
        """
        if isinstance(x, Block):
            y = self.step(x.data, out)
            return dataclasses.replace(x, data=y)
        if x.ndim != 2 or x.shape[1] != self.n_channels:
            raise ValueError(
                f"StreamingFilter expects blocks of shape (n_samples, {self.n_channels}), "
                f"got {x.shape}: expected {self.n_channels} channels"
            )
        dt = self.dtype
        if x.dtype != dt or not x.flags.c_contiguous:
            x = np.ascontiguousarray(x, dtype=dt)
        if out is None:
            out = np.empty(x.shape, dt)
        elif out.shape != x.shape or out.dtype != dt or not out.flags.c_contiguous:
            raise ValueError(
                f"out must be a C-contiguous {dt} array of shape {x.shape}, "
                f"got {out.dtype} {out.shape}"
            )
        if x.shape[0] == 0:
            return out
        if not self._started:
            self._started = True
            if self._zi_unit is not None:
                x0 = np.where(np.isfinite(x[0]), x[0], 0.0).astype(np.float64)
                self.zi[:] = self._zi_unit[:, :, None] * x0[None, None, :]
        self.n_invalid += sosfilt_block(self.sos, self.zi, x, out, self._work)
        return out
