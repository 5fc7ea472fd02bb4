"""``neurolink run CONFIG``: run the closed loop a config describes; print the summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neurolink.cli.options import add_duration, add_quiet, add_summary_json

if TYPE_CHECKING:
    from neurolink.loop.session.config import Config

__all__ = ["add_parser", "exit_code", "run", "run_session"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``run`` subcommand."""
    p = sub.add_parser(
        "run",
        help="run the closed loop of a config (source -> graph -> devices)",
        description=(
            "Run the real-time closed loop described by a TOML config: the source, the "
            "processing graph [[loop.nodes]], the devices [[loop.sinks]], the task and the "
            "recording. Prints a live status line and an end-of-run summary. Research use only."
        ),
    )
    p.add_argument("config", help="TOML config file (see examples/center_out.toml)")
    add_run_options(p)
    return p


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Options shared by ``run`` and ``demo``."""
    add_duration(p, default_text="the config's session.duration")
    add_summary_json(p)
    rec = p.add_mutually_exclusive_group()
    rec.add_argument("--record", metavar="PATH", type=Path, help="recording file (.xdf)")
    rec.add_argument("--no-record", action="store_true", help="do not record the session")
    add_quiet(p)


def exit_code(summary: dict[str, Any]) -> int:
    """0 for a run that ended as planned, 130/143 for SIGINT/SIGTERM, 1 after a fault."""
    from neurolink.loop.core.faults import StopReason

    reason = summary.get("stop_reason")
    if reason in (StopReason.DURATION.value, StopReason.STOP.value):
        return 0
    if reason == StopReason.SIGNAL.value:
        return 143 if "SIGTERM" in str(summary.get("why", "")) else 130
    return 1


def run_session(cfg: Config, args: argparse.Namespace, *, report: bool = False) -> int:
    """Run a session for ``run``/``demo``, print (and write) the summary, optionally write the
    recording's report; returns the exit code. ``args`` holds the options of
    :func:`add_run_options`, already checked by the parser."""
    from neurolink.loop.session.run import Session

    if args.no_record:
        cfg = _without_recording(cfg)
    session = Session(
        cfg,
        duration=args.duration,
        recording=args.record,
        status_out=None if args.quiet else sys.stderr,
    )
    try:
        summary = session.run()
    except BaseException:
        summary = session.engine.result if session.engine is not None else {}
        if summary:
            _report(summary, args)
        raise
    _report(summary, args)
    if report and summary.get("recording"):
        from neurolink.loop.report import make_report

        result = make_report(summary["recording"])
        print(f"report: {result.out_dir}")
    return exit_code(summary)


def _without_recording(cfg: Config) -> Config:
    import dataclasses

    rec = dataclasses.replace(cfg.loop.recording, enabled=False)
    return dataclasses.replace(cfg, loop=dataclasses.replace(cfg.loop, recording=rec))


def _report(summary: dict[str, Any], args: argparse.Namespace) -> None:
    from neurolink.loop.core.status import format_summary, write_summary_json

    print(format_summary(summary))
    if args.summary_json:
        write_summary_json(summary, args.summary_json)


def run(args: argparse.Namespace) -> int:
    """Run the ``run`` subcommand; returns the exit code."""
    from neurolink.loop.session.config import load_config

    return run_session(load_config(args.config), args)
