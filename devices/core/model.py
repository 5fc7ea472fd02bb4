"""What a device model implements, and what the server offers it (:class:`Context`).

The server (:mod:`devices.core.server`) owns the port, the codec, the safety state (arming,
watchdog, e-stop: :mod:`devices.core.control`) and the duplicate filter; a model owns what
makes the device a stimulator, a prosthesis or a neuromorphic board. Models do no I/O and read
no clock: every call carries the device time, so a test can drive one with chosen times.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Protocol

from neurolink.hal import wire

__all__ = ["Context", "DeviceModel", "output_refusal"]


class Context(Protocol):
    """What a model may ask of the server while it handles a command or ticks."""

    @property
    def state(self) -> wire.DeviceState:
        """The device's safety state (DISARMED, ARMED, ESTOPPED, WATCHDOG_TRIPPED, FAULT)."""
        ...

    def emit(self, message: wire.Message) -> None:
        """Send an unsolicited frame (FAULT, LOG, PROSTHESIS_STATE, NEURO_SPIKES) now."""
        ...

    def log(self, level: wire.LogLevel, text: str, now_us: int) -> None:
        """Send a LOG frame and write the line to the device's stderr."""
        ...


def output_refusal(state: wire.DeviceState) -> wire.Status | None:
    """The NACK status of an output command (STIM, PROSTHESIS_VELOCITY) in ``state``.

    None when ARMED (the command may go on to the model's own checks).
    """
    return {
        wire.DeviceState.ARMED: None,
        wire.DeviceState.DISARMED: wire.Status.NOT_ARMED,
        wire.DeviceState.ESTOPPED: wire.Status.E_STOPPED,
        wire.DeviceState.WATCHDOG_TRIPPED: wire.Status.WATCHDOG_TRIPPED,
        wire.DeviceState.FAULT: wire.Status.INTERNAL,
    }[state]


class DeviceModel(ABC):
    """One kind of device behind the wire.

    Class attributes
    ----------------
    KIND : DeviceKind
        INFO ``device_kind``.
    HANDLES : frozenset of MsgType
        The host-to-device messages beyond the control set that this kind implements; other
        known host messages are refused with ``NOT_SUPPORTED``.
    QUERIES : frozenset of MsgType
        Those of ``HANDLES`` that only read (a duplicate of a query is answered afresh).
    """

    KIND: ClassVar[wire.DeviceKind]
    HANDLES: ClassVar[frozenset[wire.MsgType]]
    QUERIES: ClassVar[frozenset[wire.MsgType]] = frozenset()

    @property
    @abstractmethod
    def capabilities(self) -> wire.Capability:
        """INFO capability bits."""

    @abstractmethod
    def limits_block(self) -> wire.Limits:
        """The INFO limits block of this kind."""

    @abstractmethod
    def handle(
        self, message: wire.Message, ack_seq: int, now_us: int, ctx: Context
    ) -> wire.Message:
        """Execute one command of :attr:`HANDLES`; return its reply (ACK, NACK or data).

        Parameters
        ----------
        message : Message
            The decoded command.
        ack_seq : int
            Its seq, for the reply.
        now_us : int
            Device time, µs; the model has been ticked to it.
        ctx : Context
            State, and a way to send unsolicited frames before the reply.
        """

    def tick(self, now_us: int, ctx: Context) -> None:  # noqa: B027 - optional hook
        """Run everything due up to ``now_us`` (pulses, motion, reports), in time order.

        The default does nothing (a device with no timed behaviour).
        """

    def next_deadline_us(self) -> int | None:
        """Device time of the next thing :meth:`tick` must do, or None if nothing is due."""
        return None

    def stop_output(self, now_us: int, reason: str, ctx: Context) -> str:
        """Stop all output at ``now_us`` (DISARM, ESTOP, watchdog, port closed, shutdown).

        Returns
        -------
        str
            What was stopped, for logs (``"1 train stopped, 90 pulses cancelled"``).
        """
        return "no output to stop"

    def summary(self) -> str:
        """One line about the run, written to stderr when the device exits."""
        return ""

    def take_records(self) -> list[dict[str, Any]]:
        """What the model did since the last call, for the device's records
        (:mod:`devices.core.records`): dicts with ``kind`` and ``t_us`` (device time, µs).

        The default has nothing to report (the server records commands, states and frames).
        """
        return []

    def describe(self) -> dict[str, Any]:
        """The profile as this device enforces it (the control channel's ``info``)."""
        return {"limits": self.limits_block()}
