"""``neurolink warmup``: compile every numba kernel a demo uses and cache it on disk, saying
how long it took, so that the first ``neurolink demo`` compiles nothing while it runs."""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``warmup`` subcommand."""
    p = sub.add_parser(
        "warmup",
        help="compile and cache every numba kernel a demo uses (once after installing)",
        description=(
            "Compile every numba kernel the demo uses — the simulated subject, the graph "
            "(filtering, detection, binning, the decoder's fit and step, the spiking burst "
            "detector) and the emulated devices — and cache them on disk (numba's cache: "
            "NUMBA_CACHE_DIR, else beside the sources), timing each part. A demo warms what it "
            "needs before its loop starts anyway; warming once ahead makes that a fraction of "
            "a second."
        ),
    )
    p.add_argument(
        "--decoder",
        choices=("bayes", "kalman", "all"),
        default="all",
        help="decoders to warm (default all)",
    )
    p.add_argument(
        "--decoder-on",
        choices=("host", "fixed", "neuroboard"),
        default="host",
        help="also warm the decoder's compilation onto the chip (as demo --decoder-on)",
    )
    p.add_argument(
        "--no-emulators", action="store_true", help="do not start the emulated devices once"
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Warm, print each part's time and the total; 0."""
    from neurolink.clock import now
    from neurolink.loop.warm.demo import EMULATED, cache_dir, warm_demo

    t0 = now()
    print(f"warming the demo's kernels (numba cache: {cache_dir()})", flush=True)
    decoders = ("bayes", "kalman") if args.decoder == "all" else (args.decoder,)
    warm_demo(
        decoders=decoders,
        decoder_on=args.decoder_on,
        emulators=() if args.no_emulators else EMULATED,
        say=lambda line: print(line, flush=True),
    )
    print(f"warm-up done in {now() - t0:.1f} s: the next demo compiles nothing in its loop")
    return 0
