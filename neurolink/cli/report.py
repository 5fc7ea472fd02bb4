"""``neurolink report RECORDING``: PNG figures and a text summary of a recorded session."""

from __future__ import annotations

import argparse
import sys

from neurolink.cli.options import milliseconds


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``report`` subcommand."""
    p = sub.add_parser(
        "report",
        help="write figures and a text summary of a recorded session",
        description=(
            "Read a session recording (XDF with its JSON sidecar) and write latency.png, "
            "raster.png, trajectory.png, task.png, summary.txt and summary.json. A figure whose "
            "streams were not recorded is skipped, and the summary says so. A recording cut "
            "short (it ends inside a chunk) is reported up to its last complete chunk and the "
            "command exits with status 2; a corrupt one is refused (status 1)."
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
    """Write the report and print where each file went; 0 on success, 2 when the recording is
    truncated (the report of its complete chunks is written, and the damage printed)."""
    from neurolink.loop.report import make_report  # matplotlib loads only for this command

    deadline = None if args.deadline_ms is None else args.deadline_ms / 1e3
    result = make_report(args.recording, args.out, deadline_s=deadline)
    print(f"report written to {result.out_dir}")
    print(f"  {result.summary_path.name}, {result.json_path.name}")
    for name in result.figures:
        print(f"  {name}")
    for name, why in result.skipped.items():
        print(f"  {name} skipped: {why}")
    if result.damage:
        print(
            f"neurolink report: {args.recording} is {result.damage}; the report covers the "
            "chunks before it",
            file=sys.stderr,
        )
        return 2
    return 0
