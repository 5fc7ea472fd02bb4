"""Quantizer: parameter mapping by hand, weight error, and float-vs-fixed agreement on rates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurolink.snn import InputPort, make_backend
from neurolink.snn.coding import RateEncoder
from neurolink.snn.metrics import firing_rates, rate_error, van_rossum_distance
from neurolink.snn.quantize import FloatConnection, FloatNetwork, FloatPopulation, quantize

#: Stated tolerance: population rates of the 8-bit quantized network within 5 % of float.
RATE_TOLERANCE = 0.05
T = 4000


def two_layer(seed: int = 3) -> tuple[FloatNetwork, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_in, n, m = 20, 30, 10
    pops = [
        FloatPopulation("h", n, tau_u=5.0, tau_v=rng.uniform(10, 30, n), vth=1.0),
        FloatPopulation("o", m, tau_u=8.0, tau_v=20.0, vth=1.0, bias=0.001),
    ]
    conns = [
        FloatConnection("ih", "in", "h", rng.normal(0.02, 0.05, (n, n_in))),
        FloatConnection("ho", "h", "o", rng.normal(0.02, 0.1, (m, n))),
    ]
    net = FloatNetwork(pops, conns, [InputPort("in", n_in)], dt_ms=1.0)
    x = RateEncoder(n_in, dt_ms=1.0, seed=seed).encode(rng.uniform(5, 60, n_in), T)
    return net, x


def test_decay_codes_and_threshold_by_hand() -> None:
    pop = FloatPopulation("p", 1, tau_u=5.0, tau_v=20.0, vth=2.0, bias=0.0)
    net = FloatNetwork([pop], dt_ms=1.0)
    q = quantize(net)
    p = q.spec.populations[0]
    # τ_u = 5 ms: 1 − e^(−0.2) = 0.181269; ·4096 = 742.48 → 742; the chip decays u by
    # (du + 1)/4096 (ds_offset = 1), so du = 741
    assert int(p.du[0]) == 741
    # τ_v = 20 ms: 1 − e^(−0.05) = 0.048771; ·4096 = 199.77 → dv = 200 (dm_offset = 0)
    assert int(p.dv[0]) == 200
    # only vth limits the scale: vth mantissa at its top, 131071 (×64 = 2**23 − 64 ≈ 2.0·s)
    assert int(p.vth[0]) == 131071
    assert q.scale["p"] == pytest.approx(131071 * 64 / 2.0)
    ideal = q.ideal.populations[0]
    assert float(ideal.du[0]) == pytest.approx(4096 * (1 - math.exp(-0.2)) - 1)


def test_no_decay_maps_to_the_smallest_decay_and_is_reported_as_ideal_minus_one() -> None:
    q = quantize(FloatNetwork([FloatPopulation("p", 1, math.inf, math.inf, vth=1.0)]))
    assert int(q.spec.populations[0].du[0]) == 0  # chip: still 1/4096 per step
    assert float(q.ideal.populations[0].du[0]) == -1.0  # ideal: no decay at all
    assert int(q.spec.populations[0].dv[0]) == 0


def test_weights_keep_precision_and_land_on_the_truncation_grid() -> None:
    net, x = two_layer()
    q = quantize(net, {"in": x})
    for c, ci in zip(q.spec.connections, q.ideal.connections, strict=True):
        w, ideal = np.asarray(c.weights), np.asarray(ci.weights)
        assert c.sign_mode == "mixed" and np.all(w % 2 == 0)  # 8-bit mixed: even mantissas
        assert np.abs(ideal).max() > 127  # the exponent is the smallest that fits: ≥ 7 bits used
        assert np.abs(w - ideal).max() <= 1.0 + 1e-9  # rounded to the nearest of the grid
    err = q.weight_errors()
    assert all(e["max_relative"] < 0.01 for e in err.values())
    coarse = quantize(net, {"in": x}, num_weight_bits=4).weight_errors()
    assert all(coarse[k]["rms_relative"] > err[k]["rms_relative"] for k in err)


def test_float_and_fixed_rates_agree_within_tolerance() -> None:
    net, x = two_layer()
    q = quantize(net, {"in": x})
    report = q.report({"in": x}, T, tau_ms=10.0)
    for pop, r in report.rates.items():
        assert r["reference_hz"] > 5.0, pop  # the network is active
        assert r["relative"] < RATE_TOLERANCE, (pop, r)
    assert set(report.van_rossum) == {"h", "o"}
    assert "rates h" in report.summary()


def test_scale_keeps_the_state_within_headroom() -> None:
    net, x = two_layer()
    q = quantize(net, {"in": x}, headroom=0.25)
    spec = q.spec
    probes = [{"target": p, "variable": v} for p in ("h", "o") for v in ("u", "v")]
    from neurolink.snn import NetworkSpec

    d = spec.to_dict() | {"probes": probes}
    out = make_backend("fixed", NetworkSpec.from_dict(d)).run(T, {"in": x})
    for key, arr in out.items():
        assert np.abs(arr).max() <= 0.26 * 2**23, key


def test_metrics() -> None:
    a = np.zeros((200, 2), bool)
    b = a.copy()
    b[10, 1] = True
    d = van_rossum_distance(a, b, tau_ms=10.0, dt_ms=1.0)
    k = math.exp(-0.1)
    assert d[0] == 0.0
    assert d[1] == pytest.approx(math.sqrt(0.1 / (1 - k * k)))  # one unmatched spike ≈ 1/√2
    assert firing_rates(b, dt_ms=1.0).tolist() == [0.0, 5.0]  # 1 spike in 200 ms
    r = rate_error(b, b, 1.0)
    assert r["relative"] == 0.0 and r["mean_abs_hz"] == 0.0
