"""The ``reref`` node: common average or median re-referencing."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import ClassVar, Literal

import numpy as np

from neurolink.config import setting
from neurolink.dsp import CommonAverageReference, CommonMedianReference
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick

__all__ = ["RerefNode", "RerefParams"]


@dataclasses.dataclass(frozen=True)
class RerefParams:
    """``reref``: common average (``car``) or median (``cmr``) reference."""

    method: Literal["car", "cmr"] = "car"
    exclude: tuple[int, ...] = setting((), ge=0)


@register_node
class RerefNode:
    """Common average or common median reference into a preallocated buffer.

    Parameters
    ----------
    name : str
        Node name.
    n_channels : int
        Channels of every block.
    method : {"car", "cmr"}
        Mean or median of the reference channels.
    exclude : sequence of int
        Channels left out of the reference (known-bad ones).
    max_samples : int
        Largest block (samples).
    """

    kind: ClassVar[str] = "reref"
    inputs: ClassVar[tuple[Port, ...]] = (Port.SAMPLES,)
    output: ClassVar[Port] = Port.SAMPLES
    stage: ClassVar[Stage] = Stage.FILTER_DETECT
    Params: ClassVar[type] = RerefParams

    @classmethod
    def from_config(cls, ctx: BuildContext) -> RerefNode:
        """The node of a ``[[loop.nodes]]`` entry (see :class:`BuildContext`)."""
        p = ctx.node.params
        return cls(
            ctx.node.name,
            ctx.n_channels,
            method=p.method,
            exclude=p.exclude,
            max_samples=ctx.max_samples,
        )

    def __init__(
        self,
        name: str,
        n_channels: int,
        *,
        method: str = "car",
        exclude: Sequence[int] = (),
        max_samples: int = 2048,
    ) -> None:
        self.name = name
        ref = [c for c in range(n_channels) if c not in set(exclude)]
        cls = {"car": CommonAverageReference, "cmr": CommonMedianReference}[method]
        self.reference = cls(n_channels, ref)
        self._out = np.zeros((max_samples, n_channels), np.float32)

    def reset(self) -> None:
        """Nothing is carried between blocks."""

    def step(self, x: np.ndarray, tick: Tick) -> np.ndarray:
        """Re-reference one block; returns a view of the node's buffer."""
        out = self._out[: x.shape[0]]
        self.reference.step(x, out)
        return out
