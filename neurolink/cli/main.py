"""The ``neurolink`` command line.

Building the parser imports each subcommand module for its ``add_parser``; those modules import
only the standard library and :mod:`neurolink.cli.options` at the top, and load the heavy
libraries (numpy, numba, BrainFlow, pylsl, SciPy, matplotlib) inside ``run``, so that
``neurolink --version`` and ``--help`` answer at once.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from neurolink import __version__
from neurolink.errors import NeurolinkError

#: Subcommand modules under ``neurolink.cli`` (each has ``add_parser`` and ``run``).
COMMANDS = (
    "devices",
    "stream",
    "play",
    "emulate",
    "run",
    "demo",
    "report",
    "replay",
    "calibrate",
    "node",
    "sweep",
    "snn",
    "export",
    "warmup",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="neurolink",
        description="Closed-loop BCI framework (research software, not a medical device).",
    )
    parser.add_argument("--version", action="version", version=f"neurolink {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"neurolink.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"neurolink.cli.{name}":
                continue  # not built yet
            raise
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code.

    A :class:`~neurolink.errors.NeurolinkError` prints one line and exits 1; Ctrl-C at any
    point (also while the command's libraries load) prints ``interrupted`` and exits 130.
    """
    prog = "neurolink"
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "_run", None):
            parser.print_help()
            return 2
        prog = f"neurolink {args.command}"
        return int(args._run(args) or 0)
    except NeurolinkError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
