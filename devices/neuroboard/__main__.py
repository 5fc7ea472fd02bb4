"""``python -m devices.neuroboard``: an emulated neuromorphic board on a pty or a socket.

Options: ``--profile`` (default ``neuroboard``), ``--pty`` | ``--socket HOST:PORT``, ``--baud``.
The chip's kernels are warmed (:mod:`devices.neuroboard.warm`) before the port opens, so the
board answers HELLO only once its first step will not compile anything.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from devices.core.cli import make_parser, run_device
from devices.core.model import DeviceModel
from devices.core.profile import DeviceHeader, Table
from devices.neuroboard.model import NeuroBoard
from devices.neuroboard.profile import parse_board_profile
from devices.neuroboard.warm import warm_chip


def _build(top: Table, args: argparse.Namespace) -> tuple[DeviceHeader, DeviceModel]:
    profile = parse_board_profile(top)
    warm_chip()  # before the port exists: no HELLO is answered by a cold board
    return profile.header, NeuroBoard(profile)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulated neuromorphic board; return the exit status."""
    parser = make_parser(
        "devices.neuroboard", "neuroboard", "Emulated neuromorphic board behind the neurolink wire."
    )
    return run_device(argv, parser, _build)


if __name__ == "__main__":
    sys.exit(main())
