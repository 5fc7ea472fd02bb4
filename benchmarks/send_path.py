"""Send path: mapper → safety layer → audit → pty write, per command, as the engine drives it.

    OPENBLAS_NUM_THREADS=1 python benchmarks/send_path.py [--n 3000] [--period-ms 1]

The emulated prosthesis (``prosthesis_cursor``, the demo's sink) runs as its own process on a
pty; the host side is the real driver with its safety layer and an audit log *on disk* (the
session's), fed through :class:`~neurolink.loop.core.sinks.DeviceSink` exactly as the engine
feeds it, one velocity command per ``--period-ms`` (the demo's 1 ms blocks). The same again on
the emulated stimulator (one single-pulse train per period on a macroelectrode channel: the
whole stimulator send path, command built → safety layer with its pulse ledger → audit → pty
write).

Prints, per command, median / p99 / max in µs:

* ``to wire``: from the call to the moment its bytes were written (``Sent.t_wire``): the
  per-command work between the mapper and the write (the issue-15 target: ≤ 100 µs median);
* ``call``: how long the caller (the engine thread) was held: ``to wire`` plus, when ACKs are
  awaited on the caller's thread, the round trip to the device;
* ``ack``: from the write to the ACK (the device's round trip, for comparison);
* ``check``: the safety layer's check (guards + audit record) alone, in process;
* ``audit``: one audit record alone (``ACCEPTED``), on a file-backed log.

Prints figures only; nothing is asserted (DESIGN §8).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from neurolink.clock import now
from neurolink.hal.commands import Command, Origin, ProsthesisCommand, StimCommand
from neurolink.hal.drivers import ProsthesisDriver, StimulatorDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.safety import AuditLog, EStop, Outcome
from neurolink.loop.core.sinks import DeviceSink


def _row(name: str, v: np.ndarray) -> str:
    v = v[np.isfinite(v)] * 1e6
    if not v.size:
        return f"  {name:<10} (none)"
    p50, p99 = np.percentile(v, (50, 99))
    return f"  {name:<10} n={v.size:<6d} median {p50:8.1f}  p99 {p99:8.1f}  max {v.max():9.1f}"


def _drive(sink: DeviceSink, make: Callable[[int], Command], n: int, period: float) -> None:
    """Send ``n`` commands, one per ``period`` s, and print the per-command figures."""
    to_wire = np.full(n, np.nan)
    call = np.full(n, np.nan)
    sents = []
    t_next = now()
    for k in range(n):
        while now() < t_next:  # pace like the engine's blocks (sleep is too coarse)
            time.sleep(0)
        t_next += period
        cmd = make(k)
        t0 = now()
        sent = sink.send(cmd)
        t1 = now()
        call[k] = t1 - t0
        if sent is not None:
            to_wire[k] = sent.t_wire - t0
            sents.append(sent)
    flush = getattr(sink, "flush", None)
    if flush is not None:
        flush()
    replies = sink.device.drain_sent()
    ack = np.array([r.t_reply - r.t_wire for r in replies if r.t_reply is not None])
    st = sink.stats
    print(f"  {st.sent} sent, {st.acked} acked, {st.refused} refused, {st.nacked} nacked")
    print(_row("to wire", to_wire))
    print(_row("call", call))
    print(_row("ack", ack))


def _micro(layer_check: Callable[[], object], audit: AuditLog, cmd: Command, n: int) -> None:
    t = np.empty(n)
    for k in range(n):
        t0 = time.perf_counter()
        layer_check()
        t[k] = time.perf_counter() - t0
    print(_row("check", t))
    for k in range(n):
        t0 = time.perf_counter()
        audit.record_command(cmd, Outcome.ACCEPTED)
        t[k] = time.perf_counter() - t0
    print(_row("audit", t))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; returns 0."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=3000, help="commands per device (default 3000)")
    p.add_argument("--period-ms", type=float, default=1.0, help="ms between commands")
    args = p.parse_args(argv)
    n, period = args.n, args.period_ms * 1e-3
    print(
        f"send path: {n} commands per device, one per {args.period_ms:g} ms; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, "
        f"{platform.processor() or platform.machine()}, Python {sys.version.split()[0]}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        audit = AuditLog(Path(tmp) / "bench.audit.jsonl")
        estop = EStop(audit)
        with Emulator("prosthesis", profile="prosthesis_cursor") as emu:
            drv = ProsthesisDriver(emu.port, estop=estop, audit=audit)
            with drv:
                drv.arm()
                drv.wait_state()
                sink = DeviceSink("arm", "prosthesis", drv, "mapper")

                def vel(k: int) -> Command:
                    v = 0.001 if k % 2 else -0.001  # ±1 mm/s: within 4 units/s² at 1 ms
                    return ProsthesisCommand((v, 0.0), origin=Origin("bench", k, now()))

                print("prosthesis (velocity → ACK), per command (µs):")
                _drive(sink, vel, n, period)
                same = ProsthesisCommand((0.0, 0.0))
                drv.send(same)
                layer = drv.layer
                assert layer is not None
                _micro(lambda: layer.check(same), audit, same, n)
        with Emulator("stimulator") as emu:
            stim = StimulatorDriver(emu.port, estop=estop, audit=audit)
            with stim:
                stim.arm()
                sink = DeviceSink("stim", "stimulator", stim, "mapper")

                def pulse(k: int) -> Command:
                    return StimCommand(
                        12, 100, 200, frequency_hz=100, origin=Origin("bench", k, now())
                    )

                print(
                    f"stimulator (one-pulse STIM → ACK, one per {args.period_ms:g} ms: the "
                    "safety layer's pulse ledger counts every recent train), per command (µs):"
                )
                _drive(sink, pulse, n, period)
        audit.close()
        print(f"audit records written: {len(AuditLog.read(audit.path))}")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
