"""The prosthesis command path, call → return, with the ACK awaited (sync) or collected off the
caller's thread (async).

    OPENBLAS_NUM_THREADS=1 python benchmarks/ack_async.py [--n 3000] [--period-ms 1]

The emulated prosthesis (``prosthesis_cursor``, the demo's sink) runs as its own process on a
pty, a fresh one per mode; the host side is the real driver (``ack="sync"`` or ``"async"``)
with its safety layer, fed through :class:`~neurolink.loop.core.sinks.DeviceSink` as the
engine feeds it: one velocity command per ``--period-ms`` (±1e-5 units/s: within the
acceleration limit at any spacing of the checks), paced without catch-up bursts. Per mode, per
command, median / p99 / max in µs:

* ``check+audit``, ``encode``, ``write``: the safety layer's check, the frame encoding and the
  transport's write, stamped from outside the library (:mod:`_send_phases`);
* ``call``: how long the caller (the engine thread) was held by ``send``;
* ``call→written``: from the call to the write (``Sent.t_wire``);
* ``ack``: from the write to the ACK (the device's round trip; off the caller's thread in
  async mode);

and, in async mode, how many calls found the previous command still waiting for its ACK (those
wait for it: one command in flight).

Prints figures only; nothing is asserted (DESIGN §8).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np
from _send_phases import Phases, load, paced_sends, row

from neurolink.clock import now
from neurolink.hal.commands import Origin, ProsthesisCommand
from neurolink.hal.drivers import ProsthesisDriver
from neurolink.hal.emulate import Emulator
from neurolink.loop.core.sinks import DeviceSink


def run(mode: str, n: int, period: float) -> None:
    """Drive ``n`` velocity commands through a sink in ``mode`` and print the figures."""
    with Emulator("prosthesis", profile="prosthesis_cursor") as emu:
        with ProsthesisDriver(emu.port, ack=mode) as drv:
            drv.arm()
            drv.wait_state()
            sink = DeviceSink("arm", "prosthesis", drv, "mapper")
            phases = Phases(drv)
            busy = 0

            def velocity(k: int) -> ProsthesisCommand:
                nonlocal busy
                busy += drv._posted.in_flight is not None  # the previous reply still awaited
                v = 1e-5 if k % 2 else -1e-5  # within 4 units/s² at any spacing
                return ProsthesisCommand((v, 0.0), origin=Origin("bench", k, now()))

            call, to_wire, done = paced_sends(sink, velocity, n, period)
            phases.restore()
            ack = np.array([s.t_reply - s.t_wire for s in done if s.t_reply is not None])
            st = sink.stats
    print(
        f"{mode}: {st.sent} sent, {st.acked} acked, {st.refused} refused, {st.nacked} nacked, "
        f"{st.blocked} blocked" + (f"; reasons {st.reasons}" if st.reasons else "")
    )
    for line in phases.rows(n):
        print(line)
    print(row("call→written", to_wire))
    print(row("call", call))
    print(row("ack", ack))
    if mode == "async":
        print(f"  calls that found the previous ACK not yet in: {busy} of {n}")


def main(argv: list[str] | None = None) -> int:
    """Run both modes and print the figures; returns 0."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=3000, help="commands per mode (default 3000)")
    p.add_argument("--period-ms", type=float, default=1.0, help="ms between commands")
    args = p.parse_args(argv)
    print(
        f"prosthesis command path, call → return (µs): {args.n} velocity commands per mode, "
        f"one per {args.period_ms:g} ms; {os.cpu_count()} CPUs, {load()}, "
        f"{platform.processor() or platform.machine()}, Python {sys.version.split()[0]}"
    )
    for mode in ("sync", "async"):
        run(mode, args.n, args.period_ms * 1e-3)
    print(load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
