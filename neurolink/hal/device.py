"""The device interface: an explicit lifecycle, a capability description, a registry by name.

Every output device — a serial stimulator, prosthesis or neuromorphic board, an LSL command
outlet, a null device that only records — goes through the same lifecycle (STYLE 9)::

    open → identify → arm → send … → disarm → close
    CLOSED   OPEN    IDENTIFIED  ARMED    IDENTIFIED  CLOSED

- :meth:`Device.open` opens the port (or the outlet);
- :meth:`Device.identify` asks the device who it is (HELLO/INFO on the wire) and returns a
  :class:`DeviceInfo`: kind, identity, firmware, capabilities and limits *read from the
  device*; the driver builds its safety limits from them;
- :meth:`Device.arm` enables output (and starts the heartbeats); :meth:`Device.disarm` stops it;
- :meth:`Device.close` disarms first, then closes.

A device is a context manager: ``with make_device("stimulator", url) as stim:`` opens and
identifies it, and on the way out — also on an exception — disarms (which stops all output)
and closes. A device that stops answering goes to ``LOST`` (see :mod:`neurolink.hal.link`).

Every command a device sends is kept as a :class:`Sent` record — with its origin and ``t_wire``,
the host clock right after its bytes were written — so that the engine computes
``t_wire − t_sample`` (DESIGN §2); :meth:`DeviceBase.drain_sent` hands them over.

The registry maps a name (``"stimulator"``, ``"prosthesis"``, ``"neuroboard"``, ``"lsl"``,
``"null"``) to its class and a one-line description; the drivers in
:mod:`neurolink.hal.drivers` register themselves.
"""

from __future__ import annotations

import importlib
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Protocol, Self, TypeVar, runtime_checkable

from neurolink.hal.commands import Command, Origin
from neurolink.hal.errors import DeviceError
from neurolink.hal.wire import Capability, Info

__all__ = [
    "Device",
    "DeviceBase",
    "DeviceEntry",
    "DeviceInfo",
    "Lifecycle",
    "Sent",
    "device_class",
    "device_entry",
    "device_names",
    "make_device",
    "register_device",
]


_NO_CAPABILITIES = Capability(0)


class Lifecycle(StrEnum):
    """Where a device is in its lifecycle."""

    CLOSED = "closed"
    OPEN = "open"
    IDENTIFIED = "identified"  # identified and disarmed
    ARMED = "armed"
    LOST = "lost"  # stopped answering or its port closed; only close() or reconnect() help


@dataclass(frozen=True)
class DeviceInfo:
    """What a device says it is (INFO on the wire; static for LSL and null devices).

    Attributes
    ----------
    kind : str
        Registry name of the driver (``"stimulator"`` …).
    identity : str
        Maker, model, serial number.
    firmware : str
        ``"major.minor.patch"``; ``""`` when not applicable.
    capabilities : Capability
        Capability bits (``Capability(0)`` when not applicable).
    heartbeat_timeout_s : float
        Device watchdog timeout (s); 0 = no watchdog.
    limits : object
        The device's limits block (:class:`~neurolink.hal.wire.StimulatorLimits`,
        :class:`~neurolink.hal.wire.ProsthesisLimits`, :class:`~neurolink.hal.wire.NeuroLimits`)
        or None.
    url : str
        Where it is connected (port URL, LSL stream name, ``"null"``).
    """

    kind: str
    identity: str
    firmware: str = ""
    capabilities: Capability = _NO_CAPABILITIES
    heartbeat_timeout_s: float = 0.0
    limits: object = None
    url: str = ""

    @classmethod
    def from_wire(cls, kind: str, info: Info, url: str) -> DeviceInfo:
        """Build from an INFO message."""
        return cls(
            kind,
            info.identity,
            info.firmware_version,
            info.capabilities,
            info.heartbeat_timeout_ms / 1000.0,
            info.limits,
            url,
        )

    def has(self, capability: Capability) -> bool:
        """True if every bit of ``capability`` is set."""
        return (self.capabilities & capability) == capability

    @property
    def emulated(self) -> bool:
        """True for an emulator (capability ``EMULATED``)."""
        return self.has(Capability.EMULATED)


@dataclass(frozen=True)
class Sent:
    """One command as it went out, for latency accounting and inspection.

    Attributes
    ----------
    command : Command
        As sent (a prosthesis command may have been clipped by the safety layer).
    t_check : float
        Host clock (s) when the safety layer accepted it.
    t_wire : float
        Host clock (s) right after its bytes were written (pushed, for LSL; recorded, for null;
        for ``DEVICE_LOST``, when the loss was declared — filter on :attr:`acked` for latency).
    status : str
        Device status (``"OK"``, ``"DUPLICATE"``, a NACK status, ``"DEVICE_LOST"``) or
        ``"PUSHED"``/``"RECORDED"`` for devices that do not answer.
    seq : int or None
        Wire sequence number.
    attempts : int
        Times the frame was written.
    t_reply : float or None
        Host clock (s) of the reply.
    """

    command: Command
    t_check: float
    t_wire: float
    status: str
    seq: int | None = None
    attempts: int = 1
    t_reply: float | None = None

    @property
    def origin(self) -> Origin | None:
        """The data that caused the command."""
        return getattr(self.command, "origin", None)

    @property
    def latency_s(self) -> float | None:
        """``t_wire − t_sample`` (s), or None for a command without origin."""
        o = self.origin
        return None if o is None else self.t_wire - o.timestamp

    @property
    def acked(self) -> bool:
        """True when the device accepted it (or it was pushed/recorded)."""
        return self.status in ("OK", "DUPLICATE", "PUSHED", "RECORDED")


@runtime_checkable
class Device(Protocol):
    """What the engine needs of any output device."""

    @property
    def lifecycle(self) -> Lifecycle:
        """Current lifecycle state."""
        ...

    @property
    def info(self) -> DeviceInfo | None:
        """What :meth:`identify` returned (None before)."""
        ...

    def open(self) -> Self:
        """Open the port or outlet."""
        ...

    def identify(self) -> DeviceInfo:
        """Ask the device who it is and read its limits."""
        ...

    def arm(self) -> None:
        """Enable output."""
        ...

    def send(self, cmd: Command) -> Sent:
        """Check one command through the safety layer and send it."""
        ...

    def disarm(self) -> None:
        """Stop all output; commands are refused until :meth:`arm`."""
        ...

    def close(self) -> None:
        """Disarm, then close."""
        ...

    def drain_sent(self) -> list[Sent]:
        """Take every :class:`Sent` record made since the last call."""
        ...


class DeviceBase:
    """Lifecycle bookkeeping, :class:`Sent` records and the context manager.

    Subclasses implement :meth:`open`, :meth:`identify`, :meth:`arm`, :meth:`disarm`,
    :meth:`close` and :meth:`send`, and call :meth:`_set_lifecycle` and :meth:`_record_sent`.
    """

    registry_name: ClassVar[str] = ""

    @classmethod
    def for_session(
        cls, url: str, *, estop: Any, audit: Any, stream: str | None = None, **options: Any
    ) -> Self:
        """A new (closed) driver on a session's e-stop and audit log.

        The one constructor the loop uses for every registered kind (``make_device`` with the
        registry name): a serial device at ``url`` by default; drivers that are not on a port
        (LSL outlet, null device) override it.

        Parameters
        ----------
        url : str
            Port URL (pyserial URL, ``socket://``).
        estop : EStop
            The session's emergency stop.
        audit : AuditLog
            The session's audit log.
        stream : str, optional
            Output stream name (drivers that publish one).
        **options
            More keyword arguments of the driver's constructor.
        """
        return cls(url, estop=estop, audit=audit, **options)  # type: ignore[call-arg]

    def __init__(self) -> None:
        self._lifecycle = Lifecycle.CLOSED
        self._info: DeviceInfo | None = None
        self._sent: deque[Sent] = deque()
        self._sent_lock = threading.Lock()

    @property
    def lifecycle(self) -> Lifecycle:
        """Current lifecycle state."""
        return self._lifecycle

    @property
    def info(self) -> DeviceInfo | None:
        """What :meth:`identify` returned (None before)."""
        return self._info

    def _set_lifecycle(self, state: Lifecycle) -> None:
        self._lifecycle = state

    def _require(self, *states: Lifecycle, action: str) -> None:
        if self._lifecycle not in states:
            allowed = " or ".join(s.value for s in states)
            raise DeviceError(
                f"{self!r}: cannot {action} while {self._lifecycle.value} (needs {allowed})"
            )

    def _record_sent(self, sent: Sent) -> None:
        with self._sent_lock:
            self._sent.append(sent)

    @property
    def sent(self) -> tuple[Sent, ...]:
        """Snapshot of the records not drained yet, oldest first."""
        with self._sent_lock:
            return tuple(self._sent)

    def drain_sent(self) -> list[Sent]:
        """Take every :class:`Sent` record made since the last call, oldest first."""
        with self._sent_lock:
            out = list(self._sent)
            self._sent.clear()
            return out

    # --- lifecycle (implemented by subclasses) --------------------------------------------------
    def open(self) -> Self:
        """Open the port or outlet; returns self."""
        raise NotImplementedError

    def identify(self) -> DeviceInfo:
        """Ask the device who it is and read its limits."""
        raise NotImplementedError

    def close(self) -> None:
        """Disarm, then close."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.open()
        try:
            self.identify()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self._info.url if self._info else ""
        return f"<{type(self).__name__} {where} {self._lifecycle.value}>"


# --- registry -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeviceEntry:
    """One registered driver.

    Attributes
    ----------
    name : str
        Registry name.
    cls : type
        The driver class.
    description : str
        One line: what it drives and how it is connected.
    emulator : str or None
        Name of its emulator in ``devices/`` (``python -m devices.<emulator>``), if any.
    """

    name: str
    cls: type
    description: str
    emulator: str | None = None


_REGISTRY: dict[str, DeviceEntry] = {}
_DRIVERS_MODULE = "neurolink.hal.drivers"
T = TypeVar("T", bound=type)


def register_device(name: str, description: str, emulator: str | None = None) -> Callable[[T], T]:
    """Class decorator: register a driver under ``name``.

    Raises
    ------
    ValueError
        If another class is already registered under ``name``.
    """

    def deco(cls: T) -> T:
        old = _REGISTRY.get(name)
        if old is not None and old.cls is not cls:
            raise ValueError(f"device name {name!r} is already registered to {old.cls!r}")
        _REGISTRY[name] = DeviceEntry(name, cls, description, emulator)
        cls.registry_name = name  # type: ignore[attr-defined]
        return cls

    return deco


def _load_drivers() -> None:
    importlib.import_module(_DRIVERS_MODULE)


def device_names() -> dict[str, DeviceEntry]:
    """Every registered driver, by name."""
    _load_drivers()
    return dict(_REGISTRY)


def device_class(name: str) -> type:
    """The driver class registered under ``name``.

    Raises
    ------
    DeviceError
        Unknown name (the message lists the known ones).
    """
    _load_drivers()
    entry = _REGISTRY.get(name)
    if entry is None:
        raise DeviceError(f"unknown device {name!r}; known devices: {sorted(_REGISTRY)}")
    return entry.cls


def make_device(name: str, *args: Any, **kwargs: Any) -> Any:
    """A new (closed) driver of the device registered under ``name``."""
    return device_class(name)(*args, **kwargs)


def device_entry(name: str) -> DeviceEntry:
    """The registry entry of ``name`` (its class, description and emulator).

    Raises
    ------
    DeviceError
        Unknown name (the message lists the known ones).
    """
    device_class(name)
    return _REGISTRY[name]
