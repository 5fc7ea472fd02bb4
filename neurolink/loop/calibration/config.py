"""``[loop.calibration]``: what ``neurolink calibrate`` records, how it labels it, what it fits.

The section is optional; every key has a default. Which decoder is calibrated follows from
``node``:

- a ``decode`` node (the default when the loop has one): **kinematics**. The graph runs up to the
  node's binned counts; each bin is labelled with the kinematics in force at its centre, read
  from an LSL stream (``kinematics``; for the simulated subject, its own ``<name>-intent``
  stream while a scripted center-out autopilot drives it); the node's decoder (``decode.method``
  …) is fitted and scored by cross-validated R² on contiguous folds.
- a ``classify`` node, a node that outputs samples (``filter``, ``reref``) or ``"source"`` (the
  default when there is no decode node): **classes**. The samples that node reads (or gives) are
  cut into epochs around markers — a marker stream (``markers``) or the source's own markers (a
  file's annotations) — and an :class:`~neurolink.decode.EEGClassDecoder` is fitted and scored by
  stratified cross-validated accuracy, with the chance level and a permutation p-value.

Defined here beside its users; :class:`~neurolink.loop.core.config.LoopConfig` holds it as its
``calibration`` field (this module imports only the config engine and the port table, so the
schema can load it without the loop).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Self

from neurolink.config.tables import Scope, setting
from neurolink.loop.core.ports import Port
from neurolink.loop.core.registry import node_kinds

__all__ = ["SOURCE", "CalibrationConfig", "check_calibration", "target_node"]

#: ``node = "source"``: epochs of the source's own samples.
SOURCE = "source"


@dataclasses.dataclass(frozen=True)
class CalibrationConfig:
    """``[loop.calibration]``.

    Attributes
    ----------
    node : str or None
        The node to calibrate: a decode node (kinematics), or a classify node, a samples node or
        ``"source"`` (classes). Default: the first decode node, else the first classify node,
        else ``"source"``.
    duration : float or None
        Seconds of data to record. Default: the task's ``calibration_s`` (kinematics with a
        task), else ``session.duration``, else to the end of a (non-looping) file.
    folds : int
        Cross-validation folds.
    out : Path or None
        Model file to write (relative to the config's folder). Default: the decode node's
        ``save``, else ``<session name>-<node>.npz`` in the working directory.
    kinematics : str or None
        Kinematics mode: name of the LSL stream carrying the kinematics, one channel per
        decoded dimension. Default (simulated subject only): the subject's intent stream.
    markers : str or None
        Classes mode: name of an LSL marker stream. Default: the source's own markers.
    classes : tuple of str
        Classes mode: the marker labels that are classes (default: every label received).
    epoch : (float, float)
        Classes mode: epoch span around each marker (s). Include a lead-in of about a second
        before the part that matters, which is the last ``window_s`` seconds.
    bands, window_s, filter_order, n_components
        Classes mode: the :class:`~neurolink.decode.EEGClassDecoder`'s pass bands (Hz), power
        window (s), Butterworth order and CSP filters per band (0: no CSP).
    permutations : int
        Classes mode: label permutations for the p-value (0: none).
    seed : int
        Seed of the folds and permutations (classes) and of the autopilot's target order.
    """

    node: str | None = None
    duration: float | None = setting(None, gt=0)
    folds: int = setting(5, ge=2)
    out: Path | None = None
    kinematics: str | None = None
    markers: str | None = None
    classes: tuple[str, ...] = ()
    epoch: tuple[float, float] = (-1.0, 3.0)
    bands: tuple[tuple[float, float], ...] = ((8.0, 12.0), (13.0, 30.0))
    window_s: float = setting(2.0, gt=0)
    filter_order: int = setting(4, ge=1, le=8)
    n_components: int = setting(4, ge=0)
    permutations: int = setting(100, ge=0)
    seed: int = setting(0, ge=0)

    def validate(self, scope: Scope) -> Self:
        """Epoch span, power window and bands that make sense together."""
        a, b = self.epoch
        if not a < b:
            raise scope.error("epoch", f"need start < stop (s), got [{a:g}, {b:g}]")
        if self.window_s > b - a:
            raise scope.error(
                "window_s", f"the power window ({self.window_s:g} s) is longer than the epoch "
                f"({b - a:g} s, `epoch` = [{a:g}, {b:g}])",
            )  # fmt: skip
        for i, (lo, hi) in enumerate(self.bands):
            if not 0 < lo < hi:
                raise scope.error("bands", f"band {i} must be 0 < low < high Hz, got {lo}-{hi}")
        if len(set(self.classes)) != len(self.classes) or len(self.classes) == 1:
            raise scope.error("classes", f"give two or more distinct labels, got {self.classes}")
        return self


def target_node(loop: Any) -> tuple[str, str]:
    """The node calibrated and the mode: ``(name, "kinematics" | "classes")``.

    Parameters
    ----------
    loop : LoopConfig
        Validated (every node has its input).
    """
    registry = node_kinds()
    name = loop.calibration.node
    if name is None:
        mode = {n.name: getattr(registry[n.kind], "calibrates", None) for n in loop.nodes}
        first = next((n for n, m in mode.items() if m == "kinematics"), None)
        first = first or next((n for n, m in mode.items() if m == "classes"), None)
        name = first or SOURCE
    if name == SOURCE:
        return SOURCE, "classes"
    mode = getattr(registry[loop.node(name).kind], "calibrates", None)
    return name, "kinematics" if mode == "kinematics" else "classes"


def check_calibration(loop: Any, scope: Scope) -> Any:
    """Check that ``calibration.node`` is a node that can be calibrated (run at load time).

    Parameters
    ----------
    loop : LoopConfig
        Wired by :func:`neurolink.loop.core.wiring.check_loop`.
    scope : Scope
        Where ``[loop]`` is in the file.

    Returns
    -------
    LoopConfig
        Unchanged.
    """
    name = loop.calibration.node
    if name is None or name == SOURCE:
        return loop
    registry = node_kinds()
    kinds = {n.name: n.kind for n in loop.nodes}
    ok = [
        n
        for n, k in kinds.items()
        if getattr(registry[k], "calibrates", None) or registry[k].output is Port.SAMPLES
    ]
    if name not in ok:
        what = f"a {kinds[name]!r} node" if name in kinds else "not a node"
        raise scope.context.error(
            (*scope.path, "calibration", "node"),
            f"{name!r} is {what}; calibrate a decode node (kinematics), or a classify node, a "
            f"node that outputs samples or {SOURCE!r} (classes): {', '.join(ok) or 'none'}",
        )
    return loop
