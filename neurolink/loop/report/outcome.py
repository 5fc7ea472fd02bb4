"""The outcome figures of a report: the decoder against the intent, and the task.

R² is computed per phase (:mod:`.phases`): over the closed-loop bins, where the decoder drove
the cursor, and apart over the calibration bins, where the decoded output was the intent
itself. A constant intent has no R² (None, printed ``n/a``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from neurolink.loop.core.figures import WHOLE_RUN, r2_per_dim
from neurolink.loop.recording import RecordedStream
from neurolink.loop.report.phases import PhaseSpan, phase_mask
from neurolink.loop.report.streams import INTENT, TaskEvent

__all__ = [
    "CALIBRATION_TRIAL_END",
    "DecoderStats",
    "TaskStats",
    "decoder_stats",
    "paired_intent",
    "task_stats",
]

#: ``event`` of a task record the calibration (autopilot) phase wrote for a trial's end.
CALIBRATION_TRIAL_END = "calibration_trial_end"


@dataclass(frozen=True)
class DecoderStats:
    """Coefficient of determination of the decoder output against the intended output.

    Attributes
    ----------
    dims : tuple of str
        Channels present in both streams, in decoded order.
    r2 : dict of str to float or None
        ``1 − Σ(intent − decoded)² / Σ(intent − mean(intent))²`` per dimension (None when the
        intent is constant: :func:`~neurolink.loop.core.figures.r2_per_dim`).
    n_pairs : int
        Decoded bins paired with an intent sample (the latest at or before each bin).
    phase : str
        The bins' phase: ``closed_loop`` (the decoder drove the cursor), ``calibration`` (the
        decoded output was the intent itself), ``whole_run`` (phases not recorded).
    """

    dims: tuple[str, ...]
    r2: dict[str, float | None]
    n_pairs: int
    phase: str = WHOLE_RUN

    @property
    def mean_r2(self) -> float | None:
        """Mean R² over the dimensions where it is defined (None when it is nowhere)."""
        vals = [v for v in self.r2.values() if v is not None]
        return float(np.mean(vals)) if vals else None


@dataclass(frozen=True)
class TaskStats:
    """Task performance from the ``trial_end`` records.

    Attributes
    ----------
    n_trials, n_success : int
        Trials ended, and those with ``success`` true.
    success_rate : float
        ``n_success / n_trials``.
    mean_time_to_target : float or None
        Mean ``time_to_target`` (s) over successful trials that give one.
    mean_path_efficiency : float or None
        Mean ``path_efficiency`` over successful trials that give one.
    times_to_target, path_efficiencies : list of float
        The values of the successful trials (medians and means are over these).
    calibration_trials, calibration_successes : int
        Trials the autopilot ran during the calibration (``calibration_trial_end``).
    """

    n_trials: int
    n_success: int
    success_rate: float
    mean_time_to_target: float | None
    mean_path_efficiency: float | None
    times_to_target: list[float] = field(default_factory=list)
    path_efficiencies: list[float] = field(default_factory=list)
    calibration_trials: int = 0
    calibration_successes: int = 0

    @property
    def median_time_to_target(self) -> float | None:
        """Median time to target (s) of the successful trials."""
        return float(np.median(self.times_to_target)) if self.times_to_target else None


def paired_intent(
    decoded: RecordedStream, intent: RecordedStream, keep: np.ndarray | None = None
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Decoded bins and the intent in force at each (latest intent sample at or before it).

    ``keep`` (bool, one per decoded bin) selects bins (a phase).

    Returns
    -------
    dims : tuple of str
        Channels common to both streams, in decoded order.
    dec, want : numpy.ndarray of float64, shape (n_pairs, n_dims)
        Paired rows, non-finite rows dropped.
    """
    dims = tuple(c for c in decoded.channels if c in intent.channels)
    dec = np.asarray(decoded.data, np.float64)[:, [decoded.channels.index(c) for c in dims]]
    want_all = np.asarray(intent.data, np.float64)[:, [intent.channels.index(c) for c in dims]]
    j = np.searchsorted(intent.timestamps, decoded.timestamps, side="right") - 1
    have = j >= 0 if keep is None else (j >= 0) & keep
    dec, want = dec[have], want_all[j[have]]
    ok = np.all(np.isfinite(dec), axis=1) & np.all(np.isfinite(want), axis=1)
    return dims, dec[ok], want[ok]


def decoder_stats(
    decoded: RecordedStream,
    intent: RecordedStream,
    spans: list[PhaseSpan] | None = None,
    phase: str = WHOLE_RUN,
) -> DecoderStats | str:
    """R² of ``decoded`` against ``intent`` per common channel over the bins of ``phase``
    (default all), or why it cannot be computed."""
    keep = None if phase == WHOLE_RUN else phase_mask(decoded.timestamps, spans or [], phase)
    dims, dec, want = paired_intent(decoded, intent, keep)
    if not dims:
        return (
            f"no channel in common between {decoded.name!r} {list(decoded.channels)} and "
            f"{intent.name!r} {list(intent.channels)}"
        )
    if len(dec) < 2:
        where = "" if phase == WHOLE_RUN else f" in the {phase.replace('_', ' ')}"
        return f"fewer than 2 decoded bins paired with {INTENT!r} samples{where}"
    r2 = r2_per_dim(want, dec)
    return DecoderStats(dims, dict(zip(dims, r2, strict=True)), len(dec), phase)


def _mean_of(ends: Sequence[TaskEvent], key: str) -> float | None:
    vals = [e.fields.get(key) for e in ends]
    nums = [float(v) for v in vals if isinstance(v, int | float) and np.isfinite(v)]
    return float(np.mean(nums)) if nums else None


def _values_of(ends: Sequence[TaskEvent], key: str) -> list[float]:
    vals = [e.fields.get(key) for e in ends]
    return [float(v) for v in vals if isinstance(v, int | float) and np.isfinite(v)]


def task_stats(ends: list[TaskEvent], calibration_ends: Sequence[TaskEvent] = ()) -> TaskStats:
    """Success rate, times to target and path efficiencies of ``trial_end`` records (the
    closed loop), and the autopilot's trials of the calibration."""
    wins = [e for e in ends if e.fields.get("success") is True]
    cal_wins = [e for e in calibration_ends if e.fields.get("success") is True]
    return TaskStats(
        n_trials=len(ends),
        n_success=len(wins),
        success_rate=len(wins) / len(ends) if ends else float("nan"),
        mean_time_to_target=_mean_of(wins, "time_to_target"),
        mean_path_efficiency=_mean_of(wins, "path_efficiency"),
        times_to_target=_values_of(wins, "time_to_target"),
        path_efficiencies=_values_of(wins, "path_efficiency"),
        calibration_trials=len(calibration_ends),
        calibration_successes=len(cal_wins),
    )
