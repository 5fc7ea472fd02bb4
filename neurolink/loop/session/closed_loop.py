"""The closed center-out loop with the simulated subject: calibration, then closed loop.

:class:`CenterOutHook` runs after every block of the engine. Whenever the prosthesis reports a
new cursor position (PROSTHESIS_STATE through the driver) it advances the
:class:`~neurolink.sim.task.CenterOutTask`, pushes the velocity the subject now intends to the
subject's control stream, and records cursor, intent and task events.

Phases:

1. **calibration** (open loop, ``calibration_s`` of data): the decode node outputs the intended
   velocity itself (the autopilot moves the cursor along center-out paths) and keeps every
   bin's counts with the intent in force at the bin's centre (:meth:`intent_at`);
2. the decoder is fitted between two blocks (:meth:`~neurolink.loop.core.engine.Engine.pause`: the
   blocks queued meanwhile are then caught up with commands held back) and, when the session
   is recorded, saved next to the recording (``<stem>.<node>.npz``) for replay;
3. **closed loop**: the decoded velocity drives the cursor and the task is scored from here.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from neurolink.clock import now
from neurolink.decode import Decoder
from neurolink.hal.drivers import ProsthesisDriver
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.decode import DecodeNode
from neurolink.sim.subject import IntentControl
from neurolink.sim.task import CenterOutTask, TaskScore

if TYPE_CHECKING:
    from neurolink.loop.core.engine import Engine

__all__ = ["CenterOutHook"]

_HISTORY = 4096  # intents kept for labelling calibration bins (≈80 s at 50 Hz)


class CenterOutHook:
    """Task glue between the prosthesis, the subject and the decoder's calibration.

    Parameters
    ----------
    task : CenterOutTask
    prosthesis : ProsthesisDriver
        Reports the cursor position.
    control : IntentControl or None
        Where the subject's intent goes: the control stream of the subject on LSL, or the
        in-process subject itself (None: a subject that is not simulated).
    decode : DecodeNode or None
        Calibrated for ``calibration_s`` first when given.
    calibration_s : float
        Seconds of data in the calibration phase (0: closed loop from the start).
    make_decoder : callable, optional
        Returns the (unfitted) decoder to fit; default the node's own.
    channels : sequence of str, optional
        Labels of the count columns (stored with the model).
    clock : callable returning float
        Host clock of the intent history (s).
    """

    name = "task"

    def __init__(
        self,
        task: CenterOutTask,
        prosthesis: ProsthesisDriver,
        control: IntentControl | None,
        *,
        decode: DecodeNode | None = None,
        calibration_s: float = 0.0,
        make_decoder: Callable[[], Decoder] | None = None,
        channels: Sequence[str] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.task, self.prosthesis, self.control = task, prosthesis, control
        self.decode, self.calibration_s = decode, float(calibration_s)
        self.make_decoder, self.channels = make_decoder, channels
        self.clock = clock or now
        self._t_report: float | None = None
        self._times: list[float] = []
        self._intents: list[tuple[float, float]] = []
        self.calibration: dict[str, Any] = {}
        self.calibration_score = TaskScore()
        self.phase = "closed_loop"
        if decode is not None and calibration_s > 0:
            self.phase = "calibration"
            decode.start_calibration(self.intent_at)

    # ---- the subject's intent ----------------------------------------------------------------
    def intent_at(self, t: float) -> tuple[float, float]:
        """The intent in force at host time ``t``: the last one pushed at or before it."""
        k = bisect.bisect_right(self._times, t) - 1
        return self._intents[k] if k >= 0 else (0.0, 0.0)

    def _push(self, intent: np.ndarray) -> float:
        """Push an intent to the subject and the history; the host time it took effect."""
        t = self.clock()
        if self.control is not None:
            self.control.push(intent)
        self._times.append(t)
        self._intents.append((float(intent[0]), float(intent[1])))
        if len(self._times) > 2 * _HISTORY:
            del self._times[:_HISTORY], self._intents[:_HISTORY]
        return t

    # ---- hook --------------------------------------------------------------------------------
    def on_block(self, engine: Engine, tick: Tick) -> None:
        """Follow a new cursor report; switch to closed loop when calibration is done."""
        rep = self.prosthesis.state
        if rep is not None and rep.t_rx != self._t_report:
            self._t_report = rep.t_rx
            pos = np.asarray(rep.positions[:2], np.float64)
            intent = self.task.update(rep.t_rx, pos)
            t_push = self._push(intent)
            records = self.task.take_events()
            if self.phase == "calibration":
                for r in records:
                    r["event"] = f"calibration_{r['event']}"
            if engine.recorder is not None:
                # the intent at its push time: the history the calibration labels bins from
                engine.recorder.cursor_intent(rep.t_rx, rep.positions, intent, t_push)
                engine.recorder.task_records(records, rep.t_rx)
        if self.phase == "calibration" and engine.sample_time >= self.calibration_s:
            self._fit(engine)

    def _fit(self, engine: Engine) -> None:
        assert self.decode is not None
        node = self.decode
        with engine.pause("decoder fitted"):
            t0 = self.clock()
            dec = node.fit(
                self.channels, decoder=self.make_decoder() if self.make_decoder else None
            )
            self.calibration = {
                "bins": node.n_calibration,
                "fit_s": round(self.clock() - t0, 3),
                "decoder": type(dec).__name__,
                "autopilot": self.task.score.as_dict(),
            }
            if node.chip_facts:  # fit_s includes compiling onto the chip, before the loop
                self.calibration["compile_s"] = node.chip_facts["compile_s"]
            if engine.recorder is not None:  # for replay: the model as fitted, by sample index
                path = engine.recorder.save_model(
                    node.name, dec, engine.tick.last_index, t0, bins=node.n_calibration
                )
                self.calibration["model"] = path.name
        self.calibration_score = self.task.score
        self.task.score = TaskScore()
        self.task.reset()
        self.phase = "closed_loop"
        for mapper in engine.graph.of_kind("velocity"):
            mapper.reset()

    def on_stop(self, engine: Engine) -> None:
        """Tell the subject to intend nothing."""
        if self.control is not None:
            self.control.push(np.zeros(2))

    def status(self) -> str:
        """How the decoder is fitted, then the score: in calibration ``decoder fit at 15 s, loop
        paused`` (the fit is done between two blocks, the loop waits for it and the devices
        get nothing meanwhile), in closed loop ``decoder fitted in 0.14 s (loop paused) | task
        5/6`` (targets hit / trials; the engine prints the phase)."""
        if self.phase == "calibration":
            if self.decode is None:
                return ""
            return f"decoder fit at {self.calibration_s:g} s, loop paused"
        s = self.task.score
        fit = self.calibration.get("fit_s")
        fitted = "" if fit is None else f"decoder fitted in {fit:.2f} s (loop paused) | "
        return f"{fitted}task {s.successes}/{s.trials}"

    def summary(self) -> dict[str, Any]:
        """Closed-loop score (``trials``, ``successes``, ``success_rate``, medians and means
        over the successful trials; all zero when the run ended in calibration), the values it
        is computed from (``closed_loop``: times to target and path efficiencies, 6 decimals as
        recorded), task parameters and the calibration (``autopilot``: its score)."""
        p = self.task.params
        calibrating = self.phase == "calibration"
        score = TaskScore() if calibrating else self.task.score
        autopilot = self.task.score if calibrating else self.calibration_score
        times = [round(t, 6) for t in score.times_to_target]
        effs = [round(e, 6) for e in score.path_efficiencies]
        calibration = {**self.calibration, "seconds": self.calibration_s}
        if self.decode is not None and self.calibration_s > 0:
            calibration["autopilot"] = autopilot.as_dict()
        return {
            **score.as_dict(),
            "time_to_target_s_mean": round(float(np.mean(times)), 4) if times else None,
            "path_efficiency_mean": round(float(np.mean(effs)), 4) if effs else None,
            "closed_loop": {"times_to_target_s": times, "path_efficiencies": effs},
            "phase": self.phase,
            "params": {
                "n_targets": p.n_targets,
                "radius": p.radius,
                "target_radius": p.target_radius,
                "hold_s": p.hold_s,
                "timeout_s": p.timeout_s,
                "speed": p.speed,
            },
            "calibration": calibration,
        }
