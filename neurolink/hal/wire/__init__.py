"""The wire codec: the one protocol every serial device speaks (DESIGN §4, ``docs/protocol.md``).

This package is the shared "header file" of host and device: ``devices/`` imports it, so it
imports nothing else of ``neurolink``, only the standard library.

- Framing: COBS, each frame ending in one 0x00 (:mod:`.cobs`).
- Frame: ``version u8 | type u8 | seq u16 LE | payload | crc16 LE`` with CRC-16/CCITT-FALSE
  over header and payload (:mod:`.crc`, :mod:`.frame`); payloads ≤ :data:`MAX_PAYLOAD` bytes.
- Messages: frozen dataclasses with ``pack()``/``unpack()``, one per :class:`MsgType`
  (:data:`MESSAGES`); fields are checked on construction.
- Every host command gets exactly one reply: ACK, NACK (with a :class:`Status`), or the data
  reply of a query (INFO, STATUS_REPORT, CHANNEL_LIMITS, PULSE_LOG, NEURO_PROBE_DATA,
  NEURO_COUNTERS), which starts with the ``ack_seq`` it answers.
- Sequence numbers: :class:`SeqCounter`, :class:`SeqTracker`.

Examples
--------
>>> from neurolink.hal import wire
>>> data = wire.encode(wire.Stim.symmetric(3, 100, 200, 13000, 10), seq=7)
>>> wire.decode(data).message.amplitude_ua
100
"""

from __future__ import annotations

from neurolink.hal.wire import auth
from neurolink.hal.wire.base import MAX_PAYLOAD, FixedBlock, FixedMessage, Message
from neurolink.hal.wire.catalogue import MESSAGES, message_class
from neurolink.hal.wire.cobs import cobs_decode, cobs_encode, max_encoded_size
from neurolink.hal.wire.codes import (
    Capability,
    CounterScope,
    DeviceKind,
    DeviceState,
    Direction,
    FaultCode,
    Limit,
    LogLevel,
    MsgType,
    Polarity,
    ProbeVariable,
    ProsthesisFlags,
    ResetScope,
    SpikesFlags,
    Status,
    limit_detail,
    split_limit_detail,
)
from neurolink.hal.wire.control import (
    RESET_ESTOP_KEY,
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
from neurolink.hal.wire.crc import crc16, crc16_reference, crc32
from neurolink.hal.wire.errors import (
    CrcError,
    FrameTooLongError,
    FramingError,
    PayloadError,
    PayloadLengthError,
    ShortFrameError,
    UnknownTypeError,
    VersionError,
    WireError,
)
from neurolink.hal.wire.frame import (
    MAX_ENCODED,
    MAX_FRAME,
    MIN_FRAME,
    PROTOCOL_VERSION,
    DecoderStats,
    Frame,
    FrameDecoder,
    decode,
    decode_unstuffed,
    encode,
    encode_raw,
)
from neurolink.hal.wire.info import (
    LIMITS_OF_KIND,
    MAX_DOF,
    MAX_IDENTITY,
    DofLimits,
    Info,
    Limits,
    NeuroLimits,
    ProsthesisLimits,
    StimulatorLimits,
)
from neurolink.hal.wire.neuro import (
    MAX_PROBE_VALUES,
    NeuroCounters,
    NeuroProbeData,
    NeuroReadCounters,
    NeuroReadProbe,
    NeuroReset,
    NeuroSpikes,
    NeuroStep,
    SpikeGroup,
)
from neurolink.hal.wire.neuro_batch import NeuroStepBatch
from neurolink.hal.wire.neuro_load import MAX_LOAD_CHUNK, NeuroLoad
from neurolink.hal.wire.prosthesis import ProsthesisState, ProsthesisVelocity
from neurolink.hal.wire.seq import (
    SeqCheck,
    SeqCounter,
    SeqEvent,
    SeqTracker,
    seq_delta,
    seq_next,
)
from neurolink.hal.wire.stim import (
    ALL_CHANNELS,
    MAX_CHANNELS_PER_REPLY,
    MAX_PULSES_PER_REPLY,
    ChannelLimit,
    ChannelLimits,
    ChannelQuery,
    DeliveredPulse,
    PulseLog,
    PulseLogQuery,
    Stim,
    StimStop,
)

__all__ = [
    "ALL_CHANNELS",
    "LIMITS_OF_KIND",
    "MAX_CHANNELS_PER_REPLY",
    "MAX_DOF",
    "MAX_ENCODED",
    "MAX_FRAME",
    "MAX_IDENTITY",
    "MAX_LOAD_CHUNK",
    "MAX_PAYLOAD",
    "MAX_PROBE_VALUES",
    "MAX_PULSES_PER_REPLY",
    "MESSAGES",
    "MIN_FRAME",
    "PROTOCOL_VERSION",
    "RESET_ESTOP_KEY",
    "Ack",
    "Arm",
    "Auth",
    "AuthOk",
    "Capability",
    "ChannelLimit",
    "ChannelLimits",
    "ChannelQuery",
    "CounterScope",
    "CrcError",
    "DecoderStats",
    "DeliveredPulse",
    "DeviceKind",
    "DeviceState",
    "Direction",
    "Disarm",
    "DofLimits",
    "EStop",
    "Fault",
    "FaultCode",
    "FixedBlock",
    "FixedMessage",
    "Frame",
    "FrameDecoder",
    "FrameTooLongError",
    "FramingError",
    "Heartbeat",
    "Hello",
    "Info",
    "Limit",
    "Limits",
    "Log",
    "LogLevel",
    "Message",
    "MsgType",
    "Nack",
    "NeuroCounters",
    "NeuroLimits",
    "NeuroLoad",
    "NeuroProbeData",
    "NeuroReadCounters",
    "NeuroReadProbe",
    "NeuroReset",
    "NeuroSpikes",
    "NeuroStep",
    "NeuroStepBatch",
    "PayloadError",
    "PayloadLengthError",
    "Polarity",
    "ProbeVariable",
    "ProsthesisFlags",
    "ProsthesisLimits",
    "ProsthesisState",
    "ProsthesisVelocity",
    "PulseLog",
    "PulseLogQuery",
    "ResetEStop",
    "ResetScope",
    "SeqCheck",
    "SeqCounter",
    "SeqEvent",
    "SeqTracker",
    "ShortFrameError",
    "SpikeGroup",
    "SpikesFlags",
    "Status",
    "StatusQuery",
    "StatusReport",
    "Stim",
    "StimStop",
    "StimulatorLimits",
    "UnknownTypeError",
    "VersionError",
    "WireError",
    "auth",
    "cobs_decode",
    "cobs_encode",
    "crc16",
    "crc16_reference",
    "crc32",
    "decode",
    "decode_unstuffed",
    "encode",
    "encode_raw",
    "limit_detail",
    "max_encoded_size",
    "message_class",
    "seq_delta",
    "seq_next",
    "split_limit_detail",
]
