"""Hostile NEURO_LOAD documents and NEURO_STEPs: NACKed, never a fault, the board answers after
(issue 13, finding 6: nested JSON or a population of 2⁴⁰ neurons latched FAULT(INTERNAL) after
allocating memory; one NEURO_STEP held the board for 3.1 s)."""

from __future__ import annotations

import json
import time

import pytest

from neurolink.hal import wire

S, L = wire.Status, wire.Limit
SMALL = {
    "populations": [{"name": "out", "size": 3, "du": 4095, "dv": 0, "vth": 10}],
    "inputs": [{"name": "in", "size": 3}],
    "connections": [
        {"pre": "in", "post": "out", "weights": [[255, 0, 0], [0, 255, 0], [0, 0, 255]]}
    ],
}


def _load_bytes(c, doc: bytes) -> wire.Message:
    chunks = wire.NeuroLoad.split(doc)
    for chunk in chunks[:-1]:
        c.ack(chunk)
    return c.command(chunks[-1])


def _still_fine(c) -> None:
    status = c.command(wire.StatusQuery())
    assert isinstance(status, wire.StatusReport)
    assert status.state is wire.DeviceState.DISARMED and status.last_fault == 0
    assert isinstance(_load_bytes(c, json.dumps(SMALL).encode()), wire.Ack)


def _nack(reply: wire.Message, status: wire.Status, limit: wire.Limit | None = None) -> None:
    assert isinstance(reply, wire.Nack) and reply.status is status, reply
    if limit is not None:
        assert wire.split_limit_detail(reply.detail)[0] is limit, reply


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_is_bad_payload(board, depth):
    _, c = board
    doc = b'{"populations": ' + b"[" * depth + b"]" * depth + b"}"
    _nack(_load_bytes(c, doc), S.BAD_PAYLOAD)
    log = c.wait_for(lambda m: isinstance(m, wire.Log))
    assert isinstance(log, wire.Log) and "nested" in log.text
    _still_fine(c)


@pytest.mark.parametrize(
    ("network", "limit"),
    [
        ({"populations": [{**SMALL["populations"][0], "size": 2**40}]}, L.NETWORK_SIZE),
        ({"populations": SMALL["populations"], "inputs": [{"name": "in", "size": 2**40}]},
         L.NETWORK_SIZE),
        ({"populations": [{**SMALL["populations"][0], "name": f"p{i}", "size": 65536}
                          for i in range(3)]}, L.NETWORK_RESOURCES),  # 196,608 > 131,072
        ({"populations": [{"name": f"p{i}", "size": 1} for i in range(256)]}, L.NETWORK_SIZE),
    ],
)  # fmt: skip
def test_sizes_beyond_the_board_are_refused_before_allocation(board, network, limit):
    proc, c = board
    t0 = time.monotonic()
    _nack(_load_bytes(c, json.dumps(network).encode()), S.OUT_OF_LIMITS, limit)
    assert time.monotonic() - t0 < 5.0  # refused from the numbers, nothing was built
    _still_fine(c)
    assert "Traceback" not in proc.stderr()


def test_a_size_that_is_not_an_integer_is_bad_payload(board):
    _, c = board
    bad = {"populations": [{**SMALL["populations"][0], "size": "3"}]}
    _nack(_load_bytes(c, json.dumps(bad).encode()), S.BAD_PAYLOAD)
    _still_fine(c)


def test_a_step_of_too_many_steps_is_refused_and_the_board_answers(board):
    _, c = board
    assert isinstance(_load_bytes(c, json.dumps(SMALL).encode()), wire.Ack)
    info = c.hello()
    assert isinstance(info.limits, wire.NeuroLimits) and info.limits.max_steps == 100
    t0 = time.monotonic()
    _nack(c.command(wire.NeuroStep(65535, [])), S.OUT_OF_LIMITS, L.STEP_COUNT)
    assert time.monotonic() - t0 < 2.0
    c.ack(wire.NeuroStep(100, []))  # the most one command may run
    counters = c.command(wire.NeuroReadCounters(wire.CounterScope.RUN))
    assert isinstance(counters, wire.NeuroCounters) and counters.steps == 100
