"""The ``decode`` node: binned counts → decoded state, with online calibration."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from neurolink.config import setting
from neurolink.decode import (
    BayesianDecoder,
    Decoder,
    KalmanDecoder,
    WienerFilter,
    load_decoder,
)
from neurolink.decode.errors import CalibrationError, DecoderError
from neurolink.loop.core.ports import Port, Stage, Vector
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.bin import Bins

__all__ = ["METHODS", "DecodeNode", "DecodeParams", "Teacher", "make_decoder"]


#: Bin decoders a ``decode`` node can calibrate, by config name, with the parameters of the node
#: they take (``bin_s`` is the width of the input bins in seconds).
METHODS: dict[str, Callable[[Any, float], Decoder]] = {
    "bayes": lambda p, bin_s: BayesianDecoder(
        bin_s=bin_s, grid_shape=p.grid, prior=p.prior, estimate=p.estimate
    ),
    "kalman": lambda p, bin_s: KalmanDecoder(kinematics="velocity"),
    "wiener": lambda p, bin_s: WienerFilter(),
}


@dataclasses.dataclass(frozen=True)
class DecodeParams:
    """``decode``: a bin decoder, loaded from ``model`` or calibrated by the task."""

    method: str = setting("bayes", choices=tuple(METHODS))
    model: Path | None = dataclasses.field(default=None, metadata={"exists": True})
    save: Path | None = None
    dims: tuple[str, ...] = ("vx", "vy")
    grid: int = setting(25, ge=3, le=200)
    prior: Literal["uniform", "occupancy", "continuity", "recursive"] = "continuity"
    estimate: Literal["mean", "map"] = "mean"


def make_decoder(params: DecodeParams, bin_s: float) -> Decoder:
    """A new (unfitted) decoder as a ``decode`` node's parameters say.

    Parameters
    ----------
    params : DecodeParams
    bin_s : float
        Width of the bins it decodes (s).
    """
    return METHODS[params.method](params, bin_s)


Teacher = Callable[[float], Sequence[float]]


@register_node
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
    Params: ClassVar[type] = DecodeParams

    #: Calibration a node of this kind takes (:mod:`neurolink.loop.calibration`).
    calibrates: ClassVar[str] = "kinematics"

    @classmethod
    def from_config(cls, ctx: BuildContext) -> DecodeNode:
        """The node of a ``[[loop.nodes]]`` entry: the model file's decoder (checked against
        the source's channels and the node's ``dims``), or a new one to calibrate."""
        p = ctx.node.params
        if p.model is None:
            width = getattr(ctx.source, "width", None)
            if width is None:
                raise ctx.error("input", "a decode node reads the counts of a bin node")
            dec = make_decoder(p, width / ctx.fs)
        else:
            dec = _bin_model(ctx)
        return cls(ctx.node.name, dec, p.dims, ctx.n_channels)

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


def _bin_model(ctx: BuildContext) -> Decoder:
    """The decode node's model file: a bin decoder for these channels and the node's ``dims``."""
    p = ctx.node.params
    try:
        dec = load_decoder(p.model, ctx.channels)
    except DecoderError as exc:
        raise ctx.error("model", str(exc)) from None
    if not isinstance(dec, BayesianDecoder | KalmanDecoder | WienerFilter):
        raise ctx.error(
            "model", f"{p.model} holds a {type(dec).__name__}, not a bin decoder "
            "(bayes, kalman, wiener)",
        )  # fmt: skip
    width = np.asarray(dec.step(np.zeros(ctx.n_channels))).size
    dec.reset()
    if width != len(p.dims):
        raise ctx.error(
            "dims", f"the model {p.model} decodes {width} values, the node names "
            f"{len(p.dims)} ({', '.join(p.dims)})",
        )  # fmt: skip
    return dec
