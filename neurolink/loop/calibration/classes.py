"""Classes calibration: epochs of the samples around markers, an EEG class decoder.

:func:`record_classes` runs the graph up to the node whose samples are epoched (the input of a
classify node, a samples node, or the source itself) and keeps the samples with their host
timestamps, and the markers: the source's own (a file's annotations, played by the
:class:`~neurolink.streams.player.FilePlayer`) or those of the marker stream named by
``loop.calibration.markers``. :func:`fit_classes` cuts an epoch around each marker of the
classes, fits an :class:`~neurolink.decode.EEGClassDecoder` and scores it: stratified
cross-validated accuracy, the majority-class chance level and a permutation p-value.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from neurolink.decode import CalibrationError, EEGClassDecoder
from neurolink.errors import ConfigError
from neurolink.loop.calibration import fit
from neurolink.loop.calibration.config import SOURCE
from neurolink.loop.calibration.record import (
    Progress,
    Rows,
    chain_to,
    open_source,
    pump,
    tolerances_of,
)
from neurolink.loop.calibration.result import CalibrationResult
from neurolink.loop.core.open import open_graph
from neurolink.loop.session.config import Config
from neurolink.sim.source_config import SimulatedConfig
from neurolink.streams.events import MARKER_DTYPE
from neurolink.streams.lsl_markers import LSLMarkerSource

__all__ = ["Samples", "classes_result", "record_classes"]


@dataclass
class Samples:
    """A recorded calibration block of samples and the markers received with it.

    Attributes
    ----------
    data : numpy.ndarray of float32, shape (n_samples, n_channels)
    timestamps : numpy.ndarray of float64, shape (n_samples,)
        Host time of each sample (s).
    markers : numpy.ndarray of MARKER_DTYPE
    channels : tuple of str
    rate : float
        Hz.
    seconds : float
        Seconds of data taken.
    where : str
        Where the markers came from (for messages).
    """

    data: np.ndarray
    timestamps: np.ndarray
    markers: np.ndarray
    channels: tuple[str, ...]
    rate: float
    seconds: float
    where: str


def record_classes(
    config: Config, node: str, seconds: float | None, status_out: TextIO | None
) -> Samples:
    """Record the samples that ``node`` epochs, and the markers.

    Parameters
    ----------
    config : Config
    node : str
        A classify node (its input's samples), a samples node, or ``"source"``.
    seconds : float or None
        Seconds of data (None: to the end of a file).
    status_out : TextIO or None
        Progress line.

    Raises
    ------
    ConfigError
        The simulated subject with no marker stream named.
    """
    loop, cal = config.loop, config.loop.calibration
    if isinstance(config.source, SimulatedConfig) and cal.markers is None:
        raise ConfigError(
            "`loop.calibration.markers`: the simulated subject sends no markers; name the "
            "marker stream that labels the classes (or calibrate a decode node)"
        )
    tap = node if node == SOURCE or loop.node(node).kind != "classify" else loop.node(node).input
    tap = tap or SOURCE
    with contextlib.ExitStack() as stack:
        src, _, _ = open_source(config, seconds, stack)
        marks: Any = src
        if cal.markers is not None:
            marks = LSLMarkerSource(cal.markers)
            marks.open()
            stack.callback(marks.close)
        where = f"marker stream {cal.markers!r}" if cal.markers else f"source {src.name!r}"
        parts = open_graph(chain_to(loop, tap), channels=src.channels, fs=src.rate, stack=stack)
        g = parts.graph
        at = None if tap == SOURCE else g.index(tap)
        data, stamps = Rows(len(src.channels), np.float32), Rows(0, np.float64)
        markers: list[np.ndarray] = []
        progress = Progress(status_out, seconds)

        def on_chunk(block: Any, a: int, b: int, tick: Any) -> None:
            data.add(block.data[a:b] if at is None else g.outputs[at])
            stamps.add(block.timestamps[a:b])

        def on_block(tick: Any, n: int) -> None:
            markers.append(marks.read_markers())
            got = sum(len(m) for m in markers)
            progress.update(n / src.rate, f"{got} markers")

        limit = None if seconds is None else round(seconds * src.rate)
        taken = pump(src, g, limit=limit, on_chunk=on_chunk, on_block=on_block,
                     tolerances=tolerances_of(loop))  # fmt: skip
        progress.done()
        time.sleep(0.2)  # markers are pushed after their samples: let the last ones arrive
        markers.append(marks.read_markers())
        every = np.concatenate([np.zeros(0, MARKER_DTYPE), *markers])
        return Samples(
            data.array, stamps.array, every, tuple(src.channels), src.rate, taken / src.rate,
            where if tap == SOURCE else f"{where}, samples of node {tap!r}",
        )  # fmt: skip


def classes_result(
    config: Config, node: str, rec: Samples, n_folds: int, n_perm: int
) -> CalibrationResult:
    """Cut epochs around the markers of the classes, fit the EEG class decoder, score it.

    Raises
    ------
    CalibrationError
        No markers of the classes (no labels), no epoch inside the data, too few trials.
    """
    cal = config.loop.calibration
    seen = sorted(set(rec.markers["label"].tolist()))
    classes = list(cal.classes) or seen
    if not set(classes) & set(seen):
        got = ", ".join(seen) if seen else "none"
        raise CalibrationError(
            f"no labels: none of the classes {', '.join(classes) or '(any)'} among the markers "
            f"received from the {rec.where} in {rec.seconds:.1f} s of data (labels received: "
            f"{got})",
            have=0,
        )
    X, y, left_out = fit.epochs_at_markers(
        rec.data, rec.timestamps, rec.markers, rec.rate, classes, cal.epoch
    )
    if not len(y):
        raise CalibrationError(
            f"no epochs: the {left_out} markers of {', '.join(classes)} received all have "
            f"epochs [{cal.epoch[0]:g}, {cal.epoch[1]:g}] s reaching outside the "
            f"{rec.seconds:.1f} s of data; record longer",
            have=0,
        )

    def make() -> EEGClassDecoder:
        return EEGClassDecoder(
            rec.rate, cal.bands, cal.window_s, cal.filter_order, cal.n_components or None
        )

    res = fit.fit_classes(
        make, X, y, n_folds=n_folds, n_permutations=n_perm, seed=cal.seed, channels=rec.channels
    )
    notes = list(dict.fromkeys(res.notes))
    if left_out:
        notes.append(f"{left_out} marker(s) left out: their epoch reaches outside the data")
    figures = {
        "accuracy": res.accuracy,
        "fold_accuracy": res.fold_accuracy.tolist(),
        "chance": res.chance,
        "p_value": res.p_value,
        "permutations": res.n_permutations,
        "trials": res.trials,
        "folds": n_folds,
        "epoch": cal.epoch,
        "channels": len(rec.channels),
    }
    return CalibrationResult("classes", node, Path(), res.decoder, rec.seconds, figures, notes)
