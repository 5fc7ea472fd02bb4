"""``neurolink report RECORDING``: PNG figures and a text summary of a recorded session."""

from __future__ import annotations

import argparse

from neurolink.cli.options import milliseconds


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``report`` subcommand."""
    p = sub.add_parser(
        "report",
        help="write figures and a text summary of a recorded session",
        description=(
            "Read a session recording (XDF with its JSON sidecar) and write latency.png, "
            "raster.png, trajectory.png, task.png, summary.txt and summary.json. A figure whose "
            "streams were not recorded is skipped, and the summary says so."
        ),
    )
    p.add_argument("recording", metavar="RECORDING", help="the session's .xdf file")
    p.add_argument(
        "--out", metavar="DIR", help="folder for the report (default: RECORDING_report beside it)"
    )
    p.add_argument(
        "--deadline-ms",
        type=milliseconds,
        metavar="MS",
        help="latency deadline for the miss count (default: the sidecar's deadline_s)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Write the report and print where each file went; 0 on success."""
    from neurolink.loop.report import make_report  # matplotlib loads only for this command

    deadline = None if args.deadline_ms is None else args.deadline_ms / 1e3
    result = make_report(args.recording, args.out, deadline_s=deadline)
    print(f"report written to {result.out_dir}")
    print(f"  {result.summary_path.name}, {result.json_path.name}")
    for name in result.figures:
        print(f"  {name}")
    for name, why in result.skipped.items():
        print(f"  {name} skipped: {why}")
    return 0
