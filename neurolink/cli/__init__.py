"""The ``neurolink`` command line: :mod:`~neurolink.cli.main` builds the parser; each other
module is one subcommand with ``add_parser(subparsers)`` and ``run(args) -> int``."""

from neurolink.cli.main import main

__all__ = ["main"]
