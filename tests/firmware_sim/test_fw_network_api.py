"""Network dict validation, the host-facing API, and the import rule."""

from __future__ import annotations

import ast
import doctest
import json
from pathlib import Path

import numpy as np
import pytest

import firmware_sim
import firmware_sim.chip
from firmware_sim import LOIHI, Chip, NetworkError, parse_network

from .fw_helpers import one_input_net, population, run


def _error(net: dict) -> str:
    with pytest.raises(NetworkError) as err:
        parse_network(net)
    return str(err.value)


def test_invalid_descriptions_are_refused_naming_the_key() -> None:
    base = one_input_net([[1, 2]], {})
    bad = json.loads(json.dumps(base))
    bad["populations"][0]["vth"] = 200000
    assert _error(bad) == "populations[0] ('out').vth: vth = 200000 outside [0, 131071]"
    bad = json.loads(json.dumps(base))
    bad["populations"][0]["bias_mant"] = [1, 2]
    assert "populations[0] ('out').bias_mant: shape (2,)" in _error(bad)
    bad = json.loads(json.dumps(base))
    bad["connections"][0]["weights"] = [[1, 300]]
    assert _error(bad) == ("connections[0] ('in->out').weights: weight = 300 outside [-256, 255]")
    bad = json.loads(json.dumps(base))
    bad["connections"][0]["weights"] = [[1, 2, 3]]
    assert "expected (post, pre) = (1, 2)" in _error(bad)
    bad = json.loads(json.dumps(base))
    bad["connections"][0]["sign_mode"] = "positive"
    assert "sign_mode: 'positive' not one of" in _error(bad)
    bad = json.loads(json.dumps(base))
    bad["populations"][0]["tau"] = 3
    assert "unknown key(s) ['tau']" in _error(bad)
    bad = json.loads(json.dumps(base))
    bad["connections"][0]["post"] = "in"
    assert "'in' is not a population" in _error(bad)
    bad = json.loads(json.dumps(base))
    bad["populations"][0]["du"] = 1.5
    assert "du: expected integers" in _error(bad)


def test_sparse_synapse_checks() -> None:
    net = {
        "populations": [population("p", 2)],
        "inputs": [{"name": "in", "size": 2}],
        "connections": [{"pre": "in", "post": "p", "synapses": [[0, 1, 3], [0, 1, 4]]}],
    }
    assert "duplicate synapse (pre 0, post 1)" in _error(net)
    net["connections"][0]["synapses"] = [[0, 2, 3]]
    assert "synapses[0]: post index 2 not in 0..1" in _error(net)


def test_sparse_and_dense_give_the_same_result() -> None:
    w = np.array([[5, 0, -7], [0, 9, 0]])
    dense = one_input_net(w.tolist(), {"du": 100, "vth": 3})
    sparse = json.loads(json.dumps(dense))
    del sparse["connections"][0]["weights"]
    sparse["connections"][0]["synapses"] = [[1, 1, 9], [0, 0, 5], [2, 0, -7]]
    raster = np.array([[1, 1, 1], [0, 1, 0], [1, 0, 1], [0, 0, 0]])
    _, a = run(dense, {"in": raster}, 4)
    _, b = run(sparse, {"in": raster}, 4)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_step_set_inputs_read_and_reset() -> None:
    chip = Chip()
    chip.load(one_input_net([[100]], {"du": 4095}))
    chip.set_inputs("in", [1])  # a vector: the next step only
    assert chip.step(2)["out"].shape == (2, 1)
    assert chip.read_state("out")["u"].tolist() == [6400]
    assert chip.read_spikes("out").tolist() == [0]
    assert chip.time_step == 2
    chip.reset()
    assert chip.time_step == 0
    assert chip.read_state("out")["u"].tolist() == [0]
    assert chip.step(0)["out"].shape == (0, 1)
    with pytest.raises(ValueError, match=r"shape \(2,\), expected \(1,\)"):
        chip.set_inputs("in", [1, 0])
    with pytest.raises(ValueError, match="0 or 1"):
        chip.set_inputs("in", [2])
    with pytest.raises(KeyError, match="no input port 'x'"):
        chip.set_inputs("x", [1])
    with pytest.raises(KeyError, match="no probe"):
        chip.read_probe("out", "u")
    with pytest.raises(RuntimeError, match="no network loaded"):
        Chip().step()


def test_reset_restores_initial_state_and_reproduces_the_run() -> None:
    net = one_input_net([[100, -50]], {"du": 300, "dv": 200, "vth": 50, "u_init": 7, "v_init": 9})
    raster = np.array([[1, 0], [1, 1], [0, 1], [1, 1], [0, 0]])
    chip = Chip()
    chip.load(net)
    chip.probe("out", "v")
    chip.set_inputs("in", raster)
    first = chip.step(5)["out"]
    v_first = chip.read_probe("out", "v")
    chip.reset()
    assert chip.read_state("out")["u"].tolist() == [7]
    assert chip.read_state("out")["v"].tolist() == [9]
    chip.set_inputs("in", raster)
    np.testing.assert_array_equal(chip.step(5)["out"], first)
    np.testing.assert_array_equal(chip.read_probe("out", "v"), v_first)


def test_firmware_sim_imports_nothing_from_the_host_or_devices() -> None:
    root = Path(firmware_sim.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in {"neurolink", "devices"}
            ]
    assert not offenders


def test_chip_docstring_example_runs() -> None:
    result = doctest.testmod(firmware_sim.chip, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_info_reports_limits() -> None:
    info = Chip(LOIHI.resized(n_cores=4)).info()
    assert info == {
        "profile": "loihi",
        "n_cores": 4,
        "neurons_per_core": 1024,
        "synapse_bits_per_core": 1048576,
        "axons_in_per_core": 4096,
        "axons_out_per_core": 4096,
    }
    assert "at least one population" in _error({"populations": []})
