"""The mapper places networks that fit and refuses, naming what overflowed where."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_sim import LOIHI, Chip, MappingError

from .fw_helpers import population


def _layered(n_in: int, n_hidden: int, n_out: int = 2) -> dict:
    return {
        "populations": [population("hidden", n_hidden), population("out", n_out)],
        "inputs": [{"name": "in", "size": n_in}],
        "connections": [
            {"pre": "in", "post": "hidden", "weights": np.ones((n_hidden, n_in), int).tolist()},
            {"pre": "hidden", "post": "out", "weights": np.ones((n_out, n_hidden), int).tolist()},
        ],
    }


def test_network_that_fits_is_placed_and_packed() -> None:
    # 1000 hidden + 2 out neurons: both fit core 0 (1024 neurons); synapses
    # 1000 * 16 * 8 + 2 * 1000 * 8 = 144000 bits < 1048576.
    placement = Chip().load(_layered(16, 1000))
    assert placement.cores_used == 1
    assert [(s.population, s.start, s.stop, s.core, s.offset) for s in placement.slices] == [
        ("hidden", 0, 1000, 0, 0),
        ("out", 0, 2, 0, 1000),
    ]
    assert placement.cores[0].synapse_bits == 144000
    assert placement.cores[0].axons_in == 16 + 1000
    assert "1 core(s) used" in placement.summary()


def test_population_spans_cores() -> None:
    # 2500 hidden neurons on 1024-neuron cores: 1024 + 1024 + 452, then 'out' joins core 2.
    placement = Chip().load(_layered(4, 2500))
    assert placement.cores_used == 3
    assert [(s.population, s.start, s.stop, s.core) for s in placement.slices] == [
        ("hidden", 0, 1024, 0),
        ("hidden", 1024, 2048, 1),
        ("hidden", 2048, 2500, 2),
        ("out", 0, 2, 2),
    ]


def test_too_many_neurons_is_refused_with_counts() -> None:
    chip = Chip(LOIHI.resized(n_cores=4))
    with pytest.raises(MappingError) as err:
        chip.load(_layered(4, 5000))
    msg = str(err.value)
    assert "population 'hidden' (5000 neurons) does not fit" in msg
    assert "5 cores of 1024 neurons" in msg
    assert "bound by neurons per core" in msg
    assert "chip has 4" in msg


def test_synapse_memory_of_one_neuron_too_large_is_refused() -> None:
    # each hidden neuron: 200 inputs x 8 bits = 1600 bits > 1000-bit budget.
    chip = Chip(LOIHI.resized(synapse_bits_per_core=1000))
    with pytest.raises(MappingError) as err:
        chip.load(_layered(200, 3))
    assert str(err.value) == (
        "core 0: synapse memory 1600 bits > 1000 bits budget for neuron 0 of population "
        "'hidden' alone (connection 'in->hidden' 200 synapses x 8 bits)"
    )


def test_synapse_memory_splits_a_population_then_refuses() -> None:
    # 1600 bits per hidden neuron, 8000-bit cores: 5 neurons per core; 12 neurons -> 3 cores;
    # 'out' (2 neurons x 12 inputs x 8 bits = 192 bits) joins core 2 (2 x 1600 + 192 <= 8000).
    chip = Chip(LOIHI.resized(synapse_bits_per_core=8000))
    placement = chip.load(_layered(200, 12))
    assert [s.core for s in placement.slices] == [0, 1, 2, 2]
    assert [s.stop - s.start for s in placement.slices] == [5, 5, 2, 2]
    chip = Chip(LOIHI.resized(n_cores=2, synapse_bits_per_core=8000))
    with pytest.raises(MappingError) as err:
        chip.load(_layered(200, 12))
    msg = str(err.value)
    assert "population 'hidden' (12 neurons) does not fit" in msg
    assert "bound by synapse memory" in msg and "1600 bits" in msg
    assert "chip has 2" in msg


def test_input_axon_budget_is_enforced() -> None:
    chip = Chip(LOIHI.resized(axons_in_per_core=100))
    with pytest.raises(MappingError) as err:
        chip.load(_layered(150, 2))
    # core 0 holds 'hidden' (150 axons from 'in') and 'out' (2 axons from 'hidden')
    assert str(err.value) == (
        "core 0: 152 input axons > 100 axon budget (connections: 'in->hidden' 150, 'hidden->out' 2)"
    )


def test_fan_out_budget_is_enforced() -> None:
    # 'hidden' (3 neurons, 2 per core: cores 0-1) feeds 'out' spread over cores 1-2 and
    # itself; core 0's two neurons each send edges to 'out' on core 1 and core 2, and to
    # 'hidden' on core 0 and core 1: 2 x 4 = 8 > 6.
    net = _layered(1, 3, n_out=3)
    net["connections"].append(
        {"pre": "hidden", "post": "hidden", "weights": np.ones((3, 3), int).tolist()}
    )
    chip = Chip(LOIHI.resized(neurons_per_core=2, axons_out_per_core=6))
    with pytest.raises(MappingError, match=r"core 0: 8 fan-out edges > 6 budget"):
        chip.load(net)


def test_sparse_synapses_cost_index_bits() -> None:
    # sparse: 8 weight bits + log2(1024) = 10 index bits = 18 bits per synapse; 3 synapses.
    net = {
        "populations": [population("p", 4)],
        "inputs": [{"name": "in", "size": 2}],
        "connections": [{"pre": "in", "post": "p", "synapses": [[0, 1, 5], [1, 1, 5], [1, 3, 7]]}],
    }
    placement = Chip().load(net)
    assert placement.cores[0].synapse_bits == 54
    assert placement.cores[0].axons_in == 2
