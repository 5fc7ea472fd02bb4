"""Sinks: the devices that receive a mapper's commands, through the HAL and its safety layer.

A :class:`DeviceSink` owns one device (:mod:`neurolink.hal.drivers`), opened, identified and
armed by :func:`open_device`; ``url = "emulate"`` first starts the device's emulator as its own
process on a pty (:mod:`neurolink.hal.emulate`), exactly as a user plugs hardware in. Every
device of a session shares the session's e-stop and audit log, so one trip stops them all.

Sending never hides a failure: a command the host safety layer refuses, or the device NACKs,
is counted (and in the audit log); a command blocked because the e-stop is latched is counted
as blocked; a lost device raises :class:`~neurolink.hal.errors.DeviceLost` to the engine,
which goes to the safe state.

ACKs off the engine thread. :func:`open_device` opens the drivers that offer it (stimulator,
prosthesis) with ``ack="async"`` unless told otherwise: :meth:`DeviceSink.send` returns once
the command is written (``Sent.status == "PENDING"``), and :meth:`DeviceSink.replies` gives the
final records as the driver's collector recorded them — the engine takes them after every block
and at shutdown, counts them here (acked, nacked and its reason, ``DEVICE_LOST``), and writes
each command with its reply to the recording then. A NACK is therefore counted one block later
than in sync mode, and the mapper that made the command is not rolled back (it was written);
a device lost while a command waited for its reply trips the e-stop from the collector at once,
and the engine ends the run with a ``device_lost`` fault when it takes that reply.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from neurolink.hal.commands import Command
from neurolink.hal.device import Device, Lifecycle, Sent, device_entry
from neurolink.hal.emulate import Emulator
from neurolink.hal.errors import (
    CommandError,
    DeviceError,
    EStopError,
    NackError,
    SafetyError,
)
from neurolink.hal.safety import AuditLog, EStop

__all__ = ["EMULATE", "DeviceSink", "SinkStats", "open_device", "stop_order", "stop_rank"]

_log = logging.getLogger(__name__)

#: The URL that means "start the device's emulator and connect to it".
EMULATE = "emulate"

#: Status of a command written by an async driver whose reply is not in yet.
PENDING = "PENDING"
#: Statuses of a posted command's final record that are neither an ACK nor a NACK.
_NO_REPLY = ("DEVICE_LOST", "NO_REPLY")

#: Order in which devices are put to rest at shutdown: stimulation first (DESIGN §5).
_STOP_PRIORITY = {"stimulator": 0, "prosthesis": 1, "neuroboard": 2, "lsl": 3, "null": 4}


@dataclass
class SinkStats:
    """What happened to the commands given to a sink.

    Attributes
    ----------
    sent : int
        Written to the device (or pushed/recorded).
    acked : int
        Accepted by the device.
    refused : int
        Refused by the host safety layer (or not representable on the wire).
    nacked : int
        Refused by the device.
    blocked : int
        Not sent because the e-stop was latched.
    reasons : dict of str to int
        Refusals and NACKs by limit or status.
    """

    sent: int = 0
    acked: int = 0
    refused: int = 0
    nacked: int = 0
    blocked: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for summaries."""
        return {
            "sent": self.sent,
            "acked": self.acked,
            "refused": self.refused,
            "nacked": self.nacked,
            "blocked": self.blocked,
            "reasons": dict(self.reasons),
        }


class DeviceSink:
    """One device fed by one mapper.

    Parameters
    ----------
    name : str
        Sink name (from the config).
    kind : str
        Device kind (``"prosthesis"``, ``"stimulator"``, ``"lsl"``, ``"null"``).
    device : Device
        Opened, identified and armed.
    mapper : str
        Name of the mapper node whose commands it takes.
    emulator : Emulator or None
        The emulator process behind it, stopped by :meth:`close`.
    """

    def __init__(
        self, name: str, kind: str, device: Device, mapper: str, *, emulator: Emulator | None = None
    ) -> None:
        self.name = name
        self.kind = kind
        self.device = device
        self.mapper = mapper
        self.emulator = emulator
        self.stats = SinkStats()
        self.last_error: str = ""
        self._n_faults = 0  # device FAULT reports already taken by new_faults
        #: True when the device's ACKs are collected off the engine thread (``ack="async"``)
        self.posted = getattr(device, "ack", "sync") == "async" and hasattr(device, "take_replies")
        self._done: list[Sent] = []  # replies taken from the driver, not yet given out

    def send(self, cmd: Command) -> Sent | None:
        """Send one command; the :class:`Sent` record, or None when it was not written.

        Raises
        ------
        DeviceLost
            The device stopped answering (the e-stop has been tripped by the driver).
        """
        st = self.stats
        # claim the replies in, so that the driver raises none of them at this send (the
        # engine took them after the last block: usually there are none)
        if self.posted and self.device.replies_waiting:  # type: ignore[attr-defined]
            self._done.extend(self.device.take_replies())  # type: ignore[attr-defined]
        try:
            sent = self.device.send(cmd)
        except EStopError:
            st.blocked += 1
            return None
        except (SafetyError, CommandError) as e:
            st.refused += 1
            self._count(getattr(e, "limit", "") or type(e).__name__, str(e))
            return None
        except NackError as e:
            st.sent += 1
            st.nacked += 1
            self._count(e.status, str(e))
            return None
        st.sent += 1
        st.acked += sent.acked
        if st.sent % 64 == 0:
            self.device.drain_sent()  # the engine keeps what it needs; do not grow forever
        return sent

    def replies(self) -> Sequence[Sent]:
        """Async drivers: the final :class:`Sent` of every command whose reply came since the
        last call, oldest first, counted in :attr:`stats` (acked; nacked and its status; a
        command that got no reply under its status, ``DEVICE_LOST``). Empty otherwise, and
        cheap when there are none."""
        if not self.posted:
            return ()
        got = self.device.take_replies()  # type: ignore[attr-defined]
        if got:
            self._done.extend(got)
        if not self._done:
            return ()
        out, self._done = self._done, []
        st = self.stats
        for r in out:
            if r.acked:
                st.acked += 1
                continue
            if r.status not in _NO_REPLY:
                st.nacked += 1
            self._count(r.status, f"{self.kind} seq {r.seq}: {r.status} (reply collected)")
        return out

    def lost_message(self) -> str:
        """Why the device was declared lost (its link's error), for the engine's fault."""
        link = getattr(self.device, "link", None)
        lost = getattr(link, "lost", None)
        return str(lost) if lost is not None else f"sink {self.name}: device lost"

    def _count(self, key: str, message: str) -> None:
        self.stats.reasons[key] = self.stats.reasons.get(key, 0) + 1
        self.last_error = message

    @property
    def lost(self) -> bool:
        """True once the device stopped answering."""
        return self.device.lifecycle is Lifecycle.LOST

    def rest(self) -> None:
        """Put the device at rest for a normal end: wait for the reply of a command in flight
        (async; its error stays with the reply, for :meth:`replies`), disarm (it stops every
        output)."""
        if self.posted:
            try:
                self.device.flush()  # type: ignore[attr-defined]
            except (DeviceError, SafetyError) as e:  # the reply says it; replies() counts it
                _log.info("sink %s: last command: %s", self.name, e)
        if self.device.lifecycle is Lifecycle.ARMED:
            try:
                self.device.disarm()
            except DeviceError as e:
                _log.warning("sink %s: disarm failed: %s", self.name, e)

    def close(self) -> None:
        """Close the device (it disarms first), then stop its emulator."""
        try:
            self.device.close()
        finally:
            if self.emulator is not None:
                self.emulator.stop()

    def new_faults(self) -> list[Any]:
        """FAULT reports the device sent since the last call (the driver keeps them all in
        ``faults``; the ones that do not latch — a prosthesis's STALE_COMMAND — stop the run
        nowhere else). Cheap when there are none: a length comparison."""
        faults = getattr(self.device, "faults", None)
        if not faults or len(faults) == self._n_faults:
            return []
        if len(faults) < self._n_faults:  # the driver started a new list (reconnected)
            self._n_faults = 0
        new = list(faults[self._n_faults :])
        self._n_faults = len(faults)
        return new

    def fault_counts(self) -> dict[str, int]:
        """FAULT reports of the device so far, by code name."""
        out: dict[str, int] = {}
        for f in getattr(self.device, "faults", None) or ():
            name = getattr(f.fault, "name", str(f.fault))
            out[name] = out.get(name, 0) + 1
        return out

    def describe(self) -> dict[str, Any]:
        """Kind, identity, URL, counters and the device's FAULT reports by code (for the
        summary)."""
        info = self.device.info
        return {
            "kind": self.kind,
            "mapper": self.mapper,
            "identity": info.identity if info else "",
            "url": info.url if info else "",
            "emulated": bool(info and info.emulated),
            "ack": "async" if self.posted else "sync",
            **self.stats.as_dict(),
            "device_faults": self.fault_counts(),
        }


def stop_rank(kind: str) -> int:
    """Rank of a device kind in the shutdown order (stimulators first)."""
    return _STOP_PRIORITY.get(kind, 9)


def stop_order(sinks: list[DeviceSink]) -> list[DeviceSink]:
    """Sinks in the order they are put to rest: stimulators first."""
    return sorted(sinks, key=lambda s: stop_rank(s.kind))


def open_device(
    kind: str,
    url: str,
    *,
    estop: EStop,
    audit: AuditLog,
    profile: str | None = None,
    stream: str | None = None,
    options: dict[str, Any] | None = None,
    ack: str | None = "async",
    arm: bool = True,
) -> tuple[Device, Emulator | None]:
    """Make, open, identify and arm a device (starting its emulator for ``url = "emulate"``).

    The driver is the one registered under ``kind`` in the HAL's device registry
    (:func:`neurolink.hal.device.device_entry`), made with its ``for_session`` constructor.

    Parameters
    ----------
    kind : str
        A registered device name (``prosthesis``, ``stimulator``, ``lsl``, ``null`` …).
    url : str
        Port URL, or ``"emulate"`` (a device with an emulator).
    estop, audit
        The session's e-stop and audit log.
    profile : str, optional
        Emulator profile (``devices/profiles/<profile>.toml``).
    stream : str, optional
        Output stream name (``kind = "lsl"``).
    options : dict, optional
        More keyword arguments for the driver (e.g. ``limits`` that lower the device's).
    ack : {"async", "sync"} or None
        ACK mode for a driver that offers async (``ACK_MODES``), unless ``options`` names one;
        None: the driver's default (sync).
    arm : bool
        ARM it (and start its heartbeats) now; False leaves that to the caller, who arms it
        just before its first command (a session arms its sinks as the loop starts, so that
        no set-up step can starve the heartbeats of an armed device).

    Returns
    -------
    (Device, Emulator or None)

    Raises
    ------
    DeviceError
        Unknown kind, an emulator that does not start, a device that does not answer.
    """
    entry = device_entry(kind)
    options = dict(options or {})
    if ack is not None and "async" in getattr(entry.cls, "ACK_MODES", ()):
        options.setdefault("ack", ack)
    emulator: Emulator | None = None
    if url == EMULATE and entry.emulator is not None:
        emulator = Emulator(kind, profile=profile).start()
        url = emulator.port
    device: Any = entry.cls.for_session(  # type: ignore[attr-defined]
        url, estop=estop, audit=audit, stream=stream, **options
    )
    try:
        device.open()
        device.identify()
        if arm:
            device.arm()
    except BaseException:
        try:
            device.close()
        finally:
            if emulator is not None:
                emulator.stop()
        raise
    return device, emulator
