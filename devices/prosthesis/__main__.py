"""``python -m devices.prosthesis``: an emulated prosthesis on a pty or a socket.

Options: ``--profile`` (default ``prosthesis_cursor``; ``prosthesis_arm`` for the arm),
``--pty`` | ``--socket HOST:PORT``, ``--baud``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from devices.core.cli import make_parser, run_device
from devices.core.model import DeviceModel
from devices.core.profile import DeviceHeader, Table
from devices.prosthesis.model import Prosthesis
from devices.prosthesis.profile import parse_prosthesis_profile


def _build(top: Table, args: argparse.Namespace) -> tuple[DeviceHeader, DeviceModel]:
    profile = parse_prosthesis_profile(top)
    return profile.header, Prosthesis(profile)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulated prosthesis; return the exit status."""
    parser = make_parser(
        "devices.prosthesis", "prosthesis_cursor", "Emulated prosthesis behind the neurolink wire."
    )
    return run_device(argv, parser, _build)


if __name__ == "__main__":
    sys.exit(main())
