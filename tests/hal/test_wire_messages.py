"""The message catalogue: round trips of every type, field checks, helpers."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.hal import wire
from tests.hal._wire_strategies import any_message, message_strategy

ALL = list(wire.MESSAGES.values())


def test_catalogue_has_one_class_per_type() -> None:
    assert set(wire.MESSAGES) == set(wire.MsgType)
    for t, cls in wire.MESSAGES.items():
        assert cls.TYPE is t
        assert isinstance(cls.DIRECTION, wire.Direction)
        assert wire.message_class(int(t)) is cls


def test_unknown_type_byte() -> None:
    with pytest.raises(wire.UnknownTypeError) as e:
        wire.message_class(0x7F)
    assert e.value.status is wire.Status.UNKNOWN_TYPE


@pytest.mark.parametrize("cls", [c for c in ALL if issubclass(c, wire.FixedMessage)])
def test_fixed_layouts_follow_the_dataclass_fields(cls: type) -> None:
    names = tuple(f.name for f in dataclasses.fields(cls))
    assert cls.LAYOUT.names == names


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@settings(max_examples=60)
@given(data=st.data(), seq=st.integers(0, 0xFFFF))
def test_round_trip_every_type(cls: type, data: st.DataObject, seq: int) -> None:
    msg = data.draw(message_strategy(cls))
    payload = msg.pack()
    assert len(payload) <= wire.MAX_PAYLOAD
    assert cls.unpack(payload) == msg
    encoded = wire.encode(msg, seq)
    assert len(encoded) <= wire.MAX_ENCODED + 1
    assert encoded[-1] == 0 and 0 not in encoded[:-1]
    assert wire.decode(encoded) == wire.Frame(seq, msg)


@given(any_message, st.integers(0, 1000))
def test_truncated_or_extended_payload_is_a_payload_error(msg: wire.Message, cut: int) -> None:
    payload = msg.pack()
    shorter = [payload[: max(0, len(payload) - 1 - cut)]] if payload else []
    for bad in [*shorter, payload + b"\x01" * (1 + cut % 7)]:
        if type(msg) in (wire.Log, wire.NeuroLoad):  # end in free text / data of any length
            try:
                type(msg).unpack(bad)
            except wire.PayloadError:
                pass
        else:
            with pytest.raises(wire.PayloadError):
                type(msg).unpack(bad)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: wire.Stim(3, 0, 70000, 200, 0, 100, 200, 13000, 1), "amplitude_ua = 70000"),
        (lambda: wire.Stim(256, 0, 1, 1, 0, 1, 1, 1, 1), "channel = 256"),
        (lambda: wire.Stim(1, 2, 1, 1, 0, 1, 1, 1, 1), "polarity = 2"),
        (lambda: wire.Stim(1, 0, -1, 1, 0, 1, 1, 1, 1), "outside u16"),
        (lambda: wire.Stim(1, 0, 1.5, 1, 0, 1, 1, 1, 1), "must be an integer"),
        (lambda: wire.Ack(1, wire.Status.BUSY), "OK or DUPLICATE"),
        (lambda: wire.Nack(1, wire.Status.OK), "must be an error"),
        (lambda: wire.ProsthesisVelocity([math.nan]), "finite"),
        (lambda: wire.ProsthesisVelocity([1e39]), "overflows float32"),
        (lambda: wire.ProsthesisVelocity([0.0] * 33), "33 DoF"),
        (lambda: wire.ProsthesisVelocity([]), "0 DoF"),
        (lambda: wire.ProsthesisState(0, 0, 0, [1.0], [1.0, 2.0]), "1 positions but 2"),
        (lambda: wire.NeuroStep(1, [(0, [70000])]), r"inputs\[0\]\[0\] = 70000"),
        (lambda: wire.NeuroStep(1, [(0, range(600))]), "split it"),
        (lambda: wire.NeuroLoad(2, 2, 0, 0, b""), "chunk_index 2"),
        (lambda: wire.Log(wire.LogLevel.INFO, 0, "x" * 1016), "1016 bytes"),
        (lambda: wire.Info(0, bytes(16), bytes(16), 1, 1, 0, 0, 0, 0, "x",
                           wire.NeuroLimits(1, 1, 1, 1, 1, 1, 1, 1, "")),
         "must be StimulatorLimits"),
        (lambda: wire.PulseLog(0, 0, 0, [wire.DeliveredPulse(0, 0, 0, 1, 1, 0, 1, 1)]),
         "only 0 were delivered"),
    ],
)  # fmt: skip
def test_invalid_fields_raise_payload_error_naming_them(make, match: str) -> None:
    with pytest.raises(wire.PayloadError, match=match):
        make()


def test_enum_fields_accept_names_and_numbers() -> None:
    a = wire.Stim(1, "ANODIC_FIRST", 10, 100, 0, 10, 100, 100, 1)
    b = wire.Stim(1, 1, 10, 100, 0, 10, 100, 100, 1)
    assert a == b and a.polarity is wire.Polarity.ANODIC_FIRST


def test_unknown_enum_value_on_the_wire_is_a_payload_error() -> None:
    payload = bytearray(wire.Stim.symmetric(1, 10, 100, 100, 1).pack())
    payload[1] = 9  # polarity
    with pytest.raises(wire.PayloadError, match="polarity = 9"):
        wire.Stim.unpack(bytes(payload))


def test_stim_charge_helpers() -> None:
    s = wire.Stim(0, 0, 100, 200, 50, 50, 400, 13000, 10)
    assert (s.charge_pc, s.charge2_pc, s.charge_balanced) == (20000, 20000, True)
    assert not wire.Stim(0, 0, 100, 200, 50, 50, 300, 13000, 10).charge_balanced
    assert wire.Stim.symmetric(2, 30, 60, 500, 3).charge_balanced


def test_float32_fields_are_rounded_on_construction() -> None:
    v = wire.ProsthesisVelocity([0.1], 0.3)
    assert v.velocities[0] != 0.1 and abs(v.velocities[0] - 0.1) < 1e-8
    assert wire.ProsthesisVelocity.unpack(v.pack()) == v


def test_limit_detail_round_trip() -> None:
    d = wire.limit_detail(wire.Limit.CHARGE_DENSITY, 5)
    assert d == 0x0507
    assert wire.split_limit_detail(d) == (wire.Limit.CHARGE_DENSITY, 5)
    assert wire.split_limit_detail(0xFE) == (0xFE, 0)


def test_capabilities_keep_unknown_bits() -> None:
    info = wire.Info(
        0, bytes(16), bytes(16), wire.DeviceKind.STIMULATOR, 1, 2, 3, 0x4000_0003, 500, "emu",
        wire.StimulatorLimits(8, 5000, 1000, 200, 100000, 50, 2000),
    )  # fmt: skip
    back = wire.decode(wire.encode(info, 0)).message
    assert int(back.capabilities) == 0x4000_0003
    assert wire.Capability.WATCHDOG in back.capabilities
    assert back.firmware_version == "1.2.3"


@given(st.binary(max_size=5000), st.integers(1, wire.MAX_LOAD_CHUNK))
def test_neuro_load_split_join(doc: bytes, chunk: int) -> None:
    chunks = wire.NeuroLoad.split(doc, chunk)
    assert all(len(c.data) <= chunk for c in chunks)
    assert wire.NeuroLoad.join([wire.decode(wire.encode(c, 0)).message for c in chunks]) == doc


def test_neuro_load_join_detects_damage() -> None:
    chunks = wire.NeuroLoad.split(b'{"populations": []}' * 100, 500)
    with pytest.raises(wire.PayloadError, match="missing"):
        wire.NeuroLoad.join(chunks[1:])
    with pytest.raises(wire.PayloadError, match="of 4 chunks"):
        wire.NeuroLoad.join(chunks[:-1])
    bad = dataclasses.replace(chunks[1], data=b"X" + chunks[1].data[1:])
    with pytest.raises(wire.PayloadError, match="CRC-32"):
        wire.NeuroLoad.join([chunks[0], bad, *chunks[2:]])


def test_neuro_step_accepts_numpy_indices() -> None:
    np = pytest.importorskip("numpy")
    step = wire.NeuroStep(1, [(0, np.flatnonzero(np.arange(100) % 3 == 0))])
    assert step.inputs[0][1][:3] == (0, 3, 6) and type(step.inputs[0][1][0]) is int
    assert wire.decode(wire.encode(step, 9)).message == step


def test_wire_imports_nothing_else_of_neurolink() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from neurolink.hal import wire; "
        "print(sorted(m for m in sys.modules if m.startswith(('neurolink', 'numpy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)
    assert "numpy" not in loaded
    assert all(m in ("neurolink", "neurolink.hal") or m.startswith("neurolink.hal.wire")
               for m in loaded), loaded  # fmt: skip
