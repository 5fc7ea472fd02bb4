"""The neuromorphic board over the wire: the chip behind a real pty gives the same spikes, u and
v as the ``fixed`` backend and the golden vectors; loading in chunks, split inputs and spikes,
probes, counters, reset, refusals, and the board as a SpikeInput → SpikeOutput device.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from neurolink.clock import now
from neurolink.hal import wire
from neurolink.hal.commands import Origin, SpikeInput
from neurolink.hal.drivers import NeuroboardDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.errors import DeviceError, EStopError
from neurolink.hal.safety import Outcome
from neurolink.snn import (
    DenseConnection,
    InputPort,
    NetworkSpec,
    NotSupportedError,
    Population,
    Probe,
    ResourceError,
    SparseConnection,
    make_backend,
)
from neurolink.snn import golden as golden_harness
from neurolink.snn.backends.chip import network_dict

GOLDEN_NAMES = sorted(
    p.name
    for p in (
        Path(__file__).resolve().parents[2].parent / "shared" / "data" / "golden" / "loihi"
    ).glob("*.json")
)


@pytest.fixture(scope="module")
def board() -> Iterator[NeuroboardDriver]:
    with Emulator("neuroboard") as emu, NeuroboardDriver(emu.port) as drv:
        yield drv


def assert_same(expected: dict[str, np.ndarray], got: dict[str, np.ndarray], what: str) -> None:
    assert expected.keys() == got.keys(), what
    for key in expected:
        a, b = np.asarray(expected[key]).astype(np.int64), np.asarray(got[key]).astype(np.int64)
        assert a.shape == b.shape, f"{what} {key}: shape {b.shape}, expected {a.shape}"
        if not np.array_equal(a, b):
            k, i = (int(x) for x in np.argwhere(a != b)[0])
            pytest.fail(
                f"{what} {key}: step {k + 1}, neuron {i}: expected {a[k, i]}, got {b[k, i]}"
            )


def random_network(seed: int) -> tuple[NetworkSpec, dict[str, np.ndarray]]:
    """Two ports, three populations, dense and sparse, feed-forward and recurrent."""
    rng = np.random.default_rng(seed)
    ports = [InputPort("in0", int(rng.integers(1, 6))), InputPort("in1", int(rng.integers(1, 6)))]
    sizes = {name: int(rng.integers(1, 5)) for name in "abc"}
    pops = [
        Population(
            name,
            n,
            du=rng.integers(0, 4096, n),
            dv=rng.integers(0, 4096, n),
            vth=rng.integers(0, 300, n),
            bias_mant=rng.integers(-200, 200, n),
            bias_exp=rng.integers(0, 4, n),
            u0=rng.integers(-1000, 1000, n),
            v0=rng.integers(-1000, 1000, n),
        )
        for name, n in sizes.items()
    ]
    n_of = {p.name: p.n for p in ports} | sizes
    conns = []
    for k, (src, dst) in enumerate(
        [("in0", "a"), ("in1", "b"), ("a", "b"), ("b", "c"), ("c", "a"), ("a", "a")]
    ):
        common = {
            "weight_exp": int(rng.integers(-2, 5)),
            "num_weight_bits": int(rng.integers(1, 9)),
            "sign_mode": [None, "excitatory", "inhibitory", "mixed"][k % 4],
        }
        if k % 2 == 0:
            w = rng.integers(-256, 256, (n_of[dst], n_of[src]))
            conns.append(DenseConnection(f"c{k}", src, dst, w, **common))
        else:
            pairs = [
                (i, j) for i in range(n_of[src]) for j in range(n_of[dst]) if rng.random() < 0.6
            ]
            pre, post = [p for p, _ in pairs], [q for _, q in pairs]
            conns.append(
                SparseConnection(
                    f"c{k}", src, dst, pre, post, rng.integers(-256, 256, len(pairs)), **common
                )
            )
    probes = [Probe(p, v) for p in sizes for v in ("spikes", "u", "v")]
    T = 25
    return (
        NetworkSpec(pops, conns, ports, probes),
        {p.name: rng.random((T, p.n)) < 0.4 for p in ports},
    )


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_vectors_over_the_wire(board, shared_data, name):
    data = json.loads((shared_data / "golden" / "loihi" / name).read_text())
    config = data["config"]
    spec = golden_harness.spec_from_config(config)
    raster = golden_harness.raster_of(config)
    board.load(spec)
    out = board.run(raster.shape[0], {golden_harness.GOLDEN_PORT: raster})
    got = {v: out[f"{golden_harness.GOLDEN_POPULATION}.{v}"] for v in ("spikes", "u", "v")}
    assert_same({k: np.asarray(v) for k, v in data["expected"].items()}, got, f"{name} vs golden")
    assert_same(golden_harness.run(config, "fixed"), got, f"{name} vs fixed")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_networks_match_the_fixed_backend(board, seed):
    spec, rasters = random_network(seed)
    T = next(iter(rasters.values())).shape[0]
    board.load(spec)
    assert_same(
        make_backend("fixed", spec).run(T, rasters), board.run(T, rasters), f"seed {seed} run"
    )
    board.reset()  # the same again one step at a time, continuing after a reset
    fixed = make_backend("fixed", spec)
    for t in range(T):
        row = {k: r[t] for k, r in rasters.items()}
        want, got = fixed.step(row), board.step(row)
        assert want.keys() == got.keys()
        for pop in want:
            assert np.array_equal(want[pop], got[pop]), f"seed {seed} step {t + 1} {pop}"
    assert board.t == T
    counters = board.counters()
    assert counters.steps == T and counters.scope is wire.CounterScope.RUN


def test_large_network_loads_in_chunks_and_splits_inputs_and_spikes(board):
    n_in, n = 600, 700  # 600 input axons need two NEURO_STEP frames; 700 spikes two NEURO_SPIKES
    rng = np.random.default_rng(5)
    pop = Population("big", n, du=4095, dv=0, vth=rng.integers(0, 3, n), bias_mant=0, bias_exp=0)
    conn = DenseConnection("in_big", "in", "big", rng.integers(0, 256, (n, n_in)))
    spec = NetworkSpec(
        [pop], [conn], [InputPort("in", n_in)], [Probe("big", v) for v in ("spikes", "u", "v")]
    )
    doc = json.dumps(network_dict(spec), separators=(",", ":")).encode()
    assert len(doc) > 100 * wire.MAX_LOAD_CHUNK
    requests_before = board.link.stats.requests
    board.load(spec)
    assert board.link.stats.requests - requests_before == -(-len(doc) // wire.MAX_LOAD_CHUNK)
    raster = np.zeros((4, n_in), dtype=bool)
    raster[0] = True  # every axon at step 1: u = Σw << 6 ≈ 4.9e6 at step 2, v > vth: spikes
    out = board.run(4, {"in": raster})
    assert out["big.spikes"][1].sum() == n  # more indices than one NEURO_SPIKES frame holds
    assert_same(make_backend("fixed", spec).run(4, {"in": raster}), out, "large network")
    probe = board.read_probe("big", "u", first=250, count=300)  # two NEURO_READ_PROBE
    assert probe.shape == (300,) and np.array_equal(probe, board.read_state("big")["u"][250:550])


def test_spike_input_as_a_command(board, shared_data):
    example = shared_data / "golden" / "loihi" / "example.json"
    spec = golden_harness.spec_from_config(json.loads(example.read_text())["config"])
    board.load(spec)
    origin = Origin("encoder", 42, now())
    outputs = [
        board.exchange(SpikeInput(k, tuple(range(spec.inputs[0].n)), origin)) for k in range(5)
    ]
    assert [o.step for o in outputs] == list(range(5)) and outputs[0].origin == origin
    fixed = make_backend("fixed", spec)
    want = [fixed.step({"in": np.ones(spec.inputs[0].n, dtype=bool)})["out"] for _ in range(5)]
    assert [o.neurons for o in outputs] == [tuple(np.flatnonzero(w)) for w in want]
    sent = board.drain_sent()
    assert len(sent) == 5 and all(s.status == "OK" and s.latency_s > 0 for s in sent)
    assert len(board.audit.select(outcome=Outcome.ACK)) >= 5
    board.estop_now("test: the loop stopped")
    with pytest.raises(EStopError):
        board.exchange(SpikeInput(5, (0,)))
    board.estop.rearm("test: resume")


def test_refusals(board):
    too_big = {
        "populations": [{"name": "big", "size": 70_000, "du": 0, "dv": 0, "vth": 1}],
        "inputs": [],
        "connections": [],
    }
    with pytest.raises(ResourceError, match=r"NETWORK_SIZE|NETWORK_RESOURCES"):
        board.load_network(too_big)
    with pytest.raises(DeviceError, match="load a network first"):
        board.step()
    real = NetworkSpec([Population("p", 1, du=0.5, dv=0, vth=1)])
    with pytest.raises(NotSupportedError, match="real_valued"):
        board.load(real)
    with pytest.raises(NotSupportedError):
        board.get_state()
    spec, _ = random_network(3)
    board.load(spec)
    with pytest.raises(DeviceError, match="unknown input port"):
        board.step({"nope": [1]})
    board.unload()
    with pytest.raises(DeviceError, match="load a network first"):
        board.run(1)
