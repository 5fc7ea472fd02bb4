"""A started emulator, as a test holds it: port, secret, profile, records, faults, clock.

:class:`EmulatedDevice` starts ``python -m devices.<kind>`` as its own process on a real pty
(or a loopback socket) through :class:`~neurolink.hal.emulate.Emulator`, with its testing
options: a records file, a control channel, a lifeline (the emulator stops when this process
ends, however it ends) and, for a pty, a stable symlink as the port (it follows the device
when ``persist`` plugs it in again). Neurolink never imports ``devices``: everything here goes
through the process's command line, its pty and its control channel.

Examples
--------
>>> with EmulatedDevice("stimulator", virtual_clock=True) as stim:      # doctest: +SKIP
...     my_controller.connect(stim.port, stim.secret)
...     stim.faults.drop(2, "to_device")
...     stim.advance(ms=600)
...     assert stim.records().states[-1].after == "WATCHDOG_TRIPPED"
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from neurolink.hal.emulate import EMULATORS, Emulator
from neurolink.testing.control import ControlClient, ControlError
from neurolink.testing.profile import DeviceProfile
from neurolink.testing.records import DeviceRecords

__all__ = ["EmulatedDevice", "FaultMark", "Faults", "live_emulator_pids"]

_LIVE: dict[int, EmulatedDevice] = {}
_EXIT_WAIT_S = 10.0  # how long a device that dropped its control channel may take to exit
_DEFAULT_PROFILES = {
    "stimulator": "stimulator",
    "prosthesis": "prosthesis_cursor",
    "neuroboard": "neuroboard",
}


def live_emulator_pids() -> list[int]:
    """PIDs of the emulators started by this process and not yet stopped."""
    return [pid for pid, dev in _LIVE.items() if dev.running]


@dataclass(frozen=True)
class FaultMark:
    """When a scripted fault was applied: device time ``t_us`` (µs) and ``i``, the line of the
    device's records where its own records start (everything after it happened after it)."""

    t_us: int
    i: int


class Faults:
    """Scripted faults, sent on the emulator's control channel; each returns a
    :class:`FaultMark` (when it was applied, or armed).

    Frame faults take ``direction``: ``"to_device"`` (host → device frames) or ``"to_host"``.
    """

    def __init__(self, control: ControlClient) -> None:
        self._control = control

    def _do(self, op: str, **params: Any) -> FaultMark:
        reply = self._control.request(op, **params)
        return FaultMark(int(reply["now_us"]), int(reply["event"]))

    def stall(self, ms: int) -> FaultMark:
        """The device stops serving for ``ms`` ms (the watchdog judges the gap on return)."""
        return self._do("stall", ms=ms)

    def drop(self, count: int = 1, direction: str = "to_device") -> FaultMark:
        """The next ``count`` frames in ``direction`` vanish from the line."""
        return self._do("drop", count=count, dir=direction)

    def corrupt(self, count: int = 1, direction: str = "to_device") -> FaultMark:
        """The next ``count`` frames in ``direction`` arrive with one damaged byte."""
        return self._do("corrupt", count=count, dir=direction)

    def delay_acks(self, ms: int, count: int | None = None) -> FaultMark:
        """Replies leave ``ms`` ms late (the next ``count``, or all until ``delay_acks(0)``)."""
        params: dict[str, Any] = {"ms": ms}
        if count is not None:
            params["count"] = count
        return self._do("delay_acks", **params)

    def nack_next(
        self, status: str, *, type: str | None = None, detail: int = 0, count: int = 1
    ) -> FaultMark:
        """Refuse the next ``count`` commands (of ``type``, else any but HEARTBEAT) with NACK
        ``status`` (a :class:`~neurolink.hal.wire.Status` name, e.g. ``"BUSY"``)."""
        params: dict[str, Any] = {"status": status, "detail": detail, "count": count}
        if type is not None:
            params["type"] = type
        return self._do("nack", **params)

    def disconnect(self, down_ms: int = 0) -> FaultMark:
        """The line goes dead (output stops); with ``persist`` the device is back after
        ``down_ms`` ms at the same port, else it exits."""
        return self._do("disconnect", down_ms=down_ms)

    def trip_watchdog(self) -> FaultMark:
        """The watchdog trips now (output stops, FAULT(WATCHDOG), latched)."""
        return self._do("trip_watchdog")

    def press_estop(self) -> FaultMark:
        """Press the emulated hardware e-stop button (output stops, FAULT(ESTOP), latched)."""
        return self._do("estop")


class EmulatedDevice:
    """One emulator process and what a test needs of it.

    Parameters
    ----------
    kind : str
        ``"stimulator"``, ``"prosthesis"`` or ``"neuroboard"``.
    profile : str, optional
        A shipped profile name (``"prosthesis_arm"``) or a TOML path (default: the kind's).
    socket : bool
        Serve on a loopback socket (``socket://127.0.0.1:N``) instead of a pty.
    persist : bool
        Outlive host disconnects (safe state on each; :meth:`Faults.disconnect` comes back).
    virtual_clock : bool
        Device time moves only by :meth:`advance`.
    fault_script : path, optional
        A timeline of scripted faults (TOML or JSON), from the first authenticated session.
    workdir : path, optional
        Where the records and the stderr tail go (default: a new temporary folder).
    start_timeout : float
        Seconds to wait for the emulator's port.

    Attributes
    ----------
    port : str
        What the host opens (a pty symlink, or ``socket://``).
    secret : bytes
        The session secret (also registered for :attr:`port`, so a ``neurolink.hal`` driver
        in this process authenticates with nothing to configure).
    profile : DeviceProfile
        Identity and limits, as the device reports enforcing them.
    faults : Faults
        Scripted faults on cue.
    records_path : Path
        The device's records file (JSON lines).
    """

    def __init__(
        self,
        kind: str,
        *,
        profile: str | None = None,
        socket: bool = False,
        persist: bool = False,
        virtual_clock: bool = False,
        fault_script: str | os.PathLike[str] | None = None,
        workdir: str | os.PathLike[str] | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        if kind not in EMULATORS:
            raise ValueError(f"unknown emulator {kind!r}; emulators: {', '.join(EMULATORS)}")
        self.kind = kind
        self.profile_name = profile or _DEFAULT_PROFILES[kind]
        self.persist, self.virtual_clock = persist, virtual_clock
        # Unix socket paths are short (108 bytes): the control socket and the pty link live in
        # a short temporary folder; the records go to the workdir
        self._sockdir = tempfile.mkdtemp(prefix="nl-emu-")
        self.workdir = Path(workdir) if workdir is not None else Path(self._sockdir)
        self.records_path = self.workdir / f"{kind}-{os.getpid()}-{id(self):x}.records.jsonl"
        self._control = ControlClient(os.path.join(self._sockdir, "control"))
        self.faults = Faults(self._control)
        self._emu = Emulator(
            kind,
            profile=self.profile_name,
            socket="127.0.0.1:0" if socket else None,
            start_timeout=start_timeout,
            fault_script=fault_script,
            persist=persist,
            virtual_clock=virtual_clock,
            record=self.records_path,
            control=self._control.path,
            link=None if socket else os.path.join(self._sockdir, f"{kind}.tty"),
            lifeline=True,
        )
        self.port = ""
        self.secret = b""
        self.profile: DeviceProfile | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start the process, wait for its port, read its profile; returns self."""
        try:
            self._emu.start()
            _LIVE[self.pid] = self
            self.port, self.secret = self._emu.port, self._emu.secret
            self.profile = DeviceProfile.from_info(self.profile_name, self._control.request("info"))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> int | None:
        """Stop the process (SIGTERM, then SIGKILL) and remove its sockets; its exit code."""
        self._control.close()
        code = self._emu.stop()
        if self._emu.process is not None:
            _LIVE.pop(self._emu.process.pid, None)
        shutil.rmtree(self._sockdir, ignore_errors=True)
        return code

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        """The emulator's process id."""
        return self._emu.pid

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self._emu.running

    @property
    def secret_hex(self) -> str:
        """The session secret as hex (what ``NEUROLINK_DEVICE_SECRET`` holds)."""
        return self.secret.hex()

    def stderr_tail(self, n: int = 20) -> str:
        """The last lines the emulator wrote to stderr."""
        return self._emu.stderr_tail(n)

    # ------------------------------------------------------------------ what it did

    def sync(self) -> int:
        """Let the device run what is due and flush its records; device time, µs (a device
        that has exited returns -1)."""
        if not self.running:
            return -1
        try:
            return int(self._control.request("sync")["now_us"])
        except ControlError:
            # the device may be exiting (its host closed the port): its records are complete
            # once it has gone
            if self._emu.process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._emu.process.wait(_EXIT_WAIT_S)
            if self.running:
                raise
            return -1

    def records(self) -> DeviceRecords:
        """The device's records up to now (synced first while it runs)."""
        self.sync()
        return DeviceRecords.read(self.records_path)

    def now_us(self) -> int:
        """Device time, µs."""
        return self.sync()

    def advance(self, ms: float | None = None, *, us: int | None = None) -> int:
        """Virtual clock: move device time on (``ms`` or ``us``), running everything due on
        the way; the new device time, µs."""
        if (ms is None) == (us is None):
            raise ValueError("advance takes ms or us (one of them)")
        step = round(ms * 1000) if ms is not None else int(us)  # type: ignore[arg-type]
        return int(self._control.request("advance", us=step)["now_us"])

    def __repr__(self) -> str:
        return f"<EmulatedDevice {self.kind} {self.profile_name} {self.port or '(not started)'}>"
