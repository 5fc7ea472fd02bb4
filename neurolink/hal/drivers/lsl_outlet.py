"""LSL command outlet: commands as an LSL stream for external software (a game engine, a robot
controller), after the same safety layer as every other device.

Two formats (:class:`CommandFormat`):

- ``json`` — one ``string`` channel; each sample is
  ``json.dumps(command_to_dict(cmd))`` (any command type; read back with
  :func:`~neurolink.hal.commands.command_from_dict`);
- ``numeric`` — ``double64`` channels of one command type, labelled in ``desc/channels``:
  :data:`STIM_CHANNELS` for :class:`~neurolink.hal.commands.StimCommand` (a
  :class:`~neurolink.hal.commands.StimStop` is a row with ``pulse_count = 0``, channel −1 for
  all), or ``v0 … v{n−1}, grip`` for :class:`~neurolink.hal.commands.ProsthesisCommand`
  (grip NaN = leave as it is).

The outlet has no replies: a command accepted by the safety layer is pushed, recorded as
``ACK`` with status ``PUSHED``, and its ``t_wire`` is the host clock right after the push.
Sample timestamps are LSL's own clock at the push (the host clock, :func:`neurolink.clock.now`).
"""

from __future__ import annotations

import json
import math
import threading
import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Self

import pylsl

from neurolink.clock import now as host_now
from neurolink.hal.commands import (
    Command,
    Polarity,
    ProsthesisCommand,
    StimCommand,
    StimStop,
    command_to_dict,
)
from neurolink.hal.device import DeviceBase, DeviceInfo, Lifecycle, Sent, register_device
from neurolink.hal.errors import DeviceError
from neurolink.hal.safety import AuditLog, EStop, NoHostSafety, SafetyLayer
from neurolink.streams.lsl_outlet import make_stream_info

__all__ = ["STIM_CHANNELS", "CommandFormat", "LslOutletDriver"]

STIM_CHANNELS = (
    "channel",
    "amplitude_ua",
    "phase_width_us",
    "interphase_gap_us",
    "second_amplitude_ua",
    "second_width_us",
    "frequency_hz",
    "pulse_count",
    "anodic_first",
)
"""Channels of the numeric StimCommand format, in order."""


class CommandFormat(StrEnum):
    """How commands are written into the LSL stream."""

    JSON = "json"
    NUMERIC = "numeric"


def _stim_row(cmd: Command) -> list[float]:
    if isinstance(cmd, StimStop):
        ch = -1.0 if cmd.channel is None else float(cmd.channel)
        return [ch] + [0.0] * (len(STIM_CHANNELS) - 1)
    assert isinstance(cmd, StimCommand)
    assert cmd.second_amplitude_ua is not None and cmd.second_width_us is not None
    return [
        float(cmd.channel),
        cmd.amplitude_ua,
        cmd.phase_width_us,
        cmd.interphase_gap_us,
        cmd.second_amplitude_ua,
        cmd.second_width_us,
        cmd.frequency_hz,
        float(cmd.pulse_count),
        float(cmd.polarity is Polarity.ANODIC_FIRST),
    ]


@register_device("lsl", "LSL command outlet for external software (JSON or numeric samples)")
class LslOutletDriver(DeviceBase):
    """Publishes accepted commands on an LSL outlet.

    Parameters
    ----------
    name : str
        LSL stream name (give test streams unique names).
    layer : SafetyLayer
        The safety layer every command goes through (with the guards the commands need, or a
        recorded :class:`~neurolink.hal.safety.NoHostSafety` bypass).
    fmt : CommandFormat or str
        ``"json"`` (default) or ``"numeric"``.
    command : type
        For ``numeric``: :class:`StimCommand` or :class:`ProsthesisCommand`.
    n_dof : int or None
        For ``numeric`` prosthesis commands: degrees of freedom.
    source_id : str or None
        LSL source id (default: a fresh unique one).
    stream_type : str
        LSL content type.
    clock : callable returning float
        Host clock (s).
    """

    @classmethod
    def for_session(
        cls, url: str, *, estop: EStop, audit: AuditLog, stream: str | None = None, **options: Any
    ) -> LslOutletDriver:
        """An outlet named ``stream`` (default ``neurolink-commands``) on a session's e-stop and
        audit log (``url`` unused); the receiving software applies its own limits, so the host
        limits are bypassed and the audit log says so."""
        bypass = NoHostSafety("LSL command outlet: the receiving software applies its own limits")
        layer = SafetyLayer(audit=audit, estop=estop, bypass=bypass)
        return cls(stream or "neurolink-commands", layer, **options)

    def __init__(
        self,
        name: str,
        layer: SafetyLayer,
        *,
        fmt: CommandFormat | str = "json",
        command: type = ProsthesisCommand,
        n_dof: int | None = None,
        source_id: str | None = None,
        stream_type: str = "Commands",
        clock: Callable[[], float] = host_now,
    ) -> None:
        super().__init__()
        self.name = name
        self.layer = layer
        self.fmt = CommandFormat(fmt)
        self.command_type = command
        self.source_id = source_id or f"neurolink-cmd-{uuid.uuid4().hex[:12]}"
        self.stream_type = stream_type
        self.clock = clock
        self._lock = threading.Lock()
        self._outlet: pylsl.StreamOutlet | None = None
        if self.fmt is CommandFormat.JSON:
            self.channels: tuple[str, ...] = ("command",)
        elif command is StimCommand:
            self.channels = STIM_CHANNELS
        elif command is ProsthesisCommand:
            if n_dof is None or n_dof < 1:
                raise DeviceError("a numeric prosthesis command outlet needs n_dof >= 1")
            self.channels = (*(f"v{j}" for j in range(n_dof)), "grip")
        else:
            raise DeviceError(
                f"numeric format carries StimCommand or ProsthesisCommand, not {command.__name__}"
            )

    def open(self) -> Self:
        """Create the outlet; returns self."""
        self._require(Lifecycle.CLOSED, action="open")
        lsl_fmt = "string" if self.fmt is CommandFormat.JSON else "double64"
        info = make_stream_info(
            self.name, self.stream_type, self.channels, 0.0, self.source_id, lsl_fmt
        )
        info.desc().append_child_value("command_format", self.fmt.value)
        self._outlet = pylsl.StreamOutlet(info)
        self._set_lifecycle(Lifecycle.OPEN)
        return self

    def identify(self) -> DeviceInfo:
        """The outlet's static description."""
        self._require(Lifecycle.OPEN, Lifecycle.IDENTIFIED, action="identify")
        self._info = DeviceInfo(
            "lsl",
            f"LSL outlet {self.name!r} ({self.fmt.value}, {len(self.channels)} channels)",
            url=f"lsl:{self.name}",
        )
        self._set_lifecycle(Lifecycle.IDENTIFIED)
        return self._info

    def arm(self) -> None:
        """Allow commands to be pushed (refused while the e-stop is latched)."""
        self._require(Lifecycle.IDENTIFIED, Lifecycle.ARMED, action="arm")
        self.layer.estop.check()
        self._set_lifecycle(Lifecycle.ARMED)

    def disarm(self) -> None:
        """Refuse further commands until :meth:`arm`."""
        if self._lifecycle is Lifecycle.ARMED:
            self._set_lifecycle(Lifecycle.IDENTIFIED)

    def close(self) -> None:
        """Destroy the outlet (idempotent)."""
        self.disarm()
        self._outlet = None
        self._set_lifecycle(Lifecycle.CLOSED)

    def wait_for_consumers(self, timeout: float) -> bool:
        """Block until an inlet connects or ``timeout`` s pass."""
        return self._outlet is not None and bool(self._outlet.wait_for_consumers(timeout))

    def _sample(self, cmd: Command) -> list[str] | list[float]:
        if self.fmt is CommandFormat.JSON:
            return [json.dumps(command_to_dict(cmd), ensure_ascii=False)]
        if self.command_type is StimCommand and isinstance(cmd, StimCommand | StimStop):
            return _stim_row(cmd)
        if self.command_type is ProsthesisCommand and isinstance(cmd, ProsthesisCommand):
            if cmd.n_dof != len(self.channels) - 1:
                raise DeviceError(
                    f"command has {cmd.n_dof} DoF, outlet {self.name!r} carries "
                    f"{len(self.channels) - 1}"
                )
            grip = math.nan if cmd.grip is None else cmd.grip
            return [*cmd.velocity, grip]
        raise DeviceError(
            f"outlet {self.name!r} carries {self.command_type.__name__}, not {type(cmd).__name__}"
        )

    def send(self, cmd: Command) -> Sent:
        """Check one command through the safety layer and push it.

        Raises
        ------
        SafetyError
            Refused by the safety layer (recorded).
        DeviceError
            Not armed, or a command the numeric format does not carry.
        """
        self._require(Lifecycle.ARMED, action="send")
        self._sample(cmd)  # the format can carry it: fail before the guards commit it
        with self._lock:
            acc = self.layer.check(cmd)
            sample = self._sample(acc.command)
            assert self._outlet is not None
            self._outlet.push_sample(sample)
            t_wire = self.clock()
            self.layer.record_reply(
                acc, ack=True, status="PUSHED", detail={"stream": self.name, "t_wire": t_wire}
            )
            sent = Sent(acc.command, acc.time, t_wire, "PUSHED")
            self._record_sent(sent)
        return sent
