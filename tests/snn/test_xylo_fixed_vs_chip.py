"""Xylo: fixed ≡ chip, bit for bit, on random networks (hypothesis) and hand-built extremes.

Random Xylo networks: one or two input ports, one or two hidden populations (31 spikes per
step, aliases, two synapses) and output populations, dense and sparse connections of every
kind Xylo has (input → hidden, hidden ⇄ hidden including self-connections, hidden → output),
every shift and decay, thresholds including 0, negatives and the int16 ends, biases at the int16
ends, input counts up to 255 (clipped to 15) and, half of the time, shift 7 and dense events that
drive every state into saturation and counts to the cap of 31. Spike counts, ``u``, ``u2`` and
``v`` must agree at every step through ``run`` (the chip in two calls) and ``step``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurolink.snn import (
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

S16 = (-32768, 32767)
VARS = ("spikes", "u", "u2", "v")


def edgy(lo: int, hi: int, *extra: int) -> st.SearchStrategy[int]:
    ends = {lo, lo + 1, hi - 1, hi, 0, *extra}
    return st.one_of(st.sampled_from(sorted(x for x in ends if lo <= x <= hi)), st.integers(lo, hi))


@st.composite
def population(draw: st.DrawFn, name: str, hidden: bool, hot: bool) -> Population:
    n = draw(st.integers(1, 5 if hidden else 4))  # two output populations fit Xylo's 8

    def vec(strategy: st.SearchStrategy[int]) -> list[int]:
        return draw(st.lists(strategy, min_size=n, max_size=n))

    dash = edgy(0, 15, 1, 4) if not hot else st.integers(0, 3)
    thr = st.one_of(edgy(*S16, 1, 2, -1, -100, 1000), st.integers(50, 5000))
    alias = [-1] * n
    if hidden and n > 1:
        alias = vec(st.integers(-1, n - 1))
        alias = [a if a != j else -1 for j, a in enumerate(alias)]
    return Population(
        name,
        n,
        du=vec(dash),
        du2=vec(dash) if hidden else 0,
        dv=vec(dash),
        vth=vec(thr),
        bias_mant=vec(st.one_of(st.just(0), edgy(*S16))),
        alias=alias,
        max_spikes=31 if hidden else 1,
    )


@st.composite
def connection(draw, name, src, n_pre, dst, n_post, shift, synapse):
    weight = edgy(-128, 127, -1, 1)
    common = {"weight_exp": shift, "synapse": synapse}
    if draw(st.booleans()):
        w = draw(st.lists(weight, min_size=n_pre * n_post, max_size=n_pre * n_post))
        return DenseConnection(name, src, dst, np.reshape(w, (n_post, n_pre)), **common)
    pair = st.tuples(st.integers(0, n_pre - 1), st.integers(0, n_post - 1))
    pairs = draw(st.lists(pair, max_size=n_pre * n_post, unique=True))
    w = draw(st.lists(weight, min_size=len(pairs), max_size=len(pairs)))
    return SparseConnection(name, src, dst, [p for p, _ in pairs], [q for _, q in pairs], w,
                            **common)  # fmt: skip


@st.composite
def network(draw: st.DrawFn) -> tuple[NetworkSpec, dict[str, np.ndarray]]:
    hot = draw(st.booleans())
    ports = [InputPort(f"in{k}", draw(st.integers(1, 4))) for k in range(draw(st.integers(1, 2)))]
    hidden = [draw(population(f"h{k}", True, hot)) for k in range(draw(st.integers(1, 2)))]
    outputs = [draw(population(f"o{k}", False, hot)) for k in range(draw(st.integers(1, 2)))]
    shift = {m: draw(st.integers(0, 7) if not hot else st.integers(5, 7)) for m in ("i", "r", "o")}
    size = {p.name: p.n for p in (*ports, *hidden, *outputs)}
    triples = [(p.name, h.name, s, "i") for p in ports for h in hidden for s in (0, 1)]
    triples += [(a.name, b.name, s, "r") for a in hidden for b in hidden for s in (0, 1)]
    triples += [(h.name, o.name, 0, "o") for h in hidden for o in outputs]
    chosen = [t for t in triples if draw(st.booleans())] or [triples[0]]
    conns = [
        draw(connection(f"c{k}", s, size[s], t, size[t], shift[m], syn))
        for k, (s, t, syn, m) in enumerate(chosen)
    ]
    pops = [*hidden, *outputs]
    if draw(st.booleans()):
        pops = pops[::-1]  # spec order need not be layer order
    probes = [Probe(p.name, v) for p in pops for v in VARS]
    spec = NetworkSpec(pops, conns, ports, probes, profile="xylo")
    T = draw(st.integers(1, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    density = 1.0 if hot else draw(st.sampled_from([0.0, 0.1, 0.5]))
    top = draw(st.sampled_from([1, 15, 255]))
    x = {p.name: (rng.random((T, p.n)) < density) * rng.integers(1, top + 1, (T, p.n))
         for p in ports}  # fmt: skip
    return spec, x


def assert_equal_probes(fixed: dict[str, np.ndarray], chip: dict[str, np.ndarray]) -> None:
    assert fixed.keys() == chip.keys()
    for key in fixed:
        a, b = np.asarray(fixed[key]), np.asarray(chip[key])
        assert a.shape == b.shape and a.dtype == b.dtype, key
        if not np.array_equal(a, b):
            k, i = (int(x) for x in np.argwhere(a != b)[0])
            pytest.fail(f"{key}: step {k}, neuron {i}: fixed {a[k, i]}, chip {b[k, i]}")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network(), st.floats(0, 1))
def test_run_fixed_equals_chip_on_random_xylo_networks(case, split: float) -> None:
    spec, x = case
    T = next(iter(x.values())).shape[0]
    want = make_backend("fixed", spec).run(T, x)
    chip = make_backend("chip", spec)
    k = int(split * T)
    first = chip.run(k, {p: r[:k] for p, r in x.items()})
    second = chip.run(T - k, {p: r[k:] for p, r in x.items()})
    assert_equal_probes(want, {key: np.concatenate([first[key], second[key]]) for key in want})
    chip.reset()
    assert_equal_probes(want, chip.run(T, x))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network())
def test_step_by_step_fixed_equals_chip_on_random_xylo_networks(case) -> None:
    spec, x = case
    T = next(iter(x.values())).shape[0]
    fixed, chip = make_backend("fixed", spec), make_backend("chip", spec)
    for t in range(T):
        row = {p: r[t] for p, r in x.items()}
        s_fixed, s_chip = fixed.step(row), chip.step(row)
        state = fixed.get_state()
        for p in spec.populations:
            assert np.array_equal(s_fixed[p.name], s_chip[p.name]), (t, p.name)
            assert s_chip[p.name].dtype == s_fixed[p.name].dtype == np.uint8
            regs = chip.read_state(p.name)
            for var in ("u", "u2", "v"):
                assert np.array_equal(state[f"{p.name}.{var}"], regs[var]), (t, p.name, var)
    assert chip.t == T


def _extremes() -> tuple[NetworkSpec, np.ndarray]:
    """Hand-built: saturation both ways, the 31-spike cap, aliases up and down the order."""
    hidden = Population(
        "h", 4, du=[0, 15, 2, 1], du2=[15, 0, 3, 1], dv=[0, 15, 1, 4], vth=[1, 100, 0, 5000],
        bias_mant=[0, 32767, -32768, 0], alias=[2, -1, 1, -1], max_spikes=31,
    )  # fmt: skip
    out = Population("o", 2, du=[15, 1], dv=[15, 0], vth=[1, 32767], bias_mant=[0, 32767])
    conns = [
        DenseConnection("in_h", "in", "h", [[127, -128], [127, 127], [-128, 127], [127, 0]], 7),
        DenseConnection(
            "in_h2", "in", "h", [[127, 0], [0, -128], [127, 127], [0, 127]], 7, synapse=1
        ),
        DenseConnection("rec", "h", "h", np.full((4, 4), -100), 7),
        DenseConnection("h_o", "h", "o", [[127, 127, 127, 127], [-128, 0, 0, 127]], 7),
    ]
    probes = [Probe(p, v) for p in ("h", "o") for v in VARS]
    spec = NetworkSpec([hidden, out], conns, [InputPort("in", 2)], probes, profile="xylo")
    x = np.zeros((40, 2), dtype=np.int64)
    x[::2, 0], x[1::3, 1], x[5] = 255, 15, [3, 200]
    return spec, x


def test_hand_built_extremes_reach_every_limit_and_agree() -> None:
    spec, x = _extremes()
    want = make_backend("fixed", spec).run(40, {"in": x})
    assert_equal_probes(want, make_backend("chip", spec).run(40, {"in": x}))
    # neuron 1 (dash_syn 15): saturated at +32767 / −32768, then decayed by one step of D:
    # 32767 − max(1, 32767 >> 15) = 32766 and −32768 − (−32768 >> 15) = −32767
    assert want["h.u"][:, 1].max() == 32766 and want["h.u"][:, 1].min() == -32767
    assert want["o.u"][:, 0].max() == 32766  # the output synapse saturates too
    assert want["h.v"].min() == S16[0]  # v clamped at −32768 (bias −32768 on neuron 2)
    assert want["h.spikes"].max() == 31  # the cap
    assert want["o.spikes"].max() == 1  # outputs: one spike per step


def test_xylo_chip_refuses_too_many_neurons_and_real_values() -> None:
    big = Population("h", 1001, du=0, dv=0, vth=1, max_spikes=31)
    out = Population("o", 1, du=0, dv=0, vth=1)
    conns = [DenseConnection("i", "in", "h", np.ones((1001, 1))),
             DenseConnection("o", "h", "o", np.ones((1, 1001)))]  # fmt: skip
    spec = NetworkSpec([big, out], conns, [InputPort("in", 1)], profile="xylo")
    make_backend("fixed", spec)  # the host runs what the chip cannot hold
    with pytest.raises(ResourceError, match="xylo: 1001 hidden neurons exceed the chip's 1000"):
        make_backend("chip", spec)
    real = Population("h", 1, du=0.5, dv=0, vth=1, max_spikes=31)
    spec = NetworkSpec([real], [], [InputPort("in", 1)], profile="xylo")
    with pytest.raises(NotSupportedError, match="real_valued"):
        make_backend("chip", spec)


@pytest.mark.parametrize("kind", ["fixed", "chip", "float"])
def test_input_counts_beyond_255_are_refused_everywhere(kind: str) -> None:
    spec, _ = _extremes()
    be = make_backend(kind, spec)
    with pytest.raises(SpecError, match=r"input counts must be integers in 0\.\.255, got 256"):
        be.run(2, {"in": np.array([[0, 0], [256, 0]])})
    with pytest.raises(SpecError, match=r"got -1 at index 1"):
        be.step({"in": np.array([0, -1])})
