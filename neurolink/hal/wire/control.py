"""Control messages: identification, acknowledgement, heartbeat, arming, e-stop, faults, status.

Byte layouts are in ``docs/protocol.md``; every multi-byte field is little endian.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from neurolink.hal.wire.auth import MAC_BYTES, NONCE_BYTES
from neurolink.hal.wire.base import MAX_PAYLOAD, FixedMessage, Message
from neurolink.hal.wire.codes import (
    DeviceState,
    Direction,
    FaultCode,
    LogLevel,
    MsgType,
    Status,
)
from neurolink.hal.wire.errors import PayloadError
from neurolink.hal.wire.fields import (
    U8,
    U16,
    U32,
    U64,
    Bytes,
    EnumOf,
    Layout,
    check_text,
    decode_text,
)

__all__ = [
    "RESET_ESTOP_KEY",
    "Ack",
    "Arm",
    "Auth",
    "AuthOk",
    "Disarm",
    "EStop",
    "Fault",
    "Heartbeat",
    "Hello",
    "Log",
    "Nack",
    "ResetEStop",
    "StatusQuery",
    "StatusReport",
]

H2D, D2H = Direction.HOST_TO_DEVICE, Direction.DEVICE_TO_HOST

RESET_ESTOP_KEY = 0x4D524145
"""The key RESET_ESTOP must carry (bytes ``45 41 52 4D``, ASCII ``EARM``), so that no stray frame
that happens to pass its CRC can clear an emergency stop."""


@dataclass(frozen=True)
class Hello(FixedMessage):
    """HELLO (host → device): ask for INFO and open the authentication.

    ``nonce`` (16 random bytes) is echoed in INFO, so a host tells a fresh INFO from a stale one
    after a reconnect, and enters both MACs of the challenge–response (:mod:`.auth`).
    """

    TYPE: ClassVar = MsgType.HELLO
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout(nonce=Bytes(NONCE_BYTES))
    nonce: bytes


@dataclass(frozen=True)
class Auth(FixedMessage):
    """AUTH (host → device): the host's answer to the challenge of the last INFO.

    ``mac`` = :func:`~neurolink.hal.wire.auth.host_mac` over the HELLO's ``nonce`` and INFO's
    ``device_nonce``. Answered by AUTH_OK, or NACK ``NOT_AUTHENTICATED`` (wrong MAC),
    ``BAD_STATE`` (no challenge outstanding: each challenge is good for one AUTH) or
    ``SESSION_BUSY``.
    """

    TYPE: ClassVar = MsgType.AUTH
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout(mac=Bytes(MAC_BYTES))
    mac: bytes


@dataclass(frozen=True)
class AuthOk(FixedMessage):
    """AUTH_OK (device → host): the session is authenticated; ``mac`` proves the device knows
    the secret too (:func:`~neurolink.hal.wire.auth.device_mac`)."""

    TYPE: ClassVar = MsgType.AUTH_OK
    DIRECTION: ClassVar = D2H
    LAYOUT: ClassVar = Layout(ack_seq=U16, mac=Bytes(MAC_BYTES))
    ack_seq: int
    mac: bytes


@dataclass(frozen=True)
class Ack(FixedMessage):
    """ACK (device → host): the command of seq ``ack_seq`` was accepted.

    ``status`` is ``OK``, or ``DUPLICATE`` when that seq had already been executed (a retry whose
    first ACK was lost): the command was not run a second time.
    """

    TYPE: ClassVar = MsgType.ACK
    DIRECTION: ClassVar = D2H
    LAYOUT: ClassVar = Layout(ack_seq=U16, status=EnumOf(Status))
    ack_seq: int
    status: Status = Status.OK

    def __post_init__(self) -> None:
        FixedMessage.__post_init__(self)
        if self.status not in (Status.OK, Status.DUPLICATE):
            raise PayloadError(f"Ack.status must be OK or DUPLICATE, got {self.status.name}")


@dataclass(frozen=True)
class Nack(FixedMessage):
    """NACK (device → host): the command of seq ``ack_seq`` was refused and not executed.

    ``detail`` (u32) refines the status: for ``OUT_OF_LIMITS`` it is
    :func:`~neurolink.hal.wire.codes.limit_detail` (limit, channel/DoF index); otherwise 0 or a
    device-specific number.
    """

    TYPE: ClassVar = MsgType.NACK
    DIRECTION: ClassVar = D2H
    LAYOUT: ClassVar = Layout(ack_seq=U16, status=EnumOf(Status), detail=U32)
    ack_seq: int
    status: Status
    detail: int = 0

    def __post_init__(self) -> None:
        FixedMessage.__post_init__(self)
        if self.status in (Status.OK, Status.DUPLICATE):
            raise PayloadError(f"Nack.status must be an error, got {self.status.name}")


@dataclass(frozen=True)
class Heartbeat(FixedMessage):
    """HEARTBEAT (host → device), empty: resets the device's watchdog; answered by ACK."""

    TYPE: ClassVar = MsgType.HEARTBEAT
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout()


@dataclass(frozen=True)
class Arm(FixedMessage):
    """ARM (host → device), empty: enable output. Refused while e-stopped or watchdog-tripped."""

    TYPE: ClassVar = MsgType.ARM
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout()


@dataclass(frozen=True)
class Disarm(FixedMessage):
    """DISARM (host → device), empty: stop all output and refuse output commands until ARM."""

    TYPE: ClassVar = MsgType.DISARM
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout()


@dataclass(frozen=True)
class EStop(FixedMessage):
    """ESTOP (host → device), empty: stop all output now and latch; always ACKed."""

    TYPE: ClassVar = MsgType.ESTOP
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout()


@dataclass(frozen=True)
class ResetEStop(FixedMessage):
    """RESET_ESTOP (host → device): clear an e-stop or watchdog latch; the device is then
    DISARMED and needs ARM. ``key`` must be :data:`RESET_ESTOP_KEY` (else NACK BAD_PAYLOAD)."""

    TYPE: ClassVar = MsgType.RESET_ESTOP
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout(key=U32)
    key: int = RESET_ESTOP_KEY


@dataclass(frozen=True)
class Fault(FixedMessage):
    """FAULT (device → host, unsolicited): something stopped the output.

    ``detail`` depends on ``fault`` (e.g. the channel for ``ELECTRODE``); ``device_time_us`` is
    the device clock, µs since it started.
    """

    TYPE: ClassVar = MsgType.FAULT
    DIRECTION: ClassVar = D2H
    LAYOUT: ClassVar = Layout(fault=EnumOf(FaultCode), detail=U32, device_time_us=U64)
    fault: FaultCode
    detail: int = 0
    device_time_us: int = 0


@dataclass(frozen=True)
class StatusQuery(FixedMessage):
    """STATUS_QUERY (host → device), empty: answered by STATUS_REPORT."""

    TYPE: ClassVar = MsgType.STATUS_QUERY
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout()


@dataclass(frozen=True)
class StatusReport(FixedMessage):
    """STATUS_REPORT (device → host): the reply to STATUS_QUERY of seq ``ack_seq``.

    ``last_fault`` is the most recent fault code (0 = none since start); ``rx_frames`` counts
    frames received intact and ``rx_errors`` those dropped (bad COBS, CRC, length ...).
    """

    TYPE: ClassVar = MsgType.STATUS_REPORT
    DIRECTION: ClassVar = D2H
    LAYOUT: ClassVar = Layout(
        ack_seq=U16,
        state=EnumOf(DeviceState),
        last_fault=U8,
        device_time_us=U64,
        rx_frames=U32,
        rx_errors=U32,
    )
    ack_seq: int
    state: DeviceState
    last_fault: int = 0
    device_time_us: int = 0
    rx_frames: int = 0
    rx_errors: int = 0


_LOG_HEAD = Layout(level=EnumOf(LogLevel), device_time_us=U64)
MAX_LOG_TEXT = MAX_PAYLOAD - _LOG_HEAD.size
"""Longest LOG text, bytes of UTF-8 (1,015)."""


@dataclass(frozen=True)
class Log(Message):
    """LOG (device → host, unsolicited): a line of text from the device, UTF-8, no terminator.

    Layout: ``level u8 | device_time_us u64 | text`` (the text runs to the end of the payload).
    """

    TYPE: ClassVar = MsgType.LOG
    DIRECTION: ClassVar = D2H
    level: LogLevel
    device_time_us: int
    text: str

    def __post_init__(self) -> None:
        _LOG_HEAD.check(self)
        check_text("Log", "text", self.text, MAX_LOG_TEXT)

    def pack(self) -> bytes:
        return _LOG_HEAD.pack(self) + self.text.encode("utf-8")

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _LOG_HEAD.unpack_from(cls.__name__, payload)
        return cls(text=decode_text("Log", "text", payload[_LOG_HEAD.size :]), **head)
