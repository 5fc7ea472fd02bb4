"""The quantizer targets Xylo (and Loihi) from one float network, with its report."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.snn import InputPort, ResourceError, make_backend
from neurolink.snn.quantize import FloatConnection, FloatNetwork, FloatPopulation, quantize

# Time constants whose per-step retention is an exact Xylo shift: exp(−1/τ) = 1 − 2**−d, so
# the report measures the integer arithmetic, not the rounding of τ onto 4-bit shifts.
TAU_U = -1.0 / np.log(1.0 - 2.0**-2)  # 3.476 ms → d = 2
TAU_V = -1.0 / np.log(1.0 - 2.0**-4)  # 15.50 ms → d = 4


def _net(n_in: int = 8) -> FloatNetwork:
    rng = np.random.default_rng(3)
    pops = [
        FloatPopulation("hidden", 20, tau_u=TAU_U, tau_v=TAU_V, vth=1.0, max_spikes=31),
        FloatPopulation("out", 3, tau_u=TAU_U, tau_v=TAU_V, vth=1.0),
    ]
    conns = [
        FloatConnection("in_h", "in", "hidden", rng.normal(0.06, 0.1, (20, n_in))),
        FloatConnection("h_h", "hidden", "hidden", rng.normal(0.0, 0.05, (20, 20))),
        FloatConnection("h_o", "hidden", "out", rng.normal(0.01, 0.03, (3, 20))),
    ]
    return FloatNetwork(pops, conns, [InputPort("in", n_in)], dt_ms=1.0)


def _inputs(n_in: int = 8, T: int = 400) -> dict[str, np.ndarray]:
    return {"in": np.random.default_rng(4).random((T, n_in)) < 0.2}


def test_one_float_network_quantized_to_xylo_and_to_loihi_with_reports() -> None:
    net, x = _net(), _inputs()
    xy = quantize(net, x, profile="xylo")
    assert xy.spec.profile == "xylo"
    shifts = {c.name: c.weight_exp for c in xy.spec.connections}
    assert all(0 <= e <= 7 for e in shifts.values())
    for c in xy.spec.connections:  # int8 mantissas; decays are 4-bit shifts
        assert np.abs(np.asarray(c.weights)).max() <= 128
    hidden = xy.spec.populations[0]
    assert np.all(hidden.du == 2) and np.all(hidden.dv == 4) and np.all(hidden.max_spikes == 31)
    rep = xy.report(x, 400)
    assert set(rep.weights) == {"in_h", "h_h", "h_o"}
    for c in xy.spec.connections:  # rounding to the int8 grid: half a step of the top mantissa
        top = np.abs(np.asarray(c.weights)).max()
        assert rep.weights[c.name]["max_relative"] <= 0.5 / top + 1e-9, c.name
    for pop in ("hidden", "out"):
        assert 5 < rep.rates[pop]["reference_hz"] < 500, pop  # active, not saturated
        assert rep.rates[pop]["relative"] < 0.05, pop  # spike agreement, float ideal vs fixed
    fixed = make_backend("fixed", xy.spec).run(400, x)
    chip = make_backend("chip", xy.spec).run(400, x)
    assert all(np.array_equal(fixed[k], chip[k]) for k in fixed)
    lo = quantize(net, x, profile="loihi")  # the same float network onto Loihi
    assert lo.spec.profile == "loihi" and np.all(lo.spec.populations[0].max_spikes == 1)
    assert lo.report(x, 400).rates["hidden"]["reference_hz"] > 10


def test_a_network_larger_than_xylo_is_refused_saying_what_overflowed() -> None:
    with pytest.raises(ResourceError, match="xylo: 17 input channels exceed the chip's 16"):
        quantize(_net(17), profile="xylo")
