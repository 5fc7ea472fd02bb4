"""Closed-loop latency: 96 channels at 30 kHz in 1 ms blocks, the subject in another process.

    python benchmarks/loop_latency.py [--seconds 60] [--neuroboard] [--record] [--json PATH]
        [--decoder-on host|fixed] [--gc-off] [--cpu N] [--fifo PRIORITY] [--lock-memory]
        [--ack async|sync]

Runs the demo's loop (``neurolink demo``): the simulated subject streams a 96-channel Utah
array at 30 kHz on LSL in 1 ms chunks from its own process; the engine filters, re-references,
detects, bins (20 ms), decodes (Bayesian, calibrated during the first part of the run; on the
host, or with ``--decoder-on fixed`` compiled onto the chip's arithmetic) and drives the
emulated prosthesis on a pty, closed-loop on the center-out task. ``--gc-off``, ``--cpu``,
``--fifo`` and ``--lock-memory`` apply the real-time measures of ``[loop.realtime]``
(:mod:`neurolink.loop.core.realtime`); the run prints which were applied.

Prints, per command (``t_wire − t_sample``, DESIGN §2) and per block (newest sample → block
done): median, p99, max, misses of the 5 ms deadline and counts above 1 and 3 ms, the
per-stage breakdown (acquire, filter+detect, bin+decode, SNN, wire; the acquire stage's two
parts ``acquire_age`` and ``acquire_wait``), the wire stage's median per command with each
sink's ACK mode, and samples lost. Prints figures only; nothing is asserted (DESIGN §8).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np

from neurolink.cli.demo import demo_config
from neurolink.loop.core.latency import STAGES
from neurolink.loop.session.run import Session


def _row(name: str, v: np.ndarray) -> str:
    v = v[np.isfinite(v)] * 1e3
    if not v.size:
        return f"  {name:<14} (none)"
    p50, p99 = np.percentile(v, (50, 99))
    return (
        f"  {name:<14} n={v.size:<7d} median {p50:7.3f}  p99 {p99:7.3f}  max {v.max():8.3f}"
        f"  >1ms {int((v > 1).sum()):6d}  >3ms {int((v > 3).sum()):5d}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; returns 0."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=60.0, help="seconds of data (default 60)")
    p.add_argument(
        "--calibration",
        type=float,
        default=None,
        help="seconds of calibration first (default a third, at most 15)",
    )
    p.add_argument("--neuroboard", action="store_true", help="SNN on the emulated board")
    p.add_argument("--decoder-on", default="host", choices=("host", "fixed", "neuroboard"))
    p.add_argument("--gc-off", action="store_true", help="cyclic GC off in the loop")
    p.add_argument("--cpu", type=int, default=None, help="pin the engine thread to this CPU")
    p.add_argument("--fifo", type=int, default=None, help="SCHED_FIFO priority (1-99)")
    p.add_argument("--lock-memory", action="store_true", help="mlockall the process")
    p.add_argument("--record", action="store_true", help="also record (raw included)")
    p.add_argument("--json", metavar="PATH", help="write the engine's summary as JSON")
    p.add_argument(
        "--ack", default="async", choices=("async", "sync"), help="sinks' ACK mode (async)"
    )
    args = p.parse_args(argv)
    if args.ack != "async":  # the session opens its sinks with open_device's default, async
        import functools

        from neurolink.loop.core import sinks
        from neurolink.loop.session import run as session_run

        session_run.open_device = functools.partial(sinks.open_device, ack=args.ack)  # type: ignore[attr-defined]
    cal = args.calibration if args.calibration is not None else min(15.0, args.seconds / 3)
    cfg = demo_config(
        duration=args.seconds,
        calibration=cal,
        neuroboard=args.neuroboard,
        record_raw=args.record,
        decoder_on=args.decoder_on,
    )
    import dataclasses

    from neurolink.loop.core.realtime import RealtimeConfig

    rt = RealtimeConfig(
        gc="off" if args.gc_off else "freeze",
        cpu=args.cpu,
        fifo_priority=args.fifo,
        lock_memory=args.lock_memory,
    )
    cfg = dataclasses.replace(cfg, loop=dataclasses.replace(cfg.loop, realtime=rt))
    with tempfile.TemporaryDirectory() as tmp:
        rec = Path(tmp) / "bench.xdf" if args.record else None
        if not args.record:
            loop = dataclasses.replace(
                cfg.loop, recording=dataclasses.replace(cfg.loop.recording, enabled=False)
            )
            cfg = dataclasses.replace(cfg, loop=loop)
        session = Session(cfg, status_out=None, recording=rec)
        summary = session.run()
    eng = session.engine
    assert eng is not None
    blocks, cmds = eng.book.blocks, eng.book.commands
    snn = f"decoder on {args.decoder_on}"
    print(
        f"closed-loop latency: 96 ch x 30 kHz, 1 ms chunks, {args.seconds:g} s of data "
        f"({cal:g} s calibration), {snn}; {os.cpu_count()} CPUs, load "
        f"{os.getloadavg()[0]:.2f}, "
        f"{platform.processor() or platform.machine()}, Python {sys.version.split()[0]}"
    )
    print(f"real-time measures: {summary['realtime']['applied']}")
    print(
        f"stop: {summary['stop_reason']} ({summary['why']}); faults: "
        f"{[f['kind'] for f in summary['faults']] or 'none'}"
    )
    src = summary["source"]
    print(
        f"samples: {src['samples']} received in {src['blocks']} blocks, "
        f"{src['samples_lost']} lost ({src['gaps']} gaps), {src['invalid_values']} invalid; "
        f"{summary['deadline']['catchup_blocks']} catch-up blocks (start, decoder fit)"
    )
    print("latency (ms):")
    print(_row("per command", cmds.column("total")))
    print(_row("per block", blocks.column("total")))
    print(
        f"deadline {eng.settings.deadline_s * 1e3:g} ms: {eng.deadline.misses} missed blocks, "
        f"worst run {eng.deadline.worst_run}"
    )
    print("per-stage breakdown, per block (ms):")
    for s in STAGES:
        print(_row(s, blocks.column(s)))
    print("per-stage breakdown, per command (ms):")
    for s in STAGES:
        print(_row(s, cmds.column(s)))
    acks = {k.name: getattr(k.device, "ack", "-") for k in eng.sinks}
    print(
        f"wire stage, per command: median {np.median(cmds.column('wire')) * 1e3:.3f} ms "
        f"(sink ACKs: {acks})"
    )
    task = summary.get("task", {})
    print(
        f"commands: {summary['commands']['sent']} sent; task {task.get('successes')}/"
        f"{task.get('trials')} targets in closed loop"
    )
    if args.json:
        from neurolink.loop.core.status import write_summary_json

        write_summary_json(summary, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
