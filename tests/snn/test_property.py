"""Property-based: the fixed backend against a slow, obviously-correct pure-Python reference.

The reference follows DESIGN §3 one statement per line, on Python ints (unbounded, so nothing
overflows by accident), over whole networks: several populations, dense and sparse, feed-forward
and recurrent connections. Hypothesis draws parameters over their full ranges, with the extremes
and states near the 24-bit limits favoured.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurolink.snn import (
    DenseConnection,
    InputPort,
    NetworkSpec,
    Population,
    Probe,
    SparseConnection,
    make_backend,
)


# --- the reference --------------------------------------------------------------------------
def ref_truncate(w: int, bits: int, mode: str) -> int:
    mixed = 1 if mode == "mixed" else 0
    if mode == "inhibitory":
        w = -w
    w = min(max(w, -256 * mixed), 255)
    t = 8 - bits + mixed
    w = (w >> t) << t  # Python's >> on ints is an arithmetic (floor) shift
    if mode == "inhibitory":
        w = -w
    return w


def sign(x: int) -> int:
    return (x > 0) - (x < 0)


def ref_run(spec: NetworkSpec, raster: np.ndarray) -> dict[str, list[list[int]]]:
    """Spikes, u and v of every population after each step (lists of Python ints)."""
    pops = spec.populations
    u = {p.name: [int(x) for x in p.u0] for p in pops}
    v = {p.name: [int(x) for x in p.v0] for p in pops}
    a_buf = {p.name: [0] * p.n for p in pops}
    syn = []  # (source, target, weight_exp, [(pre, post, truncated w)])
    for c in spec.connections:
        mode = c.resolved_sign_mode.value
        if isinstance(c, DenseConnection):
            w = np.asarray(c.weights)
            items = [(j, i, int(w[i, j])) for i in range(w.shape[0]) for j in range(w.shape[1])]
        else:
            items = [(int(j), int(i), int(x)) for j, i, x in zip(c.pre, c.post, c.w, strict=True)]
        stored = [(j, i, ref_truncate(x, c.num_weight_bits, mode)) for j, i, x in items]
        syn.append((c.source, c.target, c.weight_exp, stored))
    out: dict[str, list[list[int]]] = {}
    for t in range(raster.shape[0]):
        spiked = {spec.inputs[0].name: [bool(x) for x in raster[t]]}
        for p in pops:
            s_row = []
            for i in range(p.n):
                a = a_buf[p.name][i]
                bias = int(p.bias_mant[i]) << int(p.bias_exp[i])
                x = u[p.name][i] * (4096 - (int(p.du[i]) + 1))
                x = sign(x) * (abs(x) >> 12)
                x = x + (a << 6)
                if x > 2**23:
                    x = x - 2**24
                elif x <= -(2**23):
                    x = x + 2**24
                u[p.name][i] = x
                y = v[p.name][i] * (4096 - int(p.dv[i]))
                y = sign(y) * (abs(y) >> 12)
                v[p.name][i] = min(max(y + u[p.name][i] + bias, -(2**23 - 1)), 2**23 - 1)
                spike = v[p.name][i] > (int(p.vth[i]) << 6)
                if spike:
                    v[p.name][i] = 0
                s_row.append(spike)
            spiked[p.name] = s_row
        new_buf = {p.name: [0] * p.n for p in pops}
        for source, target, e, items in syn:
            acc = [0] * len(new_buf[target])
            for j, i, w in items:
                if spiked[source][j]:
                    acc[i] += w
            for i, s in enumerate(acc):
                new_buf[target][i] += (s << e) if e > 0 else (s >> -e)
        a_buf = new_buf
        for p in pops:
            for var, vals in (("spikes", [int(x) for x in spiked[p.name]]),
                              ("u", list(u[p.name])), ("v", list(v[p.name]))):  # fmt: skip
                out.setdefault(f"{p.name}.{var}", []).append(vals)
    return out


# --- strategies -----------------------------------------------------------------------------
def edgy(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Integers in lo..hi with the ends and their neighbours favoured."""
    ends = [lo, lo + 1, hi - 1, hi, 0] if lo <= 0 <= hi else [lo, lo + 1, hi - 1, hi]
    return st.one_of(st.sampled_from([x for x in ends if lo <= x <= hi]), st.integers(lo, hi))


U_LO, U_HI = -(2**23) + 1, 2**23
V_LIM = 2**23 - 1


@st.composite
def population(draw: st.DrawFn, name: str) -> Population:
    n = draw(st.integers(1, 4))
    vec = lambda lo, hi: draw(st.lists(edgy(lo, hi), min_size=n, max_size=n))  # noqa: E731
    return Population(
        name,
        n,
        du=vec(0, 4095),
        dv=vec(0, 4095),
        vth=vec(0, 131071),
        bias_mant=vec(-4096, 4095),
        bias_exp=vec(0, 7),
        u0=vec(U_LO, U_HI),
        v0=vec(-V_LIM, V_LIM),
    )


@st.composite
def connection(draw: st.DrawFn, name: str, src: str, n_pre: int, dst: str, n_post: int):
    common = {
        "weight_exp": draw(edgy(-8, 7)),
        "num_weight_bits": draw(edgy(1, 8)),
        "sign_mode": draw(st.sampled_from([None, None, "excitatory", "inhibitory", "mixed"])),
    }
    if draw(st.booleans()):
        w = draw(st.lists(edgy(-256, 255), min_size=n_pre * n_post, max_size=n_pre * n_post))
        return DenseConnection(name, src, dst, np.reshape(w, (n_post, n_pre)), **common)
    pair = st.tuples(st.integers(0, n_pre - 1), st.integers(0, n_post - 1))
    pairs = draw(st.lists(pair, max_size=min(8, n_pre * n_post), unique=True))  # one per pair
    pre, post = [p for p, _ in pairs], [q for _, q in pairs]
    w = draw(st.lists(edgy(-256, 255), min_size=len(pairs), max_size=len(pairs)))
    return SparseConnection(name, src, dst, pre, post, w, **common)


@st.composite
def network(draw: st.DrawFn) -> tuple[NetworkSpec, np.ndarray]:
    n_in = draw(st.integers(1, 5))
    pops = [draw(population("a"))]
    if draw(st.booleans()):
        pops.append(draw(population("b")))
    size = {"in": n_in} | {p.name: p.n for p in pops}
    pairs = [("in", "a")] + [
        (s, t) for s in size for t in size if t != "in" and (s, t) != ("in", "a")
    ]
    chosen = [("in", "a")] + [pq for pq in pairs[1:] if draw(st.booleans())]
    conns = [draw(connection(f"c{k}", s, size[s], t, size[t])) for k, (s, t) in enumerate(chosen)]
    probes = [Probe(p.name, v) for p in pops for v in ("spikes", "u", "v")]
    spec = NetworkSpec(pops, conns, [InputPort("in", n_in)], probes)
    T = draw(st.integers(1, 12))
    density = draw(st.sampled_from([0.0, 0.3, 1.0]))
    bits = draw(st.lists(st.floats(0, 1), min_size=T * n_in, max_size=T * n_in))
    return spec, np.reshape(np.asarray(bits) < density, (T, n_in))


# --- properties -----------------------------------------------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network())
def test_fixed_matches_the_reference_on_random_networks(case) -> None:
    spec, x = case
    got = make_backend("fixed", spec).run(x.shape[0], {"in": x})
    want = ref_run(spec, x)
    for key, rows in want.items():
        assert np.asarray(got[key]).astype(np.int64).tolist() == rows, key


@settings(max_examples=50, deadline=None)
@given(network())
def test_fixed_step_by_step_matches_the_reference(case) -> None:
    spec, x = case
    be = make_backend("fixed", spec)
    want = ref_run(spec, x)
    for t in range(x.shape[0]):
        spikes = be.step({"in": x[t]})
        state = be.get_state()
        for p in spec.populations:
            assert spikes[p.name].astype(int).tolist() == want[f"{p.name}.spikes"][t]
            assert state[f"{p.name}.u"].tolist() == want[f"{p.name}.u"][t]
            assert state[f"{p.name}.v"].tolist() == want[f"{p.name}.v"][t]
