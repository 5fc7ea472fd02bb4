"""The center-out task as pure logic: driven by a cursor the test moves."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.sim.task import CenterOutParams, CenterOutTask, Phase

DT = 0.02  # a cursor report every 20 ms, as the emulated prosthesis sends them


def drive(
    task: CenterOutTask, seconds: float, gain: float, noise: float = 0.0, seed: int = 0
) -> np.ndarray:
    """Integrate ``gain × intent`` (+ noise) as the cursor; the path."""
    rng = np.random.default_rng(seed)
    pos = np.zeros(2)
    path = []
    for k in range(round(seconds / DT)):
        v = task.update(k * DT, pos) * gain + noise * rng.normal(size=2)
        pos = pos + v * DT
        path.append(pos.copy())
    return np.array(path)


def test_an_ideal_cursor_reaches_every_target_straight() -> None:
    task = CenterOutTask(CenterOutParams(), seed=0)
    drive(task, 40.0, gain=0.6)
    s = task.score
    assert s.trials >= 8 and s.successes == s.trials
    assert min(s.path_efficiencies) > 0.95
    # 0.6 - 0.12 at up to 0.6/s, slowing within 0.25: about a second, plus the 0.1 s hold
    assert 0.8 < np.median(s.times_to_target) < 2.0
    starts = [e for e in task.take_events() if e["event"] == "trial_start"]
    assert {e["target_index"] for e in starts[:8]} == set(range(8))  # each target once a round
    assert all(np.hypot(*e["target"]) == pytest.approx(0.6) for e in starts)


def test_a_cursor_that_does_not_move_fails_every_trial_by_timeout() -> None:
    task = CenterOutTask(CenterOutParams(timeout_s=2.0))
    drive(task, 20.0, gain=0.0)
    s = task.score
    assert s.trials >= 4 and s.successes == 0 and s.success_rate == 0.0
    ends = [e for e in task.take_events() if e["event"] == "trial_end"]
    assert all(e["duration"] == pytest.approx(2.0, abs=1.5 * DT) for e in ends)
    assert s.as_dict()["time_to_target_s_median"] is None


def test_a_noisy_cursor_travels_a_longer_path() -> None:
    task = CenterOutTask(CenterOutParams(timeout_s=6.0), seed=1)
    drive(task, 60.0, gain=0.6, noise=0.8, seed=2)
    s = task.score
    assert s.successes >= 5
    assert np.median(s.path_efficiencies) < 0.95


def test_intent_points_at_the_target_and_slows_near_it() -> None:
    task = CenterOutTask(CenterOutParams(speed=1.0, slow_radius=0.25, hold_s=0.0))
    task.update(0.0, (0.0, 0.0))  # at the center: the first trial starts
    assert task.phase is Phase.OUT
    goal = task.goal
    far = task.update(0.02, (0.0, 0.0))
    np.testing.assert_allclose(far, goal / np.hypot(*goal))
    near = task.update(0.04, goal * (1 - 0.2 / 0.6))  # 0.2 from the target
    assert np.hypot(*near) == pytest.approx(0.2 / 0.25)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="target_radius"):
        CenterOutParams(radius=0.1, target_radius=0.2)
