"""``neurolink stream SOURCE…``: open sources, show a live status line, print a summary."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack

from neurolink.cli.options import add_duration, add_interval, add_summary_json
from neurolink.errors import ConfigError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``stream`` subcommand."""
    p = sub.add_parser(
        "stream",
        help="stream one or more sources and show rate, channels, gaps and data age",
        description=(
            "Stream sources (brainflow:BOARD[?param=value&...], lsl:NAME, lsl:type=T, "
            "file:PATH) and print a live status line and a summary. Marker (string) streams "
            "and irregular-rate streams are shown too, each marker printed as it arrives; "
            "lsl:NAME?markers=NAME-annotations reads a marker stream paired with the data."
        ),
    )
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="e.g. brainflow:synthetic")
    p.add_argument("--config", help="TOML config whose [source] to stream")
    add_duration(p, default_text="until Ctrl-C")
    add_interval(p, default=0.5)
    add_summary_json(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the ``stream`` subcommand; returns the exit code."""
    from neurolink.clock import now
    from neurolink.loop.session.config import load_config
    from neurolink.streams.factory import inspecting_source, source_from_config
    from neurolink.streams.monitor import StreamMonitor

    duration, interval = args.duration, args.interval
    sources = [inspecting_source(s) for s in args.sources]
    if args.config:
        cfg = load_config(args.config)
        sources.append(source_from_config(cfg.source))
        duration = cfg.session.duration if duration is None else duration
        interval = cfg.session.status_interval
    if not sources:
        raise ConfigError("stream: give at least one SOURCE or --config FILE")
    monitors = [StreamMonitor(s) for s in sources]
    tty = sys.stdout.isatty()
    with ExitStack() as stack:
        for src in sources:
            stack.enter_context(src)  # opens; always closes, also on errors and Ctrl-C
        for m in monitors:
            print(m.describe())
        t0 = now()
        next_status = t0 + interval
        try:
            while duration is None or now() - t0 < duration:
                for m in monitors:
                    m.poll(timeout=0.005 / len(monitors))
                    for line in m.marker_lines():
                        print(("\r\x1b[K" + line) if tty else line, flush=True)
                if all(getattr(m.source, "exhausted", False) for m in monitors):
                    break  # every source is a finished recording
                if now() >= next_status:
                    line = "  ".join(m.status_line() for m in monitors)
                    print(("\r" + line) if tty else line, end="" if tty else "\n", flush=True)
                    next_status += interval
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
        if tty:
            print()
    summary = {m.source.name: m.summary() for m in monitors}
    for name, s in summary.items():
        print(f"summary {name}: " + ", ".join(f"{k}={v}" for k, v in s.items()))
    if args.summary_json:
        with open(args.summary_json, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=2)
    return 0
