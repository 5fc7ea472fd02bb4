"""NIR in and out: round trip, a real snnTorch file against the float backend, refusals."""

from __future__ import annotations

from pathlib import Path

import nir
import numpy as np
import pytest

from neurolink.snn import (
    DenseConnection,
    InputPort,
    NetworkSpec,
    Population,
    Probe,
    SpecError,
    make_backend,
)
from neurolink.snn import nir as snir

DATA = Path(__file__).resolve().parents[1] / "data" / "nir"


def _effective(spec: NetworkSpec) -> dict[str, np.ndarray]:
    """Parameters as the float dynamics use them (mantissa/exponent splits multiplied out)."""
    out = {}
    for p in spec.populations:
        out |= {f"{p.name}.{k}": np.asarray(getattr(p, k), float) for k in ("du", "dv")}
        out[f"{p.name}.vth"] = np.asarray(p.vth, float)
        out[f"{p.name}.bias"] = np.asarray(p.bias_mant, float) * 2.0 ** np.asarray(p.bias_exp)
    for c in spec.connections:
        out[c.name] = np.asarray(c.weights, float) * 2.0**c.weight_exp
    return out


def test_round_trip_to_nir_write_read_from_nir_gives_the_same_spec(tmp_path: Path) -> None:
    pops = [
        Population("h", 3, du=[100, 4095, 0], dv=[10, 200, 4000], vth=[50, 80, 1000],
                   bias_mant=[0, 12, -3], bias_exp=[0, 2, 1]),
        Population("o", 2, du=4095, dv=300, vth=[60, 70]),
    ]  # fmt: skip
    conns = [
        DenseConnection("in_h", "in", "h", [[10, -20], [30, 0], [5, 5]], weight_exp=1),
        DenseConnection("h_o", "h", "o", [[1, 2, 3], [-4, 0, 6]]),
    ]
    spec = NetworkSpec(pops, conns, [InputPort("in", 2)])
    path = tmp_path / "net.nir"
    nir.write(path, snir.to_nir(spec))
    back = snir.from_nir(path)  # float parameters kept
    a, b = _effective(spec), _effective(back)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(b[k], a[k], rtol=1e-6, atol=1e-6, err_msg=k)


def test_a_snntorch_file_runs_like_snntorch_on_the_float_backend() -> None:
    # tests/data/nir/make_snntorch_nir.py made both files with snnTorch 1.0 (8 → 20 → 4 Leaky).
    run = np.load(DATA / "snntorch_lif_run.npz")
    spec = snir.from_nir(DATA / "snntorch_lif.nir")
    spec = NetworkSpec(spec.populations, spec.connections, spec.inputs,
                       [Probe("1", "spikes"), Probe("3", "spikes")])  # fmt: skip
    out = make_backend("float", spec).run(400, {"input": run["input"]})
    # Tolerance: each population's mean rate within 2 % of snnTorch's. (In fact the hidden
    # raster is snnTorch's, one step later: Loihi's float tier delays each connection a step.)
    for ours, theirs in (("1.spikes", "hidden"), ("3.spikes", "out")):
        assert abs(out[ours].mean() - run[theirs].mean()) <= 0.02 * run[theirs].mean(), ours
    assert np.array_equal(out["1.spikes"][1:], run["hidden"][:-1].astype(bool))


@pytest.mark.parametrize("profile", ["loihi", "xylo"])
def test_the_snntorch_file_quantized_to_both_profiles_with_the_report(profile: str) -> None:
    run = np.load(DATA / "snntorch_lif_run.npz")
    x = {"input": run["input"]}
    q = snir.quantize_nir(DATA / "snntorch_lif.nir", profile, inputs=x, T=400)
    assert q.spec.profile == profile
    rep = q.report(x, 400)
    for pop in ("1", "3"):
        assert rep.rates[pop]["reference_hz"] > 0 and rep.rates[pop]["relative"] < 0.05, pop
    fixed = make_backend("fixed", q.spec).run(400, x)
    chip = make_backend("chip", q.spec).run(400, x)
    assert all(np.array_equal(fixed[k], chip[k]) for k in fixed)


def _graph(node: nir.NIRNode, name: str = "odd") -> nir.NIRGraph:
    return nir.NIRGraph(
        nodes={"input": nir.Input(input_type={"input": np.array([2])}), name: node},
        edges=[("input", name)],
        type_check=False,
    )


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (nir.Delay(delay=np.array([1.0, 2.0])), r"'odd' of type Delay is not supported \(neither"),
        (nir.Threshold(threshold=np.array([1.0, 1.0])), r"'odd' of type Threshold"),
        (nir.Scale(scale=np.array([1.0, 1.0])), r"'odd' of type Scale is not supported"),
        (
            nir.LIF(
                tau=np.ones(2),
                r=np.ones(2),
                v_leak=np.zeros(2),
                v_threshold=np.ones(2),
                v_reset=np.full(2, 0.5),
            ),
            r"'odd' \(LIF\): v_reset 0.5 is not supported",
        ),
        (
            nir.LIF(tau=np.full(2, 1e-5), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2)),
            r"'odd' \(LIF\): a time constant is shorter than the step",
        ),
    ],
)
def test_bad_nir_graphs_are_refused_naming_the_node(node, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        snir.from_nir(_graph(node))


def test_a_graph_xylo_cannot_hold_is_refused_naming_the_connection() -> None:
    # One spiking layer fed by the input is an output layer on Xylo (it feeds nothing), and
    # Xylo's outputs take input from hidden neurons only.
    n = 20
    g = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type={"input": np.array([n])}),
            "w": nir.Linear(weight=np.ones((4, n))),
            "lif": nir.LIF(
                tau=np.full(4, 1e-3), r=np.full(4, 10.0), v_leak=np.zeros(4), v_threshold=np.ones(4)
            ),
        },
        edges=[("input", "w"), ("w", "lif")],
        type_check=False,
    )
    with pytest.raises(SpecError, match=r"xylo: connection 'w' goes input → output"):
        snir.from_nir(g, profile="xylo")
