"""The command line shared by the emulators: ``python -m devices.<name> [options]``.

Prints ``PORT <path-or-url>`` as the first line of stdout (flushed) as soon as the port
exists, then serves until SIGTERM/SIGINT or until the host closes the port. Diagnostics go to
stderr, ending with one ``stopped (<reason>) ...`` line. Exit status 0 after a clean stop, 2 for
a bad option, profile or secret.

The session secret (``docs/protocol.md`` §4): ``--key-file FILE`` (hex on its first line), else
the environment variable ``NEUROLINK_DEVICE_SECRET`` (hex) or ``NEUROLINK_DEVICE_KEY_FILE``;
with none of them a fresh secret is generated and printed as the second stdout line,
``SECRET <hex>``. A socket listens on loopback only unless ``--socket-public`` is given, which
prints a warning.

Testing options (:mod:`devices.core.harness`): ``--record FILE`` (the device's own records,
JSON lines), ``--control PATH`` (the control channel, a Unix socket), ``--fault-script FILE``
(a timeline of scripted faults, TOML or JSON), ``--persist`` (outlive host disconnects, safe
state on each), ``--virtual-clock`` (device time moves only when the control channel says so),
``--lifeline`` (stop when stdin closes), ``--link PATH`` (a pty reached through a symlink that
follows it when ``--persist`` plugs the device in again).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from devices.core.faults import FaultError
from devices.core.harness import Harness
from devices.core.model import DeviceModel
from devices.core.port import Port, PtyPort, SocketPort, is_loopback, parse_socket_address
from devices.core.profile import DeviceHeader, ProfileError, Table, load_profile
from devices.core.script import load_fault_script
from devices.core.server import DeviceServer
from neurolink.hal.wire import auth

__all__ = ["Builder", "device_secret", "make_parser", "open_port", "run_device"]

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
        "--socket-public",
        action="store_true",
        help="allow --socket on an address other hosts can reach (prints a warning)",
    )
    p.add_argument(
        "--baud", type=int, default=0, help="simulate the wire time of replies at this rate (b/s)"
    )
    p.add_argument(
        "--key-file",
        metavar="FILE",
        help="session secret, hex on the first line (default: $NEUROLINK_DEVICE_SECRET, "
        "$NEUROLINK_DEVICE_KEY_FILE, else a new one printed as 'SECRET <hex>')",
    )
    p.add_argument(
        "--auth-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="a connection that has not authenticated after S seconds yields to the next host",
    )
    t = p.add_argument_group("testing (see devices/README.md)")
    t.add_argument("--record", metavar="FILE", help="write the device's own records (JSON lines)")
    t.add_argument("--control", metavar="PATH", help="serve the control channel on this socket")
    t.add_argument(
        "--fault-script", metavar="FILE", help="scripted faults on a timeline (TOML or JSON)"
    )
    t.add_argument(
        "--persist",
        action="store_true",
        help="outlive host disconnects: safe state on each, then wait for the next host",
    )
    t.add_argument(
        "--virtual-clock",
        action="store_true",
        help="device time moves only by the control channel's 'advance'",
    )
    t.add_argument("--lifeline", action="store_true", help="stop when stdin closes")
    t.add_argument("--link", metavar="PATH", help="keep a symlink to the pty here")
    return p


def open_port(args: argparse.Namespace) -> Port:
    """The port the options ask for.

    Raises
    ------
    ValueError
        A socket address that is not loopback without ``--socket-public``.
    """
    if args.socket:
        host, port = parse_socket_address(args.socket)
        if not is_loopback(host):
            if not getattr(args, "socket_public", False):
                raise ValueError(
                    f"--socket {args.socket} is reachable from other machines; use a loopback "
                    f"address (127.0.0.1) or add --socket-public"
                )
            print(
                f"WARNING: listening on {host}:{port}, reachable from other machines; only the "
                f"session secret stands between them and the device (no encryption)",
                file=sys.stderr,
                flush=True,
            )
        return SocketPort(host, port)
    return PtyPort(link=getattr(args, "link", None))


def device_secret(args: argparse.Namespace) -> tuple[bytes, bool]:
    """The session secret the options or environment give, and whether it was generated.

    Raises
    ------
    SecretError
        A key file or variable that holds no valid secret.
    """
    if args.key_file:
        return auth.read_key_file(args.key_file), False
    secret = auth.secret_from_env()
    if secret is not None:
        return secret, False
    return auth.new_secret(), True


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
    if not args.auth_timeout > 0:
        parser.error(f"--auth-timeout {args.auth_timeout} must be > 0")
    try:
        secret, generated = device_secret(args)
    except auth.SecretError as e:
        print(f"{parser.prog}: bad secret: {e}", file=sys.stderr)
        return 2
    try:
        script = load_fault_script(args.fault_script) if args.fault_script else None
    except FaultError as e:
        print(f"{parser.prog}: bad fault script: {e}", file=sys.stderr)
        return 2
    if args.link and args.socket:
        parser.error("--link is for a pty; a socket keeps its address")
    try:
        port = open_port(args)
    except (ValueError, OSError) as e:
        print(f"{parser.prog}: cannot open the port: {e}", file=sys.stderr)
        return 2
    harness = Harness(
        record=args.record,
        control=args.control,
        script=script,
        persist=args.persist,
        virtual_clock=args.virtual_clock,
        lifeline=args.lifeline,
    )
    try:
        server = DeviceServer(
            model,
            header,
            port,
            secret,
            baud=args.baud,
            name=parser.prog,
            auth_timeout_s=args.auth_timeout,
            harness=harness,
        )
    except OSError as e:
        port.close()
        print(f"{parser.prog}: cannot open the control channel: {e}", file=sys.stderr)
        return 2
    print(f"PORT {port.url}", file=out, flush=True)
    if generated:
        print(f"SECRET {secret.hex()}", file=out, flush=True)
    server.say(f"{header.identity!r} (profile {args.profile}) on {port.url}")
    server.run()
    return 0
