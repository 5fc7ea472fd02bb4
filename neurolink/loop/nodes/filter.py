"""The ``filter`` node: a causal IIR filter on every channel."""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Literal

import numpy as np

from neurolink.config import setting
from neurolink.dsp import StreamingFilter, design_sos
from neurolink.dsp.defaults import SPIKE_BAND_HZ, SPIKE_FILTER_ORDER
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick

__all__ = ["FilterNode", "FilterParams"]


@dataclasses.dataclass(frozen=True)
class FilterParams:
    """``filter``: causal Butterworth band/high/low-pass or IIR notch (default: the spike band
    of :mod:`neurolink.dsp.defaults`)."""

    type: Literal["bandpass", "highpass", "lowpass", "notch"] = "bandpass"
    band: tuple[float, float] = setting(SPIKE_BAND_HZ, gt=0)
    cutoff: float | None = setting(None, gt=0)
    freq: float | None = setting(None, gt=0)
    order: int = setting(SPIKE_FILTER_ORDER, ge=1, le=8)
    init: Literal["zeros", "step"] = "zeros"


@register_node
class FilterNode:
    """Causal IIR filter (:class:`~neurolink.dsp.StreamingFilter`) into a preallocated buffer.

    Parameters
    ----------
    name : str
        Node name.
    n_channels : int
        Channels of every block.
    fs : float
        Sampling rate (Hz).
    kind : {"bandpass", "highpass", "lowpass", "notch"}
        Filter family (:func:`~neurolink.dsp.design_sos`).
    band : tuple of float, optional
        Band-pass edges (Hz).
    cutoff : float, optional
        High/low-pass cutoff (Hz).
    freq : float, optional
        Notch frequency (Hz).
    order : int
        Butterworth order.
    init : {"zeros", "step"}
        Initial filter state.
    max_samples : int
        Largest block (samples) the node is given.
    """

    kind: ClassVar[str] = "filter"
    inputs: ClassVar[tuple[Port, ...]] = (Port.SAMPLES,)
    output: ClassVar[Port] = Port.SAMPLES
    stage: ClassVar[Stage] = Stage.FILTER_DETECT
    Params: ClassVar[type] = FilterParams

    @classmethod
    def from_config(cls, ctx: BuildContext) -> FilterNode:
        """The node of a ``[[loop.nodes]]`` entry (see :class:`BuildContext`)."""
        p = ctx.node.params
        try:
            return cls(
                ctx.node.name,
                ctx.n_channels,
                ctx.fs,
                kind=p.type,
                band=p.band,
                cutoff=p.cutoff,
                freq=p.freq,
                order=p.order,
                init=p.init,
                max_samples=ctx.max_samples,
            )
        except ValueError as exc:  # a band or frequency the source's rate cannot hold
            key = {"bandpass": "band", "notch": "freq"}.get(p.type, "cutoff")
            raise ctx.error(key, str(exc)) from None

    def __init__(
        self,
        name: str,
        n_channels: int,
        fs: float,
        *,
        kind: str = "bandpass",
        band: tuple[float, float] | None = (300.0, 6000.0),
        cutoff: float | None = None,
        freq: float | None = None,
        order: int = 2,
        init: str = "zeros",
        max_samples: int = 2048,
    ) -> None:
        self.name = name
        sos = design_sos(kind, fs, band=band, cutoff=cutoff, freq=freq, order=order)
        self.filter = StreamingFilter(sos, n_channels, init=init)  # type: ignore[arg-type]
        self._out = np.zeros((max_samples, n_channels), np.float32)

    def reset(self) -> None:
        """Back to the filter's initial state."""
        self.filter.reset()

    def step(self, x: np.ndarray, tick: Tick) -> np.ndarray:
        """Filter one block.

        Parameters
        ----------
        x : numpy.ndarray of float32, shape (n_samples, n_channels)
        tick : Tick
            Where the block lies (unused: the filter runs on across gaps).

        Returns
        -------
        numpy.ndarray of float32, shape (n_samples, n_channels)
            A view of the node's buffer.
        """
        out = self._out[: x.shape[0]]
        self.filter.step(x, out)
        return out
