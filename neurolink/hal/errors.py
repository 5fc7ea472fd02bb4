"""Exception types of the device abstraction layer: commands, host safety layer, devices.

Every message is one line that names the problem: which field, limit or channel, the offending
value and the bound it broke (DESIGN.md §5); device errors name the port and the message.
"""

from __future__ import annotations

from neurolink.errors import NeurolinkError

__all__ = [
    "AuthenticationError",
    "CommandError",
    "DeviceError",
    "DeviceLost",
    "EStopError",
    "HeartbeatError",
    "LimitConfigError",
    "NackError",
    "SafetyError",
    "StopCallbackError",
]


class CommandError(NeurolinkError, ValueError):
    """A command field is missing, of the wrong type or out of its physical domain.

    Raised when a command object is built (before any safety limit is consulted); the message
    names the command type, the field and the value.
    """


class LimitConfigError(NeurolinkError, ValueError):
    """A limit setting was rejected: unknown name, bad value, or a raise without a reason."""


class SafetyError(NeurolinkError, RuntimeError):
    """The host safety layer refused a command (or a safety function failed).

    Parameters
    ----------
    message : str
        One line naming the limit and the values, e.g. ``"channel 3: amplitude 150 µA exceeds
        max_amplitude_ua 100 µA"``.
    limit : str
        Machine-readable name of the limit that refused the command (``"max_amplitude_ua"``,
        ``"shannon_k"``, ``"estop"`` …); empty when not applicable.
    channel : int or None
        Stimulation channel or prosthesis degree of freedom concerned, if any.
    """

    def __init__(self, message: str, *, limit: str = "", channel: int | None = None) -> None:
        super().__init__(message)
        self.limit = limit
        self.channel = channel


class EStopError(SafetyError):
    """The emergency stop is latched: every command but a stop is refused until re-armed."""


class StopCallbackError(SafetyError):
    """One or more e-stop "stop" callbacks raised.

    All callbacks were still run; ``errors`` holds ``(callback name, exception)`` for each
    failure, in call order, and ``__cause__`` is the first exception.
    """

    def __init__(self, message: str, errors: tuple[tuple[str, BaseException], ...]) -> None:
        super().__init__(message, limit="estop")
        self.errors = errors


class HeartbeatError(SafetyError):
    """The heartbeat sender failed to send; the e-stop was tripped. ``__cause__`` is the error."""


class DeviceError(NeurolinkError, RuntimeError):
    """A device could not be opened, identified or driven (wrong kind, bad reply, bad state).

    The message names the device (its port URL or name) and what went wrong.
    """


class DeviceLost(DeviceError):
    """The device stopped answering (no reply after every retry) or its port closed.

    A lost device is never reconnected automatically; the driver trips the e-stop.

    Parameters
    ----------
    message : str
        What was being sent or read, how long was waited, how often it was tried.
    url : str
        The port.
    """

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class AuthenticationError(DeviceError):
    """The session could not be authenticated: wrong or missing secret, a device that failed to
    prove it knows the secret, or another host's session holds the device."""


class NackError(DeviceError):
    """The device refused a command (NACK) and did not execute it.

    Parameters
    ----------
    message : str
        One line naming the command, the status and the decoded detail, e.g.
        ``"STIM seq 5 refused by the device: OUT_OF_LIMITS (AMPLITUDE, channel 3)"``.
    status : str
        The NACK status name (``"OUT_OF_LIMITS"``, ``"NOT_ARMED"`` …).
    detail : int
        The NACK's raw u32 detail.
    limit : str
        For ``OUT_OF_LIMITS``: the limit's name (``"AMPLITUDE"``); else ``""``.
    index : int or None
        For ``OUT_OF_LIMITS``: the channel, degree of freedom, port or population; else None.
    """

    def __init__(
        self,
        message: str,
        *,
        status: str,
        detail: int = 0,
        limit: str = "",
        index: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail
        self.limit = limit
        self.index = index
