"""What a sweep checks before any task is submitted: that each recording has what its points need.

A sweep point replays a recording (:func:`~neurolink.loop.replay.run.replay`) with the point's
config and scores the decoded output against the recorded intent. A recording that lacks
something would otherwise fail on a worker minutes into the sweep, once per point. Here, on the
submitting machine, every recording is read once (:func:`read_recording`) and every point is
checked against it (:func:`check_point`):

- the file exists, is a file, is readable as a recording, and holds what any replay needs: the
  raw samples and the block boundaries, a config (its sidecar's or the one given), readable
  device limits (:func:`~neurolink.loop.replay.source.load_run` names what is missing);
- the point's graph builds on the recording's channels and rate with its recorded device
  limits: model files exist, hold a decoder fitted on these channels, decode the dimensions the
  graph names (:func:`~neurolink.loop.core.build.build_graph`, not warmed: nothing compiles);
- a graph with a decoder is scored: the recording holds the subject's intent (stream
  ``intent``), the target of R² and of command agreement;
- a calibrated decoder (``task.decoder`` with ``task.calibration_s > 0``) learns from the
  recorded intent, and the recording's data outlast the calibration, so that a closed loop
  follows it.

Each failure is one :class:`~neurolink.loop.replay.source.ReplayError` (or the reader's
:class:`~neurolink.errors.FileFormatError`) that names the recording, the point where it
matters, and what is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neurolink.errors import ConfigError, FileFormatError
from neurolink.loop.core.build import build_graph
from neurolink.loop.replay.source import RecordedRun, ReplayError, load_run
from neurolink.loop.session.config import Config
from neurolink.snn import make_backend

__all__ = ["check_point", "read_recording"]


def read_recording(given: str | Path, config: Config | None = None) -> RecordedRun:
    """Read a recording for a sweep, checking what every replay of it needs.

    Parameters
    ----------
    given : str or pathlib.Path
        The recording as the user typed it (named so in the errors); read at its absolute path.
    config : Config, optional
        The sweep's base config (used only when the sidecar holds none).

    Returns
    -------
    RecordedRun
        With ``path`` absolute.

    Raises
    ------
    FileFormatError
        Missing, not a file, or not readable as a recording.
    ReplayError
        No raw samples, no block boundaries, no config, unreadable device limits.
    """
    path = Path(given).resolve()
    if not path.exists():
        raise FileFormatError(f"{given}: no such recording")
    if not path.is_file():
        raise FileFormatError(f"{given}: not a recording file (a directory or a device)")
    try:
        return load_run(path, config)
    except OSError as exc:  # permissions, I/O errors: load_run names the format errors itself
        raise FileFormatError(f"{given}: cannot read: {exc.strerror or exc}") from exc


def _host_board(url: str) -> tuple[Any, Any]:
    """Networks placed on the neuromorphic board replay on the host ``fixed`` backend."""
    return make_backend("fixed"), lambda: None


def _where(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items()) or "the recorded config"


def check_point(
    run: RecordedRun, config: Config, params: dict[str, Any], *, scored: bool = True
) -> None:
    """Check that ``run`` has what a replay of it with ``config`` needs.

    Parameters
    ----------
    run : RecordedRun
        The recording (:func:`read_recording`).
    config : Config
        The point's config (validated).
    params : dict
        The point's grid values (named in the errors).
    scored : bool
        The point is scored against the recorded intent when its graph decodes (R²).

    Raises
    ------
    ReplayError
        One line naming the recording, the point and what is missing.
    """
    loop, where = config.loop, _where(params)
    limits = {sc.input: run.limits[sc.name] for sc in loop.sinks if sc.name in run.limits}
    try:
        parts = build_graph(
            loop, channels=run.channels, fs=run.rate, limits=limits, open_board=_host_board
        )
    except ConfigError as exc:
        raise ReplayError(
            f"{run.path}: the graph of the sweep point ({where}) does not build on this "
            f"recording ({len(run.channels)} channels at {run.rate:g} Hz): {exc}"
        ) from exc
    for close in reversed(parts.closers):
        close()
    decoders = [n.name for n in parts.graph.of_kind("decode")]
    has_intent = "intent" in run.session and len(run.session["intent"]) > 0
    task = loop.task
    if task is not None and task.decoder and task.calibration_s > 0:
        if not has_intent:
            why = f"the calibration of decoder {task.decoder!r} learns from it"
            raise _no_intent(run, where, why)
        if run.seconds <= task.calibration_s:
            raise ReplayError(
                f"{run.path}: holds {run.seconds:.3g} s of data; the sweep point ({where}) "
                f"calibrates its decoder for task.calibration_s = {task.calibration_s:g} s "
                "and leaves no closed loop to score"
            )
    if scored and decoders and not has_intent:
        raise _no_intent(run, where, f"decoder {decoders[0]!r} is scored against it (R²)")


def _no_intent(run: RecordedRun, where: str, why: str) -> ReplayError:
    if "intent" in run.session:
        state = "is empty (the session ran without a task or a subject's intent)"
    else:
        state = f"is not in it (recorded streams: {', '.join(run.session.streams) or 'none'})"
    return ReplayError(
        f"{run.path}: no recorded intent for the sweep point ({where}): the stream 'intent' "
        f"{state}; {why}"
    )
