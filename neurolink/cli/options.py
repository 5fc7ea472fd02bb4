"""Options that several ``neurolink`` subcommands share, each defined once.

Every option here is checked while the command line is parsed: a bad value stops with
argparse's usual ``usage`` line and ``error: argument --duration: must be > 0 s …`` (exit code
2) before anything is imported or opened. The value types (:func:`seconds`,
:func:`nonnegative_seconds`, :func:`milliseconds`) serve the commands' own time options too.

This module imports only the standard library, so that building the parser stays fast.
"""

from __future__ import annotations

import argparse
import math

__all__ = [
    "add_duration",
    "add_interval",
    "add_quiet",
    "add_summary_json",
    "milliseconds",
    "nonnegative_seconds",
    "seconds",
]


def _finite(text: str, unit: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of {unit}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number of {unit}, got {text!r}")
    return value


def seconds(text: str) -> float:
    """Parse a positive, finite duration in seconds (argparse ``type=``).

    Parameters
    ----------
    text : str
        The option's value as typed, e.g. ``"2.5"``.

    Returns
    -------
    float
        The duration (s), > 0.

    Raises
    ------
    argparse.ArgumentTypeError
        Not a number, not finite (``nan``, ``inf``), or <= 0.
    """
    value = _finite(text, "seconds")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0 s, got {text!r}")
    return value


def nonnegative_seconds(text: str) -> float:
    """Parse a finite duration in seconds that may be 0 ("do not wait"); see :func:`seconds`."""
    value = _finite(text, "seconds")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0 s, got {text!r}")
    return value


def milliseconds(text: str) -> float:
    """Parse a positive, finite duration in milliseconds; see :func:`seconds`."""
    value = _finite(text, "milliseconds")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0 ms, got {text!r}")
    return value


def add_duration(
    p: argparse.ArgumentParser, *, default_text: str, default: float | None = None
) -> None:
    """Add ``--duration S``: seconds of data to process, positive and finite.

    Parameters
    ----------
    p : argparse.ArgumentParser
        The subcommand's parser.
    default_text : str
        What happens without the option, for the help text (e.g. ``"until Ctrl-C"``).
    default : float, optional
        The value without the option (None: the command decides, as ``default_text`` says).
    """
    p.add_argument(
        "--duration",
        type=seconds,
        default=default,
        metavar="S",
        help=f"seconds of data (default: {default_text})",
    )


def add_interval(p: argparse.ArgumentParser, *, default: float) -> None:
    """Add ``--interval S``: seconds between status lines (default ``default``), > 0."""
    p.add_argument(
        "--interval",
        type=seconds,
        default=default,
        metavar="S",
        help=f"seconds between status lines (default {default:g})",
    )


def add_summary_json(p: argparse.ArgumentParser) -> None:
    """Add ``--summary-json PATH``: also write the end-of-run summary as JSON to PATH."""
    p.add_argument("--summary-json", metavar="PATH", help="also write the summary as JSON")


def add_quiet(p: argparse.ArgumentParser) -> None:
    """Add ``--quiet``: no live status (or progress) line on stderr."""
    p.add_argument("--quiet", action="store_true", help="no live status line on stderr")
