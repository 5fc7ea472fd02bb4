"""The center-out task: 8 targets on a circle, the subject's intent, and the score.

Pure logic with explicit state, no I/O: :meth:`CenterOutTask.update` takes the cursor position
(as the prosthesis reports it) and the time, advances the trial state machine and returns the
velocity the subject intends; a test drives it with any cursor. The engine glue that reads the
prosthesis and talks to the simulated subject is :mod:`neurolink.loop.session.closed_loop`.

Trials. The cursor starts at the center. A trial shows one of the ``n_targets`` targets on a
circle of ``radius`` (each target once per round, in a seeded random order); it succeeds when
the cursor stays within ``target_radius`` of it for ``hold_s``, and fails after ``timeout_s``.
The cursor then returns to the center (not scored; given ``timeout_s`` too) and the next trial
starts. Score: success rate, time to target (trial start → hold complete), and path efficiency
(straight distance from start to end of the trial / path length travelled), over the trials
that ended.

Intent. The subject intends to move towards the current target at ``speed`` (the simulator's
velocity units), slowing linearly within ``slow_radius`` of it: the ideal user the calibration
assumes, as in ReFIT (Gilja et al. 2012).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

__all__ = ["CenterOutParams", "CenterOutTask", "Phase", "TaskScore"]


class Phase(StrEnum):
    """Where the task is."""

    OUT = "out"  # a scored trial: reach the outer target
    BACK = "back"  # return to the center (not scored)


@dataclass(frozen=True)
class CenterOutParams:
    """Geometry and timing of the task (workspace units, seconds).

    Attributes
    ----------
    n_targets : int
        Targets on the circle.
    radius : float
        Distance of the targets from the center.
    target_radius : float
        A target is reached within this distance of its center.
    hold_s : float
        Time the cursor must stay on target.
    timeout_s : float
        Longest trial (and return).
    speed : float
        Intended speed far from the target (the subject's velocity units).
    slow_radius : float
        Within this distance of the target the intended speed falls linearly to 0.
    """

    n_targets: int = 8
    radius: float = 0.6
    target_radius: float = 0.12
    hold_s: float = 0.1
    timeout_s: float = 4.0
    speed: float = 1.0
    slow_radius: float = 0.25

    def __post_init__(self) -> None:
        if self.n_targets < 1 or not (0 < self.target_radius < self.radius):
            raise ValueError("need n_targets >= 1 and 0 < target_radius < radius")
        if self.hold_s < 0 or self.timeout_s <= 0 or self.speed <= 0 or self.slow_radius < 0:
            raise ValueError("need hold_s >= 0 and positive timeout_s and speed")

    def target(self, k: int) -> np.ndarray:
        """Position of target ``k`` (angle ``2πk/n``)."""
        a = 2.0 * math.pi * k / self.n_targets
        return np.array([self.radius * math.cos(a), self.radius * math.sin(a)])


@dataclass
class TaskScore:
    """Outcome of the scored trials so far.

    Attributes
    ----------
    trials : int
        Trials that ended.
    successes : int
    times_to_target : list of float
        Of the successful trials (s).
    path_efficiencies : list of float
        Of the successful trials, in (0, 1].
    """

    trials: int = 0
    successes: int = 0
    times_to_target: list[float] = field(default_factory=list)
    path_efficiencies: list[float] = field(default_factory=list)

    @property
    def success_rate(self) -> float:
        """Successes / trials (NaN before the first trial ended)."""
        return self.successes / self.trials if self.trials else float("nan")

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for the summary."""

        def med(v: list[float]) -> float | None:
            return round(float(np.median(v)), 4) if v else None

        return {
            "trials": self.trials,
            "successes": self.successes,
            "success_rate": None if not self.trials else round(self.success_rate, 4),
            "time_to_target_s_median": med(self.times_to_target),
            "path_efficiency_median": med(self.path_efficiencies),
        }


class CenterOutTask:
    """The trial state machine and the subject's intent.

    Parameters
    ----------
    params : CenterOutParams
    seed : int
        Seed of the target order.
    """

    def __init__(self, params: CenterOutParams | None = None, seed: int = 0) -> None:
        self.params = params or CenterOutParams()
        self._rng = np.random.default_rng(seed)
        self.score = TaskScore()
        #: Records ``trial_start`` / ``trial_end`` (dicts with ``event``), drained by the glue.
        self.events: list[dict[str, Any]] = []
        self.reset()

    def reset(self) -> None:
        """Start over at the first trial (the score is kept)."""
        self.trial = 0
        self.phase = Phase.BACK
        self.target_index = -1
        self.goal = np.zeros(2)
        self._order: list[int] = []
        self._t_start: float | None = None
        self._t_on: float | None = None
        self._start_pos = np.zeros(2)
        self._last_pos: np.ndarray | None = None
        self._path = 0.0
        self.intent = np.zeros(2)

    def _next_target(self) -> int:
        if not self._order:
            self._order = list(self._rng.permutation(self.params.n_targets))
        return int(self._order.pop())

    def _begin(self, phase: Phase, t: float, pos: np.ndarray) -> None:
        self.phase = phase
        self._t_start, self._t_on, self._path = t, None, 0.0
        self._start_pos = pos.copy()
        if phase is Phase.OUT:
            self.trial += 1
            self.target_index = self._next_target()
            self.goal = self.params.target(self.target_index)
            self.events.append(
                {
                    "event": "trial_start",
                    "trial": self.trial,
                    "target": self.goal.round(6).tolist(),
                    "target_index": self.target_index,
                    "t": t,
                }
            )
        else:
            self.goal = np.zeros(2)

    def update(self, t: float, cursor: np.ndarray | tuple[float, float]) -> np.ndarray:
        """Advance to time ``t`` with the cursor at ``cursor``; the intended velocity.

        Parameters
        ----------
        t : float
            Time (s), non-decreasing.
        cursor : array_like, shape (2,)
            Cursor position (workspace units).

        Returns
        -------
        numpy.ndarray of float64, shape (2,)
            Intended velocity (also in :attr:`intent`).
        """
        p = self.params
        pos = np.asarray(cursor, dtype=np.float64)
        if self._t_start is None:
            self._begin(Phase.BACK, t, pos)
        if self._last_pos is not None:
            self._path += float(np.hypot(*(pos - self._last_pos)))
        self._last_pos = pos.copy()
        assert self._t_start is not None
        dist = float(np.hypot(*(self.goal - pos)))
        if dist <= p.target_radius:
            if self._t_on is None:
                self._t_on = t
            if t - self._t_on >= p.hold_s:
                self._finish(t, pos, success=True)
        else:
            self._t_on = None
            if t - self._t_start >= p.timeout_s:
                self._finish(t, pos, success=False)
        return self._intend(pos)

    def _finish(self, t: float, pos: np.ndarray, *, success: bool) -> None:
        assert self._t_start is not None
        if self.phase is Phase.OUT:
            s = self.score
            s.trials += 1
            straight = float(np.hypot(*(pos - self._start_pos)))
            eff = min(1.0, straight / self._path) if self._path > 0 else 0.0
            record: dict[str, Any] = {
                "event": "trial_end",
                "trial": self.trial,
                "success": success,
                "t": t,
                "target_index": self.target_index,
                "duration": round(t - self._t_start, 6),
            }
            if success:
                s.successes += 1
                s.times_to_target.append(t - self._t_start)
                s.path_efficiencies.append(eff)
                record["time_to_target"] = round(t - self._t_start, 6)
                record["path_efficiency"] = round(eff, 6)
            self.events.append(record)
            self._begin(Phase.BACK, t, pos)
        else:
            self._begin(Phase.OUT, t, pos)

    def _intend(self, pos: np.ndarray) -> np.ndarray:
        p = self.params
        d = self.goal - pos
        dist = float(np.hypot(*d))
        if dist < 1e-9:
            self.intent = np.zeros(2)
        else:
            gain = 1.0 if p.slow_radius == 0 else min(1.0, dist / p.slow_radius)
            self.intent = d / dist * (p.speed * gain)
        return self.intent

    def take_events(self) -> list[dict[str, Any]]:
        """The task records since the last call."""
        out, self.events = self.events, []
        return out
