"""What a calibration did: :class:`CalibrationResult`, with the report ``neurolink calibrate``
prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neurolink.decode import Decoder

__all__ = ["CalibrationResult"]


@dataclass
class CalibrationResult:
    """What :func:`calibrate` did.

    Attributes
    ----------
    mode : {"kinematics", "classes"}
    node : str
        The node calibrated (``"source"``: epochs of the source's samples).
    path : pathlib.Path
        The model file written.
    decoder : Decoder
        The fitted decoder (as saved).
    seconds : float
        Seconds of data recorded.
    figures : dict
        ``r2`` per dimension (kinematics); ``accuracy``, ``chance``, ``p_value``, ``trials``
        (classes); with ``folds``.
    notes : list of str
        Warnings of the fit, markers left out.
    """

    mode: str
    node: str
    path: Path
    decoder: Decoder
    seconds: float
    figures: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        """The lines ``neurolink calibrate`` prints."""
        f, name = self.figures, type(self.decoder).__name__
        if self.mode == "kinematics":
            r2 = ", ".join(f"{d} {v:.3f}" for d, v in f["r2"].items())
            spread = ", ".join(f"{d} {m:.3f} ± {s:.3f}" for d, (m, s) in f["r2_folds"].items())
            lines = [
                f"calibrated {name} of node {self.node!r} on {self.seconds:.1f} s of data: "
                f"{f['bins']} labelled bins of {f['bin_ms']:g} ms, {f['channels']} channels",
                f"cross-validated R² ({f['folds']} contiguous folds, held-out bins pooled): {r2}",
                f"  per fold (mean ± sd): {spread}",
            ]
            key = "decode.model"
        else:
            of = "the source's samples" if self.node == "source" else f"node {self.node!r}"
            trials = ", ".join(f"{c} {k}" for c, k in f["trials"].items())
            p = "not computed" if f["p_value"] is None else f"{f['p_value']:.3f}"
            lines = [
                f"calibrated {name} on {self.seconds:.1f} s of data, {of}: "
                f"{sum(f['trials'].values())} epochs [{f['epoch'][0]:g}, {f['epoch'][1]:g}] s "
                f"around markers ({trials}), {f['channels']} channels",
                f"cross-validated accuracy {f['accuracy']:.3f} ({f['folds']} stratified folds), "
                f"chance {f['chance']:.3f} (majority class), permutation p = {p} "
                f"({f['permutations']} permutations)",
            ]
            key = "classify.model"
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"model: {self.path}", f'use it: `{key} = "{self.path}"`, then neurolink run']
        return "\n".join(lines)
