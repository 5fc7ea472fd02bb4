"""Routing: the same network on one core and split over many cores computes the same."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_sim import LOIHI

from .fw_helpers import run


def _random_net(seed: int) -> tuple[dict, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    sizes = {"a": int(rng.integers(1, 9)), "b": int(rng.integers(1, 9))}

    def pop(name: str) -> dict:
        n = sizes[name]
        return {
            "name": name,
            "size": n,
            "du": rng.integers(0, 4096, n).tolist(),
            "dv": rng.integers(0, 4096, n).tolist(),
            "vth": rng.integers(0, 200, n).tolist(),
            "bias_mant": rng.integers(-300, 300, n).tolist(),
            "bias_exp": rng.integers(0, 4, n).tolist(),
        }

    def dense(pre: str, post: str, n_pre: int) -> dict:
        w = rng.integers(-256, 256, (sizes[post], n_pre))
        if rng.random() < 0.3:
            w = np.abs(w).clip(max=255) * (1 if rng.random() < 0.5 else -1)
        return {
            "pre": pre,
            "post": post,
            "weights": w.tolist(),
            "weight_exp": int(rng.integers(-3, 4)),
            "num_weight_bits": int(rng.integers(1, 9)),
        }

    def sparse(pre: str, post: str, n_pre: int) -> dict:
        pairs = [(i, j) for i in range(n_pre) for j in range(sizes[post]) if rng.random() < 0.5]
        syn = [[i, j, int(rng.integers(-256, 256))] for i, j in pairs]
        return {"pre": pre, "post": post, "synapses": syn, "weight_exp": int(rng.integers(-2, 3))}

    net = {
        "populations": [pop("a"), pop("b")],
        "inputs": [{"name": "in", "size": 4}],
        "connections": [
            dense("in", "a", 4),
            sparse("in", "b", 4),
            dense("a", "b", sizes["a"]),
            sparse("b", "a", sizes["b"]),
            {**dense("a", "a", sizes["a"]), "name": "a->a"},
        ],
    }
    raster = (rng.random((25, 4)) < 0.5).astype(int)
    return net, {"in": raster}


def _equal(x: dict[str, np.ndarray], y: dict[str, np.ndarray]) -> None:
    assert x.keys() == y.keys()
    for k in x:
        np.testing.assert_array_equal(x[k], y[k], err_msg=k)


def test_split_over_many_cores_matches_one_core() -> None:
    net, inputs = _random_net(0)
    chip1, one = run(net, inputs, 25)
    chip3, many = run(net, inputs, 25, LOIHI.resized(neurons_per_core=3))
    assert chip1.placement.cores_used == 1
    assert chip3.placement.cores_used > 2
    assert one["a"].any() and one["b"].any()
    _equal(one, many)
    assert chip1.counters.synaptic_ops == chip3.counters.synaptic_ops
    assert chip1.counters.spikes == chip3.counters.spikes


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), per_core=st.integers(1, 5))
def test_property_any_split_matches_one_core(seed: int, per_core: int) -> None:
    net, inputs = _random_net(seed)
    _, one = run(net, inputs, 25)
    _, many = run(net, inputs, 25, LOIHI.resized(neurons_per_core=per_core))
    _equal(one, many)
