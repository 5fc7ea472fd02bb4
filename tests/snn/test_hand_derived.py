"""Hand-derived cases of the Loihi arithmetic (DESIGN §3), on every conformance backend.

Expected values are worked out in the comments, not computed by the code under test. Row k of
a result is the state after step k + 1; raster row k is sent at step k + 1 and reaches u at
step k + 2 (one step of synaptic delay).
"""

from __future__ import annotations

from typing import Any

import numpy as np

BIG_VTH = 131071  # vth << 6 = 8388544: out of reach unless a case says otherwise


def config(T: int, n_in: int = 1, n_out: int = 1, **kw: Any) -> dict[str, Any]:
    """A golden-style config: no input, zero weights, no decay of v, no bias, unless overridden."""
    base: dict[str, Any] = {
        "input": np.zeros((T, n_in), dtype=int).tolist(),
        "weights": np.zeros((n_out, n_in), dtype=int).tolist(),
        "weight_exp": 0,
        "num_weight_bits": 8,
        "sign_mode": None,
        "du": 0,
        "dv": 0,
        "vth": BIG_VTH,
        "bias_mant": 0,
        "bias_exp": 0,
    }
    return base | kw


def col(out: dict[str, np.ndarray], var: str, i: int = 0) -> list[int]:
    return [int(x) for x in np.asarray(out[var])[:, i]]


def test_bias_only(run_golden, conformance_backend) -> None:
    # bias = 3 << 2 = 12; dv = 1024: v keeps (4096 − 1024)/4096 = 3072/4096 per step
    out = run_golden(config(4, dv=1024, bias_mant=3, bias_exp=2), conformance_backend)
    # v1 = 0 + 0 + 12 = 12
    # v2 = (12·3072) >> 12 = 36864 >> 12 = 9;   9 + 12 = 21
    # v3 = (21·3072) >> 12 = 64512 >> 12 = 15 (15.75 rounds toward zero);  15 + 12 = 27
    # v4 = (27·3072) >> 12 = 82944 >> 12 = 20 (20.25);  20 + 12 = 32
    assert col(out, "v") == [12, 21, 27, 32]
    assert col(out, "u") == [0, 0, 0, 0]
    assert col(out, "spikes") == [0, 0, 0, 0]


def test_one_input_spike_reaches_u_two_steps_after_its_row(run_golden, conformance_backend):
    raster = [[1], [0], [0], [0]]  # one spike in row 0 (sent at step 1)
    out = run_golden(config(4, input=raster, weights=[[10]]), conformance_backend)
    # step 1: u = 0 (a_buf is still 0); the synapse computes a_buf = 10
    # step 2: u = 0 + (10 << 6) = 640
    # step 3: du = 0 still decays by 1/4096: 640·4095 = 2620800; >> 12 = 639 (639.84)
    # step 4: 639·4095 = 2616705; >> 12 = 638 (638.84)
    assert col(out, "u") == [0, 640, 639, 638]
    # dv = 0: v keeps everything (4096/4096): v = v + u
    assert col(out, "v") == [0, 640, 640 + 639, 640 + 639 + 638]


def test_decay_rounds_toward_zero_for_negatives(run_golden, conformance_backend) -> None:
    # two neurons, u0 = +1001 and −1001; du = 1023: u keeps 4096 − 1024 = 3072 per 4096
    cfg = config(2, n_out=2, du=1023, dv=4095, u0=[1001, -1001])
    out = run_golden(cfg, conformance_backend)
    # +1001·3072 = 3075072 = 750.75·4096 → 750;  then 750·3072 = 2304000 = 562.5·4096 → 562
    # −1001·3072 → −750 (floor would give −751);  then −750·3072 → −562 (floor: −563)
    assert col(out, "u", 0) == [750, 562]
    assert col(out, "u", 1) == [-750, -562]
    # dv = 4095 keeps 1/4096: v1 = 0 + u1; v2 = (v1·1) >> 12 = 0 (|v1| < 4096) + u2
    assert col(out, "v", 0) == [750, 562]
    assert col(out, "v", 1) == [-750, -562]


def test_u_wraps_once_at_2_pow_23(run_golden, conformance_backend) -> None:
    # du = 4095: u keeps 4096 − 4096 = 0, so u after the input step is exactly a << 6.
    # weight_exp 7: a = (Σ w) << 7; u = a << 6 = (Σ w) << 13 = (Σ w)·8192
    raster = [[1] * 9 + [0] * 9, [0] * 9 + [1] * 9, [0] * 18]
    kept = [128] * 8 + [0] + [0] * 9  # Σ = 1024 → u = 1024·8192 = 2**23 exactly: kept
    over = [0] * 9 + [128] * 8 + [1]  # Σ = 1025 → 2**23 + 8192 > 2**23 → −2**23 + 8192
    out = run_golden(
        config(3, n_in=18, n_out=2, input=raster, weights=[kept, over], weight_exp=7, du=4095),
        conformance_backend,
    )
    assert col(out, "u", 0) == [0, 2**23, 0]
    assert col(out, "u", 1) == [0, 0, -(2**23) + 8192]  # = −8380416, one wrap step


def test_u_at_minus_2_pow_23_wraps_to_plus(run_golden, conformance_backend) -> None:
    # inhibitory: Σ w = −1024 → u = −1024·8192 = −2**23 ≤ −2**23 → +2**24 → +2**23
    cfg = config(2, n_in=8, input=[[1] * 8, [0] * 8], weights=[[-128] * 8], weight_exp=7)
    out = run_golden(cfg | {"du": 4095}, conformance_backend)
    assert col(out, "u") == [0, 2**23]


def test_v_is_clipped_to_24_bits(run_golden, conformance_backend) -> None:
    lim = 2**23 - 1  # 8388607
    cfg = config(1, n_out=2, bias_mant=[100, -100], v0=[lim - 5, -(lim - 5)])
    out = run_golden(cfg, conformance_backend)
    # neuron 1: dv = 0 keeps v; −8388602 − 100 = −8388702 → clipped to −8388607
    assert col(out, "v", 1) == [-lim]
    # neuron 0: 8388602 + 100 → clipped to 8388607 > vth << 6 = 131071·64 = 8388544 → spike, v = 0
    assert col(out, "spikes", 0) == [1]
    assert col(out, "v", 0) == [0]


def test_threshold_is_strict(run_golden, conformance_backend) -> None:
    # vth = 10 → compared with 10 << 6 = 640; bias 320 per step, no decay
    out = run_golden(config(4, vth=10, bias_mant=320), conformance_backend)
    # v: 320, 640 (== 640: no spike), 960 > 640: spike → 0, then 320
    assert col(out, "v") == [320, 640, 0, 320]
    assert col(out, "spikes") == [0, 0, 1, 0]


def test_mixed_8_bit_weights_drop_the_least_bit(run_golden, conformance_backend) -> None:
    # inferred mixed (3 and −3): t = 8 − 8 + 1 = 1; 3 >> 1 << 1 = 2; −3 >> 1 = −2 (floor), << 1 = −4
    # du = 4095: u = a << 6 on the step after the spike
    raster = [[1, 0], [0, 1], [0, 0]]
    cfg = config(3, n_in=2, n_out=2, input=raster, weights=[[3, -3], [-3, 3]], du=4095)
    out = run_golden(cfg, conformance_backend)
    assert col(out, "u", 0) == [0, 2 * 64, -4 * 64]  # 128, then −256
    assert col(out, "u", 1) == [0, -4 * 64, 2 * 64]


def test_inhibitory_truncation_works_on_magnitudes(run_golden, conformance_backend) -> None:
    # inhibitory, 6 bits: t = 8 − 6 + 0 = 2; −5 → 5 → (5 >> 2) << 2 = 4 → −4;
    # −7 → 7 → 4 → −4;  −8 → 8 → 8 → −8
    raster = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]
    cfg = config(4, n_in=3, input=raster, weights=[[-5, -7, -8]], num_weight_bits=6, du=4095)
    out = run_golden(cfg, conformance_backend)
    assert col(out, "u") == [0, -4 * 64, -4 * 64, -8 * 64]


def test_negative_weight_exp_floors_the_sum(run_golden, conformance_backend) -> None:
    # weight_exp = −2: a = (Σ w) >> 2, the shift applied to the sum (arithmetic: floor).
    # Mixed 8-bit weights keep even values unchanged (2 → 2, −6 → −6).
    # neuron 0: w = 2, 2, both spiking: Σ = 4 → 1 (shifting each synapse would give 0 + 0)
    # neuron 1: w = −6, 0: Σ = −6 → −2 (floor of −1.5)
    raster = [[1, 1], [0, 0]]
    cfg = config(2, n_in=2, n_out=2, input=raster, weights=[[2, 2], [-6, 0]], weight_exp=-2)
    out = run_golden(cfg | {"du": 4095}, conformance_backend)  # du = 4095: u = a << 6
    assert col(out, "u", 0) == [0, 64]
    assert col(out, "u", 1) == [0, -128]
