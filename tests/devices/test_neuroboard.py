"""The neuromorphic board: the chip behind the wire gives the golden spikes and state."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from firmware_sim import Chip
from firmware_sim.golden import network_from_golden
from neurolink.hal import wire
from tests.devices._client import nack

S, L = wire.Status, wire.Limit
GOLDEN = ["example", "random0", "random1"]


def _load(c, network: dict, chunk_bytes: int = wire.MAX_LOAD_CHUNK) -> wire.Message:
    """Send a network in chunks; the reply to the last chunk (earlier ones must be ACKs)."""
    doc = json.dumps(network).encode("utf-8")
    chunks = wire.NeuroLoad.split(doc, chunk_bytes)
    for chunk in chunks[:-1]:
        c.ack(chunk)
    return c.command(chunks[-1])


def _step(c, active: list[int], port: int = 0, n_steps: int = 1) -> list[wire.NeuroSpikes]:
    """One NEURO_STEP: its NEURO_SPIKES frames (in order), after checking the ACK."""
    c.unsolicited.clear()
    c.ack(wire.NeuroStep(n_steps, [(port, active)] if active else []))
    frames = [f.message for f in c.unsolicited if isinstance(f.message, wire.NeuroSpikes)]
    c.unsolicited.clear()
    return frames  # type: ignore[return-value]


def _probe(c, variable: wire.ProbeVariable, n: int) -> tuple[int, ...]:
    r = c.command(wire.NeuroReadProbe(0, variable, 0, n))
    assert isinstance(r, wire.NeuroProbeData)
    return r.values


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_vectors_over_the_wire(board, shared_data: Path, name: str):
    _, c = board
    golden = json.loads((shared_data / "golden" / "loihi" / f"{name}.json").read_text())
    config, expected = golden["config"], golden["expected"]
    assert isinstance(_load(c, network_from_golden(config), chunk_bytes=300), wire.Ack)
    raster = np.asarray(config["input"])
    n_steps = int(config.get("num_steps", raster.shape[0]))
    n_out = len(expected["spikes"][0])
    for k in range(n_steps):
        active = np.flatnonzero(raster[k]).tolist() if k < raster.shape[0] else []
        frames = _step(c, active)
        assert len(frames) == 1 and frames[0].step == k + 1
        spikes = np.zeros(n_out, dtype=int)
        for pop, idx in frames[0].spikes:
            assert pop == 0
            spikes[list(idx)] = 1
        assert spikes.tolist() == expected["spikes"][k], f"spikes of step {k + 1}"
        assert list(_probe(c, wire.ProbeVariable.U, n_out)) == expected["u"][k], f"u {k + 1}"
        assert list(_probe(c, wire.ProbeVariable.V, n_out)) == expected["v"][k], f"v {k + 1}"


def test_counters_match_the_chip_in_process(board, shared_data: Path):
    _, c = board
    config = json.loads((shared_data / "golden/loihi/random0.json").read_text())["config"]
    network = network_from_golden(config)
    raster = np.asarray(config["input"], dtype=np.uint8)
    assert isinstance(_load(c, network), wire.Ack)
    # queue the first row with n_steps = 0 in two halves, then run: same as sending it at once
    first = np.flatnonzero(raster[0]).tolist()
    c.ack(wire.NeuroStep(0, [(0, first[: len(first) // 2])]))
    c.ack(wire.NeuroStep(0, [(0, first[len(first) // 2 :])]))
    _step(c, [])
    for row in raster[1:20]:
        _step(c, np.flatnonzero(row).tolist())
    chip = Chip()
    chip.load(network)
    chip.set_inputs("in", raster[:20])
    chip.step(20)
    for scope, want in (
        (wire.CounterScope.RUN, chip.counters),
        (wire.CounterScope.LAST_STEP, chip.last_step_counters),
    ):
        r = c.command(wire.NeuroReadCounters(scope))
        assert isinstance(r, wire.NeuroCounters)
        got = {k: getattr(r, k) for k in want.as_dict()}
        assert got == want.as_dict()


def test_reset_and_duplicate_step(board):
    _, c = board
    net = {
        "populations": [{"name": "out", "size": 3, "du": 4095, "dv": 0, "vth": 10}],
        "inputs": [{"name": "in", "size": 3}],
        "connections": [{"pre": "in", "post": "out", "weights": np.diag([255] * 3).tolist()}],
    }
    assert isinstance(_load(c, net), wire.Ack)
    run1 = [_step(c, [0, 2]), _step(c, []), _step(c, [])]
    # input sent at step 1 reaches u, and so v, at step 2 (u = 255 << 6 > vth << 6 = 640)
    assert [f[0].spikes for f in run1] == [(), ((0, (0, 2)),), ()]
    c.ack(wire.NeuroReset(wire.ResetScope.STATE))
    assert [_step(c, a)[0] for a in ([0, 2], [], [])] == [f[0] for f in run1]
    step = wire.encode(wire.NeuroStep(1, [(0, [1])]), seq=500)
    c.write(step)
    assert isinstance(c.reply(500), wire.Ack)
    c.write(step)  # the retry: not run again, no spikes sent again
    r = c.reply(500)
    assert isinstance(r, wire.Ack) and r.status is S.DUPLICATE
    data = c.command(wire.NeuroReadProbe(0, wire.ProbeVariable.U, 0, 3))
    assert isinstance(data, wire.NeuroProbeData) and data.step == 4
    assert len([f for f in c.unsolicited if isinstance(f.message, wire.NeuroSpikes)]) == 1
    c.ack(wire.NeuroReset(wire.ResetScope.UNLOAD))
    assert nack(S.BAD_STATE)(c.command(wire.NeuroStep(1)))


def test_a_step_with_many_spikes_is_split_with_more(board):
    _, c = board
    net = {
        "populations": [
            {
                "name": "all",
                "size": 1200,
                "du": 0,
                "dv": 0,
                "vth": 0,
                "bias_mant": 4095,
                "bias_exp": 7,
            }
        ]
    }
    assert isinstance(_load(c, net), wire.Ack)
    frames = _step(c, [])
    assert [f.flags for f in frames] == [wire.SpikesFlags.MORE] * 2 + [wire.SpikesFlags.NONE]
    indices = [i for f in frames for pop, idx in f.spikes for i in idx]
    assert indices == list(range(1200)) and {f.step for f in frames} == {1}


def _logs(c) -> str:
    c.pump(0.05)
    return " | ".join(f.message.text for f in c.unsolicited if isinstance(f.message, wire.Log))


def test_load_refusals_say_why(board):
    _, c = board
    good = {"populations": [{"name": "p", "size": 2, "du": 0, "dv": 0, "vth": 1}]}
    assert nack(S.BAD_PAYLOAD)(c.command(wire.NeuroLoad(0, 1, 5, wire.crc32(b"{nope"), b"{nope")))
    assert "not JSON" in _logs(c)
    bad_key = {"populations": [{"name": "p", "size": 2, "du": 0, "dv": 0, "vth": 1, "tau": 3}]}
    assert nack(S.BAD_PAYLOAD)(_load(c, bad_key))
    assert "tau" in _logs(c)
    doc = json.dumps(good).encode()
    chunks = wire.NeuroLoad.split(doc, 20)
    c.ack(chunks[0])
    assert nack(S.BAD_STATE)(c.command(chunks[2]))  # out of order
    assert nack(S.BAD_STATE)(c.command(chunks[1]))  # the load was dropped
    tampered = wire.NeuroLoad(0, 1, len(doc), wire.crc32(doc) ^ 1, doc)
    assert nack(S.BAD_PAYLOAD)(c.command(tampered))
    assert "CRC-32" in _logs(c)
    big = wire.NeuroLoad(0, 20000, 20_000_000, 0, b"")
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(L.NETWORK_SIZE))(c.command(big))
    assert nack(S.BAD_STATE)(c.command(wire.NeuroStep(1)))  # nothing was loaded


TINY = """
[device]
kind = "neuromorphic"
identity = "tiny chip"
heartbeat_timeout_ms = 0

[chip]
n_cores = 2
neurons_per_core = 8
synapse_bits_per_core = 4096
axons_in_per_core = 64
axons_out_per_core = 64
max_network_bytes = 100000
"""


def test_a_network_that_does_not_fit_is_refused_with_the_mapper_message(start_device, tmp_path):
    profile = tmp_path / "tiny.toml"
    profile.write_text(TINY)
    _, c = start_device("devices.neuroboard", "--profile", str(profile))
    fits = {"populations": [{"name": "p", "size": 16, "du": 0, "dv": 0, "vth": 1}]}
    assert isinstance(_load(c, fits), wire.Ack)
    big = {"populations": [{"name": "p", "size": 17, "du": 0, "dv": 0, "vth": 1}]}
    reply = _load(c, big)
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(L.NETWORK_RESOURCES))(reply)
    assert "does not fit" in _logs(c)
    probe = c.command(wire.NeuroReadProbe(0, wire.ProbeVariable.V, 0, 16))  # the old one stays
    assert isinstance(probe, wire.NeuroProbeData) and len(probe.values) == 16


def test_step_and_probe_refusals(board):
    _, c = board
    assert nack(S.BAD_STATE)(c.command(wire.NeuroReadCounters()))
    net = {
        "populations": [{"name": "out", "size": 4, "du": 0, "dv": 0, "vth": 1}],
        "inputs": [{"name": "in", "size": 5}],
        "connections": [{"pre": "in", "post": "out", "synapses": [[0, 0, 10]]}],
    }
    assert isinstance(_load(c, net), wire.Ack)
    cases = [
        (wire.NeuroStep(1, [(1, [0])]), S.OUT_OF_LIMITS, wire.limit_detail(L.PORT, 1)),
        (wire.NeuroStep(1, [(0, [5])]), S.OUT_OF_LIMITS, wire.limit_detail(L.NEURON_INDEX, 0)),
        (wire.NeuroStep(1, [(0, [3, 1])]), S.BAD_PAYLOAD, 0),
        (wire.NeuroStep(1, [(0, [2, 2])]), S.BAD_PAYLOAD, 0),
        (
            wire.NeuroReadProbe(1, wire.ProbeVariable.U, 0, 1),
            S.OUT_OF_LIMITS,
            wire.limit_detail(L.POPULATION, 1),
        ),
        (
            wire.NeuroReadProbe(0, wire.ProbeVariable.U, 2, 3),
            S.OUT_OF_LIMITS,
            wire.limit_detail(L.NEURON_INDEX, 0),
        ),
    ]
    for msg, status, detail in cases:
        assert nack(status, detail)(c.command(msg)), msg
    data = c.command(wire.NeuroReadProbe(0, wire.ProbeVariable.U, 0, 4))
    assert isinstance(data, wire.NeuroProbeData) and data.step == 0  # nothing ran
