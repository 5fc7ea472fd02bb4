"""NEURO_STEP_BATCH on the wire and how the driver cuts steps into frames and reads the replies:
payload bytes by hand, refusals, truncated records, frames that respect the payload and
``max_steps`` limits, and NEURO_SPIKES frames joined into steps."""

from __future__ import annotations

import pytest

from neurolink.hal import wire
from neurolink.hal.drivers.neuroboard_batch import batch_frames, spikes_of
from neurolink.hal.errors import DeviceError


def test_payload_bytes_by_hand() -> None:
    m = wire.NeuroStepBatch((((0, (1, 5)),), (), ((2, (300,)), (0, (7,)))))
    expected = bytes.fromhex(
        "0300"  # n_steps = 3
        "01" "00" "0200" "0100" "0500"  # step 1: 1 group, port 0, 2 axons: 1, 5
        "00"  # step 2: nothing
        "02" "02" "0100" "2C01" "00" "0100" "0700"  # step 3: port 2 axon 300; port 0 axon 7
    )  # fmt: skip
    assert m.pack() == expected
    assert wire.NeuroStepBatch.unpack(expected) == m
    assert m.n_steps == 3


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: wire.NeuroStepBatch(()), "no step"),
        (lambda: wire.NeuroStepBatch(b"\x00"), "sequence"),
        (lambda: wire.NeuroStepBatch(((0, (1,)),)), r"steps\[0\]"),  # a group, not a step
        (lambda: wire.NeuroStepBatch((((0, (70000,)),),)), "70000"),
        (lambda: wire.NeuroStepBatch((((0, tuple(range(300))),),) * 2), "fewer steps"),
    ],
)
def test_bad_batches_are_refused_naming_the_problem(make, match: str) -> None:
    with pytest.raises(wire.PayloadError, match=match):
        make()


@pytest.mark.parametrize(
    "payload",
    [
        b"\x02",  # no n_steps
        bytes.fromhex("020000"),  # 2 steps announced, 1 record
        bytes.fromhex("0100010002000100"),  # group of 2 indices, 1 present
        bytes.fromhex("01000000"),  # a byte after the last record
    ],
)
def test_truncated_or_long_payloads_are_payload_errors(payload: bytes) -> None:
    with pytest.raises(wire.PayloadError):
        wire.NeuroStepBatch.unpack(payload)


def _steps_of(frames: list[tuple[wire.Message, int]]) -> list[tuple]:
    out: list[tuple] = []
    for message, n in frames:
        if isinstance(message, wire.NeuroStepBatch):
            assert n == message.n_steps
            out += list(message.steps)
    return out


def test_batch_frames_hold_at_most_max_steps_and_keep_the_order() -> None:
    steps = [((0, (i,)),) if i % 2 else () for i in range(12)]
    frames = batch_frames(steps, max_steps=5)
    assert [n for _, n in frames] == [5, 5, 2]
    assert _steps_of(frames) == steps


def test_batch_frames_split_where_the_payload_is_full() -> None:
    # each record: 1 + 3 + 2 × 200 = 404 bytes; 2 + 2 × 404 = 810 fit, a third does not
    steps = [((0, tuple(range(200))),)] * 5
    frames = batch_frames(steps, max_steps=100)
    assert [n for _, n in frames] == [2, 2, 1]
    assert all(len(m.pack()) <= wire.MAX_PAYLOAD for m, _ in frames)
    assert _steps_of(frames) == steps


def test_a_step_too_large_for_a_record_goes_as_neuro_step_pieces() -> None:
    big = ((0, tuple(range(0, 1400, 2))),)  # 700 axons: 1,404 bytes
    frames = batch_frames([(), big, ()], max_steps=10)
    kinds = [(type(m).__name__, n) for m, n in frames]
    assert kinds == [
        ("NeuroStepBatch", 1),
        ("NeuroStep", 0),  # queues the first 509 axons
        ("NeuroStep", 1),  # the other 191, and runs the step
        ("NeuroStepBatch", 1),
    ]
    pieces = [m for m, _ in frames if isinstance(m, wire.NeuroStep)]
    sent = [i for m in pieces for _, idx in m.inputs for i in idx]
    assert sent == list(big[0][1])


def test_batch_frames_refuse_a_max_steps_below_one() -> None:
    with pytest.raises(ValueError, match="max_steps"):
        batch_frames([()], max_steps=0)


def _frames(*spikes: wire.NeuroSpikes) -> tuple[wire.Frame, ...]:
    return tuple(wire.Frame(i, m) for i, m in enumerate(spikes))


def test_spikes_of_joins_more_frames_and_numbers_steps() -> None:
    more = wire.SpikesFlags.MORE
    got = spikes_of(
        _frames(
            wire.NeuroSpikes(7, ((0, (1,)),), more),  # step 7 continues …
            wire.NeuroSpikes(7, ((1, (0, 2)),)),  # … here
            wire.NeuroSpikes(8),
        ),
        7,
        2,
        ["a", "b"],
        [2, 3],
        "pty",
    )
    assert [{k: v.tolist() for k, v in d.items()} for d in got] == [
        {"a": [False, True], "b": [True, False, True]},
        {"a": [False, False], "b": [False, False, False]},
    ]


@pytest.mark.parametrize(
    ("frames", "match"),
    [
        ((wire.NeuroSpikes(2),), "step 2, expected 1"),
        ((wire.NeuroSpikes(1), wire.NeuroSpikes(2), wire.NeuroSpikes(3)), "step 3, expected 3"),
        ((wire.NeuroSpikes(1, (), wire.SpikesFlags.MORE),), "did not all arrive"),
        ((wire.NeuroSpikes(1, ((5, (0,)),)),), "unknown population 5"),
    ],
)
def test_spikes_of_refuses_frames_that_do_not_add_up(frames, match: str) -> None:
    with pytest.raises(DeviceError, match=match):
        spikes_of(_frames(*frames), 1, 2 if len(frames) > 1 else 1, ["a"], [2], "pty")
