"""Neuromorphic-board messages: step the network with input spikes, read spikes, state and
counters, reset (loading is in :mod:`neurolink.hal.wire.neuro_load`).

Input ports and populations are numbered by their order in the loaded network document (its
``inputs`` and ``populations`` lists, from 0); neurons and axons by their index in them. A spike
group is ``target u8 | count u16 | count × index u16`` with the indices strictly increasing.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Self

from neurolink.hal.wire.base import MAX_PAYLOAD, FixedMessage, Message, check_length
from neurolink.hal.wire.codes import (
    CounterScope,
    Direction,
    MsgType,
    ProbeVariable,
    ResetScope,
    SpikesFlags,
)
from neurolink.hal.wire.errors import PayloadError, PayloadLengthError
from neurolink.hal.wire.fields import (
    F64,
    I32,
    U8,
    U16,
    U32,
    U64,
    EnumOf,
    FlagOf,
    Layout,
    check_uints,
    set_field,
)

__all__ = [
    "MAX_PROBE_VALUES",
    "NeuroCounters",
    "NeuroProbeData",
    "NeuroReadCounters",
    "NeuroReadProbe",
    "NeuroReset",
    "NeuroSpikes",
    "NeuroStep",
    "SpikeGroup",
]

H2D, D2H = Direction.HOST_TO_DEVICE, Direction.DEVICE_TO_HOST

SpikeGroup = tuple[int, tuple[int, ...]]
"""``(port or population number, indices of the axons or neurons that spiked)``."""


def _check_groups(owner: str, name: str, groups: Iterable[object]) -> tuple[SpikeGroup, ...]:
    out = []
    for i, g in enumerate(groups):
        try:
            target, indices = g  # type: ignore[misc]
        except (TypeError, ValueError):
            raise PayloadError(f"{owner}.{name}[{i}] must be (number, indices)") from None
        target = U8.check(owner, f"{name}[{i}].number", target)
        out.append((target, check_uints(owner, f"{name}[{i}]", indices, U16, MAX_PAYLOAD)))
    return tuple(out)


def _groups_size(groups: tuple[SpikeGroup, ...]) -> int:
    return sum(3 + 2 * len(idx) for _, idx in groups)


def _pack_groups(groups: tuple[SpikeGroup, ...]) -> bytes:
    return b"".join(struct.pack(f"<BH{len(i)}H", t, len(i), *i) for t, i in groups)


def _unpack_groups(owner: str, payload: bytes, at: int, n: int) -> tuple[SpikeGroup, ...]:
    groups = []
    for _ in range(n):
        if len(payload) < at + 3:
            raise PayloadLengthError(f"{owner} payload ends inside a spike group header")
        target, count = struct.unpack_from("<BH", payload, at)
        if len(payload) < at + 3 + 2 * count:
            raise PayloadLengthError(f"{owner} payload ends inside a group of {count} indices")
        groups.append((target, struct.unpack_from(f"<{count}H", payload, at + 3)))
        at += 3 + 2 * count
    check_length(owner, payload, at)
    return tuple(groups)


_STEP_HEAD = Layout(n_steps=U16, n_ports=U8)


@dataclass(frozen=True)
class NeuroStep(Message):
    """NEURO_STEP (host → device): ``n_steps u16 | n_ports u8 | n_ports × group``.

    The input spikes (per input port, the axon indices) are sent at the first of the
    ``n_steps`` steps; ``n_steps = 0`` only queues them for the next step (to split inputs
    that do not fit one frame). The device sends one NEURO_SPIKES per step run, then the ACK.
    """

    TYPE: ClassVar = MsgType.NEURO_STEP
    DIRECTION: ClassVar = H2D
    n_steps: int = 1
    inputs: tuple[SpikeGroup, ...] = ()

    def __post_init__(self) -> None:
        owner = type(self).__name__
        set_field(self, "n_steps", U16.check(owner, "n_steps", self.n_steps))
        set_field(self, "inputs", _check_groups(owner, "inputs", self.inputs))
        _check_size(owner, self.inputs, _STEP_HEAD.size)

    def pack(self) -> bytes:
        return _STEP_HEAD.struct.pack(self.n_steps, len(self.inputs)) + _pack_groups(self.inputs)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _STEP_HEAD.unpack_from(cls.__name__, payload)
        groups = _unpack_groups(cls.__name__, payload, _STEP_HEAD.size, head["n_ports"])
        return cls(head["n_steps"], groups)


def _check_size(owner: str, groups: tuple[SpikeGroup, ...], head: int) -> None:
    if len(groups) > 255:
        raise PayloadError(f"{owner} has {len(groups)} spike groups, more than 255")
    size = head + _groups_size(groups)
    if size > MAX_PAYLOAD:
        raise PayloadError(f"{owner} payload would be {size} bytes, > {MAX_PAYLOAD}: split it")


_SPIKES_HEAD = Layout(step=U32, flags=FlagOf(SpikesFlags, U8), n_pops=U8)


@dataclass(frozen=True)
class NeuroSpikes(Message):
    """NEURO_SPIKES (device → host): ``step u32 | flags u8 | n_pops u8 | n_pops × group``.

    The neurons of each population that spiked at step ``step`` (counted from 1 since load or
    reset); populations without spikes are left out. Flag ``MORE``: another NEURO_SPIKES frame
    for the same step follows (a step whose spikes do not fit one frame).
    """

    TYPE: ClassVar = MsgType.NEURO_SPIKES
    DIRECTION: ClassVar = D2H
    step: int
    spikes: tuple[SpikeGroup, ...] = ()
    flags: SpikesFlags = SpikesFlags.NONE

    def __post_init__(self) -> None:
        owner = type(self).__name__
        set_field(self, "step", U32.check(owner, "step", self.step))
        set_field(self, "spikes", _check_groups(owner, "spikes", self.spikes))
        set_field(self, "flags", _SPIKES_HEAD.fields["flags"].check(owner, "flags", self.flags))
        _check_size(owner, self.spikes, _SPIKES_HEAD.size)

    def pack(self) -> bytes:
        head = _SPIKES_HEAD.struct.pack(self.step, self.flags, len(self.spikes))
        return head + _pack_groups(self.spikes)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _SPIKES_HEAD.unpack_from(cls.__name__, payload)
        groups = _unpack_groups(cls.__name__, payload, _SPIKES_HEAD.size, head["n_pops"])
        return cls(head["step"], groups, head["flags"])


@dataclass(frozen=True)
class NeuroReadProbe(FixedMessage):
    """NEURO_READ_PROBE (host → device): read the current ``u`` or ``v`` of neurons
    ``first_neuron`` .. ``first_neuron + count - 1`` of a population (count ≤ 253)."""

    TYPE: ClassVar = MsgType.NEURO_READ_PROBE
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout(
        population=U8, variable=EnumOf(ProbeVariable), first_neuron=U16, count=U16
    )
    population: int
    variable: ProbeVariable
    first_neuron: int
    count: int


_PROBE_HEAD = Layout(
    ack_seq=U16,
    step=U32,
    population=U8,
    variable=EnumOf(ProbeVariable),
    first_neuron=U16,
    count=U16,
)
MAX_PROBE_VALUES = (MAX_PAYLOAD - _PROBE_HEAD.size) // 4
"""Most values in one NEURO_PROBE_DATA (253)."""


@dataclass(frozen=True)
class NeuroProbeData(Message):
    """NEURO_PROBE_DATA (device → host): reply to NEURO_READ_PROBE of seq ``ack_seq``.

    Layout: ``ack_seq u16 | step u32 | population u8 | variable u8 | first_neuron u16 |
    count u16 | count × value i32``; ``values`` are the chip's integer state after step ``step``.
    """

    TYPE: ClassVar = MsgType.NEURO_PROBE_DATA
    DIRECTION: ClassVar = D2H
    ack_seq: int
    step: int
    population: int
    variable: ProbeVariable
    first_neuron: int
    values: tuple[int, ...]

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for name in ("ack_seq", "step", "population", "variable", "first_neuron"):
            set_field(self, name, _PROBE_HEAD.fields[name].check(owner, name, getattr(self, name)))
        if isinstance(self.values, str | bytes):
            raise PayloadError(f"{owner}.values must be a sequence of integers")
        values = tuple(self.values)
        if len(values) > MAX_PROBE_VALUES:
            raise PayloadError(f"{owner}.values holds {len(values)}, more than {MAX_PROBE_VALUES}")
        set_field(
            self, "values", tuple(I32.check(owner, f"values[{i}]", v) for i, v in enumerate(values))
        )

    def pack(self) -> bytes:
        n = len(self.values)
        head = _PROBE_HEAD.struct.pack(
            self.ack_seq, self.step, self.population, self.variable, self.first_neuron, n
        )
        return head + struct.pack(f"<{n}i", *self.values)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        head = _PROBE_HEAD.unpack_from(cls.__name__, payload)
        n = head.pop("count")
        check_length(cls.__name__, payload, _PROBE_HEAD.size + 4 * n)
        return cls(values=struct.unpack_from(f"<{n}i", payload, _PROBE_HEAD.size), **head)


@dataclass(frozen=True)
class NeuroReadCounters(FixedMessage):
    """NEURO_READ_COUNTERS (host → device): ask for the activity counters of the last step or
    of the run (answered by NEURO_COUNTERS)."""

    TYPE: ClassVar = MsgType.NEURO_READ_COUNTERS
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout(scope=EnumOf(CounterScope))
    scope: CounterScope = CounterScope.RUN


@dataclass(frozen=True)
class NeuroCounters(FixedMessage):
    """NEURO_COUNTERS (device → host): reply to NEURO_READ_COUNTERS of seq ``ack_seq`` (91 bytes).

    The counts (u64) are defined in :mod:`firmware_sim.counters`; ``energy_j`` (J) and
    ``time_s`` (s) are the chip's estimates from its profile's cost figures (float64).
    """

    TYPE: ClassVar = MsgType.NEURO_COUNTERS
    DIRECTION: ClassVar = D2H
    LAYOUT: ClassVar = Layout(
        ack_seq=U16,
        scope=EnumOf(CounterScope),
        steps=U64,
        synaptic_ops=U64,
        neuron_updates=U64,
        active_neuron_updates=U64,
        spikes=U64,
        packets=U64,
        host_packets=U64,
        hops_ew=U64,
        hops_ns=U64,
        energy_j=F64,
        time_s=F64,
    )
    ack_seq: int
    scope: CounterScope
    steps: int = 0
    synaptic_ops: int = 0
    neuron_updates: int = 0
    active_neuron_updates: int = 0
    spikes: int = 0
    packets: int = 0
    host_packets: int = 0
    hops_ew: int = 0
    hops_ns: int = 0
    energy_j: float = 0.0
    time_s: float = 0.0


@dataclass(frozen=True)
class NeuroReset(FixedMessage):
    """NEURO_RESET (host → device): reset the network state, or also unload it."""

    TYPE: ClassVar = MsgType.NEURO_RESET
    DIRECTION: ClassVar = H2D
    LAYOUT: ClassVar = Layout(scope=EnumOf(ResetScope))
    scope: ResetScope = ResetScope.STATE
