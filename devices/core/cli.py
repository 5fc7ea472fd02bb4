"""The command line shared by the emulators: ``python -m devices.<name> [options]``.

Prints ``PORT <path-or-url>`` as the first line of stdout (flushed) as soon as the port
exists, then serves until SIGTERM/SIGINT or until the host closes the port. Diagnostics go to
stderr, ending with one ``stopped (<reason>) ...`` line. Exit status 0 after a clean stop, 2 for
a bad option or profile.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from devices.core.model import DeviceModel
from devices.core.port import Port, PtyPort, SocketPort, parse_socket_address
from devices.core.profile import DeviceHeader, ProfileError, Table, load_profile
from devices.core.server import DeviceServer

__all__ = ["Builder", "make_parser", "open_port", "run_device"]

Builder = Callable[[Table, argparse.Namespace], tuple[DeviceHeader, DeviceModel]]
"""Makes the header and model of a device from its loaded profile and the parsed options."""


def make_parser(prog: str, default_profile: str, description: str) -> argparse.ArgumentParser:
    """The options every emulator takes; a device adds its own to the returned parser."""
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument(
        "--profile",
        default=default_profile,
        help=f"profile TOML file, or a name in devices/profiles (default {default_profile})",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--pty", action="store_true", help="serve on a new pty (the default)")
    where.add_argument(
        "--socket", metavar="HOST:PORT", help="serve on TCP (socket://HOST:PORT; port 0: any)"
    )
    p.add_argument(
        "--baud", type=int, default=0, help="simulate the wire time of replies at this rate (b/s)"
    )
    return p


def open_port(args: argparse.Namespace) -> Port:
    """The port the options ask for."""
    if args.socket:
        host, port = parse_socket_address(args.socket)
        return SocketPort(host, port)
    return PtyPort()


def run_device(
    argv: Sequence[str] | None,
    parser: argparse.ArgumentParser,
    build: Builder,
    stdout: TextIO | None = None,
) -> int:
    """Parse options, load the profile, open the port, print it, serve; return the exit status.

    Parameters
    ----------
    argv : sequence of str or None
        Options (None: ``sys.argv[1:]``).
    parser : ArgumentParser
        From :func:`make_parser`, with the device's own options added.
    build : Builder
        Makes the device from its profile.
    stdout : TextIO, optional
        Where the ``PORT`` line goes (default ``sys.stdout``).
    """
    args = parser.parse_args(argv)
    out = stdout or sys.stdout
    if args.baud < 0:
        parser.error(f"--baud {args.baud} must be >= 0")
    try:
        header, model = build(load_profile(args.profile), args)
    except ProfileError as e:
        print(f"{parser.prog}: bad profile: {e}", file=sys.stderr)
        return 2
    try:
        port = open_port(args)
    except (ValueError, OSError) as e:
        print(f"{parser.prog}: cannot open the port: {e}", file=sys.stderr)
        return 2
    print(f"PORT {port.url}", file=out, flush=True)
    server = DeviceServer(model, header, port, baud=args.baud, name=parser.prog)
    server.say(f"{header.identity!r} (profile {args.profile}) on {port.url}")
    server.run()
    return 0
