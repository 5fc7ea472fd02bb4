"""Command line: stream a simulated intracortical recording on LSL as its own process.

::

    python -m neurolink.sim.cortex_stream --name X --duration S --seed N

publishes ``X`` (raw voltage), ``X-intent`` (intended velocity) and ``X-spikes`` (ground truth),
and follows velocity commands from a 2-channel stream ``X-control`` when one appears, so a closed
loop running in another process can drive the simulated subject (see
:class:`neurolink.sim.streamer.CortexStreamer`). Research use only.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from neurolink.sim.arrays import SUPPORTED_CHANNELS, subject_cortex_config
from neurolink.sim.config import CortexConfig
from neurolink.sim.cortex import CortexSimulator
from neurolink.sim.geometry import UTAH_PITCH_UM, grid_positions
from neurolink.sim.streamer import CortexStreamer

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of ``python -m neurolink.sim.cortex_stream``."""
    p = argparse.ArgumentParser(
        prog="python -m neurolink.sim.cortex_stream",
        description="Stream a simulated intracortical recording on LSL (research use only).",
    )
    p.add_argument("--name", required=True, help="LSL stream name")
    p.add_argument("--duration", type=float, default=0.0, help="seconds (0: until Ctrl-C)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--units", type=int, default=60, help="number of tuned units")
    p.add_argument(
        "--channels",
        type=int,
        default=0,
        help="electrodes: 96, 128, 256 (Utah-like grids) or 384 (Neuropixels 1.0-like shank) "
        "as neurolink.sim.arrays lays them out; another count: a grid at the Utah pitch "
        "(default 0: the 96-site Utah array)",
    )
    p.add_argument("--fs", type=float, default=30_000.0, help="sampling rate (Hz)")
    p.add_argument("--chunk-ms", type=float, default=1.0, help="chunk length (ms)")
    p.add_argument("--no-truth", action="store_true", help="do not publish ground truth")
    p.add_argument("--no-control", action="store_true", help="ignore the control stream")
    p.add_argument(
        "--wait-consumer",
        action="store_true",
        help="push the first sample only once an inlet is connected (it then gets sample 0)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the streamer until the duration elapses, Ctrl-C or SIGTERM; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.channels < 0:
        parser.error(f"--channels {args.channels} must be >= 1 (or 0 for the Utah array)")
    if args.channels in SUPPORTED_CHANNELS:
        config = subject_cortex_config(args.fs, args.units, args.channels)
    else:
        positions = grid_positions(args.channels, UTAH_PITCH_UM) if args.channels else None
        config = CortexConfig(fs=args.fs, n_units=args.units, positions=positions)
    sim = CortexSimulator(config, seed=args.seed)
    streamer = CortexStreamer(
        sim,
        args.name,
        chunk_samples=max(1, round(args.chunk_ms * 1e-3 * args.fs)),
        publish_truth=not args.no_truth,
        listen_control=not args.no_control,
        duration=args.duration if args.duration > 0 else None,
        wait_consumer=args.wait_consumer,
    )
    stop = threading.Event()

    def on_sigterm(*_: object) -> None:
        stop.set()
        streamer.request_stop()  # the join below returns once the thread is done

    signal.signal(signal.SIGTERM, on_sigterm)
    streamer.start()
    print(
        f"cortex_stream: streaming {args.name!r}: {sim.n_channels} ch at {sim.fs:g} Hz, "
        f"{sim.n_units} units, seed {args.seed}; following {args.name + '-control'!r}",
        file=sys.stderr,
        flush=True,
    )
    try:
        while not streamer.join(timeout=0.1):
            if stop.is_set():
                streamer.stop()
                break
    except KeyboardInterrupt:
        streamer.stop()
    print(
        f"cortex_stream: pushed {streamer.n_pushed} samples, {streamer.n_late} late chunks, "
        f"max lag {streamer.max_lag * 1e3:.1f} ms",
        file=sys.stderr,
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
