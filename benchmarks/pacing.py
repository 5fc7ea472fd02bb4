"""How late a wait for a moment on the host clock returns: plain timed waits vs ``sleep_until``.

    python benchmarks/pacing.py [--n 2000] [--period-ms 1]

A thread waits for a moment every ``--period-ms`` (as the simulated subject waits for each
chunk to fall due) and records ``now() − moment`` after each wait, for: ``time.sleep`` and
``Event.wait`` (the default 50 µs timer slack), the same with the thread's timer slack at 1 ns,
and :func:`neurolink.pacing.sleep_until` with spins of 0, 50, 100 (its default) and 150 µs.
Prints median / p99 / max lateness in µs and the CPU the waiting thread used (% of one core).
Prints figures only; nothing is asserted (DESIGN §8).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections.abc import Callable

import numpy as np

from neurolink.clock import now
from neurolink.pacing import sleep_until, tighten_timer_slack


def _lateness(wait: Callable[[float], None], n: int, period: float, slack: bool) -> str:
    out: list[str] = []

    def body() -> None:
        if slack:
            tighten_timer_slack()
        late = np.empty(n)
        t, cpu0 = now(), time.thread_time()
        for k in range(n):
            t += period
            wait(t)
            late[k] = now() - t
        cpu = (time.thread_time() - cpu0) / (n * period)
        v = late[n // 20 :] * 1e6
        p50, p99 = np.percentile(v, (50, 99))
        out.append(f"{p50:9.1f} {p99:9.1f} {v.max():9.1f} {cpu * 100:7.1f}")

    th = threading.Thread(target=body)  # a fresh thread: its timer slack is the default
    th.start()
    th.join()
    return out[0]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; returns 0."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=2000, help="waits per case")
    p.add_argument("--period-ms", type=float, default=1.0, help="ms between moments")
    args = p.parse_args(argv)
    n, period = args.n, args.period_ms * 1e-3
    ev = threading.Event()
    cases: list[tuple[str, Callable[[float], None], bool]] = [
        ("time.sleep", lambda t: time.sleep(max(0.0, t - now())), False),
        ("Event.wait", lambda t: ev.wait(max(0.0, t - now())), False),
        ("time.sleep, slack 1 ns", lambda t: time.sleep(max(0.0, t - now())), True),
        ("Event.wait, slack 1 ns", lambda t: ev.wait(max(0.0, t - now())), True),
    ]
    for spin in (0.0, 50e-6, 100e-6, 150e-6):
        cases.append(
            (f"sleep_until spin {spin * 1e6:g} µs", lambda t, s=spin: sleep_until(t, spin=s), False)
        )
    print(
        f"lateness of a wait for a moment, one every {args.period_ms:g} ms, {n} waits per case; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'wait':<28} {'median':>9} {'p99':>9} {'max':>9} {'cpu %':>7}   (µs; cpu: % of one core)"
    )
    for name, wait, slack in cases:
        print(f"{name:<28} {_lateness(wait, n, period, slack)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
