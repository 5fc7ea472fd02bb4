"""Spike encoders and decoders, driven step by step as nodes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from neurolink.snn.coding import (
    ExponentialDecoder,
    RateEncoder,
    RateWindowDecoder,
    SigmaDeltaEncoder,
)


def test_rate_encoder_is_reproducible_by_seed_and_counter_based() -> None:
    rates = np.array([10.0, 50.0, 200.0])
    a = RateEncoder(3, dt_ms=1.0, seed=42)
    b = RateEncoder(3, dt_ms=1.0, seed=42)
    steps = np.array([a.step(rates) for _ in range(500)])
    assert np.array_equal(steps, b.encode(rates, 500))  # step×T ≡ encode(T)
    b.reset()
    assert np.array_equal(steps, b.encode(rates, 500))
    assert not np.array_equal(steps, RateEncoder(3, seed=43).encode(rates, 500))
    # counter based: step t does not depend on what was asked before
    c = RateEncoder(3, seed=42)
    c.encode(np.zeros(3), 250)
    assert np.array_equal(c.encode(rates, 250), steps[250:])


def test_rate_encoder_mean_rate_matches() -> None:
    rates = np.array([0.0, 5.0, 40.0, 250.0, 1000.0])
    spikes = RateEncoder(5, dt_ms=1.0, seed=7).encode(rates, 200_000)
    measured = spikes.mean(axis=0) * 1000.0
    assert measured[0] == 0.0 and measured[-1] == 1000.0  # p = 0 and p = 1 are exact
    p = rates[1:4] / 1000.0
    sd = np.sqrt(p * (1 - p) / 200_000) * 1000.0
    assert np.all(np.abs(measured[1:4] - rates[1:4]) < 5 * sd)


def test_rate_encoder_threshold_is_an_integer() -> None:
    enc = RateEncoder(2, dt_ms=0.5, seed=0)
    # p = 100 Hz · 0.5 ms = 0.05 → round(0.05 · 2**32) = 214748365
    assert enc.thresholds([100.0, 3000.0]).tolist() == [214748365, 2**32]


@given(st.floats(0.0, 1.0), st.integers(1, 3000))
def test_sigma_delta_count_over_a_window_is_exact(x: float, K: int) -> None:
    enc = SigmaDeltaEncoder(1, threshold=1.0)
    count = sum(int(enc.step([x])[0]) for _ in range(K))
    level = round(x * 2**16)  # Q16 level
    assert count == (K * level) // 2**16


def test_sigma_delta_signed_and_hand_case() -> None:
    enc = SigmaDeltaEncoder(2, threshold=2.0, signed=True)
    # x = 0.5 of threshold 2 → level 0.25·65536 = 16384: a spike every 4th step, exactly
    out = np.array([enc.step([0.5, -1.0]) for _ in range(8)])
    assert out[:, 0].astype(int).tolist() == [0, 0, 0, 1, 0, 0, 0, 1]  # positive channel 0
    assert out[:, 3].astype(int).tolist() == [0, 1] * 4  # negative channel of value 1
    assert not out[:, 1].any() and not out[:, 2].any()


def test_decoders_recover_constant_values() -> None:
    enc = RateEncoder(2, dt_ms=1.0, seed=3)
    win = RateWindowDecoder(2, window=5000, gain=1000.0)  # gain 1000/dt: Hz
    ema = ExponentialDecoder(2, tau_ms=2000.0, dt_ms=1.0, gain=1000.0)
    for _ in range(20_000):
        s = enc.step([20.0, 80.0])
        r_win, r_ema = win.step(s), ema.step(s)
    assert r_win == pytest.approx([20.0, 80.0], rel=0.15)
    assert r_ema == pytest.approx([20.0, 80.0], rel=0.15)
    # sigma-delta → window decoder with gain = threshold recovers the value exactly
    sd, dec = SigmaDeltaEncoder(1, threshold=1.0), RateWindowDecoder(1, window=100, gain=1.0)
    for _ in range(1000):
        value = dec.step(sd.step([0.37]))
    assert value[0] == pytest.approx(0.37, abs=0.01)


def test_window_decoder_warm_up_and_reset() -> None:
    dec = RateWindowDecoder(1, window=4)
    assert dec.step([1])[0] == 1.0  # one step seen: 1 spike / 1 step
    assert dec.step([0])[0] == 0.5
    for _ in range(4):
        last = dec.step([0])
    assert last[0] == 0.0  # the spike left the window
    dec.reset()
    assert dec.step([1])[0] == 1.0
