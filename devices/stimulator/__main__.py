"""``python -m devices.stimulator``: an emulated stimulator on a pty or a socket.

Options: ``--profile`` (default ``stimulator``), ``--pty`` | ``--socket HOST:PORT``, ``--baud``,
``--pulse-log FILE`` (every delivered pulse as CSV, and every stop, as they happen).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from devices.core.cli import make_parser, run_device
from devices.core.model import DeviceModel
from devices.core.profile import DeviceHeader, Table
from devices.stimulator.model import Stimulator
from devices.stimulator.profile import parse_stim_profile


def _build(top: Table, args: argparse.Namespace) -> tuple[DeviceHeader, DeviceModel]:
    profile = parse_stim_profile(top)
    log = open(args.pulse_log, "w", encoding="utf-8") if args.pulse_log else None
    return profile.header, Stimulator(profile, log)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulated stimulator; return the exit status."""
    parser = make_parser(
        "devices.stimulator", "stimulator", "Emulated stimulator behind the neurolink wire."
    )
    parser.add_argument("--pulse-log", metavar="FILE", help="write every delivered pulse here")
    return run_device(argv, parser, _build)


if __name__ == "__main__":
    sys.exit(main())
