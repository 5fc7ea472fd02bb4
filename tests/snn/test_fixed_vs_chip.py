"""fixed ≡ chip, bit for bit: the host's integer backend against the emulator (``firmware_sim``).

Property-based: random networks with several populations and input ports, dense and sparse,
feed-forward and recurrent (self-connections too) connections, every ``weight_exp``,
``num_weight_bits`` and sign mode, extreme parameters and states started near the 24-bit limits
(and, half of the time, inputs that drive ``u`` through its wrap and ``v`` into its clip). Spikes,
``u`` and ``v`` must agree at every step, through ``run(T)`` (in one call on fixed, in two on the
chip) and through ``step()`` one step at a time. The golden files run on both backends in
``test_golden.py``.

Also here: the inputs that both sides refuse (the reconciled semantics), and how the chip
backend fails (missing emulator, network too big, state not supported).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurolink.snn import (
    BackendUnavailableError,
    DenseConnection,
    InputPort,
    NetworkSpec,
    NotSupportedError,
    Population,
    Probe,
    ResourceError,
    SparseConnection,
    SpecError,
    make_backend,
)
from neurolink.snn.backends import chip as chip_module
from neurolink.snn.backends.chip import ChipBackend, network_dict

U_LO, U_HI = -(2**23) + 1, 2**23  # u: 24-bit, one wrap step; 2**23 itself is kept
V_LIM = 2**23 - 1  # v: clipped to ±(2**23 − 1)
VARS = ("spikes", "u", "v")


# --- strategies -------------------------------------------------------------------------------
def edgy(lo: int, hi: int, *extra: int) -> st.SearchStrategy[int]:
    """Integers in lo..hi with the ends, their neighbours, 0 and ``extra`` favoured."""
    ends = {lo, lo + 1, hi - 1, hi, 0, *extra}
    return st.one_of(st.sampled_from(sorted(x for x in ends if lo <= x <= hi)), st.integers(lo, hi))


@st.composite
def population(draw: st.DrawFn, name: str, hot: bool) -> Population:
    n = draw(st.integers(1, 4))

    def vec(lo: int, hi: int, *extra: int) -> list[int]:
        return draw(st.lists(edgy(lo, hi, *extra), min_size=n, max_size=n))

    near_u = [U_HI, U_HI - 1, U_HI - 64, U_LO, U_LO + 1, U_LO + 64]  # one input from the wrap
    near_v = [V_LIM, V_LIM - 1, -V_LIM, -V_LIM + 1]
    return Population(
        name,
        n,
        du=vec(0, 4095) if not hot else vec(0, 3),  # hot: u barely decays and builds up
        dv=vec(0, 4095),
        vth=vec(0, 131071, 1, 100),
        bias_mant=vec(-4096, 4095),
        bias_exp=vec(0, 7),
        u0=vec(U_LO, U_HI, *near_u),
        v0=vec(-V_LIM, V_LIM, *near_v),
    )


@st.composite
def connection(draw: st.DrawFn, name: str, src: str, n_pre: int, dst: str, n_post: int, hot: bool):
    common = {
        "weight_exp": draw(edgy(-8, 7) if not hot else st.integers(4, 7)),
        "num_weight_bits": draw(edgy(1, 8)),
        "sign_mode": draw(st.sampled_from([None, None, "excitatory", "inhibitory", "mixed"])),
    }
    weight = edgy(-256, 255, -255, 254, -3, 3)
    if draw(st.booleans()):
        w = draw(st.lists(weight, min_size=n_pre * n_post, max_size=n_pre * n_post))
        return DenseConnection(name, src, dst, np.reshape(w, (n_post, n_pre)), **common)
    pair = st.tuples(st.integers(0, n_pre - 1), st.integers(0, n_post - 1))
    pairs = draw(st.lists(pair, max_size=n_pre * n_post, unique=True))  # one synapse per pair
    w = draw(st.lists(weight, min_size=len(pairs), max_size=len(pairs)))
    pre, post = [p for p, _ in pairs], [q for _, q in pairs]
    return SparseConnection(name, src, dst, pre, post, w, **common)


@st.composite
def network(draw: st.DrawFn) -> tuple[NetworkSpec, dict[str, np.ndarray]]:
    """A random network and an input raster per port (T steps)."""
    hot = draw(st.booleans())  # drive u through its wrap and v into its clip
    ports = [InputPort(f"in{k}", draw(st.integers(1, 5))) for k in range(draw(st.integers(1, 2)))]
    pops = [draw(population(name, hot)) for name in "abc"[: draw(st.integers(1, 3))]]
    size = {p.name: p.n for p in (*ports, *pops)}
    pairs = [(s, t.name) for s in size for t in pops]  # every source → every population
    chosen = [pq for pq in pairs if draw(st.booleans())] or [pairs[0]]
    conns = [
        draw(connection(f"c{k}", s, size[s], t, size[t], hot)) for k, (s, t) in enumerate(chosen)
    ]
    probes = [Probe(p.name, v) for p in pops for v in VARS]
    spec = NetworkSpec(pops, conns, ports, probes)
    T = draw(st.integers(1, 30))
    density = 1.0 if hot else draw(st.sampled_from([0.0, 0.2, 0.5, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return spec, {p.name: rng.random((T, p.n)) < density for p in ports}


# --- properties -------------------------------------------------------------------------------
def assert_equal_probes(fixed: dict[str, np.ndarray], chip: dict[str, np.ndarray]) -> None:
    assert fixed.keys() == chip.keys()
    for key in fixed:
        a, b = np.asarray(fixed[key]), np.asarray(chip[key])
        assert a.shape == b.shape, key
        if not np.array_equal(a, b):
            k, i = (int(x) for x in np.argwhere(a != b)[0])
            pytest.fail(f"{key}: step {k + 1}, neuron {i}: fixed {a[k, i]}, chip {b[k, i]}")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network(), st.floats(0, 1))
def test_run_fixed_equals_chip_on_random_networks(case, split: float) -> None:
    spec, x = case
    T = next(iter(x.values())).shape[0]
    want = make_backend("fixed", spec).run(T, x)
    chip = make_backend("chip", spec)
    k = int(split * T)  # the chip runs in two calls: run continues the state
    first = chip.run(k, {p: r[:k] for p, r in x.items()})
    second = chip.run(T - k, {p: r[k:] for p, r in x.items()})
    got = {key: np.concatenate([first[key], second[key]]) for key in want}
    assert_equal_probes(want, got)
    chip.reset()  # and reset returns to the initial state
    assert_equal_probes(want, chip.run(T, x))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network())
def test_step_by_step_fixed_equals_chip_on_random_networks(case) -> None:
    spec, x = case
    T = next(iter(x.values())).shape[0]
    batch = make_backend("fixed", spec).run(T, x)
    fixed, chip = make_backend("fixed", spec), make_backend("chip", spec)
    for t in range(T):
        row = {p: r[t] for p, r in x.items()}
        s_fixed, s_chip = fixed.step(row), chip.step(row)
        state = fixed.get_state()
        for p in spec.populations:
            assert np.array_equal(s_fixed[p.name], s_chip[p.name]), (t, p.name)
            assert s_chip[p.name].dtype == bool
            assert np.array_equal(s_chip[p.name], batch[f"{p.name}.spikes"][t])
            uv = chip.read_state(p.name)
            for var in ("u", "v"):
                assert np.array_equal(state[f"{p.name}.{var}"], uv[var]), (t, p.name, var)
                assert np.array_equal(uv[var], batch[f"{p.name}.{var}"][t])
    assert chip.t == T


# --- the limits are really reached ------------------------------------------------------------
def _limits_spec() -> tuple[NetworkSpec, dict[str, np.ndarray]]:
    """Hand-built: u wraps (and wraps back), v clips at both ends, recurrent inhibition."""
    pops = [
        # u0 = 2**23 − 1000, du = 0: one full input of 5·255 << 7 pushes x past 2**23
        Population("u", 2, du=0, dv=4095, vth=131071, u0=[2**23 - 1000, -(2**23) + 1000]),
        # bias ±4096·2**7 per step, no leak: v saturates at ±(2**23 − 1); v = 2**23 − 1 > vth<<6
        Population("v", 2, du=4095, dv=0, vth=131071, bias_mant=[4095, -4096], bias_exp=7),
    ]
    conns = [
        DenseConnection("in_u", "in", "u", [[255] * 5, [-256] * 5], 7, sign_mode="mixed"),
        SparseConnection("v_u", "v", "u", [0, 1], [1, 0], [-200, 100], weight_exp=3),
        DenseConnection("u_v", "u", "v", [[0, 3], [255, 0]], weight_exp=-8),
    ]
    probes = [Probe(p.name, var) for p in pops for var in VARS]
    spec = NetworkSpec(pops, conns, [InputPort("in", 5)], probes)
    x = np.zeros((40, 5), dtype=bool)
    x[::3] = True
    return spec, {"in": x}


def test_hand_built_extremes_reach_the_wrap_and_the_clip_and_agree() -> None:
    spec, x = _limits_spec()
    want = make_backend("fixed", spec).run(40, x)
    assert_equal_probes(want, make_backend("chip", spec).run(40, x))
    du = np.diff(want["u.u"], axis=0)
    # u[0] only ever gets positive input and u[1] negative, and du = 0 decays by 1/4096 per
    # step: a big step the other way is the wrap at +2**23 (resp. −2**23)
    assert du[:, 0].min() < -(2**22) and du[:, 1].max() > 2**22
    assert want["v.v"][:, 1].min() == -V_LIM  # v saturated at −(2**23 − 1)
    assert want["v.spikes"][:, 0].any()  # and reached vth << 6 = 2**23 − 64 from below


# --- the reconciled semantics: both sides refuse the same inputs -------------------------------
def _net(**conn) -> dict:
    """A plain emulator dict with one connection ``in`` → ``p``."""
    return {
        "populations": [{"name": "p", "size": 2, "du": 0, "dv": 0, "vth": 10}],
        "inputs": [{"name": "in", "size": 2}],
        "connections": [{"pre": "in", "post": "p"} | conn],
    }


def test_duplicate_sparse_pairs_are_refused_by_the_spec_and_by_the_chip() -> None:
    fw = ChipBackend.emulator()
    with pytest.raises(fw.NetworkError, match="duplicate synapse"):
        fw.Chip().load(_net(synapses=[[0, 1, 5], [1, 0, 6], [0, 1, 7]]))
    pop = Population("p", 2, du=0, dv=0, vth=10)
    conn = SparseConnection("c", "in", "p", pre=[0, 1, 0], post=[1, 0, 1], w=[5, 6, 7])
    with pytest.raises(SpecError, match=r"synapse 2 repeats \(pre 0, post 1\) of synapse 0"):
        NetworkSpec([pop], [conn], [InputPort("in", 2)])


@pytest.mark.parametrize("w", [256, -257, 1000])
def test_raw_weights_outside_the_9_bit_range_are_refused_by_both(w: int) -> None:
    fw = ChipBackend.emulator()
    with pytest.raises(fw.NetworkError, match="weight"):
        fw.Chip().load(_net(weights=[[w, 0], [0, 1]]))
    pop = Population("p", 2, du=0, dv=0, vth=10)
    conn = DenseConnection("c", "in", "p", [[w, 0], [0, 1]])
    with pytest.raises(SpecError, match=r"weights = .* outside the allowed range -256\.\.255"):
        NetworkSpec([pop], [conn], [InputPort("in", 2)])


@pytest.mark.parametrize(
    ("mode", "w", "stored"),
    [
        ("excitatory", [-256, -1, 3, 255], [0, 0, 3, 255]),  # negatives clip to 0
        ("inhibitory", [-256, -3, 1, 255], [-255, -3, 0, 0]),  # −256 → 256 → 255; positives 0
        ("mixed", [-256, -3, 3, 255], [-256, -4, 2, 254]),  # 8 bits, mixed: least bit dropped
    ],
)
def test_sign_mode_clip_inside_the_range_is_identical(mode: str, w, stored) -> None:
    # One input spike at step 1 → u = stored << 6 at step 2 (du = 4095 keeps no old u).
    pops = [Population("p", 4, du=4095, dv=0, vth=131071)]
    conn = DenseConnection("c", "in", "p", np.diag(w), sign_mode=mode)
    spec = NetworkSpec(pops, [conn], [InputPort("in", 4)], [Probe("p", "u")])
    x = np.zeros((2, 4), dtype=bool)
    x[0] = True
    for kind in ("fixed", "chip"):
        assert make_backend(kind, spec).run(2, x)["p.u"][1].tolist() == [s << 6 for s in stored]


@pytest.mark.parametrize("kind", ["float", "fixed", "chip"])
@pytest.mark.parametrize("bad", [2, -1, 0.5, 255, np.nan])
def test_input_spikes_other_than_0_or_1_are_refused_by_every_backend(kind: str, bad) -> None:
    pop = Population("p", 2, du=0, dv=0, vth=10)
    conn = DenseConnection("c", "in", "p", [[9, 0], [0, 9]])
    spec = NetworkSpec([pop], [conn], [InputPort("in", 2)])
    be = make_backend(kind, spec)
    with pytest.raises(SpecError, match=r"input port 'in': spikes must be 0 or 1, got .* index 1"):
        be.step({"in": np.array([0, bad])})
    with pytest.raises(SpecError, match=r"spikes must be 0 or 1, got .* index \(2, 0\)"):
        be.run(3, {"in": np.array([[0, 0], [1, 1], [bad, 0]])})
    be.step({"in": np.array([1.0, 0.0])})  # numbers equal to 0 or 1 and bools are spikes
    be.run(2, {"in": np.array([[1, 0], [True, False]])})
    with pytest.raises(ValueError, match="spikes must be 0 or 1"):  # the chip itself agrees
        chip = ChipBackend.emulator().Chip()
        chip.load(_net(weights=[[1, 0], [0, 1]]))
        chip.set_inputs("in", np.array([0, bad]))


# --- how the chip backend fails ---------------------------------------------------------------
def test_a_missing_emulator_raises_backend_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    spec, _ = _limits_spec()
    monkeypatch.setattr(chip_module, "EMULATOR_MODULE", "firmware_sim_not_installed")
    with pytest.raises(BackendUnavailableError, match="cannot import the chip emulator"):
        make_backend("chip", spec)


def test_a_network_the_mapper_refuses_raises_resource_error() -> None:
    # 5000 input axons onto one core: over the 4096 input-axon budget of a Loihi core.
    pop = Population("p", 1, du=0, dv=0, vth=10)
    conn = DenseConnection("wide", "in", "p", np.ones((1, 5000), dtype=np.int64))
    spec = NetworkSpec([pop], [conn], [InputPort("in", 5000)])
    make_backend("fixed", spec)  # the host's own check is necessary conditions only
    with pytest.raises(ResourceError, match=r"input axons > 4096 axon budget .*'wide' 5000"):
        make_backend("chip", spec)


def test_state_is_not_supported_and_says_why() -> None:
    spec, _ = _limits_spec()
    be = make_backend("chip", spec)
    for call in (be.get_state, lambda: be.set_state({})):
        with pytest.raises(NotSupportedError, match=r"state.*pending synaptic input"):
            call()


def test_network_dict_is_plain_and_keeps_sign_mode_inference_on_the_chip() -> None:
    spec, _ = _limits_spec()
    d = network_dict(spec)
    assert [c["sign_mode"] for c in d["connections"]] == ["mixed", None, None]
    assert d["populations"][0]["u_init"] == [2**23 - 1000, -(2**23) + 1000]
    assert d["connections"][1]["synapses"] == [[0, 1, -200], [1, 0, 100]]
    assert ChipBackend.emulator().parse_network(d).connections[1].sign_mode.value == "mixed"
