"""Serial prosthesis driver: velocity commands out, state reports back in.

Limits. The host's :class:`~neurolink.hal.safety.ProsthesisLimits` start at the device's
(per-DoF velocity, acceleration and workspace box from INFO; ``stale_after_s`` = its stale
timeout; ``max_report_age_s`` = ``REPORT_AGE_PERIODS`` state periods, at least
``MIN_REPORT_AGE_S``); ``limits``/``dof_limits`` may only lower them.

State reports. Every PROSTHESIS_STATE is kept as :attr:`ProsthesisDriver.state` (with its host
arrival time), passed to the safety layer's position feedback
(:meth:`~neurolink.hal.safety.SafetyLayer.report_position`, so the workspace check
extrapolates from measured positions) and to the listeners of
:meth:`ProsthesisDriver.on_state`.

Grip. ``ProsthesisCommand.grip = None`` means "leave the grip as it is": the driver sends the
last grip it commanded (0.0 = open before the first one), since the wire always carries one.

Stale commands. The heartbeat thread also asks the safety layer, every tick
(``min(watchdog/4, stale_after_s/4)``), whether the last motion went stale
(:meth:`~neurolink.hal.safety.SafetyLayer.stop_due`) and then sends the zero-velocity stop.
The device stops on its own after its stale timeout as well.

ACK. With ``ack="async"`` (:mod:`~neurolink.hal.drivers.serial_base`, "ACK handling"),
:meth:`ProsthesisDriver.velocity` returns once PROSTHESIS_VELOCITY is written (status
``PENDING``); its ACK/NACK is recorded by the link's collector, and a NACK is raised by the
next ``velocity`` (or ``flush``) unless ``take_replies`` took it. The grip it carries is taken
as commanded when it is written. ``stop()`` and the e-stop's zero velocity always wait.

E-stop: the callback sends zero velocity (a NACK because the device is already stopped —
NOT_ARMED, E_STOPPED, WATCHDOG_TRIPPED — is fine), then ESTOP, which latches the device.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from neurolink.hal import wire
from neurolink.hal.commands import Command, ProsthesisCommand
from neurolink.hal.device import Sent, register_device
from neurolink.hal.drivers.serial_base import SerialDevice
from neurolink.hal.errors import DeviceError, LimitConfigError
from neurolink.hal.safety import (
    ArmLimits,
    DofLimits,
    ProsthesisGuard,
    ProsthesisLimits,
    SafetyLayer,
)
from neurolink.hal.wire import MsgType, Status

__all__ = ["MIN_REPORT_AGE_S", "REPORT_AGE_PERIODS", "ProsthesisDriver", "StateReport"]

REPORT_AGE_PERIODS = 5
"""Host ``max_report_age_s`` in state periods: motion needs a position this fresh."""
MIN_REPORT_AGE_S = 0.1
"""Lower bound of the host ``max_report_age_s`` (s)."""
_NO_STALE_S = 0.5  # host stale_after_s when the device reports no stale timeout
_STOPPED = (Status.NOT_ARMED, Status.E_STOPPED, Status.WATCHDOG_TRIPPED)


@dataclass(frozen=True)
class StateReport:
    """One PROSTHESIS_STATE and when it arrived.

    Attributes
    ----------
    message : wire.ProsthesisState
        Positions, velocities, grip, flags, device time.
    t_rx : float
        Host clock (s) when it arrived.
    """

    message: wire.ProsthesisState
    t_rx: float

    @property
    def positions(self) -> tuple[float, ...]:
        """Per DoF, in its unit."""
        return self.message.positions

    @property
    def velocities(self) -> tuple[float, ...]:
        """Per DoF, its unit per s."""
        return self.message.velocities

    @property
    def flags(self) -> wire.ProsthesisFlags:
        """Armed, moving, stale stop, at a bound, clamped …"""
        return self.message.flags


@register_device(
    "prosthesis",
    "serial prosthesis or cursor: velocity per DoF, grip, state reports",
    emulator="prosthesis",
)
class ProsthesisDriver(SerialDevice):
    """A prosthesis (or 2-D cursor) on a serial port (see the module docstring).

    Parameters
    ----------
    url : str
        Port URL.
    limits : mapping of str to float, optional
        Host limits for every DoF (names of :class:`~neurolink.hal.safety.DofLimits`, or
        ``stale_after_s``/``max_report_age_s``); may only lower the device's.
    dof_limits : mapping of int to mapping, optional
        Per-DoF host limits; may only lower.
    **kwargs
        Of :class:`~neurolink.hal.drivers.serial_base.SerialDevice`.
    """

    KIND = wire.DeviceKind.PROSTHESIS
    ACK_MODES = ("sync", "async")

    def __init__(
        self,
        url: str,
        *,
        limits: Mapping[str, float] | None = None,
        dof_limits: Mapping[int, Mapping[str, float]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(url, **kwargs)
        self._limit_config = dict(limits or {})
        self._dof_config = {int(k): dict(v) for k, v in (dof_limits or {}).items()}
        self.device_limits: wire.ProsthesisLimits | None = None
        self.limits: ProsthesisLimits | None = None
        self._grip = 0.0
        self._state: StateReport | None = None
        self._state_cond = threading.Condition()
        self._state_listeners: list[Callable[[StateReport], None]] = []
        self.link.on(MsgType.PROSTHESIS_STATE, self._on_state)

    @property
    def n_dof(self) -> int:
        """Degrees of freedom (after identify)."""
        if self.device_limits is None:
            raise DeviceError(f"{self.url}: identify the prosthesis first")
        return self.device_limits.n_dof

    # --- identify -------------------------------------------------------------------------------
    def _configure(self, info: wire.Info) -> None:
        dev = info.limits
        assert isinstance(dev, wire.ProsthesisLimits)
        if self.layer is not None:
            if dev != self.device_limits:
                raise DeviceError(
                    f"{self.url}: the device's limits changed since it was first "
                    f"identified; make a new driver"
                )
            return
        self.device_limits = dev
        stale = dev.stale_timeout_ms / 1000 if dev.stale_timeout_ms else _NO_STALE_S
        age = max(REPORT_AGE_PERIODS * dev.state_period_ms / 1000, MIN_REPORT_AGE_S)
        try:
            dofs = [
                DofLimits(d.max_velocity, d.max_acceleration, d.min_position, d.max_position)
                for d in dev.dofs
            ]
            self.limits = ProsthesisLimits(dofs, ArmLimits(stale, age), self.audit)
            self.limits.apply_config(self._limit_config, source="driver limits")
            for j, values in self._dof_config.items():
                self.limits.apply_config(values, key=j, source=f"driver dof {j} limits")
        except LimitConfigError as e:
            raise LimitConfigError(f"{self.url}: {e}") from None
        guard = ProsthesisGuard(self.limits, start_time=self.clock())
        self.layer = SafetyLayer(
            audit=self.audit,
            estop=self.estop,
            prosthesis=guard,
            bypass=self.bypass,
            clock=self.clock,
        )

    # --- commands -------------------------------------------------------------------------------
    def _to_wire(self, cmd: Command) -> wire.Message:
        assert isinstance(cmd, ProsthesisCommand)
        grip = self._grip if cmd.grip is None else cmd.grip
        return wire.ProsthesisVelocity(cmd.velocity, grip)

    def velocity(self, cmd: ProsthesisCommand) -> Sent:
        """Send one velocity command (host check — possibly clipped at the workspace — then
        PROSTHESIS_VELOCITY and its ACK; with ``ack="async"`` the ACK is not awaited).

        Raises
        ------
        SafetyError
            Refused by the host (velocity, acceleration, stale position, e-stop …).
        NackError
            Refused by the device (async: the previous command was; this one is not sent).
        DeviceLost
            No answer; the e-stop has been tripped.
        """
        if not isinstance(cmd, ProsthesisCommand):
            raise TypeError(f"velocity() takes a ProsthesisCommand, got {type(cmd).__name__}")
        sent, _ = self._send_command(cmd, self._to_wire, post=True)
        if cmd.grip is not None:
            self._grip = cmd.grip
        return sent

    send = velocity

    def stop(self) -> Sent:
        """Zero velocity on every DoF, grip unchanged (allowed while e-stopped)."""
        return self._send_command(
            ProsthesisCommand.stop(self.n_dof), self._to_wire, tolerate=_STOPPED
        )[0]

    def _stop_output(self) -> None:
        """E-stop callback: ESTOP first, beside any command in flight (the device stops and
        latches), then zero velocity through the safety layer (for the host's record)."""
        stop = ProsthesisCommand.stop(self.n_dof)
        self._estop_first(stop)
        self._send_command(stop, self._to_wire, tolerate=_STOPPED)

    def _periodic(self) -> None:
        super()._periodic()
        layer = self.layer
        stop = layer.stop_due() if layer is not None else None
        if stop is not None:
            self._send_command(stop, self._to_wire, tolerate=_STOPPED)

    def _tick_period(self) -> float | None:
        base = super()._tick_period()
        if self.limits is None or self._heartbeat_period is not None:
            return base
        stale = self.limits.timing.stale_after_s / 4
        return stale if base is None else min(base, stale)

    # --- state reports --------------------------------------------------------------------------
    @property
    def state(self) -> StateReport | None:
        """The latest state report, or None before the first."""
        with self._state_cond:
            return self._state

    def on_state(self, listener: Callable[[StateReport], None]) -> None:
        """Call ``listener(report)`` for every state report (dispatcher thread)."""
        self._state_listeners.append(listener)

    def wait_state(
        self, predicate: Callable[[StateReport], bool] = lambda r: True, timeout: float = 2.0
    ) -> StateReport:
        """Wait for a state report (newer than the current one) that satisfies ``predicate``.

        Raises
        ------
        TimeoutError
            None came within ``timeout`` s.
        """
        with self._state_cond:
            old = self._state
            ok = self._state_cond.wait_for(
                lambda: (
                    self._state is not None and self._state is not old and predicate(self._state)
                ),
                timeout,
            )
            if not ok:
                raise TimeoutError(f"{self.url}: no matching state report within {timeout:g} s")
            assert self._state is not None
            return self._state

    def _on_state(self, frame: wire.Frame, t_rx: float) -> None:
        msg = frame.message
        assert isinstance(msg, wire.ProsthesisState)
        report = StateReport(msg, t_rx)
        layer = self.layer
        if layer is not None and len(msg.positions) == self.n_dof:
            layer.report_position(msg.positions, t_rx)
        with self._state_cond:
            self._state = report
            self._state_cond.notify_all()
        for listener in list(self._state_listeners):
            listener(report)
