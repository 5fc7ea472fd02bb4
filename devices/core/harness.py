"""What a test may ask of an emulator beyond the wire: records, scripted faults, virtual time.

:class:`Harness` gathers the options of :mod:`devices.core.cli` that exist for testing —
``--record FILE``, ``--control PATH``, ``--fault-script FILE``, ``--persist``,
``--virtual-clock``, ``--lifeline`` — and answers the control channel's requests
(:mod:`devices.core.sidechannel`) by asking the server (:class:`Steerable`).

- ``--persist``: the device outlives its host. When the host leaves (or a ``disconnect`` fault
  drops it) the device goes to its safe state — output stopped, DISARMED (a latch stays set),
  the session forgotten — and waits for the next host, which must authenticate anew. Without
  it the device exits when its authenticated host leaves, as hardware powered by its host does.
- ``--virtual-clock``: the device clock stands still unless the control channel's ``advance``
  moves it; watchdog, pulse trains, stale-command stops, reports and the fault script are all
  decided on that clock, while bytes still cross a real pty. The same requests give the same
  records, however loaded the machine.
- ``--lifeline``: stdin is a pipe from the process that started the device; when it closes
  (that process ended, even by SIGKILL) the device stops as on SIGTERM.
"""

from __future__ import annotations

from typing import Any, Protocol

from devices.core.faults import FaultError, FaultPlan, parse_fault
from devices.core.records import Recorder
from devices.core.script import FaultScript

__all__ = ["Harness", "Steerable"]

_MAX_ADVANCE_US = 3_600_000_000  # one hour of device time per request


class Steerable(Protocol):
    """What the harness asks of the device server."""

    def sync(self) -> int:
        """Run what is due, write what is queued; device time, µs."""
        ...

    def advance(self, us: int) -> int:
        """Virtual clock: move on ``us`` µs, running what falls due; the new device time."""
        ...

    def inject(self, fault: dict[str, Any]) -> int:
        """Carry out (or arm) a fault from :func:`~devices.core.faults.parse_fault`; the index
        of its first record line."""
        ...

    def describe(self) -> dict[str, Any]:
        """Identity, options and limits."""
        ...


class Harness:
    """The testing options of one emulator.

    Parameters
    ----------
    record : str, optional
        JSON-lines file for the device's records.
    control : str, optional
        Unix-socket path of the control channel.
    script : FaultScript, optional
        Faults to run on a timeline.
    persist : bool
        Outlive host disconnects (safe state on each).
    virtual_clock : bool
        The device clock moves only by ``advance``.
    lifeline : bool
        Stop when stdin closes.
    """

    def __init__(
        self,
        *,
        record: str | None = None,
        control: str | None = None,
        script: FaultScript | None = None,
        persist: bool = False,
        virtual_clock: bool = False,
        lifeline: bool = False,
    ) -> None:
        self.recorder = Recorder(record)
        self.plan = FaultPlan()
        self.script = script
        self.control_path = control
        self.persist = persist
        self.virtual_clock = virtual_clock
        self.lifeline = lifeline

    def request(self, server: Steerable, req: dict[str, Any]) -> dict[str, Any]:
        """Answer one control-channel request (raises ``ValueError`` with a one-line reason)."""
        op = req.get("op")
        if op == "sync":
            return {"now_us": server.sync()}
        if op == "info":
            return server.describe()
        if op == "advance":
            if not self.virtual_clock:
                raise FaultError(
                    "advance: this device runs on real time (start it with --virtual-clock)"
                )
            us = req.get("us")
            if set(req) != {"op", "us"} or isinstance(us, bool) or not isinstance(us, int):
                raise FaultError(f"advance takes one integer 'us' (µs), got {req!r}")
            if not 0 <= us <= _MAX_ADVANCE_US:
                raise FaultError(f"advance: us = {us} is outside 0..{_MAX_ADVANCE_US}")
            return {"now_us": server.advance(us)}
        event = server.inject(parse_fault(req, "control"))
        return {"now_us": server.sync(), "event": event}

    def close(self) -> None:
        """Close the records file."""
        self.recorder.close()
