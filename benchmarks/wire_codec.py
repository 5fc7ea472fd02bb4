"""Benchmark: wire codec cost per frame, encode + decode, one core, pure Python.

Figures (µs per frame, median of repeated timing runs) for:

* a STIM frame (20-byte payload);
* a NEURO_STEP frame with 100 input spikes (one port, 206-byte payload);
* a NEURO_SPIKES frame with 100 output spikes;

each as ``encode`` (message → bytes on the wire), ``decode`` (bytes → message, via
:func:`~neurolink.hal.wire.decode`) and ``stream`` (bytes fed to a ``FrameDecoder``)::

    python benchmarks/wire_codec.py [--repeat 7] [--number 5000]

Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import timeit
from collections.abc import Callable

from neurolink.hal import wire


def _us_per_call(fn: Callable[[], object], number: int, repeat: int) -> float:
    runs = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(runs) / number * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--number", type=int, default=5000)
    args = ap.parse_args()

    cases = {
        "STIM": wire.Stim.symmetric(3, 100, 200, 13000, 10, interphase_gap_us=50),
        "NEURO_STEP 100 in": wire.NeuroStep(1, [(0, tuple(range(0, 300, 3)))]),
        "NEURO_SPIKES 100 out": wire.NeuroSpikes(12, [(0, tuple(range(0, 200, 2)))]),
    }
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"median of {args.repeat} x {args.number} calls")  # fmt: skip
    print(f"{'frame':<22}{'payload B':>10}{'wire B':>8}{'encode':>10}{'decode':>10}"
          f"{'stream':>10}{'enc+dec':>10}  (µs per frame)")  # fmt: skip
    for name, msg in cases.items():
        data = wire.encode(msg, 1234)
        assert wire.decode(data).message == msg
        dec = wire.FrameDecoder()
        t_enc = _us_per_call(lambda m=msg: wire.encode(m, 1234), args.number, args.repeat)
        t_dec = _us_per_call(lambda d=data: wire.decode(d), args.number, args.repeat)
        t_str = _us_per_call(lambda d=data, f=dec.feed: f(d), args.number, args.repeat)
        print(f"{name:<22}{len(msg.pack()):>10}{len(data):>8}{t_enc:>10.2f}{t_dec:>10.2f}"
              f"{t_str:>10.2f}{t_enc + t_dec:>10.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
