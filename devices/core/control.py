"""The safety state machine every device shares: arming, watchdog, emergency stop (DESIGN §5).

::

    DISARMED --ARM--> ARMED --DISARM--> DISARMED
       any   --ESTOP------------------> ESTOPPED          (latched)
     ARMED   --no HEARTBEAT for T-----> WATCHDOG_TRIPPED  (latched, FAULT(WATCHDOG) sent)
       any   --internal error---------> FAULT             (latched, FAULT(INTERNAL) sent)
     latched --RESET_ESTOP(key)-------> DISARMED          (then ARM again)

ARM is refused while a latch is set (NACK ``E_STOPPED``, ``WATCHDOG_TRIPPED`` or ``INTERNAL``
for FAULT). Only HEARTBEAT feeds the watchdog; it runs only while ARMED, from the moment of
ARM. This class decides; the server does the I/O and tells the model to stop its output.
"""

from __future__ import annotations

from neurolink.hal import wire

__all__ = ["Control"]

_S = wire.DeviceState
_LATCHES = {
    _S.ESTOPPED: wire.Status.E_STOPPED,
    _S.WATCHDOG_TRIPPED: wire.Status.WATCHDOG_TRIPPED,
    _S.FAULT: wire.Status.INTERNAL,
}


class Control:
    """Safety state of one device.

    Parameters
    ----------
    heartbeat_timeout_ms : int
        Watchdog timeout; 0 = no watchdog.

    Attributes
    ----------
    state : DeviceState
        Current state (starts DISARMED).
    last_fault : int
        Most recent :class:`~neurolink.hal.wire.FaultCode` (0 = none yet): that of every FAULT
        the device sent, latching or not, and of every latch (an ESTOP command included).
    """

    def __init__(self, heartbeat_timeout_ms: int) -> None:
        self.timeout_us = heartbeat_timeout_ms * 1000
        self.state = _S.DISARMED
        self.last_fault = 0
        self._last_heartbeat_us = 0

    def heartbeat(self, now_us: int) -> None:
        """A HEARTBEAT arrived: the watchdog restarts its count."""
        self._last_heartbeat_us = now_us

    def watchdog_deadline_us(self) -> int | None:
        """When the watchdog trips unless a HEARTBEAT comes first (None when not running)."""
        if self.state is _S.ARMED and self.timeout_us > 0:
            return self._last_heartbeat_us + self.timeout_us
        return None

    def arm(self, now_us: int) -> wire.Status | None:
        """ARM: None if accepted (now ARMED), else the NACK status of the latch that is set."""
        if self.state in _LATCHES:
            return _LATCHES[self.state]
        if self.state is not _S.ARMED:
            self.state = _S.ARMED
            self._last_heartbeat_us = now_us  # the watchdog counts from the arming
        return None

    def disarm(self) -> None:
        """DISARM: ARMED becomes DISARMED; a latch stays set."""
        if self.state is _S.ARMED:
            self.state = _S.DISARMED

    def latch(self, state: wire.DeviceState, fault: wire.FaultCode) -> None:
        """Enter a latched state (ESTOPPED, WATCHDOG_TRIPPED or FAULT) for ``fault``."""
        if state not in _LATCHES:
            raise ValueError(f"{state.name} is not a latched state")
        self.state = state
        self.last_fault = int(fault)

    def note_fault(self, fault: wire.FaultCode) -> None:
        """A FAULT was sent (STALE_COMMAND, WORKSPACE_LIMIT ... too): it is now the last fault."""
        self.last_fault = int(fault)

    def reset_latch(self, key: int) -> wire.Status | None:
        """RESET_ESTOP: None if accepted (a latch becomes DISARMED; otherwise no change)."""
        if key != wire.RESET_ESTOP_KEY:
            return wire.Status.BAD_PAYLOAD
        if self.state in _LATCHES:
            self.state = _S.DISARMED
        return None
