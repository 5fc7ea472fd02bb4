"""Bad input to the quantizer and to NIR import: one-line errors naming the node or part.

Issue 16: "a NIR node type not supported, a parameter out of a profile's range, a graph that
does not fit: one-line errors naming the node". Unsupported node types and a v_reset are in
``test_nir.py``; here, parameters no profile can take, a threshold below a profile's
resolution, edges that skip the weight node, graphs larger than the chip, and the quantizer's
own arguments.
"""

from __future__ import annotations

import nir
import numpy as np
import pytest

from neurolink.snn import InputPort, NetworkSpec, Population, ResourceError, SpecError, get_profile
from neurolink.snn import nir as snir
from neurolink.snn.quantize import FloatConnection, FloatNetwork, FloatPopulation, quantize

PROFILES = [None, "loihi", "xylo"]


def _refused(exc: type[Exception], message: str, fn, *args, **kwargs) -> None:
    """``fn(*args, **kwargs)`` raises ``exc`` with exactly ``message``, on one line."""
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert str(info.value) == message
    assert "\n" not in str(info.value)


# --- NIR graphs ----------------------------------------------------------------------------------
def _lif(n: int = 2, **kw) -> nir.LIF:
    p = {"tau": np.full(n, 1e-3), "r": np.full(n, 10.0), "v_leak": np.zeros(n),
         "v_threshold": np.ones(n)} | kw  # fmt: skip
    return nir.LIF(**p)


def _two_layers(lif: nir.NIRNode, n_in: int = 2, n: int = 2, w=None) -> nir.NIRGraph:
    """input → w → lif → w2 → out (lif is a hidden layer on Xylo)."""
    w = np.ones((n, n_in)) if w is None else w
    return nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type={"input": np.array([n_in])}),
            "w": nir.Linear(weight=w),
            "lif": lif,
            "w2": nir.Linear(weight=np.ones((2, n))),
            "out": _lif(2),
        },
        edges=[("input", "w"), ("w", "lif"), ("lif", "w2"), ("w2", "out")],
        type_check=False,
    )


VTH, TAU = "v_threshold must be finite and ≥ 0, got", "tau must be > 0 s (inf: no leak), got"


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"v_threshold": np.array([1.0, -0.5])}, f"{VTH} -0.5 (neuron 1)"),
        ({"v_threshold": np.array([np.inf, 1.0])}, f"{VTH} inf (neuron 0)"),
        ({"tau": np.array([1e-3, -1e-3])}, f"{TAU} -0.001 (neuron 1)"),
        ({"tau": np.array([np.nan, 1e-3])}, f"{TAU} nan (neuron 0)"),
        ({"r": np.array([np.inf, 1.0])}, "r must be finite, got inf (neuron 0)"),
        ({"v_leak": np.array([0.0, np.nan])}, "v_leak must be finite, got nan (neuron 1)"),
    ],
)  # fmt: skip
def test_a_neuron_parameter_no_profile_can_take_is_refused_naming_the_node(
    params: dict, message: str, profile: str | None
) -> None:
    g = _two_layers(_lif(**params))
    _refused(SpecError, f"NIR node 'lif' (LIF): {message}", snir.from_nir, g, profile)


def test_a_cubalif_parameter_out_of_range_names_its_own_key() -> None:
    node = nir.CubaLIF(tau_syn=np.array([1e-3, 0.0]), tau_mem=np.full(2, 1e-3), r=np.ones(2),
                       v_leak=np.zeros(2), v_threshold=np.ones(2))  # fmt: skip
    message = "NIR node 'lif' (CubaLIF): tau_syn must be > 0 s (inf: no decay), got 0.0 (neuron 1)"
    _refused(SpecError, message, snir.from_nir, _two_layers(node), "xylo")


@pytest.mark.parametrize("profile", PROFILES)
def test_a_weight_that_is_not_finite_is_refused_naming_the_weight_node(profile) -> None:
    g = _two_layers(_lif(), w=np.array([[1.0, np.nan], [1.0, 1.0]]))
    _refused(SpecError, "NIR node 'w' (Linear): weight must be finite", snir.from_nir, g, profile)


@pytest.mark.parametrize(("profile", "scale"), [("loihi", "8.39e+03"), ("xylo", "32.8")])
def test_a_threshold_below_the_profiles_resolution_is_refused(profile: str, scale: str) -> None:
    # One population's thresholds span 1e12: the scale that fits 1000 into the profile's
    # threshold (Loihi 131071·64, Xylo 32767) takes 1e-9 to 0, which would fire at rest on Xylo.
    g = _two_layers(_lif(v_threshold=np.array([1e3, 1e-9])))
    message = (
        f"float population 'lif': vth 1e-09 of neuron 1 rounds to 0 on profile {profile!r} "
        f"(scale {scale} chip units per float unit, set by the population's largest threshold, "
        f"bias or incoming weight)"
    )
    _refused(SpecError, message, snir.from_nir, g, profile)
    assert snir.from_nir(g).populations[0].vth[1] > 0  # the float spec keeps it


@pytest.mark.parametrize("profile", PROFILES)
def test_an_edge_into_a_neuron_that_skips_the_weight_node_is_refused(profile) -> None:
    g = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type={"input": np.array([2])}),
            "lif": _lif(),
            "w": nir.Linear(weight=np.ones((2, 2))),
            "lif2": _lif(),
        },
        edges=[("input", "w"), ("w", "lif"), ("lif", "lif2")],
        type_check=False,
    )
    message = (
        "NIR edge 'lif' → 'lif2': neuron node 'lif2' (LIF) takes input through an Affine or "
        "Linear node, not from LIF 'lif' directly"
    )
    _refused(SpecError, message, snir.from_nir, g, profile)


XYLO_SOURCE = "Xylo Audio 2, sizes from Rockpool 3.1's Xylo mapper"


def test_a_graph_with_more_hidden_neurons_than_xylo_is_refused_naming_the_node() -> None:
    g = _two_layers(_lif(1001), n=1001)
    message = (
        f"xylo: 1001 hidden neurons exceed the chip's 1000 (population 'lif' 1001; {XYLO_SOURCE})"
    )
    _refused(ResourceError, message, snir.from_nir, g, "xylo")
    assert snir.from_nir(g, "loihi").populations[0].n == 1001  # Loihi holds it


def test_a_graph_with_more_inputs_than_xylo_is_refused_naming_the_input_node() -> None:
    g = _two_layers(_lif(), n_in=17)
    message = f"xylo: 17 input channels exceed the chip's 16 (input port 'input' 17; {XYLO_SOURCE})"
    _refused(ResourceError, message, snir.from_nir, g, "xylo")


def test_more_neurons_than_loihi_has_names_the_largest_populations() -> None:
    spec = NetworkSpec([Population("big", 131_000, du=0, dv=0, vth=1),
                        Population("small", 100, du=0, dv=0, vth=1)])  # fmt: skip
    message = (
        "loihi: 131100 neurons exceed 128 cores × 1024 neurons per core = 131072 "
        "(largest populations: 'big' 131000, 'small' 100)"
    )
    _refused(ResourceError, message, get_profile("loihi").check_fits, spec)


# --- the quantizer's own arguments ---------------------------------------------------------------
def _net(pop: FloatPopulation | None = None, conns=None, dt_ms: float = 1.0) -> FloatNetwork:
    pop = pop or FloatPopulation("h", 3, tau_u=4.0, tau_v=16.0, vth=1.0, max_spikes=31)
    conns = [FloatConnection("in_h", "in", "h", np.ones((3, 2)))] if conns is None else conns
    return FloatNetwork([pop], conns, [InputPort("in", 2)], dt_ms)


@pytest.mark.parametrize("profile", ["loihi", "xylo"])
@pytest.mark.parametrize(
    ("net", "kwargs", "message"),
    [
        (_net(conns=[FloatConnection("in_x", "in", "x", np.ones((3, 2)))]), {},
         "float connection 'in_x': target 'x' is not a population"),
        (_net(conns=[FloatConnection("y_h", "y", "h", np.ones((3, 2)))]), {},
         "float connection 'y_h': source 'y' is not a population or input port"),
        (_net(dt_ms=0.0), {}, "float network: dt_ms must be finite and > 0, got 0.0"),
        (_net(), {"headroom": 0.0}, "quantize: headroom must be in (0, 1], got 0.0"),
        (_net(FloatPopulation("h", 3, tau_u=[4.0, np.nan, 4.0], tau_v=16.0, vth=1.0)), {},
         "float population 'h': tau_u must be > 0 ms (inf: no decay), got nan (neuron 1)"),
        (_net(FloatPopulation("h", 3, tau_u=4.0, tau_v=-1.0, vth=1.0)), {},
         "float population 'h': tau_v must be > 0 ms (inf: no decay), got -1.0 (neuron 0)"),
        (_net(FloatPopulation("h", 3, tau_u=4.0, tau_v=16.0, vth=[1.0, 1.0, -2.0])), {},
         "float population 'h': vth must be finite and ≥ 0, got -2.0 (neuron 2)"),
        (_net(FloatPopulation("h", 3, tau_u=4.0, tau_v=16.0, vth=1.0, bias=np.inf)), {},
         "float population 'h': bias must be finite, got inf (neuron 0)"),
    ],
)  # fmt: skip
def test_quantizer_refusals_name_the_part(net, kwargs: dict, message: str, profile: str) -> None:
    _refused(SpecError, message, quantize, net, profile=profile, **kwargs)


@pytest.mark.parametrize(("profile", "bits", "limits"), [("loihi", 9, "1..8"), ("xylo", 4, "8..8")])
def test_num_weight_bits_outside_the_profiles_range(profile: str, bits: int, limits: str) -> None:
    message = (
        f"quantize: num_weight_bits = {bits} is outside the range {limits} of profile {profile!r}"
    )
    _refused(SpecError, message, quantize, _net(), profile=profile, num_weight_bits=bits)
