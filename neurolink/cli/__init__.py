"""The ``neurolink`` command line: :mod:`~neurolink.cli.main` builds the parser;
:mod:`~neurolink.cli.options` defines the options several commands share; each other module is
one subcommand with ``add_parser(subparsers)`` (standard library only, so that ``--help`` is
instant) and ``run(args) -> int`` (which loads the libraries it needs)."""

from neurolink.cli.main import main

__all__ = ["main"]
