"""NEURO_STEP_BATCH on the emulated board, raw over its pty: the worked example of
``docs/protocol.md`` byte for byte, the synaptic delay across batches, queued inputs joining the
first step, and refusals that leave nothing run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from neurolink.hal import wire
from tests.devices._client import nack

S, L = wire.Status, wire.Limit
DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")
SECTION = DOC[DOC.index("#### A batch on a small network") :]


def _doc_network() -> dict:
    return json.loads(re.search(r"```json\n(.*?)```", SECTION, flags=re.S)[1])


def _doc_bytes(message: str, line: str, text: str = DOC) -> bytes:
    """The ``frame`` or ``encoded`` bytes of the first wire example of ``message`` in ``text``."""
    block = re.search(rf"```wire-example\nmessage: {message}\n.*?```", text, flags=re.S)[0]
    text = block.split(f"{line}:", 1)[1].split(":", 1)[0]
    text = text.rsplit("\n", 1)[0] if line == "frame" else text.split("```")[0]
    return bytes.fromhex(text.replace("|", " "))


def _load(c, network: dict) -> None:
    chunks = wire.NeuroLoad.split(json.dumps(network).encode("utf-8"))
    for chunk in chunks:
        c.ack(chunk)


def _spikes(c) -> list[wire.NeuroSpikes]:
    out = [f.message for f in c.unsolicited if isinstance(f.message, wire.NeuroSpikes)]
    c.unsolicited.clear()
    return out  # type: ignore[return-value]


def test_the_documented_batch_gives_the_documented_replies(board) -> None:
    _, c = board
    _load(c, _doc_network())
    c.unsolicited.clear()
    encoded = _doc_bytes("NEURO_STEP_BATCH", "encoded")
    c.write(encoded)  # the documented bytes as they are (seq 18)
    reply = c.reply(18)
    assert reply == wire.Ack(18)
    spikes = _spikes(c)
    # hand-derived in the doc: the axon of step 1 makes neuron 0 spike at step 2
    assert [(m.step, m.spikes, m.flags) for m in spikes] == [
        (1, (), wire.SpikesFlags.NONE),
        (2, ((0, (0,)),), wire.SpikesFlags.NONE),
        (3, (), wire.SpikesFlags.NONE),
    ]
    # the documented NEURO_SPIKES of step 2 is this one's payload, byte for byte
    frame = _doc_bytes("NEURO_SPIKES", "frame", SECTION)
    assert spikes[1].pack() == frame[4:-2]
    # the third record's spikes come at step 4, in the reply to the next batch
    c.ack(wire.NeuroStepBatch(((), ())))
    assert [(m.step, m.spikes) for m in _spikes(c)] == [(4, ((0, (0, 1)),)), (5, ())]


def test_inputs_queued_by_neuro_step_join_the_first_step_of_a_batch(board) -> None:
    _, c = board
    _load(c, _doc_network())
    c.ack(wire.NeuroStep(0, [(0, [1])]))  # queued only
    c.unsolicited.clear()
    c.ack(wire.NeuroStepBatch((((0, (0,)),), ())))
    assert [(m.step, m.spikes) for m in _spikes(c)] == [(1, ()), (2, ((0, (0, 1)),))]


def test_a_bad_record_refuses_the_whole_batch_and_nothing_runs(board) -> None:
    _, c = board
    _load(c, _doc_network())
    c.unsolicited.clear()
    good, beyond = ((0, (0,)),), ((0, (2,)),)  # the port has axons 0 and 1
    r = c.command(wire.NeuroStepBatch((good, good, beyond)))
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(L.NEURON_INDEX, 0))(r)
    r = c.command(wire.NeuroStepBatch((good, ((1, (0,)),))))  # port 1 does not exist
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(L.PORT, 1))(r)
    r = c.command(wire.NeuroStepBatch((((0, (1, 0)),),)))  # not increasing
    assert nack(S.BAD_PAYLOAD)(r)
    r = c.command(wire.NeuroStepBatch(((),) * 101))  # INFO's max_steps is 100
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(L.STEP_COUNT))(r)
    assert _spikes(c) == []
    # nothing ran: the next step is step 1, and the refused inputs left nothing queued
    c.ack(wire.NeuroStepBatch(((), ())))
    assert [(m.step, m.spikes) for m in _spikes(c)] == [(1, ()), (2, ())]


def test_a_batch_without_a_network_is_bad_state(board) -> None:
    _, c = board
    assert nack(S.BAD_STATE)(c.command(wire.NeuroStepBatch(((),))))


@pytest.mark.parametrize("n", [1, 100])
def test_one_neuro_spikes_per_step_then_the_ack(board, n: int) -> None:
    _, c = board
    _load(c, _doc_network())
    c.unsolicited.clear()
    c.ack(wire.NeuroStepBatch((((0, (0, 1)),),) * n))
    steps = [m.step for m in _spikes(c)]
    assert steps == list(range(1, n + 1))
