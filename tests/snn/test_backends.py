"""The Backend interface: step ≡ run, state round trip, and each backend's "not supported" list.

The not-supported list is checked both ways: a listed feature raises NotSupportedError, an
unlisted one works.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from neurolink.snn import (
    Backend,
    BackendKind,
    DenseConnection,
    Feature,
    InputPort,
    NetworkSpec,
    NotSupportedError,
    Population,
    Probe,
    SparseConnection,
    SpecError,
    make_backend,
    not_supported,
)

HOST_BACKENDS = ["fixed", "float"]
ALL_BACKENDS = [k.value for k in BackendKind]


def recurrent_spec(seed: int = 0) -> NetworkSpec:
    """in(4) → a(5) dense, a → b(3) sparse, b → a dense inhibitory: every path of the kernels."""
    rng = np.random.default_rng(seed)
    pops = [
        Population("a", 5, du=rng.integers(0, 4096, 5), dv=300, vth=rng.integers(50, 200, 5),
                   bias_mant=rng.integers(-50, 200, 5), bias_exp=3, u0=rng.integers(-999, 999, 5)),
        Population("b", 3, du=100, dv=rng.integers(0, 4096, 3), vth=80, bias_mant=7, bias_exp=4),
    ]  # fmt: skip
    pre, post = np.divmod(rng.choice(5 * 3, 12, replace=False), 3)  # 12 distinct (pre, post)
    conns = [
        DenseConnection("in_a", "in", "a", rng.integers(-100, 256, (5, 4)), weight_exp=3),
        SparseConnection("a_b", "a", "b", pre, post, rng.integers(0, 256, 12),
                         weight_exp=2, num_weight_bits=6),
        DenseConnection("b_a", "b", "a", -rng.integers(0, 256, (5, 3)), weight_exp=-1),
    ]  # fmt: skip
    probes = [Probe(p, v) for p in ("a", "b") for v in ("spikes", "u", "v")]
    return NetworkSpec(pops, conns, [InputPort("in", 4)], probes)


def raster(T: int, n: int = 4, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).random((T, n)) < 0.3


@pytest.mark.parametrize("kind", HOST_BACKENDS)
def test_step_T_times_equals_run_T(kind: str) -> None:
    spec, x = recurrent_spec(), raster(60)
    batch = make_backend(kind, spec).run(60, {"in": x})
    assert batch["a.spikes"].any() and batch["b.spikes"].any()  # the case exercises spikes
    be = make_backend(kind, spec)
    for t in range(60):
        spikes = be.step({"in": x[t]})
        state = be.get_state()
        for pop in ("a", "b"):
            assert np.array_equal(spikes[pop], batch[f"{pop}.spikes"][t])
            assert np.array_equal(state[f"{pop}.u"], batch[f"{pop}.u"][t])
            assert np.array_equal(state[f"{pop}.v"], batch[f"{pop}.v"][t])
    assert int(be.get_state()["t"]) == 60


@pytest.mark.parametrize("kind", HOST_BACKENDS)
def test_state_round_trip_and_reset(kind: str) -> None:
    spec, x = recurrent_spec(), raster(40)
    be = make_backend(kind, spec)
    first = be.run(40, {"in": x})
    be.reset()
    be.run(20, {"in": x[:20]})
    saved = be.get_state()
    tail = be.run(20, {"in": x[20:]})
    be.run(7, {"in": x[:7]})  # wander off, then restore
    be.set_state(saved)
    again = be.run(20, {"in": x[20:]})
    for key in tail:
        assert np.array_equal(tail[key], again[key]), key
        assert np.array_equal(first[key][20:], tail[key]), key  # run continues the state


def test_step_returns_fresh_arrays_and_checks_inputs() -> None:
    be = make_backend("fixed", recurrent_spec())
    out = be.step({"in": np.ones(4, bool)})
    kept = out["a"].copy()
    be.step({"in": np.ones(4, bool)})
    assert np.array_equal(out["a"], kept)
    with pytest.raises(SpecError, match="unknown input port 'inn'"):
        be.step({"inn": np.ones(4, bool)})
    with pytest.raises(SpecError, match=r"input port 'in': expected shape \(4,\)"):
        be.step({"in": np.ones(3, bool)})
    with pytest.raises(SpecError, match=r"expected a raster of shape \(T, n\) = \(5, 4\)"):
        be.run(5, {"in": np.ones((4, 4), bool)})
    with pytest.raises(SpecError, match=r"set_state: missing 'a\.u'"):
        be.set_state({"t": 0})
    with pytest.raises(RuntimeError, match="call load"):
        make_backend("fixed").step()
    with pytest.raises(SpecError, match="unknown backend 'gpu'; known backends: float, fixed"):
        make_backend("gpu")


@pytest.mark.parametrize("kind", ALL_BACKENDS)
def test_every_backend_implements_the_protocol(kind: str) -> None:
    be = make_backend(kind)
    assert isinstance(be, Backend)
    assert be.kind is BackendKind(kind)
    assert not_supported(kind) == be.not_supported


def test_float_backend_follows_the_same_dynamics_without_rounding() -> None:
    pop = Population("p", 1, du=1023, dv=2048, vth=BIG, bias_mant=3, bias_exp=2, u0=-1001)
    out = make_backend("float", NetworkSpec([pop], probes=[Probe("p", "u"), Probe("p", "v")]))
    res = out.run(2)
    # u keeps 1 − (1023 + 1)/4096 = 0.75: −1001 → −750.75 → −563.0625 (no rounding)
    assert res["p.u"][:, 0].tolist() == [-750.75, -563.0625]
    # v keeps 1 − 2048/4096 = 0.5; bias = 3·2**2 = 12: v1 = −750.75 + 12; v2 = v1/2 − 563.0625 + 12
    assert res["p.v"][:, 0].tolist() == [-738.75, -738.75 / 2 - 563.0625 + 12]


BIG = 131071


# --- the "not supported" lists, checked both ways ---------------------------------------------
def _pop(name: str, n: int = 2) -> Population:
    return Population(name, n, du=100, dv=100, vth=10, bias_mant=40)


def _simple(**kw) -> NetworkSpec:
    base = dict(
        populations=[_pop("p")],
        connections=[DenseConnection("c", "in", "p", [[100, 0], [0, 100]])],
        inputs=[InputPort("in", 2)],
        probes=[Probe("p", "spikes")],
    )
    return NetworkSpec(**(base | kw))


def _two_pops() -> NetworkSpec:
    conns = [DenseConnection(f"c{q}", "in", q, [[1, 0], [0, 1]]) for q in "pq"]
    return _simple(populations=[_pop("p"), _pop("q")], connections=conns)


def _two_ports() -> NetworkSpec:
    conns = [DenseConnection(f"c{i}", i, "p", [[1, 0], [0, 1]]) for i in ("in", "in2")]
    return _simple(inputs=[InputPort("in", 2), InputPort("in2", 2)], connections=conns)


def _sparse() -> NetworkSpec:
    return _simple(connections=[SparseConnection("c", "in", "p", [0, 1], [1, 0], [50, 60])])


def _recurrent() -> NetworkSpec:
    conns = [DenseConnection("c", "in", "p", [[1, 0], [0, 1]]),
             DenseConnection("r", "p", "p", [[0, 5], [5, 0]])]  # fmt: skip
    return _simple(connections=conns)


def _real() -> NetworkSpec:
    return _simple(populations=[Population("p", 2, du=100, dv=100, vth=10.5)])


def _continue(kind: str) -> None:
    be = make_backend(kind, _simple())
    be.run(3, {"in": np.ones((3, 2), bool)})
    be.run(3, {"in": np.ones((3, 2), bool)})


FEATURE_CASES: dict[Feature, Callable[[str], object]] = {
    Feature.STEP: lambda k: make_backend(k, _simple()).step({"in": np.ones(2, bool)}),
    Feature.STATE: lambda k: make_backend(k, _simple()).get_state(),
    Feature.CONTINUE_RUN: _continue,
    Feature.MULTI_POPULATION: lambda k: make_backend(k, _two_pops()).run(3),
    Feature.MULTI_PORT: lambda k: make_backend(k, _two_ports()).run(3),
    Feature.SPARSE: lambda k: make_backend(k, _sparse()).run(3),
    Feature.RECURRENT: lambda k: make_backend(k, _recurrent()).run(3),
    Feature.REAL_VALUED: lambda k: make_backend(k, _real()).run(3),
}


def test_every_feature_has_a_case() -> None:
    assert set(FEATURE_CASES) == set(Feature)


@pytest.mark.parametrize("feature", list(Feature), ids=lambda f: f.value)
@pytest.mark.parametrize("kind", ALL_BACKENDS)
def test_not_supported_list_is_exact(kind: str, feature: Feature) -> None:
    if feature in not_supported(kind):
        with pytest.raises(NotSupportedError, match=feature.value):
            FEATURE_CASES[feature](kind)
    else:
        FEATURE_CASES[feature](kind)  # a missing emulator fails here (BackendUnavailableError)
