"""``neurolink calibrate CONFIG``: record a calibration block, fit the decoder, save the model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from neurolink.cli.options import add_duration, add_quiet

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``calibrate`` subcommand."""
    p = sub.add_parser(
        "calibrate",
        help="record a calibration block, fit the configured decoder, save its model file",
        description=(
            "Record a calibration block from the config's source through its graph, with its "
            "labels: for a decode node, the kinematics (the simulated subject's intent while "
            "it is driven along center-out reaches, or an LSL kinematics stream); otherwise "
            "classes from markers (a file's annotations or a marker stream). Fit the decoder, "
            "print its cross-validated R² (kinematics) or accuracy with chance level and "
            "permutation p-value (classes), and save the model file that `neurolink run` loads "
            "(`decode.model` / `classify.model`). [loop.calibration] in the config says what "
            "and how. Research use only."
        ),
    )
    p.add_argument("config", help="TOML config (e.g. examples/center_out.toml)")
    add_duration(
        p,
        default_text="loop.calibration.duration, the task's calibration_s, session.duration, "
        "or the whole file",
    )
    p.add_argument("--out", type=Path, metavar="MODEL", help="model file to write (.npz)")
    p.add_argument("--folds", type=int, default=None, help="cross-validation folds (default 5)")
    p.add_argument(
        "--permutations",
        type=int,
        default=None,
        help="label permutations for the p-value of a class decoder (default 100; 0: none)",
    )
    add_quiet(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the ``calibrate`` subcommand; prints the report; returns the exit code."""
    from neurolink.loop.calibration.run import calibrate
    from neurolink.loop.session.config import load_config

    result = calibrate(
        load_config(args.config),
        duration=args.duration,
        out=args.out,
        folds=args.folds,
        permutations=args.permutations,
        status_out=None if args.quiet else sys.stderr,
    )
    print(result.report())
    return 0
