"""Benchmark: the e-stop under load, and what a pulse-rate check costs (issues 13 and 15).

1. The host pulse ledger: time and peak memory (tracemalloc) of one check of a new 500 Hz train
   against two others already scheduled, for 10⁵ … 10⁷ scheduled pulses each (the ledger
   before issue 13 took 0.86 s per check at 10⁶ and 10.9 s and 640 MB at 10⁷).
2. The ledger's work per STIM as the stimulation guard does it (prune, count on the channel,
   count over all channels, add), one single-pulse train per ms for ``--seconds`` of host-clock
   time (simulated, so the figure is the ledger's own cost), alone and with a 100 Hz train of
   3·10⁶ pulses scheduled on another channel; per STIM in µs, median / p99 / max (before
   issue 15 the count walked every recent train: about 2.5 ms per STIM at this rate).
3. The e-stop: an emulated stimulator on a pty (its own process) with 3·10⁶ pulses scheduled,
   a thread that keeps the safety layer busy checking more long trains, and ``estop_now()``
   from the main thread; the figure is host time from the trip to the device's ACK of ESTOP::

    OPENBLAS_NUM_THREADS=1 python benchmarks/estop_latency.py [--trips 20]

Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np

from neurolink.clock import now
from neurolink.hal.commands import StimCommand, StimStop
from neurolink.hal.drivers import StimulatorDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.errors import NackError, SafetyError
from neurolink.hal.safety.pulse_window import PulseLedger, Train

PROFILE = Path(__file__).resolve().parents[1] / "devices" / "profiles" / "stimulator.toml"
BIG = 3_000_000


def ledger_case(pulses: int) -> tuple[float, float]:
    """(seconds, peak MB) of one check with two trains of ``pulses`` pulses scheduled."""
    ledger = PulseLedger()
    ledger.add(Train(0, 0.0, 500.0, pulses))
    ledger.add(Train(1, 0.0, 500.0, pulses))
    new = Train(2, 0.5, 500.0, pulses)
    tracemalloc.start()
    t0 = time.perf_counter()
    ledger.max_count(new, channel=None)
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return dt, peak / 1e6


def ledger_stream(seconds: float, period: float, scheduled: int) -> np.ndarray:
    """Seconds per STIM of the guard's ledger work, one single-pulse train per ``period``."""
    ledger = PulseLedger()
    if scheduled:
        ledger.add(Train(13, 0.0, 100.0, scheduled))
    n = round(seconds / period)
    out = np.empty(n)
    clock = time.perf_counter
    for k in range(n):
        t = k * period
        train = Train(12, t, 100.0, 1)
        t0 = clock()
        ledger.prune(t)
        ledger.max_count(train, channel=12)
        ledger.max_count(train, channel=None)
        ledger.add(train)
        out[k] = clock() - t0
    return out


def estop_case(trips: int) -> np.ndarray:
    """ms from ``estop_now()`` to the ESTOP's ACK, ``trips`` times, under a churning check."""
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "big.toml"
        text = PROFILE.read_text(encoding="utf-8")
        profile.write_text(text.replace("max_pulse_count = 100000", f"max_pulse_count = {BIG}"))
        with (
            Emulator("stimulator", profile=str(profile)) as emu,
            StimulatorDriver(emu.port, max_ramp_ua_per_s=1e6) as drv,
        ):
            drv.arm()
            out = []
            for k in range(trips):
                drv.stim(StimCommand(12, 100, 200, frequency_hz=100, pulse_count=BIG))
                stop = threading.Event()

                def churn(stop: threading.Event = stop) -> None:
                    while not stop.is_set():
                        try:
                            drv.stim(StimCommand(13, 100, 200, frequency_hz=100, pulse_count=BIG))
                        except (SafetyError, NackError):
                            pass

                worker = threading.Thread(target=churn, daemon=True)
                worker.start()
                time.sleep(0.05)
                t_trip = now()
                drv.estop_now(f"benchmark trip {k}")
                stop.set()
                worker.join(10)
                estops = [s for s in drv.sent if isinstance(s.command, StimStop)]
                out.append((estops[-1].t_reply - t_trip) * 1e3)
                drv.drain_sent()
                drv.rearm(f"benchmark re-arm {k}")
            return np.asarray(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trips", type=int, default=20, help="e-stops to time (0: none)")
    ap.add_argument("--seconds", type=float, default=10.0, help="s of STIMs at one per ms")
    args = ap.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print("pulse ledger, one check against two scheduled trains (host, no I/O):")
    print(f"{'pulses per train':>18}{'time (ms)':>12}{'peak (MB)':>12}")
    for n in (100_000, 1_000_000, 10_000_000):
        dt, mb = ledger_case(n)
        print(f"{n:>18,}{dt * 1e3:>12.2f}{mb:>12.2f}")
    print(f"ledger work per STIM (commands), one single-pulse train per ms for {args.seconds:g} s:")
    for scheduled in (0, BIG):
        us = ledger_stream(args.seconds, 1e-3, scheduled) * 1e6
        p50, p99 = np.percentile(us, (50, 99))
        print(
            f"  {scheduled:>9,} pulses scheduled elsewhere: n={us.size} median {p50:.1f} µs, "
            f"p99 {p99:.1f} µs, max {us.max():.1f} µs"
        )
    if args.trips <= 0:
        return
    t = estop_case(args.trips)
    print(
        f"e-stop with {BIG:,} pulses scheduled and a busy safety layer, trip -> ESTOP ACK over "
        f"a pty, {len(t)} trips: median {np.median(t):.2f} ms, p99 {np.percentile(t, 99):.2f} "
        f"ms, max {t.max():.2f} ms"
    )


if __name__ == "__main__":
    main()
