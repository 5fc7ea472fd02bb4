"""Decoding nodes: binned counts → decoded state, raw EEG → features or class posteriors.

:class:`DecodeNode` wraps any bin decoder of :mod:`neurolink.decode` (``step`` per completed
bin). It also calibrates one: in *calibration* mode it outputs what a teacher says the subject
intends (the task's autopilot drives the device with it) and keeps each bin's counts with that
label; :meth:`DecodeNode.fit` then fits the decoder and switches to decoding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

import numpy as np

from neurolink.decode import BandPower, Decoder
from neurolink.decode.errors import CalibrationError
from neurolink.loop.core.ports import Port, Stage, Vector
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.dsp import Bins

__all__ = ["ClassifyNode", "DecodeNode", "FeaturesNode", "Teacher"]

#: ``teacher(t) -> value``: the intended value (n_dims,) in force at host time ``t`` (s).
Teacher = Callable[[float], Sequence[float]]


class DecodeNode:
    """Decode each completed bin of counts with a fitted decoder (or calibrate one).

    Parameters
    ----------
    name : str
        Node name.
    decoder : Decoder
        A decoder with ``step(counts) -> (n_dims,)`` (fitted, unless calibrating).
    dims : sequence of str
        Labels of the decoded dimensions (``vx``, ``vy``).
    n_units : int
        Columns of the counts.
    calibrate_bins : int
        Room for this many calibration bins (preallocated, grows if exceeded).
    """

    kind: ClassVar[str] = "decode"
    inputs: ClassVar[tuple[Port, ...]] = (Port.COUNTS,)
    output: ClassVar[Port] = Port.STATE
    stage: ClassVar[Stage] = Stage.BIN_DECODE

    def __init__(
        self,
        name: str,
        decoder: Decoder,
        dims: Sequence[str],
        n_units: int,
        *,
        calibrate_bins: int = 4096,
    ) -> None:
        self.name = name
        self.decoder = decoder
        self.dims = tuple(dims)
        self.n_units = int(n_units)
        self._row = np.zeros(self.n_units, np.float64)
        self.labels = self.dims
        self._out = Vector.zeros(self.dims)
        self._teacher: Teacher | None = None
        self._X = np.zeros((calibrate_bins, self.n_units), np.float64)
        self._y = np.zeros((calibrate_bins, len(self.dims)), np.float64)
        self.n_calibration = 0
        self.n_decoded = 0

    @property
    def calibrating(self) -> bool:
        """True while bins are collected for :meth:`fit`."""
        return self._teacher is not None

    def start_calibration(self, teacher: Teacher) -> None:
        """Collect bins labelled by ``teacher`` and output its value, until :meth:`fit`."""
        self._teacher = teacher
        self.n_calibration = 0

    def stop_calibration(self) -> None:
        """Stop calibrating and forget the bins collected (nothing is fitted)."""
        self._teacher = None
        self.n_calibration = 0

    def reset(self) -> None:
        """Forget the decoder's online state."""
        if self.decoder.is_fitted:
            self.decoder.reset()
        self._out.value[:] = 0.0
        self._out.index = -1

    def step(self, bins: Bins, tick: Tick) -> Vector:
        """Decode (or label) every bin completed by this block.

        Returns
        -------
        Vector
            Reused; ``fresh`` when at least one bin was completed.
        """
        out = self._out
        out.fresh = bins.n > 0
        for k in range(bins.n):
            row = self._row
            row[:] = bins.counts[k]
            if self._teacher is not None:
                mid = 0.5 * (bins.edges[k] + bins.edges[k + 1] - 1)
                out.value[:] = self._teacher(tick.time_of(mid))
                self._keep(row, out.value)
            else:
                out.value[:] = self.decoder.step(row)
                self.n_decoded += 1
            out.index = tick.last_index
        return out

    def _keep(self, row: np.ndarray, label: np.ndarray) -> None:
        n = self.n_calibration
        if n == self._X.shape[0]:
            self._X = np.concatenate([self._X, np.zeros_like(self._X)])
            self._y = np.concatenate([self._y, np.zeros_like(self._y)])
        self._X[n] = row
        self._y[n] = label
        self.n_calibration = n + 1

    def calibration_data(self) -> tuple[np.ndarray, np.ndarray]:
        """Counts (n_bins, n_units) and labels (n_bins, n_dims) collected so far (copies)."""
        n = self.n_calibration
        return self._X[:n].copy(), self._y[:n].copy()

    def fit(
        self, channels: Sequence[str] | None = None, *, decoder: Decoder | None = None
    ) -> Decoder:
        """Fit the decoder on the calibration bins and switch to decoding.

        Parameters
        ----------
        channels : sequence of str, optional
            Labels of the count columns (kept in the model file).
        decoder : Decoder, optional
            Fit this decoder instead of the node's own, and use it from now on.

        Returns
        -------
        Decoder
            The fitted decoder.

        Raises
        ------
        CalibrationError
            Not calibrating, or too few bins.
        """
        if self._teacher is None:
            raise CalibrationError(f"decode node {self.name!r}: not calibrating")
        X, y = self.calibration_data()
        if X.shape[0] < 10:
            raise CalibrationError(
                f"decode node {self.name!r}: only {X.shape[0]} calibration bins; run the "
                "calibration longer"
            )
        dec = decoder if decoder is not None else self.decoder
        dec.fit(X, y, channels=None if channels is None else list(channels))
        self.decoder = dec
        self._teacher = None
        self.reset()
        return dec


class FeaturesNode:
    """Causal log band power (:class:`~neurolink.decode.BandPower`) at the end of each block.

    Parameters
    ----------
    name : str
        Node name.
    fs : float
        Sampling rate (Hz).
    n_channels : int
    bands : sequence of (float, float)
        Pass bands (Hz).
    window_s : float
        Averaging window (s).
    order : int
        Butterworth order of each band-pass.
    """

    kind: ClassVar[str] = "features"
    inputs: ClassVar[tuple[Port, ...]] = (Port.SAMPLES,)
    output: ClassVar[Port] = Port.STATE
    stage: ClassVar[Stage] = Stage.BIN_DECODE

    def __init__(
        self,
        name: str,
        fs: float,
        n_channels: int,
        *,
        bands: Sequence[tuple[float, float]] = ((8.0, 12.0), (13.0, 30.0)),
        window_s: float = 1.0,
        order: int = 4,
    ) -> None:
        self.name = name
        self.power = BandPower(fs, tuple(bands), window_s, order)
        self.labels = tuple(f"b{b}c{c}" for b in range(len(bands)) for c in range(n_channels))
        self._out = Vector.zeros(self.labels)

    def reset(self) -> None:
        """Forget filter states and the averaging window."""
        self.power.reset()

    def step(self, x: np.ndarray, tick: Tick) -> Vector:
        """Features after the block's last sample (reused :class:`Vector`)."""
        out = self._out
        out.fresh = x.shape[0] > 0
        if out.fresh:
            out.value[:] = self.power.step(x)[-1]
            out.index = tick.last_index
        return out


class ClassifyNode:
    """Class posteriors of an :class:`~neurolink.decode.EEGClassDecoder` after each block.

    Parameters
    ----------
    name : str
        Node name.
    decoder : Decoder
        A fitted decoder with ``step(block) -> posteriors`` and ``classes_``.
    """

    kind: ClassVar[str] = "classify"
    inputs: ClassVar[tuple[Port, ...]] = (Port.SAMPLES,)
    output: ClassVar[Port] = Port.POSTERIORS
    stage: ClassVar[Stage] = Stage.BIN_DECODE

    def __init__(self, name: str, decoder: Decoder) -> None:
        self.name = name
        self.decoder = decoder
        classes = getattr(decoder, "classes_", ())
        self.labels = tuple(str(c) for c in classes)
        self._out = Vector.zeros(self.labels)

    def reset(self) -> None:
        """Forget the decoder's online state."""
        self.decoder.reset()

    def step(self, x: np.ndarray, tick: Tick) -> Vector:
        """Posteriors after the block's last sample (reused :class:`Vector`)."""
        out = self._out
        out.fresh = x.shape[0] > 0
        if out.fresh:
            out.value[:] = self.decoder.step(x)  # type: ignore[attr-defined]
            out.index = tick.last_index
        return out
