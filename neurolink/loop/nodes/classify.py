"""The ``classify`` node: class posteriors of a fitted EEG decoder after each block."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import ClassVar

import numpy as np

from neurolink.decode import Decoder, load_decoder
from neurolink.decode.errors import DecoderError
from neurolink.loop.core.ports import Port, Stage, Vector
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick

__all__ = ["ClassifyNode", "ClassifyParams"]


@dataclasses.dataclass(frozen=True)
class ClassifyParams:
    """``classify``: class posteriors of a fitted EEG decoder (``model``, required)."""

    model: Path = dataclasses.field(metadata={"exists": True})


@register_node
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
    Params: ClassVar[type] = ClassifyParams

    #: Calibration a node of this kind takes (:mod:`neurolink.loop.calibration`).
    calibrates: ClassVar[str] = "classes"

    @classmethod
    def from_config(cls, ctx: BuildContext) -> ClassifyNode:
        """The node of a ``[[loop.nodes]]`` entry: the model file's class decoder, checked
        against the source's channels and sampling rate."""
        p = ctx.node.params
        try:
            dec = load_decoder(p.model, ctx.channels)
        except DecoderError as exc:
            raise ctx.error("model", str(exc)) from None
        if not hasattr(dec, "classes_"):
            raise ctx.error("model", f"{p.model} holds a {type(dec).__name__}, not a class decoder")
        model_fs = getattr(dec, "fs", None)
        if model_fs is not None and not math.isclose(float(model_fs), ctx.fs, rel_tol=1e-9):
            raise ctx.error(
                "model", f"{p.model} was fitted at {float(model_fs):g} Hz, the source "
                f"runs at {ctx.fs:g} Hz; calibrate a model at this rate",
            )  # fmt: skip
        return cls(ctx.node.name, dec)

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
