"""``neurolink node CONFIG --stage NAMES --input STREAM --output NAME``: one stage of the loop
as its own process, reading one LSL stream and publishing one."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from neurolink.cli.options import (
    add_duration,
    add_quiet,
    add_summary_json,
    nonnegative_seconds,
    seconds,
)

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``node`` subcommand."""
    p = sub.add_parser(
        "node",
        help="run some nodes of a config as their own process, LSL in and out",
        description=(
            "Run a stage of the loop in its own process: the nodes named by --stage (from the "
            "config's [[loop.nodes]]) read --input (the raw source, or the output of the node "
            "before them published by another `neurolink node`) and publish the output of "
            "their last node as --output, with sample indices and origin times, so that the "
            "next process computes exactly what one process would and the last one reports "
            "the latency t_out - t_sample across processes. Start the processes from the last "
            "to the first: each waits for its reader before it reads. Example: "
            "`neurolink node cfg.toml --stage highpass..counts --input subject --output counts` "
            "and `neurolink node cfg.toml --stage decoder --input counts --output decoded`."
        ),
    )
    p.add_argument("config", help="TOML config file with [[loop.nodes]]")
    p.add_argument(
        "--stage",
        required=True,
        action="append",
        metavar="NAMES",
        help="nodes to run: comma-separated names, or a range FIRST..LAST in config order",
    )
    p.add_argument("--input", required=True, metavar="STREAM", help="LSL name of the input")
    p.add_argument("--output", required=True, metavar="NAME", help="LSL name of the output")
    p.add_argument("--node", metavar="NAME", help="node to publish (default: the stage's last)")
    add_duration(p, default_text="until the input ends")
    p.add_argument(
        "--wait-consumer",
        type=nonnegative_seconds,
        default=30.0,
        metavar="S",
        help="seconds to wait for a reader of the output before reading (0: do not wait)",
    )
    p.add_argument(
        "--resolve-timeout", type=seconds, default=30.0, metavar="S", help="wait for the input"
    )
    p.add_argument(
        "--stall-timeout",
        type=seconds,
        default=2.0,
        metavar="S",
        help="seconds without input data (once it started) before stopping with an error",
    )
    add_summary_json(p)
    add_quiet(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the stage until its input ends or the duration (exit 0), or a signal (130 for
    SIGINT, 143 for SIGTERM, as ``neurolink run``); an error exits 1 (the CLI's handler)."""
    from neurolink.loop.session.config import load_config
    from neurolink.loop.stages.process import format_summary
    from neurolink.loop.stages.setup import open_node

    proc = open_node(
        load_config(args.config),
        args.stage,
        args.input,
        args.output,
        output_node=args.node,
        duration=args.duration,
        wait_consumer=args.wait_consumer,
        resolve_timeout=args.resolve_timeout,
        stall_timeout=args.stall_timeout,
        status_out=None if args.quiet else sys.stderr,
    )
    try:
        summary = proc.run()
    finally:
        if proc.result:
            print(format_summary(proc.result), flush=True)
            if args.summary_json:
                Path(args.summary_json).write_text(json.dumps(proc.result, indent=2) + "\n")
    if summary["stop_reason"] == "signal":
        return 143 if "SIGTERM" in summary["why"] else 130
    return 0
