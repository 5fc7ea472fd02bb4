"""``neurolink emulate NAME``: run an emulated device in the foreground and print its port.

The emulator runs as its own process (``python -m devices.<name>``; neurolink never imports
``devices``); this command starts it, prints ``PORT <port>`` as its first line — the same line
the emulator prints — and waits until the emulator ends (it does when the host closes the port)
or Ctrl-C / SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from neurolink.hal.emulate import EMULATORS, Emulator


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
    p.add_argument("--baud", type=int, default=None, help="simulated line speed (bit/s)")
    return p


def run(args: argparse.Namespace) -> int:
    """Run the ``emulate`` subcommand; returns the emulator's exit code."""
    emu = Emulator(
        args.name, profile=args.profile, socket=args.socket, baud=args.baud, capture_stderr=False
    ).start()
    assert emu.process is not None
    print(f"PORT {emu.port}", flush=True)
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
