"""Send path: mapper → safety layer → audit → pty write, per command, as the engine drives it.

    OPENBLAS_NUM_THREADS=1 python benchmarks/send_path.py [--n 3000] [--period-ms 1]

Each emulated device (``prosthesis_cursor``, the demo's sink; the stimulator) runs as its own
process on a pty, a fresh one per ACK mode; the host side is the real driver with its safety
layer and an audit log *on disk* (the session's), fed through
:class:`~neurolink.loop.core.sinks.DeviceSink` exactly as the engine feeds it, one command per
``--period-ms`` (the demo's 1 ms blocks), with ``ack="sync"`` and ``ack="async"``. Prosthesis:
a velocity alternating ±1e-5 units/s (the whole path, far below the acceleration limit at any
spacing of the checks); stimulator: one single-pulse train per period on a macroelectrode
channel (the safety layer's pulse ledger counts every recent train).

Prints, per device and mode, what happened to the commands (sent, acked, refused, nacked,
blocked by the e-stop, and why), then per command median / p99 / max in µs:

* ``check+audit``: the safety layer's check (e-stop, guard, ``ACCEPTED`` audit entry);
* ``encode``: the frame encoding (``wire.encode``);
* ``write``: the transport's write (the pty write and drain: the kernel's part);
* ``call→written``: from the call to the moment its bytes were written (``Sent.t_wire``):
  the per-command work between the mapper and the write (issue-15 target: ≤ 100 µs median);
* ``call``: how long the caller (the engine thread) was held: ``call→written`` plus, in sync
  mode, the round trip to the device;
* ``ack``: from the write to the ACK (the device's round trip, for comparison).

The phases are stamped from outside the library (:mod:`_send_phases`, ~0.5 µs per wrapper).
Commands are paced without catching up after a stall: a late command is sent at once and the
next one a period later (a burst would be refused by the guards' rate rules, not measured).
Prints figures only; nothing is asserted (DESIGN §8).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _send_phases import Phases, load, paced_sends, row

from neurolink.clock import now
from neurolink.hal.commands import Command, Origin, ProsthesisCommand, StimCommand
from neurolink.hal.drivers import ProsthesisDriver, StimulatorDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.safety import AuditLog, EStop
from neurolink.loop.core.sinks import DeviceSink


def drive(sink: DeviceSink, make: Callable[[int], Command], n: int, period: float) -> None:
    """Send ``n`` commands, one per ``period`` s, as the engine does, and print the figures."""
    drv = sink.device
    phases = Phases(drv)
    try:
        call, to_wire, done = paced_sends(sink, make, n, period)
    finally:
        phases.restore()
    ack = [s.t_reply - s.t_wire for s in done if s.t_reply is not None]
    st = sink.stats
    print(
        f"  {st.sent} sent, {st.acked} acked, {st.refused} refused, {st.nacked} nacked, "
        f"{st.blocked} blocked by the e-stop" + (f"; reasons {st.reasons}" if st.reasons else "")
    )
    trip = drv.estop.trip_info
    if trip is not None:
        print(f"  e-stop tripped by {trip.source}: {trip.reason}")
    for line in phases.rows(n):
        print(line)
    print(row("call→written", to_wire))
    print(row("call", call))
    print(row("ack", ack))


def velocity(k: int) -> Command:
    """±1e-5 units/s: the whole prosthesis path, within 4 units/s² at any check spacing."""
    return ProsthesisCommand((1e-5 if k % 2 else -1e-5, 0.0), origin=Origin("bench", k, now()))


def pulse(k: int) -> Command:
    """One biphasic pulse at 100 µA × 200 µs on macroelectrode channel 12."""
    return StimCommand(12, 100, 200, frequency_hz=100, origin=Origin("bench", k, now()))


def run(kind: str, mode: str, n: int, period: float, audit: AuditLog) -> None:
    """One device kind in one ACK mode (a fresh emulator and driver); prints its figures."""
    estop = EStop(audit)
    if kind == "prosthesis":
        emu = Emulator("prosthesis", profile="prosthesis_cursor")
        with emu, ProsthesisDriver(emu.port, estop=estop, audit=audit, ack=mode) as drv:
            drv.arm()
            drv.wait_state()
            print(f"prosthesis, ack={mode} (velocity per {period * 1e3:g} ms), per command (µs):")
            drive(DeviceSink("arm", "prosthesis", drv, "mapper"), velocity, n, period)
    else:
        emu = Emulator("stimulator")
        with emu, StimulatorDriver(emu.port, estop=estop, audit=audit, ack=mode) as stim:
            stim.arm()
            print(f"stimulator, ack={mode} (one STIM per {period * 1e3:g} ms), per command (µs):")
            drive(DeviceSink("stim", "stimulator", stim, "mapper"), pulse, n, period)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; returns 0."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=3000, help="commands per device and mode")
    p.add_argument("--period-ms", type=float, default=1.0, help="ms between commands")
    args = p.parse_args(argv)
    n, period = args.n, args.period_ms * 1e-3
    print(
        f"send path: {n} commands per device and ACK mode, one per {args.period_ms:g} ms; "
        f"{os.cpu_count()} CPUs, {load()}, {platform.processor() or platform.machine()}, "
        f"Python {sys.version.split()[0]}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        audit = AuditLog(Path(tmp) / "bench.audit.jsonl")
        for kind in ("prosthesis", "stimulator"):
            for mode in ("sync", "async"):
                run(kind, mode, n, period, audit)
        audit.close()
        print(f"audit records written: {len(AuditLog.read(audit.path))}; {load()}")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
