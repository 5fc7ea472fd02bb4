"""``neurolink replay RECORDING``: drive the graph from a recording and compare with the live run.

With the recorded config the decoded outputs and commands must come out identical (exit code
1 when they do not); with ``--config`` the replay runs another config on the same samples and
prints what changed: decoded R² against the recorded intent, commands that differ.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from neurolink.cli.options import add_summary_json

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``replay`` subcommand."""
    p = sub.add_parser(
        "replay",
        help="replay a recording through the graph, exactly, or with a changed config",
        description=(
            "Drive the loop's graph from a recording (made with raw samples) by sample index, "
            "as fast as possible, with no devices. With the recorded config the decoded outputs "
            "and commands are reproduced exactly; with --config another config runs on the "
            "same data and the differences are printed."
        ),
    )
    p.add_argument("recording", type=Path, help="the .xdf recording (its .json sidecar next to it)")
    p.add_argument(
        "--config", type=Path, help="another TOML config to replay (default: as recorded)"
    )
    add_summary_json(p)
    p.add_argument(
        "--out", type=Path, metavar="PATH", help="write the replay's streams to PATH (.xdf)"
    )
    p.add_argument(
        "--refit",
        action="store_true",
        help="fit the calibrated decoder again rather than loading the model saved at fit time",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Run the ``replay`` subcommand; returns the exit code (1: the recorded config did not
    reproduce the recording)."""
    from neurolink.loop.replay.run import format_replay, replay

    result = replay(args.recording, args.config, out=args.out, refit=True if args.refit else None)
    print(format_replay(result.summary))
    if args.summary_json:
        with open(args.summary_json, "w", encoding="utf-8") as f:
            json.dump(result.summary, f, indent=2, sort_keys=True, default=str)
            f.write("\n")
    return 1 if result.same_config and not result.identical else 0
