"""Network spec: validation messages, sign-mode inference, JSON round trip, resources."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from neurolink.snn import (
    DenseConnection,
    InputPort,
    NetworkSpec,
    Population,
    Probe,
    ResourceError,
    SignMode,
    SparseConnection,
    SpecError,
    get_profile,
)


def net(pop_kw=None, conn_kw=None, sparse=False) -> NetworkSpec:
    pop = Population("exc", 3, **({"du": 10, "dv": 20, "vth": 100} | (pop_kw or {})))
    if sparse:
        kw = {"pre": [0, 1], "post": [2, 0], "w": [5, -5]} | (conn_kw or {})
        conn = SparseConnection("ff", "in", "exc", **kw)
    else:
        conn = DenseConnection(
            "ff", "in", "exc", **({"weights": np.ones((3, 2))} | (conn_kw or {}))
        )
    return NetworkSpec([pop], [conn], [InputPort("in", 2)], [Probe("exc", "v")])


@pytest.mark.parametrize(
    ("param", "bad", "allowed"),
    [
        ("du", 4096, "0..4095"),
        ("dv", -1, "0..4095"),
        ("vth", 131072, "0..131071"),
        ("bias_mant", -4097, "-4096..4095"),
        ("bias_mant", 4096, "-4096..4095"),
        ("bias_exp", 8, "0..7"),
        ("u0", 2**23 + 1, f"{-(2**23) + 1}..{2**23}"),
        ("v0", 2**23, f"{-(2**23) + 1}..{2**23 - 1}"),
    ],
)
def test_population_range_errors_name_population_parameter_and_range(param, bad, allowed):
    values = [0, 0, bad] if param not in ("du", "dv", "vth") else [1, 1, bad]
    with pytest.raises(SpecError) as e:
        net({param: values})
    msg = str(e.value)
    assert "population 'exc'" in msg and f"{param} = {bad}" in msg and allowed in msg
    assert "neuron 2" in msg


@pytest.mark.parametrize(
    ("kw", "param", "allowed"),
    [
        ({"weights": [[0, 0], [0, 256], [0, 0]]}, "weights = 256", "-256..255"),
        ({"weights": [[0, -257], [0, 0], [0, 0]]}, "weights = -257", "-256..255"),
        ({"weight_exp": 8}, "weight_exp = 8", "-8..7"),
        ({"weight_exp": -9}, "weight_exp = -9", "-8..7"),
        ({"num_weight_bits": 0}, "num_weight_bits = 0", "1..8"),
        ({"num_weight_bits": 9}, "num_weight_bits = 9", "1..8"),
    ],
)
def test_connection_range_errors_name_connection_parameter_and_range(kw, param, allowed):
    with pytest.raises(SpecError, match=re.escape(param)) as e:
        net(conn_kw=kw)
    assert "connection 'ff'" in str(e.value) and allowed in str(e.value)


def test_structure_errors_are_named() -> None:
    with pytest.raises(SpecError, match=r"weights have shape \(2, 2\), expected .* \(3, 2\)"):
        net(conn_kw={"weights": np.ones((2, 2))})
    with pytest.raises(SpecError, match=r"post indices must lie in 0\.\.2"):
        net(conn_kw={"post": [3, 0]}, sparse=True)
    with pytest.raises(SpecError, match="sign_mode 'both' is not one of"):
        net(conn_kw={"sign_mode": "both"})
    with pytest.raises(SpecError, match="du must be a scalar or of shape"):
        Population("p", 3, du=[1, 2], dv=0, vth=0)
    with pytest.raises(SpecError, match="population 'exc': bias_exp must be an integer"):
        net({"bias_exp": 1.5})  # a shift amount, even in a real-valued network
    with pytest.raises(SpecError, match="source 'nowhere'"):
        NetworkSpec(
            [Population("p", 1, du=0, dv=0, vth=0)], [DenseConnection("c", "nowhere", "p", [[1]])]
        )
    with pytest.raises(SpecError, match="share names: x"):
        NetworkSpec([Population("x", 1, du=0, dv=0, vth=0)], inputs=[InputPort("x", 1)])
    with pytest.raises(SpecError, match=r"probe 'q\.u': target 'q'"):
        NetworkSpec([Population("p", 1, du=0, dv=0, vth=0)], probes=[Probe("q", "u")])
    with pytest.raises(SpecError, match="variable 'w' is not one of spikes, u, v"):
        Probe("p", "w")
    with pytest.raises(SpecError, match="unknown chip profile 'truenorth'"):
        NetworkSpec([Population("p", 1, du=0, dv=0, vth=0)], profile="truenorth")


def test_integer_validation_refuses_real_values_with_a_named_parameter() -> None:
    spec = net({"vth": [100.5, 100, 100]})  # accepted as a real-valued (ideal) network
    assert spec.is_real_valued()
    with pytest.raises(SpecError, match="population 'exc': vth must be an integer"):
        spec.validate(integer=True)
    ideal = net({"du": -0.5})  # the ideal du may lie in −1..4095 (ds_offset = 1) …
    with pytest.raises(SpecError, match="du must be an integer"):  # … but never on the chip
        ideal.validate(integer=True)


@pytest.mark.parametrize(
    ("weights", "mode"),
    [
        ([[0, 0]], SignMode.EXCITATORY),
        ([[0, 3]], SignMode.EXCITATORY),
        ([[0, -3]], SignMode.INHIBITORY),
        ([[-1, 3]], SignMode.MIXED),
    ],
)
def test_sign_mode_is_inferred_from_the_weights(weights, mode) -> None:
    assert DenseConnection("c", "a", "b", weights).resolved_sign_mode is mode
    assert DenseConnection("c", "a", "b", weights, sign_mode="mixed").resolved_sign_mode is (
        SignMode.MIXED
    )


def test_json_round_trip_preserves_everything() -> None:
    pops = [
        Population("a", 3, du=[1, 2, 3], dv=7, vth=100, bias_mant=[-5, 0, 5], bias_exp=2, u0=4),
        Population("b", 2, du=0, dv=4095, vth=131071, v0=[-3, 3]),
    ]
    conns = [
        DenseConnection("ab", "a", "b", [[1, -2, 3], [4, 5, -6]], weight_exp=-3, sign_mode="mixed"),
        SparseConnection("ia", "in", "a", pre=[0, 0, 1], post=[0, 2, 1], w=[7, 8, 9], weight_exp=2),
    ]
    spec = NetworkSpec(
        pops, conns, [InputPort("in", 2)], [Probe("b", "spikes"), Probe("a", "u", "cur")]
    )
    text = json.dumps(spec.to_dict())
    again = NetworkSpec.from_dict(json.loads(text))
    assert again.to_dict() == spec.to_dict()
    assert [p.key for p in again.probes] == ["b.spikes", "cur"]
    assert again.populations[0].du.tolist() == [1, 2, 3]
    assert again.connections[1].w.tolist() == [7, 8, 9]


def test_from_dict_reports_malformed_input() -> None:
    with pytest.raises(SpecError, match="malformed"):
        NetworkSpec.from_dict({"connections": []})
    with pytest.raises(SpecError, match="kind must be 'dense' or 'sparse'"):
        NetworkSpec.from_dict({"populations": [], "connections": [{"kind": "conv"}]})


def test_a_network_that_does_not_fit_is_refused_naming_the_resource() -> None:
    loihi = get_profile("loihi")
    too_many = NetworkSpec([Population("big", 128 * 1024 + 1, du=0, dv=0, vth=0)])
    with pytest.raises(ResourceError, match="131073 neurons exceed 128 cores × 1024"):
        loihi.check_fits(too_many)
    loihi.check_fits(net())  # a small one fits
