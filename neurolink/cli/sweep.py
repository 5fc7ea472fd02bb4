"""``neurolink sweep RECORDING... --grid PATH=V1,V2``: replay recordings over a grid of
parameters on Dask and print a results table."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``sweep`` subcommand."""
    p = sub.add_parser(
        "sweep",
        help="replay recordings over a grid of parameters (on Dask) and tabulate the results",
        description=(
            "Replay each recording once per combination of the --grid values, each run a Dask "
            "task (a local cluster by default, or the cluster of --scheduler), and print one "
            "row per run: the parameters, R² of the decoded output against the recorded "
            "intent, agreement of the commands with it, counts, speed. A path is NODE.KEY, "
            "the node given by name or by kind when only one node has it (detect.threshold, "
            "decoder.prior), or task.KEY. Example: neurolink sweep s1.xdf s2.xdf --grid "
            "detect.threshold=4,5,6 --grid decode.prior=uniform,continuity --out results.csv"
        ),
    )
    p.add_argument("recordings", nargs="+", metavar="RECORDING", help="session recordings (.xdf)")
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="PATH=V1,V2",
        help="a parameter and its values (repeat for more axes; values are TOML or bare words)",
    )
    p.add_argument("--config", metavar="FILE", help="base config (default: each recording's own)")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler of a cluster (tcp://host:8786)"
    )
    where.add_argument(
        "--serial", action="store_true", help="no Dask: run the points one after the other here"
    )
    p.add_argument(
        "--workers", type=int, default=2, metavar="N", help="local cluster workers (default 2)"
    )
    p.add_argument(
        "--threads",
        action="store_true",
        help="local workers as threads of this process (starts faster; default: processes)",
    )
    p.add_argument(
        "--out",
        action="append",
        default=[],
        metavar="PATH",
        help="also write the results as .csv or .json (repeatable)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Plan (every config checked first), run, print the table, write the files; 0 when done."""
    from neurolink.loop.sweep.run import (
        dask_client,
        format_table,
        plan_sweep,
        run_sweep,
        write_results,
    )

    points = plan_sweep(args.recordings, args.grid, config=args.config)
    n_rec = len(args.recordings)
    if args.serial:
        where = "here, one after the other"
    elif args.scheduler:
        where = f"the Dask scheduler {args.scheduler}"
    else:
        kind = "threads" if args.threads else "processes"
        where = f"a local Dask cluster of {args.workers} worker {kind}"
    print(
        f"sweep: {len(points)} runs ({n_rec} recording{'s' * (n_rec > 1)} × "
        f"{len(points) // n_rec} combinations) on {where}",
        file=sys.stderr,
        flush=True,
    )
    if args.serial:
        rows = run_sweep(points)
    else:
        with dask_client(
            args.scheduler, workers=args.workers, processes=not args.threads
        ) as client:
            rows = run_sweep(points, client=client)
    print(format_table(rows))
    for out in args.out:
        print(f"results written to {write_results(rows, out)}", file=sys.stderr)
    return 0
