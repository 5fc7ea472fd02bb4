"""The phases of a recorded run (calibration, closed loop) from its ``loop`` events.

The engine records a ``phase`` loop event (``{"event": "phase", "phase": ...}``) when a run
starts and whenever its phase changes (:mod:`neurolink.loop.core.engine`). A recording made
before that has only ``fit`` events: calibration before the first fit, closed loop after. A
recording with neither is one phase of unknown kind, reported as the whole run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurolink.loop.core.figures import CALIBRATION, CLOSED_LOOP, WHOLE_RUN
from neurolink.loop.recording import RecordedStream, Session

__all__ = ["LOOP", "PhaseSpan", "loop_events", "phase_mask", "phase_spans", "phases_of"]

#: Name of the engine's event stream (one JSON object per sample).
LOOP = "loop"


@dataclass(frozen=True)
class PhaseSpan:
    """A stretch of host time in one phase: ``start <= t < stop`` (s)."""

    phase: str
    start: float
    stop: float


def loop_events(session: Session) -> list[tuple[float, dict[str, Any]]]:
    """The ``loop`` stream's JSON objects with their time stamps (empty without one)."""
    if LOOP not in session:
        return []
    stream: RecordedStream = session[LOOP]
    if stream.fmt != "string" or len(stream.channels) != 1:
        return []
    out = []
    for text, t in zip(stream.labels(), stream.timestamps, strict=True):
        try:
            obj = json.loads(text)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("event"), str):
            out.append((float(t), obj))
    return out


def phase_spans(events: list[tuple[float, dict[str, Any]]]) -> list[PhaseSpan]:
    """Consecutive phases over all time (the first from −∞, the last to +∞).

    Parameters
    ----------
    events : list of (float, dict)
        From :func:`loop_events`.
    """
    marks = [(t, str(e.get("phase"))) for t, e in events if e["event"] == "phase"]
    if not marks:
        fits = [t for t, e in events if e["event"] == "fit"]
        marks = [(-np.inf, CALIBRATION), (fits[0], CLOSED_LOOP)] if fits else []
    if not marks:
        return [PhaseSpan(WHOLE_RUN, -np.inf, np.inf)]
    spans = []
    for k, (t, phase) in enumerate(marks):
        start = -np.inf if k == 0 else t
        stop = marks[k + 1][0] if k + 1 < len(marks) else np.inf
        if spans and spans[-1].phase == phase:
            spans[-1] = PhaseSpan(phase, spans[-1].start, stop)
        else:
            spans.append(PhaseSpan(phase, start, stop))
    return spans


def phases_of(spans: list[PhaseSpan]) -> list[str]:
    """The distinct phases, in order of first appearance."""
    return list(dict.fromkeys(s.phase for s in spans))


def phase_mask(timestamps: np.ndarray, spans: list[PhaseSpan], phase: str) -> np.ndarray:
    """Which time stamps fall in ``phase`` (all of them for :data:`WHOLE_RUN`)."""
    ts = np.asarray(timestamps, np.float64)
    if phase == WHOLE_RUN:
        return np.ones(ts.shape, bool)
    mask = np.zeros(ts.shape, bool)
    for s in spans:
        if s.phase == phase:
            mask |= (ts >= s.start) & (ts < s.stop)
    return mask
