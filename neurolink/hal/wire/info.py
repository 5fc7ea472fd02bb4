"""INFO: the device's identity, firmware version, capabilities and limits (reply to HELLO).

Layout (little endian)::

    ack_seq u16 | nonce 16 B | device_nonce 16 B | device_kind u8 | fw_major u8 | fw_minor u8
    | fw_patch u8
    | capabilities u32 | heartbeat_timeout_ms u16 | identity_len u8 | identity (UTF-8)
    | limits block (to the end of the payload; its layout depends on device_kind)

The limits blocks are :class:`StimulatorLimits`, :class:`ProsthesisLimits` and
:class:`NeuroLimits`; per-channel limits of a stimulator come from CHANNEL_QUERY.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from neurolink.hal.wire.auth import NONCE_BYTES
from neurolink.hal.wire.base import FixedBlock, Message
from neurolink.hal.wire.codes import Capability, DeviceKind, Direction, MsgType
from neurolink.hal.wire.errors import PayloadError, PayloadLengthError
from neurolink.hal.wire.fields import (
    F32,
    U8,
    U16,
    U32,
    Bytes,
    EnumOf,
    FlagOf,
    Layout,
    check_text,
    decode_text,
    set_field,
)

__all__ = [
    "LIMITS_OF_KIND",
    "MAX_DOF",
    "MAX_IDENTITY",
    "DofLimits",
    "Info",
    "Limits",
    "NeuroLimits",
    "ProsthesisLimits",
    "StimulatorLimits",
]

MAX_IDENTITY = 64
"""Longest identity string, bytes of UTF-8."""
MAX_DOF = 32
"""Most degrees of freedom of a prosthesis on this wire."""
MAX_PROFILE = 32
"""Longest chip profile name of a neuromorphic board, bytes of UTF-8."""


@dataclass(frozen=True)
class StimulatorLimits(FixedBlock):
    """Device-wide hard limits of a stimulator (23 bytes).

    Attributes
    ----------
    n_channels : int
        Number of channels (electrodes), numbered 0..n_channels-1.
    max_amplitude_ua, max_phase_width_us, max_interphase_gap_us : int
        Largest amplitude (µA), phase width (µs) and interphase gap (µs) on any channel.
    max_frequency_hz_x100 : int
        Highest pulse frequency, hundredths of Hz (13000 = 130 Hz).
    max_charge_nc : int
        Largest charge of one phase on any channel, nC.
    max_pulse_rate_hz : int
        Most pulses per second over all channels.
    shannon_k_x100 : int
        The device's Shannon k ×100 (150 = 1.5): it refuses ``log10(D) >= k - log10(Q)``.
    max_pulse_count : int
        Most pulses in one train (STIM ``pulse_count``).

    Besides these, a device refuses a pulse that lasts longer than its period
    (``phase_width + interphase_gap + phase_width2 > 10⁸ / frequency_hz_x100`` µs).
    """

    LAYOUT: ClassVar = Layout(
        n_channels=U8,
        max_amplitude_ua=U16,
        max_phase_width_us=U16,
        max_interphase_gap_us=U16,
        max_frequency_hz_x100=U32,
        max_charge_nc=U32,
        max_pulse_rate_hz=U16,
        shannon_k_x100=U16,
        max_pulse_count=U32,
    )
    n_channels: int
    max_amplitude_ua: int
    max_phase_width_us: int
    max_interphase_gap_us: int
    max_frequency_hz_x100: int
    max_charge_nc: int
    max_pulse_rate_hz: int
    shannon_k_x100: int = 150
    max_pulse_count: int = 100_000


@dataclass(frozen=True)
class DofLimits(FixedBlock):
    """Limits of one degree of freedom (16 bytes, four float32).

    Units are the DoF's own: rad for a revolute joint, m for a linear axis, workspace units for
    a cursor; velocity per s, acceleration per s².
    """

    LAYOUT: ClassVar = Layout(
        max_velocity=F32, max_acceleration=F32, min_position=F32, max_position=F32
    )
    max_velocity: float
    max_acceleration: float
    min_position: float
    max_position: float


_PROS_HEAD = Layout(n_dof=U8, stale_timeout_ms=U16, state_period_ms=U16)


@dataclass(frozen=True)
class ProsthesisLimits:
    """Limits of a prosthesis: ``n_dof u8 | stale_timeout_ms u16 | state_period_ms u16 |
    n_dof × DofLimits``.

    Attributes
    ----------
    stale_timeout_ms : int
        The device stops when no PROSTHESIS_VELOCITY came for this long, ms.
    state_period_ms : int
        Period of its PROSTHESIS_STATE reports, ms (0 = none).
    dofs : tuple of DofLimits
        Per degree of freedom (1..32); the workspace is the box of their position bounds.
    """

    stale_timeout_ms: int
    state_period_ms: int
    dofs: tuple[DofLimits, ...]

    def __post_init__(self) -> None:
        set_field(self, "dofs", tuple(self.dofs))
        for name in ("stale_timeout_ms", "state_period_ms"):
            set_field(self, name, U16.check("ProsthesisLimits", name, getattr(self, name)))
        if not 1 <= len(self.dofs) <= MAX_DOF:
            raise PayloadError(f"ProsthesisLimits has {len(self.dofs)} DoF, not 1..{MAX_DOF}")
        if not all(isinstance(d, DofLimits) for d in self.dofs):
            raise PayloadError("ProsthesisLimits.dofs must hold DofLimits")

    @property
    def n_dof(self) -> int:
        return len(self.dofs)

    def pack(self) -> bytes:
        head = _PROS_HEAD.struct.pack(self.n_dof, self.stale_timeout_ms, self.state_period_ms)
        return head + b"".join(d.pack() for d in self.dofs)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _PROS_HEAD.unpack_from(cls.__name__, payload)
        n, size, at = head.pop("n_dof"), DofLimits.LAYOUT.size, _PROS_HEAD.size
        if len(payload) != at + n * size:
            raise PayloadLengthError(
                f"ProsthesisLimits of {n} DoF needs {at + n * size} bytes, got {len(payload)}"
            )
        dofs = tuple(
            DofLimits.unpack(payload[at + i * size : at + (i + 1) * size]) for i in range(n)
        )
        return cls(dofs=dofs, **head)


_NEURO_HEAD = Layout(
    n_cores=U16,
    neurons_per_core=U16,
    synapse_bits_per_core=U32,
    axons_in_per_core=U16,
    axons_out_per_core=U16,
    cores_per_tile=U8,
    max_network_bytes=U32,
    max_steps=U16,
)


@dataclass(frozen=True)
class NeuroLimits:
    """Resources of a neuromorphic board: the fixed fields, then ``profile_len u8 | profile``.

    Attributes
    ----------
    n_cores, neurons_per_core, synapse_bits_per_core, axons_in_per_core, axons_out_per_core,
    cores_per_tile : int
        The chip's resources (as in its profile).
    max_network_bytes : int
        Longest network document NEURO_LOAD accepts, bytes.
    max_steps : int
        Most steps one NEURO_STEP may run (more: NACK OUT_OF_LIMITS STEP_COUNT).
    profile : str
        Name of the chip profile whose arithmetic it computes (e.g. ``"loihi"``).
    """

    n_cores: int
    neurons_per_core: int
    synapse_bits_per_core: int
    axons_in_per_core: int
    axons_out_per_core: int
    cores_per_tile: int
    max_network_bytes: int
    max_steps: int
    profile: str

    def __post_init__(self) -> None:
        _NEURO_HEAD.check(self)
        check_text("NeuroLimits", "profile", self.profile, MAX_PROFILE)

    def pack(self) -> bytes:
        name = self.profile.encode("utf-8")
        return _NEURO_HEAD.pack(self) + bytes([len(name)]) + name

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _NEURO_HEAD.unpack_from(cls.__name__, payload)
        at = _NEURO_HEAD.size
        if len(payload) <= at:
            raise PayloadLengthError(
                f"NeuroLimits block of {len(payload)} bytes ends before its profile_len byte"
            )
        n = payload[at]
        if len(payload) != at + 1 + n:
            raise PayloadLengthError(
                f"NeuroLimits block of {len(payload)} bytes: profile_len {n} needs {at + 1 + n}"
            )
        return cls(profile=decode_text(cls.__name__, "profile", payload[at + 1 :]), **head)


Limits = StimulatorLimits | ProsthesisLimits | NeuroLimits
LIMITS_OF_KIND: dict[DeviceKind, type[Limits]] = {
    DeviceKind.STIMULATOR: StimulatorLimits,
    DeviceKind.PROSTHESIS: ProsthesisLimits,
    DeviceKind.NEUROMORPHIC: NeuroLimits,
}

_INFO_HEAD = Layout(
    ack_seq=U16,
    nonce=Bytes(NONCE_BYTES),
    device_nonce=Bytes(NONCE_BYTES),
    device_kind=EnumOf(DeviceKind),
    fw_major=U8,
    fw_minor=U8,
    fw_patch=U8,
    capabilities=FlagOf(Capability, U32),
    heartbeat_timeout_ms=U16,
)


@dataclass(frozen=True)
class Info(Message):
    """INFO (device → host): the reply to HELLO of seq ``ack_seq``.

    Attributes
    ----------
    ack_seq : int
        Seq of the HELLO answered.
    nonce : bytes
        The HELLO's nonce (16 bytes), echoed.
    device_nonce : bytes
        The device's challenge (16 fresh random bytes) for the AUTH that follows.
    device_kind : DeviceKind
        Selects the type of ``limits``.
    fw_major, fw_minor, fw_patch : int
        Firmware version.
    capabilities : Capability
        Bit field (u32).
    heartbeat_timeout_ms : int
        Watchdog timeout: armed and with no HEARTBEAT for this long, the device stops its output
        and reports FAULT(WATCHDOG), ms; 0 = no watchdog.
    identity : str
        Maker, model and serial number, free text, ≤ 64 bytes of UTF-8.
    limits : StimulatorLimits or ProsthesisLimits or NeuroLimits
        The block matching ``device_kind``.
    """

    TYPE: ClassVar = MsgType.INFO
    DIRECTION: ClassVar = Direction.DEVICE_TO_HOST
    ack_seq: int
    nonce: bytes
    device_nonce: bytes
    device_kind: DeviceKind
    fw_major: int
    fw_minor: int
    fw_patch: int
    capabilities: Capability
    heartbeat_timeout_ms: int
    identity: str
    limits: Limits

    def __post_init__(self) -> None:
        _INFO_HEAD.check(self)
        check_text("Info", "identity", self.identity, MAX_IDENTITY)
        expected = LIMITS_OF_KIND[self.device_kind]
        if not isinstance(self.limits, expected):
            raise PayloadError(
                f"Info.limits of a {self.device_kind.name} must be {expected.__name__}, "
                f"got {type(self.limits).__name__}"
            )

    @property
    def firmware_version(self) -> str:
        """``"major.minor.patch"``."""
        return f"{self.fw_major}.{self.fw_minor}.{self.fw_patch}"

    def pack(self) -> bytes:
        ident = self.identity.encode("utf-8")
        return _INFO_HEAD.pack(self) + bytes([len(ident)]) + ident + self.limits.pack()

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _INFO_HEAD.unpack_from(cls.__name__, payload)
        at = _INFO_HEAD.size
        if len(payload) <= at or len(payload) < at + 1 + payload[at]:
            raise PayloadLengthError(f"Info payload of {len(payload)} bytes ends in its identity")
        end = at + 1 + payload[at]
        identity = decode_text(cls.__name__, "identity", payload[at + 1 : end])
        kind = EnumOf(DeviceKind).check(cls.__name__, "device_kind", head["device_kind"])
        limits = LIMITS_OF_KIND[DeviceKind(kind)].unpack(payload[end:])
        return cls(identity=identity, limits=limits, **head)
