"""Closed-loop figures with the decoder on the host, on the chip's arithmetic (``fixed``) and on
the emulated neuromorphic board: the demo's center-out task on the simulated subject.

For each placement and decoder: the closed-loop task (success rate, median time to target), the
command latency (t_wire − t_sample, over commands of the closed loop and calibration together:
median and p99), and for a decoder on the chip its size, estimated energy, median time per chip
step and agreement with the shadow host decoder (R² over closed-loop bins); on the board also
its batching, how long the engine waited for a batch's spikes and each frame's round trip.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/decoder_on_chip_loop.py [--duration 40]
        [--calibration 15] [--on host,fixed,neuroboard] [--decoder bayes,kalman]

Figures depend on the machine's load; say how loaded it was (``uptime``) when quoting them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def run_one(on: str, decoder: str, duration: float, calibration: float, seed: int) -> dict:
    """One demo session; its summary."""
    from neurolink.cli.demo import demo_config
    from neurolink.loop.session.run import Session

    cfg = demo_config(
        duration=duration, calibration=calibration, seed=seed, decoder_on=on, decoder=decoder
    )
    with tempfile.TemporaryDirectory() as d:
        return Session(cfg, status_out=None, recording=Path(d) / "bench.xdf").run()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=40.0)
    ap.add_argument("--calibration", type=float, default=15.0)
    ap.add_argument("--on", default="host,fixed")
    ap.add_argument("--decoder", default="bayes,kalman")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    print(
        f"load average: {os.getloadavg()[0]:.2f} (1 min); {args.duration:g} s per session, "
        f"{args.calibration:g} s of calibration"
    )
    head = (
        f"{'decoder':8} {'on':10} {'trials':>6} {'success':>7} {'t2t med s':>9} "
        f"{'cmd lat med/p99 ms':>18} {'neurons':>7} {'cores':>5} {'µJ/s':>7} "
        f"{'step µs med':>11} {'R² vs host':>10}"
    )
    print(head)
    for decoder in args.decoder.split(","):
        for on in args.on.split(","):
            s = run_one(on, decoder, args.duration, args.calibration, args.seed)
            task, lat = s.get("task", {}), s["latency"]["commands"]
            chip = s.get("decoder_on_chip") or {}
            r2, nan = chip.get("r2_vs_host"), float("nan")
            print(
                f"{decoder:8} {on:10} {task.get('trials', 0):>6} "
                f"{task.get('success_rate') or 0:>7.2f} "
                f"{task.get('time_to_target_s_median') or float('nan'):>9.2f} "
                f"{lat.get('median_ms', nan):>8.2f}/{lat.get('p99_ms', nan):<9.2f} "
                f"{chip.get('neurons', '-'):>7} {chip.get('cores', '-'):>5} "
                f"{chip.get('energy_uj_per_s', float('nan')):>7.0f} "
                f"{chip.get('step_us_median') or float('nan'):>11.1f} "
                f"{'-' if r2 is None else f'{r2:.3f}':>10}"
                + (f"  faults: {[f['kind'] for f in s['faults']]}" if s["faults"] else "")
            )
            if chip.get("batch_steps"):  # the board over the wire: batches, waits, round trips
                print(
                    f"{'':19} board: {chip['batch_steps']} steps per frame, "
                    f"{chip['batches_in_flight']} in flight; engine waited median/p99 "
                    f"{chip.get('wait_us_median')}/{chip.get('wait_us_p99')} µs per batch; "
                    f"frame round trip median/p99 {chip.get('board_rtt_us_median')}/"
                    f"{chip.get('board_rtt_us_p99')} µs"
                )


if __name__ == "__main__":
    main()
