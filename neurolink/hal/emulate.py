"""Start an emulated device as its own process, exactly as a user plugs hardware in.

Import rule (DESIGN §1): neurolink never imports ``devices``. This module *spawns*
``python -m devices.<name> [--profile P] [--pty | --socket HOST:PORT] [--baud N]`` and reads the
first line the emulator prints, ``PORT <path-or-url>``: the pty (or ``socket://`` URL) to open
with a driver. The emulator's later stdout is drained (so it never blocks on a full pipe) and
the tail of its stderr is kept for error messages.

Sessions are authenticated (``docs/protocol.md`` §4): the emulator is started with a secret this
process generated (in its environment, ``NEUROLINK_DEVICE_SECRET``, never on its command line),
and the secret is registered for its port (:func:`~neurolink.hal.secrets_store.register_secret`),
so a driver opened on ``emu.port`` in this process authenticates with nothing to configure.

The emulators' testing options pass through (see ``devices/README.md``): ``fault_script``
(a timeline of scripted faults), ``persist`` (outlive host disconnects), ``virtual_clock``,
``record`` (the device's own records), ``control`` (the control channel's socket), ``link``
(a stable symlink to the pty) and ``lifeline`` (the emulator stops when this process ends,
however it ends). :mod:`neurolink.testing` builds its fixtures on them.

Examples
--------
>>> with Emulator("stimulator") as emu:                                # doctest: +SKIP
...     with StimulatorDriver(emu.port) as stim:
...         stim.arm()
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO, Self

from neurolink.hal.errors import DeviceError
from neurolink.hal.secrets_store import forget_secret, register_secret
from neurolink.hal.wire import auth

__all__ = ["EMULATORS", "Emulator", "start_emulator", "stop_emulator", "testing_args"]

EMULATORS = ("stimulator", "prosthesis", "neuroboard")
"""Names of the emulators in ``devices/`` (``python -m devices.<name>``)."""

_PACKAGE = "devices"
_STDERR_LINES = 200


def testing_args(
    *,
    fault_script: str | os.PathLike[str] | None = None,
    persist: bool = False,
    virtual_clock: bool = False,
    record: str | os.PathLike[str] | None = None,
    control: str | os.PathLike[str] | None = None,
    link: str | os.PathLike[str] | None = None,
    lifeline: bool = False,
) -> list[str]:
    """The emulator options for its testing features (see ``devices/README.md``)."""
    args: list[str] = []
    for flag, path in (
        ("--fault-script", fault_script),
        ("--record", record),
        ("--control", control),
        ("--link", link),
    ):
        if path is not None:
            args += [flag, os.fspath(path)]
    for flag, on in (
        ("--persist", persist),
        ("--virtual-clock", virtual_clock),
        ("--lifeline", lifeline),
    ):
        if on:
            args.append(flag)
    return args


def _command(
    name: str,
    profile: str | None,
    socket: str | None,
    baud: int | None,
    extra: Sequence[str],
    socket_public: bool = False,
) -> list[str]:
    if name not in EMULATORS:
        raise DeviceError(f"unknown emulator {name!r}; emulators: {', '.join(EMULATORS)}")
    cmd = [sys.executable, "-m", f"{_PACKAGE}.{name}"]
    if profile is not None:
        cmd += ["--profile", profile]
    cmd += ["--socket", socket] if socket is not None else ["--pty"]
    if socket_public:
        cmd += ["--socket-public"]
    if baud is not None:
        cmd += ["--baud", str(int(baud))]
    return cmd + list(extra)


def _drain(stream: IO[str], keep: collections.deque[str] | None) -> None:
    for line in stream:
        if keep is not None:
            keep.append(line.rstrip("\n"))


class Emulator:
    """One emulator process and the port it opened.

    Parameters
    ----------
    name : str
        ``"stimulator"``, ``"prosthesis"`` or ``"neuroboard"``.
    profile : str or None
        Device profile (``devices/profiles/<profile>.toml`` or a path), default the emulator's.
    socket : str or None
        ``HOST:PORT`` to listen on instead of a pty.
    baud : int or None
        Simulated line speed (wire-time simulation), default none.
    extra_args : sequence of str
        More arguments for the emulator.
    start_timeout : float
        Seconds to wait for the ``PORT`` line.
    capture_stderr : bool
        Keep the tail of its stderr for error messages (default); False passes it through to
        this process's stderr.
    secret : bytes or None
        The session secret to start it with (default: a fresh random one).
    socket_public : bool
        Let ``socket`` be an address other machines can reach (the emulator warns).
    fault_script, record, control, link : path, optional
        Testing options passed through: a fault-script file, the records file (JSON lines),
        the control channel's socket path, a symlink kept to the pty.
    persist, virtual_clock, lifeline : bool
        Testing options passed through: outlive host disconnects; device time moved only by
        the control channel; stop when this process ends (stdin is a pipe held open here).

    Attributes
    ----------
    process : subprocess.Popen
        The emulator process.
    port : str
        What it printed after ``PORT`` (a pty path or a ``socket://`` URL).
    secret : bytes
        Its session secret.
    """

    def __init__(
        self,
        name: str,
        *,
        profile: str | None = None,
        socket: str | None = None,
        baud: int | None = None,
        extra_args: Sequence[str] = (),
        start_timeout: float = 20.0,
        capture_stderr: bool = True,
        secret: bytes | None = None,
        socket_public: bool = False,
        fault_script: str | os.PathLike[str] | None = None,
        persist: bool = False,
        virtual_clock: bool = False,
        record: str | os.PathLike[str] | None = None,
        control: str | os.PathLike[str] | None = None,
        link: str | os.PathLike[str] | None = None,
        lifeline: bool = False,
    ) -> None:
        self.name = name
        self.capture_stderr = capture_stderr
        testing = testing_args(
            fault_script=fault_script,
            persist=persist,
            virtual_clock=virtual_clock,
            record=record,
            control=control,
            link=link,
            lifeline=lifeline,
        )
        self.lifeline = lifeline
        self.command = _command(name, profile, socket, baud, [*testing, *extra_args], socket_public)
        self.secret = auth.new_secret() if secret is None else bytes(secret)
        self.start_timeout = float(start_timeout)
        self.process: subprocess.Popen[str] | None = None
        self.port = ""
        self._stderr: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES)

    def start(self) -> Self:
        """Spawn the process and wait for its ``PORT`` line; returns self.

        Raises
        ------
        DeviceError
            The process ended, printed something else, or said nothing within the timeout
            (the message holds its stderr).
        """
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop(auth.KEY_FILE_ENV, None)
        env[auth.SECRET_ENV] = self.secret.hex()
        proc = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE if self.lifeline else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if self.capture_stderr else None,
            text=True,
            env=env,
        )
        self.process = proc
        assert proc.stdout is not None
        err_thread = None
        if proc.stderr is not None:
            err_thread = threading.Thread(
                target=_drain,
                args=(proc.stderr, self._stderr),
                daemon=True,
                name=f"emulator {self.name} stderr",
            )
            err_thread.start()
        stdout = proc.stdout
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.start_timeout)
        line = first[0].strip() if first else ""
        if not line.startswith("PORT "):
            why = (
                f"printed {line!r}"
                if line
                else f"exited with {proc.poll()}"
                if proc.poll() is not None
                else f"printed nothing within {self.start_timeout:g} s"
            )
            self.stop()
            if err_thread is not None:
                err_thread.join(1.0)  # its last lines explain why
            raise DeviceError(
                f"emulator {' '.join(self.command[1:])} {why}, expected "
                f"'PORT <port>'; stderr: {self.stderr_tail()!r}"
            )
        self.port = line[len("PORT ") :].strip()
        register_secret(self.port, self.secret)
        threading.Thread(
            target=_drain, args=(stdout, None), daemon=True, name=f"emulator {self.name} stdout"
        ).start()
        return self

    @property
    def pid(self) -> int:
        """The process id."""
        if self.process is None:
            raise DeviceError(f"emulator {self.name} is not started")
        return self.process.pid

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self.process is not None and self.process.poll() is None

    def stderr_tail(self, n: int = 20) -> str:
        """The last ``n`` lines of its stderr."""
        return "\n".join(list(self._stderr)[-n:])

    def pause(self) -> None:
        """SIGSTOP the process (a device that stops answering; fault tests)."""
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT the process."""
        os.kill(self.pid, signal.SIGCONT)

    def stop(self, timeout: float = 5.0) -> int | None:
        """Terminate (then kill) the process; its exit code."""
        if self.process is None:
            return None
        if self.port:
            forget_secret(self.port)
        code = stop_emulator(self.process, timeout)
        if self.process.stdin is not None:  # the lifeline: closed once the process is gone
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        return code

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Emulator {self.name} {self.port or '(not started)'}>"


def stop_emulator(process: subprocess.Popen[str], timeout: float = 5.0) -> int | None:
    """Terminate an emulator process (SIGCONT first, in case it was paused), then kill it."""
    if process.poll() is None:
        try:
            process.send_signal(signal.SIGCONT)
            process.terminate()
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        except ProcessLookupError:
            pass
    return process.returncode


def start_emulator(
    name: str,
    *,
    profile: str | None = None,
    socket: str | None = None,
    baud: int | None = None,
    extra_args: Sequence[str] = (),
    start_timeout: float = 20.0,
) -> tuple[subprocess.Popen[str], str]:
    """Spawn an emulator and wait for its port.

    Returns
    -------
    (subprocess.Popen, str)
        The process (stop it with :func:`stop_emulator`) and the port to connect to.
    """
    emu = Emulator(
        name,
        profile=profile,
        socket=socket,
        baud=baud,
        extra_args=extra_args,
        start_timeout=start_timeout,
    ).start()
    assert emu.process is not None
    return emu.process, emu.port
