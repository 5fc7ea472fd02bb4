"""The chip against a direct transcription of DESIGN.md §3, on random recurrent networks.

The reference below is written from the design text alone (dense matrices, whole-network
vectors, no cores, no router), so it checks the emulator's timing of recurrent spikes and its
per-connection ``weight_exp`` shift, beyond the golden files (which have one input connection).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from .fw_helpers import run


def _truncate(w: np.ndarray, mode: str, bits: int) -> np.ndarray:
    mixed = 1 if mode == "mixed" else 0
    w = -w if mode == "inhibitory" else w
    w = np.clip(w, -256 * mixed, 255)
    t = 8 - bits + mixed
    w = (w >> t) << t
    return -w if mode == "inhibitory" else w


def _mode(w: np.ndarray) -> str:
    return "excitatory" if w.min() >= 0 else "inhibitory" if w.max() <= 0 else "mixed"


def _toward_zero(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * (np.abs(x) >> 12)


def _reference(p: dict, conns: list[dict], raster: np.ndarray) -> dict[str, np.ndarray]:
    """One population 'a' fed by 'in' and by itself; returns spikes, u, v (T x n)."""
    n, steps = p["size"], raster.shape[0]
    du, dv, vth = (np.asarray(p[k], dtype=np.int64) for k in ("du", "dv", "vth"))
    bias = np.asarray(p["bias_mant"], dtype=np.int64) << np.asarray(p["bias_exp"])
    u, v = np.zeros(n, np.int64), np.zeros(n, np.int64)
    a_buf = [np.zeros(n, np.int64) for _ in conns]
    w = [
        _truncate(np.asarray(c["weights"]), _mode(np.asarray(c["weights"])), c["bits"])
        for c in conns
    ]
    s = np.zeros(n, bool)
    out = {k: np.zeros((steps, n), np.int64) for k in ("spikes", "u", "v")}
    for t in range(steps):
        a = sum(a_buf)  # computed at step t - 1
        x = _toward_zero(u * (4096 - (du + 1))) + (a << 6)
        u = np.where(x > 2**23, x - 2**24, np.where(x <= -(2**23), x + 2**24, x))
        y = _toward_zero(v * (4096 - dv))
        v = np.clip(y + u + bias, -(2**23 - 1), 2**23 - 1)
        s = v > (vth << 6)
        v[s] = 0
        pre_spikes = {"in": raster[t].astype(bool), "a": s}
        for i, c in enumerate(conns):
            acc = w[i][:, pre_spikes[c["pre"]]].sum(axis=1)
            e = c["weight_exp"]
            a_buf[i] = acc << e if e > 0 else acc >> -e
        out["spikes"][t], out["u"][t], out["v"][t] = s, u, v
    return out


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_recurrent_network_matches_design_transcription(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, n_in, steps = int(rng.integers(1, 7)), int(rng.integers(1, 5)), 30
    pop = {
        "name": "a",
        "size": n,
        "du": rng.integers(0, 4096, n).tolist(),
        "dv": rng.integers(0, 4096, n).tolist(),
        "vth": rng.integers(0, 300, n).tolist(),
        "bias_mant": rng.integers(-4096, 4096, n).tolist(),
        "bias_exp": rng.integers(0, 8, n).tolist(),
    }
    conns = []
    for pre, n_pre in (("in", n_in), ("a", n), ("a", n)):
        w = rng.integers(-256, 256, (n, n_pre))
        if rng.random() < 0.4:
            w = np.abs(w).clip(max=255) * (1 if rng.random() < 0.5 else -1)
        conns.append(
            {
                "pre": pre,
                "weights": w.tolist(),
                "weight_exp": int(rng.integers(-8, 8)),
                "bits": int(rng.integers(1, 9)),
            }
        )
    raster = (rng.random((steps, n_in)) < 0.5).astype(int)
    net = {
        "populations": [pop],
        "inputs": [{"name": "in", "size": n_in}],
        "connections": [
            {
                "name": f"c{i}",
                "pre": c["pre"],
                "post": "a",
                "weights": c["weights"],
                "weight_exp": c["weight_exp"],
                "num_weight_bits": c["bits"],
            }
            for i, c in enumerate(conns)
        ],
    }
    _, got = run(net, {"in": raster}, steps)
    want = _reference(pop, conns, raster)
    np.testing.assert_array_equal(got["a"], want["spikes"])
    np.testing.assert_array_equal(got["a.u"], want["u"])
    np.testing.assert_array_equal(got["a.v"], want["v"])
