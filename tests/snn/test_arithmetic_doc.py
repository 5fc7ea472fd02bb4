"""docs/arithmetic.md cannot drift: its worked examples and tables are checked here.

Every ```` ```example name=... ```` block holds a network (``NetworkSpec.to_dict`` form), a number
of ``steps``, ``inputs`` (port → raster) and the values worked out by hand in the doc:
``expect`` (row k = after the (k + 1)-th step) for the integer tiers and, optionally, ``float``
for the float backend. Each block runs on the ``fixed`` backend, on the ``chip`` backend and on
the emulator driven directly — ``firmware_sim.Chip`` for Loihi, ``firmware_sim.XyloChip`` for
Xylo — with the network translated to the emulator's own format here, not by neurolink's
adapter. The weight truncation table is checked against both implementations' truncation, the
time constant table against the quantizer's decay codes, the Xylo decay table against both
implementations' decay.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import firmware_sim
from firmware_sim import profile_loihi as fw_profile
from firmware_sim import profile_xylo as fw_xylo
from neurolink.snn import NetworkSpec, Probe, SignMode, get_profile, make_backend
from neurolink.snn.profiles import xylo as host_xylo

DOC = Path(__file__).resolve().parents[2] / "docs" / "arithmetic.md"
TEXT = DOC.read_text(encoding="utf-8")
LOIHI = get_profile("loihi")

#: What the doc promises to work through (section 7); a renamed example fails here.
REQUIRED = {
    "bias-only",
    "one-input-spike",
    "delay-chain",
    "du-zero-still-decays",
    "decay-toward-zero",
    "weight-truncation",
    "u-wrap",
    "u-wrap-down",
    "v-clip",
    "threshold-equality",
    "u-not-reset",
    "xylo-decay",
    "xylo-channel-order",
    "xylo-spike-cap",
    "xylo-alias",
    "xylo-two-synapses",
}


def _examples() -> list[tuple[str, dict[str, Any]]]:
    found = re.findall(r"```example name=(\S+)\n(.*?)```", TEXT, flags=re.S)
    return [(name, json.loads(body)) for name, body in found]


EXAMPLES = _examples()


def _table(header_start: str) -> list[list[str]]:
    """Body rows (cells stripped) of the markdown table whose header line starts so."""
    lines = TEXT.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def _num(cell: str) -> int:
    return int(cell.replace("−", "-"))


# --- the examples --------------------------------------------------------------------------------
def _spec(ex: dict[str, Any]) -> NetworkSpec:
    spec = NetworkSpec.from_dict(ex["network"])
    keys = {*ex["expect"], *ex.get("float", {})}
    probes = [Probe(*k.split(".")) for k in sorted(keys)]
    return NetworkSpec(spec.populations, spec.connections, spec.inputs, probes, spec.profile)


def _inputs(ex: dict[str, Any]) -> dict[str, np.ndarray]:
    return {port: np.asarray(r, dtype=np.uint8) for port, r in ex.get("inputs", {}).items()}


def _emulator_network(net: dict[str, Any]) -> dict[str, Any]:
    """The doc's network in firmware_sim's dict format (firmware_sim/README.md)."""
    renames = {"n": "size", "u0": "u_init", "v0": "v_init"}
    pops = [{renames.get(k, k): v for k, v in p.items()} for p in net["populations"]]
    inputs = [{"name": p["name"], "size": p["n"]} for p in net.get("inputs", [])]
    conns = []
    for c in net.get("connections", []):
        d = {"name": c["name"], "pre": c["source"], "post": c["target"], "weights": c["weights"]}
        d |= {k: c[k] for k in ("weight_exp", "num_weight_bits", "sign_mode") if k in c}
        conns.append(d)
    return {"populations": pops, "inputs": inputs, "connections": conns}


def _run_emulator(ex: dict[str, Any]) -> dict[str, np.ndarray]:
    chip = firmware_sim.Chip()
    chip.load(_emulator_network(ex["network"]))
    pops = {k.split(".")[0] for k in ex["expect"]}
    for pop in sorted(pops):
        chip.probe(pop, "u")
        chip.probe(pop, "v")
    for port, raster in _inputs(ex).items():
        chip.set_inputs(port, raster)
    spikes = chip.step(ex["steps"])
    out = {}
    for pop in pops:
        out[f"{pop}.spikes"] = spikes[pop]
        out[f"{pop}.u"] = chip.read_probe(pop, "u")
        out[f"{pop}.v"] = chip.read_probe(pop, "v")
    return out


def _xylo_config(net: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The doc's Xylo network as XyloSim's configuration (firmware_sim/xylo_image.py).

    The doc's examples have one hidden population (max_spikes 31), at most one output
    population and at most one input port. The core needs at least one input channel and one
    output neuron: a missing one is an idle unit (zero weights, threshold 32767). Returns the
    configuration and, per ``"<population>.<variable>"``, the emulator's record.
    """
    pops = net["populations"]
    (h,) = [p for p in pops if p.get("max_spikes", 1) == 31]
    outs = [p for p in pops if p.get("max_spikes", 1) == 1]
    o = outs[0] if outs else {"name": None, "n": 1, "du": 0, "dv": 0, "vth": 32767}
    n_in = sum(p["n"] for p in net.get("inputs", [])) or 1
    n_h, n_o = h["n"], o["n"]
    conns = net.get("connections", [])
    n_syn = 2 if any(c.get("synapse", 0) == 1 for c in conns) else 1
    w_in, w_rec = np.zeros((n_in, n_h, n_syn), int), np.zeros((n_h, n_h, n_syn), int)
    w_out, shift = np.zeros((n_h, n_o), int), {"in": 0, "rec": 0, "out": 0}
    for c in conns:
        w, s = np.asarray(c["weights"]).T, c.get("synapse", 0)  # XyloSim: [pre][post]
        if c["target"] == o["name"]:
            w_out[:], shift["out"] = w, c.get("weight_exp", 0)
        elif c["source"] == h["name"]:
            w_rec[:, :, s], shift["rec"] = w, c.get("weight_exp", 0)
        else:
            w_in[:, :, s], shift["in"] = w, c.get("weight_exp", 0)

    def per(p: dict[str, Any], key: str, default: int = 0) -> list[int]:
        return np.broadcast_to(p.get(key, default), (p["n"],)).tolist()

    cfg = {
        "weights_in": w_in.tolist(), "weights_rec": w_rec.tolist(), "weights_out": w_out.tolist(),
        "weight_shift_in": shift["in"], "weight_shift_rec": shift["rec"],
        "weight_shift_out": shift["out"],
        "dash_syn": per(h, "du"), "dash_mem": per(h, "dv"), "threshold": per(h, "vth"),
        "bias": per(h, "bias_mant"),
        "aliases": [[a] if a >= 0 else [] for a in per(h, "alias", -1)],
        "dash_syn_out": per(o, "du"), "dash_mem_out": per(o, "dv"),
        "threshold_out": per(o, "vth"), "bias_out": per(o, "bias_mant"),
    }  # fmt: skip
    if n_syn == 2:
        cfg["dash_syn_2"] = per(h, "du2")
    records = {"spikes": "spikes", "u": "i_syn", "u2": "i_syn2", "v": "v_mem"}
    where = {f"{h['name']}.{k}": v for k, v in records.items()}
    where |= {f"{o['name']}.{k}": v + "_out" for k, v in records.items() if k != "u2"}
    return cfg, where


def _run_xylo_emulator(ex: dict[str, Any]) -> dict[str, np.ndarray]:
    cfg, where = _xylo_config(ex["network"])
    chip = firmware_sim.XyloChip()
    chip.load(cfg)
    T = ex["steps"]
    raster = np.zeros((T, len(cfg["weights_in"])), dtype=np.int64)
    for r in _inputs(ex).values():  # one port at most
        raster[:] = r
    chip.set_inputs(raster)
    rec = chip.step(T)
    return {key: rec[where[key]] for key in ex["expect"]}


def _check(name: str, got: dict[str, np.ndarray], want: dict[str, list[Any]], T: int) -> None:
    for key, rows in want.items():
        expected = np.asarray(rows, dtype=float).reshape(T, -1)
        actual = np.asarray(got[key], dtype=float).reshape(T, -1)
        np.testing.assert_array_equal(actual, expected, err_msg=f"example {name!r}, {key}")


def test_the_doc_works_through_every_promised_case() -> None:
    names = [n for n, _ in EXAMPLES]
    assert len(names) == len(set(names)), "example names must be unique"
    assert set(names) >= REQUIRED


@pytest.mark.parametrize("backend", ["fixed", "chip", "emulator"])
@pytest.mark.parametrize(("name", "ex"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_example_matches_the_integer_tiers(name: str, ex: dict[str, Any], backend: str) -> None:
    T = ex["steps"]
    if backend == "emulator":  # firmware_sim.Chip or XyloChip, without neurolink's adapter
        xylo = ex["network"].get("profile") == "xylo"
        got = _run_xylo_emulator(ex) if xylo else _run_emulator(ex)
    else:
        got = make_backend(backend, _spec(ex)).run(T, _inputs(ex))
    _check(name, got, ex["expect"], T)


FLOAT_EXAMPLES = [(n, ex) for n, ex in EXAMPLES if "float" in ex]


@pytest.mark.parametrize(("name", "ex"), FLOAT_EXAMPLES, ids=[n for n, _ in FLOAT_EXAMPLES])
def test_example_matches_the_float_backend(name: str, ex: dict[str, Any]) -> None:
    # every float value in the doc is exact in binary, so equality is the right check
    got = make_backend("float", _spec(ex)).run(ex["steps"], _inputs(ex))
    _check(name, got, ex["float"], ex["steps"])


# --- the weight truncation table -----------------------------------------------------------------
TRUNCATION = _table("| raw w | sign mode | num_weight_bits | t | stored w |")


def test_truncation_table_is_long_enough() -> None:
    assert len(TRUNCATION) >= 20
    assert {row[1] for row in TRUNCATION} == {m.value for m in SignMode}


@pytest.mark.parametrize("row", TRUNCATION, ids=lambda r: "/".join(r[:3]))
def test_truncation_table_row(row: list[str]) -> None:
    raw, mode, bits, t, stored = _num(row[0]), SignMode(row[1]), _num(row[2]), _num(row[3]), row[4]
    assert t == 8 - bits + (mode is SignMode.MIXED)
    host = LOIHI.truncate_weights(np.array([raw]), bits, mode)
    chip = fw_profile.truncate_weights(np.array([raw]), fw_profile.SignMode(mode.value), bits)
    assert int(host[0]) == int(chip[0]) == _num(stored)


# --- the time constant table ---------------------------------------------------------------------
TAU = _table("| τ (ms) | exp(−dt/τ) |")


def _real(cell: str) -> float:
    return math.inf if cell == "∞" else float(cell)


@pytest.mark.parametrize("row", TAU, ids=lambda r: "tau=" + r[0].replace("∞", "inf"))
def test_time_constant_table_row(row: list[str]) -> None:
    tau, keep, ideal = _real(row[0]), _real(row[1]), _real(row[2])
    du, dv, tau_u, tau_v = _num(row[3]), _num(row[4]), _real(row[5]), _real(row[6])
    dt = 1.0
    assert math.exp(-dt / tau) == pytest.approx(keep, abs=5e-7)
    assert 4096 * (1 - math.exp(-dt / tau)) == pytest.approx(ideal, abs=5e-5)
    k = np.array([math.exp(-dt / tau)])
    assert int(LOIHI.quantize_decay("du", k)[0][0]) == du
    assert int(LOIHI.quantize_decay("dv", k)[0][0]) == dv

    def realised(kept: int) -> float:  # τ of a per-step retention kept/4096
        return 0.0 if kept == 0 else math.inf if kept == 4096 else -dt / math.log(kept / 4096)

    assert realised(4096 - (du + 1)) == pytest.approx(tau_u, abs=5e-5)
    assert realised(4096 - dv) == pytest.approx(tau_v, abs=5e-5)


# --- the Xylo decay table ------------------------------------------------------------------------
DECAY = _table("| x | d | x >> d | D(x, d) | x − D |")


def test_decay_table_covers_the_rules() -> None:
    rows = [[_num(c) for c in r[:5]] for r in DECAY]
    assert len(rows) >= 12
    assert any(x > 0 and x >> d == 0 for x, d, *_ in rows)  # the at-least-one rule
    assert any(x < 0 for x, *_ in rows) and any(d == 0 for _, d, *_ in rows)


@pytest.mark.parametrize("row", DECAY, ids=lambda r: f"x={r[0]},d={r[1]}")
def test_decay_table_row(row: list[str]) -> None:
    x, d, shifted, dec, left = (_num(c) for c in row[:5])
    assert x >> d == shifted
    assert int(host_xylo._dec(x, d)) == int(fw_xylo.decay_amount(x, d)) == dec
    assert x - dec == left
