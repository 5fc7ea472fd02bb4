"""``neurolink emulate NAME``: run an emulated device in the foreground and print its port.

The emulator runs as its own process (``python -m devices.<name>``; neurolink never imports
``devices``); this command starts it, prints ``PORT <port>`` as its first line — the same line
the emulator prints — and waits until the emulator ends (it does when the host closes the port)
or Ctrl-C / SIGTERM stops it.

Sessions are authenticated with a shared secret (``docs/protocol.md`` §4): ``--key-file FILE``
uses the secret in FILE (creating FILE, mode 0600, with a new secret if it does not exist), else
``$NEUROLINK_DEVICE_SECRET`` / ``$NEUROLINK_DEVICE_KEY_FILE``; with none of these a new secret is
generated and printed as the second line, ``SECRET <hex>``: give it to the host as
``NEUROLINK_DEVICE_SECRET=<hex>``. ``--socket`` listens on loopback only unless
``--socket-public`` is given (a warning is printed).

For testing outside pytest: ``--fault-script FILE`` runs a timeline of scripted faults (TOML or
JSON; times from the first authenticated session; see ``docs/testing_with_emulated_hardware.md``),
``--persist`` keeps the device alive across host disconnects (safe state on each),
``--record FILE`` writes the device's own records (JSON lines), ``--control PATH`` serves the
control channel on a Unix socket, ``--virtual-clock`` moves device time only on the control
channel's ``advance``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from neurolink.hal.emulate import EMULATORS, Emulator
from neurolink.hal.wire import auth


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``emulate`` subcommand."""
    p = sub.add_parser(
        "emulate", help="run an emulated device on a pty or socket and print its port"
    )
    p.add_argument("name", choices=EMULATORS, help="which device")
    p.add_argument("--profile", default=None, help="device profile (devices/profiles/*.toml)")
    p.add_argument(
        "--socket",
        default=None,
        metavar="HOST:PORT",
        help="listen on a TCP socket instead of a pty",
    )
    p.add_argument(
        "--socket-public",
        action="store_true",
        help="allow --socket on an address other machines can reach (prints a warning)",
    )
    p.add_argument("--baud", type=int, default=None, help="simulated line speed (bit/s)")
    p.add_argument(
        "--key-file",
        default=None,
        metavar="FILE",
        help="session secret (hex); created with a new secret if missing",
    )
    t = p.add_argument_group("testing")
    t.add_argument(
        "--fault-script", metavar="FILE", help="scripted faults on a timeline (TOML or JSON)"
    )
    t.add_argument(
        "--persist",
        action="store_true",
        help="outlive host disconnects (safe state on each), wait for the next host",
    )
    t.add_argument("--record", metavar="FILE", help="write the device's records (JSON lines)")
    t.add_argument("--control", metavar="PATH", help="serve the control channel on this socket")
    t.add_argument(
        "--virtual-clock",
        action="store_true",
        help="device time moves only by the control channel's 'advance'",
    )
    return p


def session_secret(key_file: str | None) -> tuple[bytes, bool]:
    """The secret to start the emulator with, and whether to print it (it was generated).

    Raises
    ------
    SecretError
        A key file or variable that holds no valid secret.
    """
    if key_file is not None:
        if not os.path.exists(key_file):
            auth.write_key_file(key_file, auth.new_secret())
        return auth.read_key_file(key_file), False
    found = auth.secret_from_env()
    if found is not None:
        return found, False
    return auth.new_secret(), True


def run(args: argparse.Namespace) -> int:
    """Run the ``emulate`` subcommand; returns the emulator's exit code."""
    try:
        secret, generated = session_secret(args.key_file)
    except auth.SecretError as e:
        print(f"neurolink emulate: {e}", file=sys.stderr)
        return 2
    emu = Emulator(
        args.name,
        profile=args.profile,
        socket=args.socket,
        baud=args.baud,
        capture_stderr=False,
        secret=secret,
        socket_public=args.socket_public,
        fault_script=args.fault_script,
        persist=args.persist,
        record=args.record,
        control=args.control,
        virtual_clock=args.virtual_clock,
    ).start()
    assert emu.process is not None
    print(f"PORT {emu.port}", flush=True)
    if generated:
        print(f"SECRET {secret.hex()}", flush=True)
        print(
            f"session secret generated; hosts need it: {auth.SECRET_ENV}={secret.hex()}",
            file=sys.stderr,
            flush=True,
        )
    print(
        f"emulated {args.name} (pid {emu.pid}) on {emu.port}; Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    restore = None
    if threading.current_thread() is threading.main_thread():  # SIGTERM: stop the child too
        # only signal the child here: waiting inside the handler would deadlock with the
        # main thread's wait() below, which returns once the child has stopped
        restore = signal.signal(signal.SIGTERM, lambda *_: emu.process.terminate())
    try:
        code = emu.process.wait()
    except KeyboardInterrupt:
        emu.stop()
        raise
    finally:
        if restore is not None:
            signal.signal(signal.SIGTERM, restore)
    return int(code)
