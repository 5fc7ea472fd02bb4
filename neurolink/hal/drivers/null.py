"""The null device: goes through the lifecycle and the safety layer, records, drives nothing.

For dry runs and tests of the loop: every accepted command is kept (:attr:`NullDevice.commands`)
and answered at once (``ACK``, status ``RECORDED``, ``t_wire`` = the host clock when recorded).
Without a layer of its own it builds one that bypasses the host guards on record
(:class:`~neurolink.hal.safety.NoHostSafety`, "null device: records only") — give it a layer
with guards to see what a real device's host checks would refuse.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Self

from neurolink.clock import now as host_now
from neurolink.hal.commands import Command
from neurolink.hal.device import DeviceBase, DeviceInfo, Lifecycle, Sent, register_device
from neurolink.hal.safety import AuditLog, EStop, NoHostSafety, SafetyLayer

__all__ = ["NullDevice"]


@register_device("null", "null device: records every command after the safety layer")
class NullDevice(DeviceBase):
    """Records commands; drives nothing.

    Parameters
    ----------
    layer : SafetyLayer or None
        The safety layer; default: a new one that bypasses the guards on record.
    clock : callable returning float
        Host clock (s).
    """

    @classmethod
    def for_session(
        cls, url: str, *, estop: EStop, audit: AuditLog, stream: str | None = None, **options: Any
    ) -> NullDevice:
        """A null device on a session's e-stop and audit log (``url`` and ``stream`` unused);
        it records only, so the host limits are bypassed and the audit log says so."""
        bypass = NoHostSafety("null device: records only")
        return cls(SafetyLayer(audit=audit, estop=estop, bypass=bypass), **options)

    def __init__(
        self, layer: SafetyLayer | None = None, *, clock: Callable[[], float] = host_now
    ) -> None:
        super().__init__()
        if layer is None:
            audit = AuditLog()
            layer = SafetyLayer(
                audit=audit,
                estop=EStop(audit),
                clock=clock,
                bypass=NoHostSafety("null device: records only, drives nothing"),
            )
        self.layer = layer
        self.clock = clock
        self._lock = threading.Lock()
        self._commands: list[Command] = []

    @property
    def commands(self) -> tuple[Command, ...]:
        """Every command recorded since the device was made (as accepted)."""
        with self._lock:
            return tuple(self._commands)

    def open(self) -> Self:
        """Nothing to open; returns self."""
        self._require(Lifecycle.CLOSED, action="open")
        self._set_lifecycle(Lifecycle.OPEN)
        return self

    def identify(self) -> DeviceInfo:
        """The null device's static description."""
        self._require(Lifecycle.OPEN, Lifecycle.IDENTIFIED, action="identify")
        self._info = DeviceInfo("null", "null device (records only)", url="null")
        self._set_lifecycle(Lifecycle.IDENTIFIED)
        return self._info

    def arm(self) -> None:
        """Accept commands from now on (refused while the e-stop is latched)."""
        self._require(Lifecycle.IDENTIFIED, Lifecycle.ARMED, action="arm")
        self.layer.estop.check()
        self._set_lifecycle(Lifecycle.ARMED)

    def disarm(self) -> None:
        """Refuse commands until :meth:`arm`."""
        if self._lifecycle is Lifecycle.ARMED:
            self._set_lifecycle(Lifecycle.IDENTIFIED)

    def close(self) -> None:
        """Disarm and close (idempotent)."""
        self.disarm()
        self._set_lifecycle(Lifecycle.CLOSED)

    def send(self, cmd: Command) -> Sent:
        """Check through the safety layer and record.

        Raises
        ------
        SafetyError
            Refused by the layer (recorded).
        DeviceError
            Not armed.
        """
        self._require(Lifecycle.ARMED, action="send")
        with self._lock:
            acc = self.layer.check(cmd)
            t = self.clock()
            self._commands.append(acc.command)
            self.layer.record_reply(acc, ack=True, status="RECORDED", detail={"device": "null"})
            sent = Sent(acc.command, acc.time, t, "RECORDED")
        self._record_sent(sent)
        return sent
