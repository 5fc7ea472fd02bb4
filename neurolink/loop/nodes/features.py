"""The ``features`` node: causal log band power of raw EEG."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from neurolink.config import setting
from neurolink.decode import BandPower
from neurolink.loop.core.ports import Port, Stage, Vector
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick

__all__ = ["FeaturesNode", "FeaturesParams"]


@dataclasses.dataclass(frozen=True)
class FeaturesParams:
    """``features``: causal log band power per channel and band."""

    bands: tuple[tuple[float, float], ...] = ((8.0, 12.0), (13.0, 30.0))
    window_s: float = setting(1.0, gt=0)
    order: int = setting(4, ge=1, le=8)


@register_node
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
    Params: ClassVar[type] = FeaturesParams

    @classmethod
    def from_config(cls, ctx: BuildContext) -> FeaturesNode:
        """The node of a ``[[loop.nodes]]`` entry (see :class:`BuildContext`)."""
        p = ctx.node.params
        return cls(
            ctx.node.name, ctx.fs, ctx.n_channels, bands=p.bands, window_s=p.window_s, order=p.order
        )

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
