"""The live status line and the end-of-run summary (a dict, printable, and JSON-ready).

Every figure printed says its population (blocks or commands), its statistic and its phase
(:mod:`neurolink.loop.core.figures`); the report of the recording prints the figures it shares
with this summary in the same words and the same values.

The two latency tables differ on purpose: a **command**'s latency is ``t_wire − t_sample``
(its bytes written), a **block**'s is ``t_done − t_sample`` (the engine finished with it: all
its commands, recording, bookkeeping); deadline misses count either. The deadline policy (the
e-stop after consecutive misses) acts on blocks; blocks caught up after a pause are not timed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from neurolink.clock import now
from neurolink.loop.core.figures import (
    CALIBRATION,
    CLOSED_LOOP,
    PHASE_TEXT,
    PHASES,
    WHOLE_RUN,
    device_fault_lines,
    latency_lines,
    task_lines,
)
from neurolink.loop.core.latency import summarize

if TYPE_CHECKING:
    from neurolink.loop.core.engine import Engine

__all__ = [
    "StatusLine",
    "build_summary",
    "format_summary",
    "write_summary_json",
]


class StatusLine:
    """Prints one line every ``interval_s``: the phase, data rate, median and p99 latency of
    the commands since the last line (of the blocks when none was sent), the blocks over the
    deadline so far, commands and the hooks' fragments (the task score).

    Parameters
    ----------
    out : TextIO or None
        Where to print (None: nowhere). On a terminal the line is rewritten in place.
    interval_s : float
        Seconds between lines.
    """

    def __init__(self, out: TextIO | None, interval_s: float) -> None:
        self.out = out
        self.interval_s = float(interval_s)
        self._tty = bool(out is not None and getattr(out, "isatty", lambda: False)())
        self._t = 0.0
        self._samples = 0
        self._cmd_row = 0
        self._block_row = 0
        self._printed = False

    def maybe_print(self, engine: Engine) -> None:
        """Print if the interval has passed (called after every block)."""
        if self.out is None:
            return
        t = now()
        if self._t == 0.0:
            self._t, self._samples = t, engine.n_samples
            return
        if t - self._t < self.interval_s:
            return
        line = self.line(engine, t)
        self._t, self._samples = t, engine.n_samples
        if self._tty:
            self.out.write("\r" + line + "\x1b[K")
        else:
            self.out.write(line + "\n")
        self.out.flush()
        self._printed = True

    def line(self, engine: Engine, t: float) -> str:
        """The status text for now."""
        rate = (engine.n_samples - self._samples) / max(t - self._t, 1e-9)
        cmds, blocks = engine.book.commands, engine.book.blocks
        window = cmds.column("total")[self._cmd_row :]
        what = "command"
        if not window.size:
            window, what = blocks.column("total")[self._block_row :], "block"
        self._cmd_row, self._block_row = cmds.n, blocks.n
        if window.size:
            w = summarize(window)
            lat = f"{what} latency median {w.median * 1e3:5.2f} p99 {w.p99 * 1e3:5.2f} ms"
        else:
            lat = "latency -"
        parts = [
            f"[{engine.sample_time:6.1f} s] {PHASE_TEXT.get(engine.phase, engine.phase)}",
            f"{rate / 1e3:6.2f} kHz",
            lat,
            f"block deadline misses {engine.deadline.misses}",
            f"cmds {engine.n_commands}",
        ]
        parts += [h.status() for h in engine.hooks if h.status()]
        return " | ".join(parts)

    def finish(self) -> None:
        """End the in-place line."""
        if self.out is not None and self._tty and self._printed:
            self.out.write("\n")
            self.out.flush()


def build_summary(engine: Engine, why: str) -> dict[str, Any]:
    """Everything a user needs to know about a finished run (JSON-ready)."""
    src = engine.source
    stats = src.stats.as_dict()
    wall = engine.t_end - engine.t_start
    trip = engine.estop.trip_info
    lat = engine.book.summary(engine.settings.deadline_s)
    phases = lat["phases"]
    nodes = {
        n.name: {
            "kind": n.kind,
            "stage": n.stage.label,
            "mean_us_per_block": round(
                1e6 * float(engine.graph.node_seconds[i]) / max(1, engine.n_blocks), 2
            ),
        }
        for i, n in enumerate(engine.graph.nodes)
    }
    out: dict[str, Any] = {
        "stop_reason": engine.stop_reason.value if engine.stop_reason else None,
        "why": why,
        "wall_s": round(wall, 3),
        "data_s": round(engine.sample_time, 3),
        "source": {
            "name": src.name,
            "rate_hz": src.rate,
            "channels": len(src.channels),
            "samples": engine.n_samples,
            "blocks": engine.n_blocks,
            "samples_lost": int(stats.get("gap_samples", 0)),
            "gaps": int(stats.get("n_gaps", 0)),
            "invalid_values": int(stats.get("n_invalid", 0)),
        },
        "latency": lat,
        "deadline_s": engine.settings.deadline_s,
        "deadline": {
            "deadline_ms": engine.settings.deadline_s * 1e3,
            # blocks over the deadline, the whole run (catch-up blocks not timed)
            "misses": engine.deadline.misses,
            "population": "blocks",
            "command_misses": lat["commands"].get("over_deadline", 0),
            "by_phase": {
                p: {t: phases[p][t].get("over_deadline", 0) for t in ("blocks", "commands")}
                for p in phases
            },
            "worst_consecutive": engine.deadline.worst_run,
            "max_consecutive": engine.settings.max_consecutive_misses,
            "catchup_blocks": engine.n_catchup,
        },
        "commands": {"sent": engine.n_commands, "held_while_catching_up": engine.n_held},
        "sinks": {s.name: s.describe() for s in engine.sinks},
        "faults": [f.as_dict() for f in engine.faults],
        "device_faults": _device_faults(engine.device_faults),
        "kernels_compiled_in_loop": engine.kernels.summary(),
        "estop": {
            "tripped": trip is not None,
            "reason": trip.reason if trip else "",
            "source": trip.source if trip else "",
        },
        "nodes": nodes,
        "realtime": engine.realtime.summary(),
    }
    for node in engine.graph.nodes:
        chip = getattr(node, "chip_summary", None)
        if chip is not None and chip() is not None:
            out["decoder_on_chip"] = {"node": node.name, **chip()}
    for hook in engine.hooks:
        out[hook.name] = hook.summary()
    if engine.recorder is not None:
        out["recording"] = str(engine.recorder.path)
    return out


def _device_faults(faults: list[tuple[str, str, int, float, str]]) -> dict[str, Any]:
    """Device FAULT reports by phase, sink and code: ``{phase: {sink: {code: count}}}``."""
    out: dict[str, Any] = {}
    for sink, code, _, _, phase in faults:
        by_code = out.setdefault(phase, {}).setdefault(sink, {})
        by_code[code] = by_code.get(code, 0) + 1
    return out


def _latency_text(s: dict[str, Any]) -> list[str]:
    lat, dl = s["latency"], s["deadline"]
    phases = [p for p in PHASES if p in lat.get("phases", {})]
    lines = []
    for p in phases:
        lines += latency_lines(lat["phases"][p], p, dl["deadline_ms"], ("commands", "blocks"))
    if len(phases) != 1:  # both phases (or none recorded): the whole run too
        lines += latency_lines(lat, WHOLE_RUN, dl["deadline_ms"], ("commands", "blocks"))
    return lines


def format_summary(s: dict[str, Any]) -> str:
    """The summary as text for the terminal."""
    src, dl = s["source"], s["deadline"]
    lines = [
        f"stopped: {s['stop_reason']} ({s['why']}) after {s['data_s']:.1f} s of data, "
        f"{s['wall_s']:.1f} s wall",
        f"source {src['name']!r}: {src['samples']} samples in {src['blocks']} blocks, "
        f"{src['samples_lost']} lost, {src['invalid_values']} invalid",
        *_latency_text(s),
        f"deadline {dl['deadline_ms']:g} ms: worst run of {dl['worst_consecutive']} "
        f"consecutive blocks over it (the e-stop trips at {dl['max_consecutive']}); "
        f"{dl['catchup_blocks']} blocks caught up after pauses (not timed, commands held)",
        f"commands sent: {s['commands']['sent']}",
    ]
    for name, k in s["sinks"].items():
        lines.append(
            f"  {name} ({k['kind']} {k['url']}): sent {k['sent']}, acked {k['acked']},"
            f" refused {k['refused']}, nacked {k['nacked']}, blocked {k['blocked']}"
            + (f" {k['reasons']}" if k["reasons"] else "")
        )
    est = s["estop"]
    lines.append(
        "e-stop: "
        + (f"TRIPPED by {est['source']}: {est['reason']}" if est["tripped"] else "not tripped")
    )
    for f in s["faults"]:
        lines.append(f"FAULT {f['kind']}: {f['message']}")
    lines += device_fault_lines(s.get("device_faults") or {})
    warm = (s.get("warm_up_s") or {}).get("before_devices")
    if warm:
        lines.append(
            f"kernels warmed before the devices were armed in {sum(warm.values()):.2f} s "
            f"(graph {warm.get('graph', 0):.2f} s, decoder fit {warm.get('decoder_fit', 0):.2f} s)"
        )
    kernels = s.get("kernels_compiled_in_loop") or {}
    if kernels.get("compiled"):
        lines.append(
            f"numba compiled {len(kernels['compiled'])} kernels inside the loop "
            f"({kernels['compile_s']:.2f} s; run `neurolink warmup` or warm them first): "
            + ", ".join(kernels["compiled"])
        )
    task = s.get("task")
    if task:
        lines += _task_text(task)
    chip = s.get("decoder_on_chip")
    if chip:
        r2 = chip.get("r2_vs_host")
        lines.append(
            f"decoder on the chip ({chip['on']}): {chip.get('neurons')} neurons, "
            f"{chip.get('cores')} cores, {chip.get('energy_uj_per_s', 0):.0f} µJ/s (estimated), "
            f"compiled in {chip.get('compile_s')} s before the closed loop; closed loop: "
            f"{chip['steps']} chip steps, median {chip.get('step_us_median')} µs per step, "
            f"R² vs the host decoder {'n/a' if r2 is None else f'{r2:.3f}'} over "
            f"{chip['bins_compared']} bins"
        )
    if "recording" in s:
        lines.append(f"recording: {s['recording']}")
    return "\n".join(lines)


def _task_text(task: dict[str, Any]) -> list[str]:
    lines = []
    auto = (task.get("calibration") or {}).get("autopilot")
    if auto:
        lines += task_lines(CALIBRATION, auto.get("trials", 0), auto.get("successes", 0))
    closed = task.get("closed_loop") or {}
    lines += task_lines(
        CLOSED_LOOP,
        task.get("trials", 0),
        task.get("successes", 0),
        closed.get("times_to_target_s"),
        closed.get("path_efficiencies"),
    )
    return lines


def write_summary_json(summary: dict[str, Any], path: str) -> None:
    """Write the summary as JSON (NaN written as null)."""

    def clean(x: Any) -> Any:
        if isinstance(x, float) and not np.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        return x

    with open(path, "w", encoding="utf-8") as f:
        json.dump(clean(summary), f, indent=2, sort_keys=True)
        f.write("\n")
