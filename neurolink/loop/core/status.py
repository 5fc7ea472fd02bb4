"""The live status line and the end-of-run summary (a dict, printable, and JSON-ready)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from neurolink.clock import now
from neurolink.loop.core.latency import summarize

if TYPE_CHECKING:
    from neurolink.loop.core.engine import Engine

__all__ = ["StatusLine", "build_summary", "format_summary", "write_summary_json"]


class StatusLine:
    """Prints one line every ``interval_s``: data rate, latency p50/p99 of the commands since
    the last line, deadline misses, commands and the hooks' fragments (the task score).

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
        what = "cmd"
        if not window.size:
            window, what = blocks.column("total")[self._block_row :], "blk"
        self._cmd_row, self._block_row = cmds.n, blocks.n
        if window.size:
            w = summarize(window)
            lat = f"{what} lat p50 {w.median * 1e3:5.2f} p99 {w.p99 * 1e3:5.2f} ms"
        else:
            lat = "lat    -"
        parts = [
            f"[{engine.sample_time:6.1f} s]",
            f"{rate / 1e3:6.2f} kHz",
            lat,
            f"misses {engine.deadline.misses}",
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
    lat = engine.book.summary()
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
            "misses": engine.deadline.misses,
            "worst_consecutive": engine.deadline.worst_run,
            "max_consecutive": engine.settings.max_consecutive_misses,
            "catchup_blocks": engine.n_catchup,
        },
        "commands": {"sent": engine.n_commands, "held_while_catching_up": engine.n_held},
        "sinks": {s.name: s.describe() for s in engine.sinks},
        "faults": [f.as_dict() for f in engine.faults],
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


def _ms(d: dict[str, Any]) -> str:
    if not d.get("n"):
        return "none"
    return (
        f"median {d['median_ms']:.3f} ms, p99 {d['p99_ms']:.3f} ms, max {d['max_ms']:.3f} "
        f"ms (n={d['n']})"
    )


def format_summary(s: dict[str, Any]) -> str:
    """The summary as text for the terminal."""
    src, dl, lat = s["source"], s["deadline"], s["latency"]
    lines = [
        f"stopped: {s['stop_reason']} ({s['why']}) after {s['data_s']:.1f} s of data, "
        f"{s['wall_s']:.1f} s wall",
        f"source {src['name']!r}: {src['samples']} samples in {src['blocks']} blocks, "
        f"{src['samples_lost']} lost, {src['invalid_values']} invalid",
        f"command latency (t_wire - t_sample): {_ms(lat['commands'])}",
        f"block latency: {_ms(lat['blocks'])}",
        "  stages (median/p99 ms): "
        + ", ".join(
            f"{k} {v['median_ms']:.3f}/{v['p99_ms']:.3f}"
            for k, v in lat["blocks"]["stages"].items()
            if v["n"]
        ),
        f"deadline {dl['deadline_ms']:g} ms: {dl['misses']} misses (worst run "
        f"{dl['worst_consecutive']}, limit {dl['max_consecutive']}), "
        f"{dl['catchup_blocks']} catch-up blocks",
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
    task = s.get("task")
    if task:
        lines.append(
            f"task: {task.get('successes', 0)}/{task.get('trials', 0)} targets "
            f"(success rate {task.get('success_rate')}), time to target "
            f"{task.get('time_to_target_s_median')} s, path efficiency "
            f"{task.get('path_efficiency_median')}"
        )
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
