"""Serial stimulator driver: limits read from the device, every pulse train through the guard.

Lifecycle (:class:`~neurolink.hal.drivers.serial_base.SerialDevice`): ``open`` → ``identify``
(HELLO/INFO, then CHANNEL_QUERY for every channel) → ``arm`` → :meth:`StimulatorDriver.stim` …
→ ``disarm`` → ``close``.

Limits. The host's :class:`~neurolink.hal.safety.StimLimits` start at the device's hard limits
(the smaller of its device-wide and per-channel values; electrode areas for the Shannon check;
its Shannon k; its pulses-per-second cap per channel and in total). ``limits`` (every channel)
and ``channel_limits`` (one channel) of the constructor may only *lower* them; raising needs
``driver.limits.raise_limit(name, value, reason)`` — recorded, and the device still refuses
beyond its own limits. The device reports no ramp limit: the host's ``max_ramp_ua_per_s`` hard
value is ``max_ramp_ua_per_s`` (default: full amplitude in :data:`DEFAULT_RAMP_TIME_S`). The
charge-balance tolerance is 0: the device checks balance exactly, in integers.

Units. :class:`~neurolink.hal.commands.StimCommand` holds floats (µA, µs, Hz); the wire holds
whole µA and µs and hundredths of Hz. A value that is not exactly representable (10.5 µA, a
second phase solved to 66.67 µs, 130.005 Hz) is **refused** with a
:class:`~neurolink.hal.errors.CommandError` naming the field — recorded in the audit log as
``REFUSED`` — never rounded: a rounded pulse is not the pulse the guard checked, and rounding
one phase breaks the exact charge balance the device enforces.

ACK. With ``ack="async"`` (:mod:`~neurolink.hal.drivers.serial_base`, "ACK handling"),
:meth:`StimulatorDriver.stim` returns once STIM is written (status ``PENDING``); its ACK/NACK
is recorded by the link's collector (a NACKed train's pulses are rolled back from the guard's
ledger then, before the next command is checked), and a NACK is raised by the next ``stim``
(or ``flush``) unless ``take_replies`` took it. STIM_STOP always waits for its ACK.

E-stop: the callback sends ESTOP (the device stops every channel at once and latches).
:meth:`StimulatorDriver.rearm` = RESET_ESTOP, host re-arm with a reason, ARM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neurolink.hal import wire
from neurolink.hal.commands import Command, Polarity, StimCommand, StimStop
from neurolink.hal.device import Sent, register_device
from neurolink.hal.drivers.serial_base import SerialDevice
from neurolink.hal.errors import CommandError, DeviceError, LimitConfigError
from neurolink.hal.safety import (
    ElectrodeLimits,
    Outcome,
    SafetyLayer,
    StimGuard,
    StimLimits,
    TotalStimLimits,
)

__all__ = ["DEFAULT_RAMP_TIME_S", "StimulatorDriver", "stim_to_wire"]

DEFAULT_RAMP_TIME_S = 0.1
"""Default host ramp limit: a channel may go from 0 to its maximum amplitude in this time (s)."""

_POLARITY = {
    Polarity.CATHODIC_FIRST: wire.Polarity.CATHODIC_FIRST,
    Polarity.ANODIC_FIRST: wire.Polarity.ANODIC_FIRST,
}


def _whole(name: str, value: float | None, unit: str) -> int:
    assert value is not None
    if not float(value).is_integer():
        raise CommandError(
            f"StimCommand.{name} = {value:.6g} {unit} is not a whole number of {unit}, the "
            f"stimulator's wire unit; refused rather than rounded (give whole {unit})"
        )
    return int(value)


def stim_to_wire(cmd: StimCommand) -> wire.Stim:
    """The STIM message of a command, in the wire's integer units.

    Raises
    ------
    CommandError
        A value is not a whole µA/µs or a whole hundredth of Hz, or does not fit its wire field.
    """
    f100 = round(cmd.frequency_hz * 100)
    if f100 < 1 or abs(cmd.frequency_hz * 100 - f100) > 1e-6:
        raise CommandError(
            f"StimCommand.frequency_hz = {cmd.frequency_hz:.9g} Hz is not a whole number of "
            f"0.01 Hz, the stimulator's wire unit; refused rather than rounded"
        )
    try:
        return wire.Stim(
            cmd.channel,
            _POLARITY[cmd.polarity],
            _whole("amplitude_ua", cmd.amplitude_ua, "µA"),
            _whole("phase_width_us", cmd.phase_width_us, "µs"),
            _whole("interphase_gap_us", cmd.interphase_gap_us, "µs"),
            _whole("second_amplitude_ua", cmd.second_amplitude_ua, "µA"),
            _whole("second_width_us", cmd.second_width_us, "µs"),
            f100,
            cmd.pulse_count,
        )
    except wire.PayloadError as e:
        raise CommandError(f"StimCommand does not fit the STIM message: {e}") from None


def _stop_to_wire(cmd: Command) -> wire.Message:
    assert isinstance(cmd, StimStop)
    return wire.StimStop(wire.ALL_CHANNELS if cmd.channel is None else cmd.channel)


@register_device(
    "stimulator",
    "serial current stimulator: biphasic trains, watchdog, e-stop",
    emulator="stimulator",
)
class StimulatorDriver(SerialDevice):
    """A stimulator on a serial port (see the module docstring).

    Parameters
    ----------
    url : str
        Port URL.
    limits : mapping of str to float, optional
        Host limits for every channel (names of :class:`~neurolink.hal.safety.ElectrodeLimits`
        or ``max_total_pulses_per_s``); may only lower the device's.
    channel_limits : mapping of int to mapping, optional
        Per-channel host limits; may only lower.
    max_ramp_ua_per_s : float or None
        Host ramp limit (µA/s); default ``max amplitude / DEFAULT_RAMP_TIME_S``.
    **kwargs
        Of :class:`~neurolink.hal.drivers.serial_base.SerialDevice` (estop, audit, bypass,
        timeout, retries, baudrate, heartbeat_period_s, heartbeat_wait, clock).
    """

    KIND = wire.DeviceKind.STIMULATOR
    ACK_MODES = ("sync", "async")

    def __init__(
        self,
        url: str,
        *,
        limits: Mapping[str, float] | None = None,
        channel_limits: Mapping[int, Mapping[str, float]] | None = None,
        max_ramp_ua_per_s: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(url, **kwargs)
        self._limit_config = dict(limits or {})
        self._channel_config = {int(k): dict(v) for k, v in (channel_limits or {}).items()}
        self._ramp = max_ramp_ua_per_s
        self.device_limits: wire.StimulatorLimits | None = None
        self.channels: tuple[wire.ChannelLimit, ...] = ()
        self.limits: StimLimits | None = None

    # --- identify -------------------------------------------------------------------------------
    def _configure(self, info: wire.Info) -> None:
        dev = info.limits
        assert isinstance(dev, wire.StimulatorLimits)
        channels: list[wire.ChannelLimit] = []
        while len(channels) < dev.n_channels:
            count = min(wire.MAX_CHANNELS_PER_REPLY, dev.n_channels - len(channels))
            reply = self._checked(self._request(wire.ChannelQuery(len(channels), count))).reply
            assert isinstance(reply, wire.ChannelLimits)
            if reply.first_channel != len(channels) or not reply.channels:
                raise DeviceError(
                    f"{self.url}: CHANNEL_LIMITS for channel "
                    f"{reply.first_channel} × {len(reply.channels)}, asked for "
                    f"{len(channels)} × {count}"
                )
            channels.extend(reply.channels)
        channels = channels[: dev.n_channels]
        if self.layer is not None:
            if (dev, tuple(channels)) != (self.device_limits, self.channels):
                raise DeviceError(
                    f"{self.url}: the device's limits changed since it was first "
                    f"identified; make a new driver"
                )
            return
        self.device_limits, self.channels = dev, tuple(channels)
        self.limits = self._hard_limits(dev, channels)
        try:
            self.limits.apply_config(self._limit_config, source="driver limits")
            for ch, values in self._channel_config.items():
                self.limits.apply_config(values, key=ch, source=f"driver channel {ch} limits")
        except LimitConfigError as e:
            raise LimitConfigError(f"{self.url}: {e}") from None
        guard = StimGuard(self.limits, start_time=self.clock())
        self.layer = SafetyLayer(
            audit=self.audit, estop=self.estop, stim=guard, bypass=self.bypass, clock=self.clock
        )

    def _hard_limits(
        self, dev: wire.StimulatorLimits, channels: list[wire.ChannelLimit]
    ) -> StimLimits:
        electrodes: dict[int, ElectrodeLimits] = {}
        for ch, c in enumerate(channels):
            amp = min(c.max_amplitude_ua, dev.max_amplitude_ua)
            ramp = self._ramp if self._ramp is not None else amp / DEFAULT_RAMP_TIME_S
            try:
                electrodes[ch] = ElectrodeLimits(
                    area_cm2=c.electrode_area_um2 / 1e8,  # 1 cm² = 1e8 µm²
                    max_amplitude_ua=amp,
                    max_phase_width_us=min(c.max_phase_width_us, dev.max_phase_width_us),
                    max_frequency_hz=dev.max_frequency_hz_x100 / 100,
                    max_charge_nc=min(c.max_charge_nc, dev.max_charge_nc),
                    max_ramp_ua_per_s=ramp,
                    max_pulses_per_s=dev.max_pulse_rate_hz,
                    shannon_k=dev.shannon_k_x100 / 100,
                    balance_tolerance_nc=0.0,
                    max_pulse_count=dev.max_pulse_count,
                )  # the device checks balance exactly
            except LimitConfigError as e:
                raise DeviceError(f"{self.url}: channel {ch} reports unusable limits: {e}") from e
        return StimLimits(electrodes, TotalStimLimits(dev.max_pulse_rate_hz), self.audit)

    # --- commands -------------------------------------------------------------------------------
    def _to_wire(self, cmd: Command) -> wire.Message:
        assert isinstance(cmd, StimCommand)
        try:
            return stim_to_wire(cmd)
        except CommandError as e:
            self.audit.record_command(
                cmd,
                Outcome.REFUSED,
                reason=str(e),
                detail={"limit": "wire_resolution", "url": self.url},
            )
            raise

    def stim(self, cmd: StimCommand) -> Sent:
        """Start a train: host check, STIM, ACK (with ``ack="async"`` the ACK is not awaited).

        Raises
        ------
        CommandError
            A value not representable in the wire's units (recorded as refused).
        SafetyError
            Refused by the host safety layer (``EStopError`` while the e-stop is latched).
        NackError
            Refused by the device (e.g. ``OUT_OF_LIMITS`` with the limit and channel; async:
            the previous train was, and this one is not sent).
        DeviceLost
            No answer; the e-stop has been tripped.
        """
        if not isinstance(cmd, StimCommand):
            raise TypeError(f"stim() takes a StimCommand, got {type(cmd).__name__}")
        return self._send_command(cmd, self._to_wire, post=True)[0]

    def stop(self, channel: int | None = None, reason: str = "") -> Sent:
        """STIM_STOP on one channel, or every channel when None (allowed while e-stopped)."""
        return self._send_command(StimStop(channel, reason), _stop_to_wire)[0]

    def send(self, cmd: Command) -> Sent:
        """:meth:`stim` a :class:`StimCommand`, :meth:`stop` a :class:`StimStop`."""
        if isinstance(cmd, StimCommand):
            return self.stim(cmd)
        if isinstance(cmd, StimStop):
            return self._send_command(cmd, _stop_to_wire)[0]
        raise TypeError(f"a stimulator takes StimCommand or StimStop, got {type(cmd).__name__}")

    def _stop_output(self) -> None:
        """E-stop callback: ESTOP first, beside any command in flight (every channel stops at
        once; the device latches)."""
        self._estop_first(StimStop(None, "e-stop: ESTOP sent to the device"))

    # --- queries --------------------------------------------------------------------------------
    def pulse_log(
        self, first_index: int = 0, max_count: int = wire.MAX_PULSES_PER_REPLY
    ) -> wire.PulseLog:
        """One PULSE_LOG page: the pulses the device delivered from ``first_index``."""
        reply = self._checked(self._request(wire.PulseLogQuery(first_index, max_count))).reply
        assert isinstance(reply, wire.PulseLog)
        return reply

    def delivered_pulses(self, first_index: int = 0) -> list[wire.DeliveredPulse]:
        """Every pulse delivered from ``first_index`` on (all pages)."""
        out: list[wire.DeliveredPulse] = []
        while True:
            page = self.pulse_log(first_index + len(out))
            out.extend(page.pulses)
            if not page.pulses or first_index + len(out) >= page.total:
                return out
