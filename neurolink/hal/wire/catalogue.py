"""The message catalogue: type byte → payload class."""

from __future__ import annotations

from neurolink.hal.wire.base import Message
from neurolink.hal.wire.codes import MsgType
from neurolink.hal.wire.control import (
    Ack,
    Arm,
    Auth,
    AuthOk,
    Disarm,
    EStop,
    Fault,
    Heartbeat,
    Hello,
    Log,
    Nack,
    ResetEStop,
    StatusQuery,
    StatusReport,
)
from neurolink.hal.wire.errors import UnknownTypeError
from neurolink.hal.wire.info import Info
from neurolink.hal.wire.neuro import (
    NeuroCounters,
    NeuroProbeData,
    NeuroReadCounters,
    NeuroReadProbe,
    NeuroReset,
    NeuroSpikes,
    NeuroStep,
)
from neurolink.hal.wire.neuro_batch import NeuroStepBatch
from neurolink.hal.wire.neuro_load import NeuroLoad
from neurolink.hal.wire.prosthesis import ProsthesisState, ProsthesisVelocity
from neurolink.hal.wire.stim import (
    ChannelLimits,
    ChannelQuery,
    PulseLog,
    PulseLogQuery,
    Stim,
    StimStop,
)

__all__ = ["MESSAGES", "message_class"]

MESSAGES: dict[MsgType, type[Message]] = {
    cls.TYPE: cls
    for cls in (
        Hello,
        Info,
        Ack,
        Nack,
        Heartbeat,
        Arm,
        Disarm,
        EStop,
        ResetEStop,
        Fault,
        StatusQuery,
        StatusReport,
        Log,
        Auth,
        AuthOk,
        Stim,
        StimStop,
        ChannelQuery,
        ChannelLimits,
        PulseLogQuery,
        PulseLog,
        ProsthesisVelocity,
        ProsthesisState,
        NeuroLoad,
        NeuroStep,
        NeuroSpikes,
        NeuroReadProbe,
        NeuroProbeData,
        NeuroReadCounters,
        NeuroCounters,
        NeuroReset,
        NeuroStepBatch,
    )
}
"""Every message class by its type; one per :class:`MsgType` member."""

_BY_BYTE: dict[int, type[Message]] = {int(t): c for t, c in MESSAGES.items()}


def message_class(msg_type: int) -> type[Message]:
    """The payload class of a type byte.

    Raises
    ------
    UnknownTypeError
        ``msg_type`` is not in the catalogue.
    """
    try:
        return _BY_BYTE[msg_type]
    except KeyError:
        raise UnknownTypeError(
            f"unknown message type 0x{msg_type:02X}", msg_type=msg_type
        ) from None
