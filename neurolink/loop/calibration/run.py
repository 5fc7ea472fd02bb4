"""``neurolink calibrate``: record a calibration block, fit the configured decoder, save it.

:func:`calibrate` runs the config's source through the graph up to the node being calibrated
(see :mod:`neurolink.loop.calibration.config` for how it is chosen), with its labels:

- **kinematics** (a decode node): the binned counts of the node's input, each bin labelled with
  the kinematics in force at its centre. On the simulated subject the subject is driven along
  center-out reaches by an :class:`~neurolink.loop.calibration.record.Autopilot` (the task of
  ``[loop.task]``, or the default one) and the labels are its own intent stream, i.e. what it
  actually intended, control latency included; elsewhere they come from a named LSL stream.
  The node's decoder (``decode.method`` …) is fitted; cross-validated R² per dimension.
- **classes** (otherwise): epochs of the samples around markers — the source's own (a file's
  annotations) or a marker stream — and an :class:`~neurolink.decode.EEGClassDecoder`;
  cross-validated accuracy, chance level and a permutation p-value.

The model file is what ``neurolink run`` loads: ``decode.model`` (or ``classify.model``) of a
node with the same input, on a source with the same channels. Research use only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from neurolink.errors import ConfigError
from neurolink.loop.calibration.classes import classes_result, record_classes
from neurolink.loop.calibration.config import SOURCE, target_node
from neurolink.loop.calibration.kinematics import kinematics_result, record_kinematics
from neurolink.loop.calibration.result import CalibrationResult
from neurolink.loop.session.config import Config
from neurolink.streams.config import FileConfig

__all__ = ["CalibrationResult", "calibrate"]


def calibrate(
    config: Config,
    *,
    duration: float | None = None,
    out: str | Path | None = None,
    folds: int | None = None,
    permutations: int | None = None,
    status_out: TextIO | None = None,
) -> CalibrationResult:
    """Record, fit, cross-validate and save (see the module docstring).

    Parameters
    ----------
    config : Config
        Validated; ``[loop.calibration]`` says what is calibrated.
    duration : float, optional
        Seconds of data (default: see
        :class:`~neurolink.loop.calibration.config.CalibrationConfig`).
    out : path-like, optional
        Model file (default: ``calibration.out``, the decode node's ``save``, or
        ``<session>-<node>.npz`` in the working directory).
    folds, permutations : int, optional
        Override ``calibration.folds`` / ``calibration.permutations``.
    status_out : TextIO, optional
        Progress line.

    Raises
    ------
    CalibrationError
        Too short (how much more is needed, in the message and ``have``/``need``), or no labels.
    ConfigError, SourceError
        What cannot be set up or read.
    """
    cal = config.loop.calibration
    node, mode = target_node(config.loop)
    seconds = _duration(config, mode, duration)
    n_folds = cal.folds if folds is None else folds
    if n_folds < 2:
        raise ConfigError(f"--folds must be >= 2, got {n_folds}")
    path = _out_path(config, node, mode, out)
    path.parent.mkdir(parents=True, exist_ok=True)  # before recording, not after
    if mode == "kinematics":
        X, Y, channels, bin_s, taken = record_kinematics(config, node, seconds, status_out)
        result = kinematics_result(config, node, X, Y, channels, bin_s, n_folds, taken)
    else:
        recorded = record_classes(config, node, seconds, status_out)
        n_perm = cal.permutations if permutations is None else permutations
        result = classes_result(config, node, recorded, n_folds, n_perm)
    result.path = result.decoder.save(path)
    return result


# ---- what, where, how long --------------------------------------------------------------------
def _duration(config: Config, mode: str, given: float | None) -> float | None:
    if given is not None:
        if not given > 0:
            raise ConfigError(f"--duration must be > 0 s, got {given}")
        return given
    task = config.loop.task
    if config.loop.calibration.duration is not None:
        return config.loop.calibration.duration
    if mode == "kinematics" and task is not None and task.calibration_s > 0:
        return task.calibration_s
    if config.session.duration is not None:
        return config.session.duration
    src = config.source
    if isinstance(src, FileConfig) and not src.loop:
        return None  # to the end of the file
    raise ConfigError(
        "how much data to calibrate on? give --duration, or `loop.calibration.duration`"
    )


def _out_path(config: Config, node: str, mode: str, given: str | Path | None) -> Path:
    if given is not None:
        return Path(given)
    if config.loop.calibration.out is not None:
        return config.loop.calibration.out
    if mode == "kinematics":
        save = config.loop.node(node).decode.save  # type: ignore[union-attr]
        if save is not None:
            return save
    return Path.cwd() / f"{config.session.name}-{'classes' if node == SOURCE else node}.npz"
