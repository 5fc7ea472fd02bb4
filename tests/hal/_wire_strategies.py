"""Hypothesis strategies: every message of the wire catalogue with random valid fields."""

from __future__ import annotations

from hypothesis import strategies as st

from neurolink.hal import wire
from neurolink.hal.wire.fields import Bytes, EnumOf, FlagOf, Float, SInt, UInt, WireType

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFF_FFFF)
f32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
nonce = st.binary(min_size=wire.auth.NONCE_BYTES, max_size=wire.auth.NONCE_BYTES)


def of_wire_type(t: WireType) -> st.SearchStrategy:
    """Values valid for one wire type."""
    if isinstance(t, UInt):
        return st.integers(0, (1 << t.bits) - 1)
    if isinstance(t, SInt):
        return st.integers(-(1 << (t.bits - 1)), (1 << (t.bits - 1)) - 1)
    if isinstance(t, Float):
        return st.floats(width=t.bits, allow_nan=False, allow_infinity=False)
    if isinstance(t, EnumOf):
        return st.sampled_from(list(t.enum))
    if isinstance(t, FlagOf):
        return st.integers(0, (1 << t.width.bits) - 1)
    if isinstance(t, Bytes):
        return st.binary(min_size=t.size, max_size=t.size)
    raise TypeError(t)


def fixed(cls: type, **override: st.SearchStrategy) -> st.SearchStrategy:
    """A FixedMessage / FixedBlock from its LAYOUT (``override`` replaces field strategies)."""
    fields = {n: override.get(n, of_wire_type(t)) for n, t in cls.LAYOUT.fields.items()}
    return st.builds(cls, **fields)


def indices(max_size: int) -> st.SearchStrategy:
    return st.lists(u16, max_size=max_size).map(tuple)


def groups(max_groups: int, max_per_group: int) -> st.SearchStrategy:
    return st.lists(st.tuples(u8, indices(max_per_group)), max_size=max_groups).map(tuple)


def text(max_bytes: int) -> st.SearchStrategy:
    return st.text(max_size=max_bytes // 4)


def dofs(lo: int = 1) -> st.SearchStrategy:
    return st.lists(f32, min_size=lo, max_size=wire.MAX_DOF).map(tuple)


limits = st.one_of(
    fixed(wire.StimulatorLimits),
    st.builds(
        wire.ProsthesisLimits,
        stale_timeout_ms=u16,
        state_period_ms=u16,
        dofs=st.lists(fixed(wire.DofLimits), min_size=1, max_size=wire.MAX_DOF),
    ),
    st.builds(
        wire.NeuroLimits,
        n_cores=u16,
        neurons_per_core=u16,
        synapse_bits_per_core=u32,
        axons_in_per_core=u16,
        axons_out_per_core=u16,
        cores_per_tile=u8,
        max_steps=u16,
        max_network_bytes=u32,
        profile=text(32),
    ),
)
_KIND = {
    wire.StimulatorLimits: wire.DeviceKind.STIMULATOR,
    wire.ProsthesisLimits: wire.DeviceKind.PROSTHESIS,
    wire.NeuroLimits: wire.DeviceKind.NEUROMORPHIC,
}


@st.composite
def info(draw: st.DrawFn) -> wire.Info:
    lim = draw(limits)
    return wire.Info(
        draw(u16), draw(nonce), draw(nonce), _KIND[type(lim)], draw(u8), draw(u8), draw(u8),
        draw(u32),
        draw(u16), draw(text(wire.MAX_IDENTITY)), lim,
    )  # fmt: skip


@st.composite
def pulse_log(draw: st.DrawFn) -> wire.PulseLog:
    pulses = draw(st.lists(fixed(wire.DeliveredPulse), max_size=wire.MAX_PULSES_PER_REPLY))
    first = draw(st.integers(0, 0xFFFF_FFFF - len(pulses)))
    total = draw(st.integers(first + len(pulses), 0xFFFF_FFFF))
    return wire.PulseLog(draw(u16), total, first, pulses)


@st.composite
def prosthesis_state(draw: st.DrawFn) -> wire.ProsthesisState:
    pos = draw(dofs())
    vel = draw(st.lists(f32, min_size=len(pos), max_size=len(pos)))
    return wire.ProsthesisState(draw(st.integers(0, 2**64 - 1)), draw(u16), draw(f32), pos, vel)


@st.composite
def neuro_load(draw: st.DrawFn) -> wire.NeuroLoad:
    count = draw(st.integers(1, 0xFFFF))
    return wire.NeuroLoad(
        draw(st.integers(0, count - 1)), count, draw(u32), draw(u32),
        draw(st.binary(max_size=wire.MAX_LOAD_CHUNK)),
    )  # fmt: skip


_ERRORS = [s for s in wire.Status if s not in (wire.Status.OK, wire.Status.DUPLICATE)]

STRATEGIES: dict[type, st.SearchStrategy] = {
    wire.Ack: fixed(wire.Ack, status=st.sampled_from([wire.Status.OK, wire.Status.DUPLICATE])),
    wire.Nack: fixed(wire.Nack, status=st.sampled_from(_ERRORS)),
    wire.Info: info(),
    wire.Log: st.builds(
        wire.Log, st.sampled_from(list(wire.LogLevel)), st.integers(0, 2**64 - 1), text(1015)
    ),
    wire.ChannelLimits: st.builds(
        wire.ChannelLimits,
        u16,
        u8,
        st.lists(fixed(wire.ChannelLimit), max_size=wire.MAX_CHANNELS_PER_REPLY),
    ),
    wire.PulseLog: pulse_log(),
    wire.ProsthesisVelocity: st.builds(wire.ProsthesisVelocity, dofs(), f32),
    wire.ProsthesisState: prosthesis_state(),
    wire.NeuroLoad: neuro_load(),
    # group sizes bounded so that the payload stays within 1,024 bytes
    wire.NeuroStep: st.builds(wire.NeuroStep, u16, groups(4, 120)),
    # at most 4 steps of ≤ 2 groups of ≤ 60 indices: ≤ 2 + 4 × (1 + 2 × 123) bytes
    wire.NeuroStepBatch: st.builds(
        wire.NeuroStepBatch, st.lists(groups(2, 60), min_size=1, max_size=4).map(tuple)
    ),
    wire.NeuroSpikes: st.builds(
        wire.NeuroSpikes, u32, groups(4, 120), st.sampled_from(list(wire.SpikesFlags))
    ),
    wire.NeuroProbeData: st.builds(
        wire.NeuroProbeData,
        u16,
        u32,
        u8,
        st.sampled_from(list(wire.ProbeVariable)),
        u16,
        st.lists(st.integers(-(2**31), 2**31 - 1), max_size=wire.MAX_PROBE_VALUES),
    ),
}


def message_strategy(cls: type) -> st.SearchStrategy:
    """Random valid instances of one message class."""
    if cls in STRATEGIES:
        return STRATEGIES[cls]
    return fixed(cls)


any_message = st.sampled_from(list(wire.MESSAGES.values())).flatmap(message_strategy)
