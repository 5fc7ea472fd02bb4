"""Stimulator messages: pulse trains, stop, per-channel limits and the delivered-pulse log.

A pulse is biphasic: phase 1 (``amplitude_ua`` × ``phase_width_us``, cathodic or anodic as
``polarity`` says), the interphase gap, then phase 2 of opposite sign (``amplitude2_ua`` ×
``phase_width2_us``). Charge of a phase in pC = amplitude µA × width µs, so the device checks
balance exactly in integers: ``amplitude_ua * phase_width_us == amplitude2_ua * phase_width2_us``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from neurolink.hal.wire.base import (
    MAX_PAYLOAD,
    FixedBlock,
    FixedMessage,
    Message,
    check_blocks,
    unpack_blocks,
)
from neurolink.hal.wire.codes import Direction, MsgType, Polarity
from neurolink.hal.wire.errors import PayloadError
from neurolink.hal.wire.fields import U8, U16, U32, U64, EnumOf, Layout

__all__ = [
    "ALL_CHANNELS",
    "MAX_CHANNELS_PER_REPLY",
    "MAX_PULSES_PER_REPLY",
    "ChannelLimit",
    "ChannelLimits",
    "ChannelQuery",
    "DeliveredPulse",
    "PulseLog",
    "PulseLogQuery",
    "Stim",
    "StimStop",
]

H2D, D2H = Direction.HOST_TO_DEVICE, Direction.DEVICE_TO_HOST

ALL_CHANNELS = 0xFF
"""STIM_STOP channel meaning every channel."""

_PULSE_FIELDS = {
    "amplitude_ua": U16,
    "phase_width_us": U16,
    "interphase_gap_us": U16,
    "amplitude2_ua": U16,
    "phase_width2_us": U16,
}


class _Biphasic:
    """Charge helpers shared by :class:`Stim` and :class:`DeliveredPulse`."""

    amplitude_ua: int
    phase_width_us: int
    amplitude2_ua: int
    phase_width2_us: int

    @property
    def charge_pc(self) -> int:
        """Charge of phase 1, pC (µA × µs)."""
        return self.amplitude_ua * self.phase_width_us

    @property
    def charge2_pc(self) -> int:
        """Charge of phase 2, pC."""
        return self.amplitude2_ua * self.phase_width2_us

    @property
    def charge_balanced(self) -> bool:
        """True if both phases carry the same charge (exactly)."""
        return self.charge_pc == self.charge2_pc


@dataclass(frozen=True)
class Stim(_Biphasic, FixedMessage):
    """STIM (host → device): start a train of biphasic pulses on one channel (20 bytes).

    Attributes
    ----------
    channel : int
        Channel (electrode) number.
    polarity : Polarity
        Which phase comes first.
    amplitude_ua, phase_width_us : int
        Phase 1 amplitude (µA) and width (µs).
    interphase_gap_us : int
        Gap between the phases, µs.
    amplitude2_ua, phase_width2_us : int
        Phase 2 (opposite sign) amplitude (µA) and width (µs); the device refuses a pulse whose
        phases differ in charge (NACK OUT_OF_LIMITS, CHARGE_BALANCE).
    frequency_hz_x100 : int
        Pulse rate in hundredths of Hz (13000 = 130 Hz).
    pulse_count : int
        Pulses in the train (a device refuses 0).
    """

    TYPE: ClassVar = MsgType.STIM
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout(
        channel=U8,
        polarity=EnumOf(Polarity),
        **_PULSE_FIELDS,
        frequency_hz_x100=U32,
        pulse_count=U32,
    )
    channel: int
    polarity: Polarity
    amplitude_ua: int
    phase_width_us: int
    interphase_gap_us: int
    amplitude2_ua: int
    phase_width2_us: int
    frequency_hz_x100: int
    pulse_count: int

    @classmethod
    def symmetric(
        cls,
        channel: int,
        amplitude_ua: int,
        phase_width_us: int,
        frequency_hz_x100: int,
        pulse_count: int,
        interphase_gap_us: int = 0,
        polarity: Polarity = Polarity.CATHODIC_FIRST,
    ) -> Self:
        """A train of symmetric pulses (phase 2 = phase 1)."""
        return cls(
            channel,
            polarity,
            amplitude_ua,
            phase_width_us,
            interphase_gap_us,
            amplitude_ua,
            phase_width_us,
            frequency_hz_x100,
            pulse_count,
        )


@dataclass(frozen=True)
class StimStop(FixedMessage):
    """STIM_STOP (host → device): end the train on ``channel`` (``ALL_CHANNELS`` = 0xFF: all)."""

    TYPE: ClassVar = MsgType.STIM_STOP
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout(channel=U8)
    channel: int = ALL_CHANNELS


@dataclass(frozen=True)
class ChannelQuery(FixedMessage):
    """CHANNEL_QUERY (host → device): ask for the limits of ``count`` channels from
    ``first_channel`` (answered by CHANNEL_LIMITS)."""

    TYPE: ClassVar = MsgType.CHANNEL_QUERY
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout(first_channel=U8, count=U8)
    first_channel: int
    count: int


@dataclass(frozen=True)
class ChannelLimit(FixedBlock):
    """Limits of one channel (12 bytes).

    Attributes
    ----------
    max_amplitude_ua, max_phase_width_us : int
        Largest amplitude (µA) and phase width (µs) on this electrode.
    max_charge_nc : int
        Largest charge of one phase, nC.
    electrode_area_um2 : int
        Geometric surface area of the electrode, µm² (1 cm² = 10⁸ µm²), for the Shannon check.
    """

    LAYOUT: ClassVar = Layout(
        max_amplitude_ua=U16, max_phase_width_us=U16, max_charge_nc=U32, electrode_area_um2=U32
    )
    max_amplitude_ua: int
    max_phase_width_us: int
    max_charge_nc: int
    electrode_area_um2: int


_CH_HEAD = Layout(ack_seq=U16, first_channel=U8, count=U8)
MAX_CHANNELS_PER_REPLY = (MAX_PAYLOAD - _CH_HEAD.size) // ChannelLimit.LAYOUT.size  # 85


@dataclass(frozen=True)
class ChannelLimits(Message):
    """CHANNEL_LIMITS (device → host): ``ack_seq u16 | first_channel u8 | count u8 |
    count × ChannelLimit`` — the reply to CHANNEL_QUERY of seq ``ack_seq``."""

    TYPE: ClassVar = MsgType.CHANNEL_LIMITS
    DIRECTION: ClassVar = D2H
    ack_seq: int
    first_channel: int
    channels: tuple[ChannelLimit, ...]

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for name in ("ack_seq", "first_channel"):
            object.__setattr__(
                self, name, _CH_HEAD.fields[name].check(owner, name, getattr(self, name))
            )
        object.__setattr__(
            self,
            "channels",
            check_blocks(owner, "channels", self.channels, ChannelLimit, MAX_CHANNELS_PER_REPLY),
        )

    def pack(self) -> bytes:
        head = _CH_HEAD.struct.pack(self.ack_seq, self.first_channel, len(self.channels))
        return head + b"".join(c.pack() for c in self.channels)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _CH_HEAD.unpack_from(cls.__name__, payload)
        count = head.pop("count")
        return cls(
            channels=unpack_blocks(cls.__name__, payload, _CH_HEAD.size, count, ChannelLimit),
            **head,
        )


@dataclass(frozen=True)
class PulseLogQuery(FixedMessage):
    """PULSE_LOG_QUERY (host → device): ask for delivered pulses from index ``first_index``
    (0 = the first since the device started), at most ``max_count`` (≤ 50)."""

    TYPE: ClassVar = MsgType.PULSE_LOG_QUERY
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout(first_index=U32, max_count=U8)
    first_index: int = 0
    max_count: int = 50


@dataclass(frozen=True)
class DeliveredPulse(_Biphasic, FixedBlock):
    """One pulse the device delivered (20 bytes); ``device_time_us`` = onset of phase 1, µs."""

    LAYOUT: ClassVar = Layout(
        device_time_us=U64, channel=U8, polarity=EnumOf(Polarity), **_PULSE_FIELDS
    )
    device_time_us: int
    channel: int
    polarity: Polarity
    amplitude_ua: int
    phase_width_us: int
    interphase_gap_us: int
    amplitude2_ua: int
    phase_width2_us: int


_LOG_HEAD = Layout(ack_seq=U16, total=U32, first_index=U32, count=U8)
MAX_PULSES_PER_REPLY = (MAX_PAYLOAD - _LOG_HEAD.size) // DeliveredPulse.LAYOUT.size  # 50


@dataclass(frozen=True)
class PulseLog(Message):
    """PULSE_LOG (device → host): ``ack_seq u16 | total u32 | first_index u32 | count u8 |
    count × DeliveredPulse`` — the reply to PULSE_LOG_QUERY of seq ``ack_seq``.

    ``total`` is the number of pulses delivered since the device started; the entries are those
    of indices ``first_index`` .. ``first_index + count - 1``.
    """

    TYPE: ClassVar = MsgType.PULSE_LOG
    DIRECTION: ClassVar = D2H
    ack_seq: int
    total: int
    first_index: int
    pulses: tuple[DeliveredPulse, ...]

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for name in ("ack_seq", "total", "first_index"):
            object.__setattr__(
                self, name, _LOG_HEAD.fields[name].check(owner, name, getattr(self, name))
            )
        pulses = check_blocks(owner, "pulses", self.pulses, DeliveredPulse, MAX_PULSES_PER_REPLY)
        object.__setattr__(self, "pulses", pulses)
        if self.first_index + len(pulses) > self.total:
            raise PayloadError(
                f"PulseLog lists pulses up to index {self.first_index + len(pulses) - 1} "
                f"but only {self.total} were delivered"
            )

    def pack(self) -> bytes:
        head = _LOG_HEAD.struct.pack(self.ack_seq, self.total, self.first_index, len(self.pulses))
        return head + b"".join(p.pack() for p in self.pulses)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _LOG_HEAD.unpack_from(cls.__name__, payload)
        count = head.pop("count")
        return cls(
            pulses=unpack_blocks(cls.__name__, payload, _LOG_HEAD.size, count, DeliveredPulse),
            **head,
        )
