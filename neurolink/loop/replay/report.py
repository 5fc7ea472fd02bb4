"""A replay's summary (JSON-ready) and its text for the terminal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from neurolink.loop.core.figures import CLOSED_LOOP, figure_line
from neurolink.loop.recording.sidecar import versions
from neurolink.loop.replay.compare import StreamDiff
from neurolink.loop.replay.source import RecordedRun
from neurolink.loop.session.config import Config, config_to_dict

__all__ = ["build_replay_summary", "closed_loop_from", "config_changes", "format_replay"]

_TASK_KEYS = ("successes", "trials", "success_rate", "time_to_target_s_median")
#: Versions that change what a replay computes.
_VERSION_KEYS = ("neurolink", "python", "numpy", "scipy", "numba")


def version_changes(run: RecordedRun) -> list[str]:
    """``name: recorded -> now`` for each package version that differs from the recording's
    (the sidecar's ``versions``); empty when the sidecar has none."""
    recorded = (run.session.sidecar or {}).get("versions") or {}
    if not isinstance(recorded, Mapping):
        return []
    here = versions()
    return [
        f"{k} {recorded[k]} -> {here.get(k)}"
        for k in _VERSION_KEYS
        if k in recorded and recorded[k] != here.get(k)
    ]


def _walk(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for k in sorted(set(a) | set(b), key=str):
            _walk(a.get(k), b.get(k), f"{path}.{k}" if path else str(k), out)
        return
    named = (
        isinstance(a, list)
        and isinstance(b, list)
        and all(isinstance(x, Mapping) and "name" in x for x in (*a, *b))
    )
    if named:
        _walk({x["name"]: x for x in a}, {x["name"]: x for x in b}, path, out)
        return
    if a != b:
        out.append(f"{path}: {a!r} -> {b!r}")


def config_changes(live: Config, new: Config) -> list[str]:
    """What ``new`` changes in ``[loop]`` (recording settings aside): ``key: old -> new``
    (nodes and sinks by name)."""
    a, b = config_to_dict(live)["loop"], config_to_dict(new)["loop"]
    a.pop("recording", None)
    b.pop("recording", None)
    out: list[str] = []
    _walk(a, b, "loop", out)
    return out


def closed_loop_from(run: RecordedRun, replay_events: Sequence[Mapping[str, Any]]) -> float:
    """Sample time (s) after which both the live and the replayed decoder decoded: the later
    of the two fits (-inf without a fit)."""
    idx = [int(e["index"]) for e in run.of_event("fit")[:1]]
    idx += [int(e["index"]) for e in replay_events if e.get("event") == "fit"][:1]
    return max((run.time_of(i) for i in idx), default=float("-inf"))


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not np.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    return x


def build_replay_summary(
    run: RecordedRun,
    *,
    same: bool,
    changes: list[str],
    streams: Mapping[str, StreamDiff],
    wall_s: float,
    out: str | None,
    engine: dict[str, Any],
    offline: dict[str, Any],
) -> dict[str, Any]:
    """Everything about a replay, JSON-ready (non-finite numbers as None)."""
    side = run.session.sidecar or {}
    live_task = (side.get("summary") or {}).get("task") or {}
    return _clean(
        {
            "recording": str(run.path),
            "out": out,
            "config": "as recorded" if same else "changed",
            "changes": changes,
            "data_s": round(run.seconds, 3),
            "samples": int(run.blocks[:, 1].sum()),
            "blocks": len(run.blocks),
            "wall_s": round(wall_s, 3),
            "speed": round(run.seconds / wall_s, 2) if wall_s > 0 else None,
            "complete": run.complete,
            "damage": run.session.damage,
            "version_changes": version_changes(run),
            "compared_until_s": None
            if run.complete
            else round((run.until_index + 1 - int(run.blocks[0, 0])) / run.rate, 6),
            "identical": all(d.identical for d in streams.values()),
            "streams": {k: d.as_dict() for k, d in streams.items()},
            "calibration": engine.get("calibration", {}),
            **offline,
            "held_while_catching_up": {
                "live": ((side.get("summary") or {}).get("commands") or {}).get(
                    "held_while_catching_up"
                ),
                "replay": (engine.get("commands") or {}).get("held_while_catching_up"),
            },
            "task_live": {k: live_task[k] for k in _TASK_KEYS if k in live_task},
            "engine": engine,
        }
    )


def _stream_line(d: Mapping[str, Any]) -> str:
    head = f"  {d['name']:<11} live {d['recorded']:>7}, replay {d['replayed']:>7}: "
    if d["identical"]:
        return head + "identical"
    return head + (
        f"{d['differ']} differ, {d['only_recorded']} only live, {d['only_replayed']} only "
        f"in the replay; first: {d['first']}"
    )


def _pair(name: str, d: Mapping[str, Any] | None, fmt: str) -> str:
    d = d or {}
    live, rep = d.get("live"), d.get("replay")
    if isinstance(live, Mapping):
        live, rep = live.get("mean"), (rep or {}).get("mean")

    def f(x: Any) -> str:
        return "n/a" if x is None else format(x, fmt)

    return f"{name}: live {f(live)}, replay {f(rep)}"


def _r2_line(d: Mapping[str, Any] | None) -> str:
    """``R² decoded vs intent over bins, closed loop: live vx …, live mean …, replay …``."""
    values = []
    for run in ("live", "replay"):
        r2 = (d or {}).get(run)
        if not r2:
            values.append((f"{run} mean", "n/a"))
            continue
        values += [
            (f"{run} {k}", "n/a (constant intent)" if v is None else f"{v:.3f}")
            for k, v in r2.items()
            if k != "mean"
        ]
        values.append((f"{run} mean", "n/a" if r2.get("mean") is None else f"{r2['mean']:.3f}"))
    return figure_line("R² decoded vs intent", "bins", CLOSED_LOOP, values)


def _verdict(s: Mapping[str, Any]) -> str:
    """Identical, or what the evidence says about a difference (never a guess)."""
    if s["identical"]:
        return "identical"
    changed = s.get("version_changes") or []
    if changed:
        return "NOT REPRODUCED; the replay runs other versions than the recording: " + ", ".join(
            changed
        )
    return (
        "NOT REPRODUCED; the file reads intact (every chunk checked) and the versions match. "
        "XDF carries no checksums, so recorded samples altered after the session cannot be "
        "told apart from a replay bug: if the file is as recorded, please report it with the file"
    )


def format_replay(s: Mapping[str, Any]) -> str:
    """The summary as text."""
    speed = f" ({s['speed']:g}x real time)" if s.get("speed") else ""
    lines = [
        f"replayed {s['recording']}: {s['data_s']:.1f} s of data ({s['samples']} samples in "
        f"{s['blocks']} blocks) in {s['wall_s']:.1f} s{speed}",
        "config: as recorded"
        if s["config"] == "as recorded"
        else "config: changed: "
        + "; ".join(s["changes"][:8])
        + (" ..." if len(s["changes"]) > 8 else ""),
    ]
    if s.get("damage"):
        lines.append(f"the recording is {s['damage']}")
    if not s["complete"]:
        until = s["compared_until_s"]
        lines.append(
            "the recording was cut short (no clean close): compared up to its last flushed "
            f"chunk, {until:.3f} s into the data"
            if until is not None
            else "the recording was cut short"
        )
    cal = s.get("calibration") or {}
    if cal.get("model"):
        lines.append(f"decoder: {cal['model']} ({cal.get('bins')} calibration bins)")
    lines.append("streams (live vs replay):")
    lines += [_stream_line(d) for d in s["streams"].values()]
    if s["config"] == "as recorded":
        lines.append(f"outputs and commands: {_verdict(s)}")
    elif s.get("max_velocity_change") is not None:
        lines.append(f"largest change of a commanded velocity: {s['max_velocity_change']:.4g}")
    lines.append(_r2_line(s.get("decoder_r2")))
    lines.append(_pair("commands along the intent (mean cosine)", s.get("intent_agreement"), ".3f"))
    task = s.get("task_live") or {}
    if task:
        lines.append(
            f"task (live): {task.get('successes', 0)}/{task.get('trials', 0)} targets, success "
            f"rate {task.get('success_rate')}; the closed-loop task needs a live run to rescore "
            "(the subject followed the live cursor)"
        )
    if s.get("out"):
        lines.append(f"replay recording: {s['out']}")
    return "\n".join(lines)
