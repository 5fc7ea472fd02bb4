"""Hand-derived cases of the Loihi CUBA LIF arithmetic (DESIGN.md §3).

Every expected value is worked out in the comments; none is computed by the code under test.
Conventions: decay of u multiplies by (4096 - (du + 1)), of v by (4096 - dv), then >> 12 on the
magnitude (toward zero); synaptic input enters u as a << 6; threshold is vth << 6, strict.
"""

from __future__ import annotations

import numpy as np

from firmware_sim import profile_loihi as pl

from .fw_helpers import BIG_VTH, one_input_net, population, run


def test_bias_only_accumulates_and_decays() -> None:
    # n0: bias = 10 << 3 = 80, dv = 0 (v * 4096 >> 12 = v): v = 80, 160, 240, 320
    # n1: bias = 80, dv = 2048 (v * 2048 >> 12 = v / 2, toward zero):
    #     v1 = 0 + 80 = 80; v2 = 40 + 80 = 120; v3 = 60 + 80 = 140; v4 = 70 + 80 = 150
    # n2: bias = -5 << 2 = -20, dv = 1024 (x 3072/4096):
    #     v1 = -20; v2 = -(20*3072 >> 12) - 20 = -15 - 20 = -35;
    #     v3 = -(35*3072 >> 12) - 20 = -(107520 >> 12) - 20 = -26 - 20 = -46  (26.25 -> 26)
    #     v4 = -(46*3072 >> 12) - 20 = -(141312 >> 12) - 20 = -34 - 20 = -54  (34.5 -> 34)
    # u stays 0 (no input); no neuron reaches 131071 << 6.
    net = {
        "populations": [
            population("p", 3, dv=[0, 2048, 1024], bias_mant=[10, 10, -5], bias_exp=[3, 3, 2])
        ]
    }
    _, out = run(net, {}, 4)
    assert out["p.v"].T.tolist() == [[80, 160, 240, 320], [80, 120, 140, 150], [-20, -35, -46, -54]]
    assert not out["p.u"].any()
    assert not out["p"].any()


def test_bias_above_threshold_spikes_every_step() -> None:
    # vth = 1 -> threshold 1 << 6 = 64; bias = 80 > 64: spike at step 1, v reset to 0, again...
    net = {"populations": [population("p", 1, vth=1, bias_mant=80)]}
    _, out = run(net, {}, 3)
    assert out["p"][:, 0].tolist() == [1, 1, 1]
    assert out["p.v"][:, 0].tolist() == [0, 0, 0]


def test_one_input_spike_reaches_u_two_steps_later() -> None:
    # Input sent at step 1; the dendritic sum 100 is buffered during step 1 and enters u at
    # step 2: u2 = 0 + (100 << 6) = 6400. du = 4095: factor 4096 - 4096 = 0, so u3 = 0.
    # dv = 0: v2 = 0 + 6400 = 6400, then v keeps 6400 (decay by 0, u = 0 added).
    net = one_input_net([[100]], {"du": 4095})
    _, out = run(net, {"in": np.array([[1], [0], [0], [0]])}, 4)
    assert out["out.u"][:, 0].tolist() == [0, 6400, 0, 0]
    assert out["out.v"][:, 0].tolist() == [0, 6400, 6400, 6400]


def test_neuron_spike_reaches_next_population_one_step_later() -> None:
    # a: vth = 0 (threshold 0), bias 1: v = 1 > 0 at step 1 -> spikes every step.
    # b: weight 10 from a, du = 4095: a's spike of step t is summed in step t and enters
    # u_b at step t + 1: u_b = 0, 640, 640, 640 (10 << 6 = 640).
    net = {
        "populations": [population("a", 1, vth=0, bias_mant=1), population("b", 1, du=4095)],
        "connections": [{"pre": "a", "post": "b", "weights": [[10]]}],
    }
    _, out = run(net, {}, 4)
    assert out["a"][:, 0].tolist() == [1, 1, 1, 1]
    assert out["b.u"][:, 0].tolist() == [0, 640, 640, 640]


def test_decay_only_rounds_toward_zero() -> None:
    # du = 1024: factor 4096 - 1025 = 3071; dv = 1024: factor 3072.
    # n0: u0 = 1000, v0 = 0
    #   u1 = 1000*3071 = 3071000 >> 12 = 749 (749.76);  v1 = 0 + 749 = 749
    #   u2 = 749*3071 = 2300179 >> 12 = 561 (561.57);   v2 = (749*3072 = 2300928 >> 12 = 561) + 561
    #      = 1122
    # n1: u0 = -1000, v0 = -1001 (negatives round toward zero, not down)
    #   u1 = -(3071000 >> 12) = -749 (floor would be -750)
    #   v1 = -(1001*3072 = 3075072 >> 12 = 750) + (-749) = -1499
    #   u2 = -(2300179 >> 12) = -561
    #   v2 = -(1499*3072 = 4604928 >> 12 = 1124) + (-561) = -1685
    # n2: du = 0 still decays u by 1/4096: u0 = 4096 -> 4096*4095 >> 12 = 4095 -> 4095*4095
    #   = 16769025 >> 12 = 4094 (4094.0002); dv = 4095 -> v * 1 >> 12 = 0 for |v| < 4096:
    #   v1 = 0 + 4095 = 4095; v2 = (4095 >> 12 = 0) + 4094 = 4094
    net = {
        "populations": [
            population(
                "p",
                3,
                du=[1024, 1024, 0],
                dv=[1024, 1024, 4095],
                u_init=[1000, -1000, 4096],
                v_init=[0, -1001, 0],
            )
        ]
    }
    _, out = run(net, {}, 2)
    assert out["p.u"].T.tolist() == [[749, 561], [-749, -561], [4095, 4094]]
    assert out["p.v"].T.tolist() == [[749, 1122], [-1499, -1685], [4095, 4094]]


def _wrap_net() -> dict:
    # 8 input axons, 3 neurons, du = 0, weight_exp 7, 8-bit weights (mixed: t = 1, even values
    # are kept). Input on all 8 axons at step 1 -> at step 2:
    #   a = (8 * 128) << 7 = 131072 = 2**17, a << 6 = 2**23 = 8388608; rows with -128: -2**23.
    return one_input_net(
        [[128] * 8, [128] * 8, [-128] * 8],
        {"u_init": [0, 3, 0]},
        weight_exp=7,
    )


def test_wrap_of_u_at_2_pow_23() -> None:
    # n0: u1 = 0; u2 = 0 + 2**23 = 8388608: exactly 2**23 is kept (wrap only when > 2**23).
    # n1: u0 = 3 -> u1 = 3*4095 >> 12 = 2 -> decay 2*4095 >> 12 = 1; x = 1 + 2**23 = 8388609
    #     > 2**23 -> u2 = 8388609 - 2**24 = -8388607.
    # n2: x = 0 - 2**23 = -8388608 <= -2**23 -> u2 = -8388608 + 2**24 = 8388608.
    _, out = run(_wrap_net(), {"in": np.ones((1, 8), dtype=int)}, 2)
    assert out["out.u"][:, 0].tolist() == [0, 8388608]
    assert out["out.u"][:, 1].tolist() == [2, -8388607]
    assert out["out.u"][:, 2].tolist() == [0, 8388608]


def test_wrap_is_one_step_not_a_modulo() -> None:
    # 16 axons x 200, weight_exp 7, du = 4095 (decay to 0): a = 3200 << 7 = 409600,
    # a << 6 = 26214400 > 2**23 -> one step: 26214400 - 16777216 = 9437184 (still > 2**23;
    # a modulo would give -7340032).
    net = one_input_net([[200] * 16], {"du": 4095}, weight_exp=7)
    _, out = run(net, {"in": np.ones((1, 16), dtype=int)}, 2)
    assert out["out.u"][:, 0].tolist() == [0, 9437184]


def test_clip_of_v_negative() -> None:
    # u0 = v0 = -8388607, du = dv = 0:
    #   u1 = -(8388607*4095 = 34351345665 >> 12 = 8386559) = -8386559
    #   y  = -(8388607*4096 >> 12) = -8388607
    #   v1 = clip(-8388607 - 8386559 = -16775166) = -(2**23 - 1) = -8388607
    net = {"populations": [population("p", 1, u_init=-8388607, v_init=-8388607)]}
    _, out = run(net, {}, 1)
    assert out["p.u"][0, 0] == -8386559
    assert out["p.v"][0, 0] == -8388607


def test_clip_of_v_positive_in_the_neuron_step() -> None:
    # lif_step on its own, with a threshold no v can reach (vth_scaled = 2**40):
    # u = 2**23 - 1 = 8388607, du factor 4096 (decay none), a = 0: u stays 8388607;
    # v = 8388607 (factor 4096) + 8388607 = 16777214 -> clip to 8388607.
    params = pl.NeuronParams(
        decay_u=np.array([4096]),
        decay_v=np.array([4096]),
        bias=np.array([0]),
        vth_scaled=np.array([1 << 40]),
    )
    u = np.array([8388607], dtype=np.int64)
    v = np.array([8388607], dtype=np.int64)
    spikes = pl.lif_step(u, v, np.array([0], dtype=np.int64), params)
    assert u.tolist() == [8388607]
    assert v.tolist() == [8388607]
    assert spikes.tolist() == [False]


def test_clip_at_maximum_spikes_with_largest_threshold() -> None:
    # n0 of the wrap net: v2 = 0 + 8388608 -> clip 8388607 > 131071 << 6 = 8388544 -> spike,
    # v reset to 0 (u keeps 8388608).
    _, out = run(_wrap_net(), {"in": np.ones((1, 8), dtype=int)}, 2)
    assert out["out"][:, 0].tolist() == [0, 1]
    assert out["out.v"][:, 0].tolist() == [0, 0]
    assert out["out.u"][1, 0] == 8388608


def test_threshold_equality_does_not_spike() -> None:
    # vth = 1 -> threshold 64. n0: bias 64, dv = 0: v1 = 64 (not > 64), v2 = 128 > 64 -> spike,
    # v = 0; v3 = 64 again; v4 = 128 -> spike. n1: bias 65 > 64 spikes every step.
    net = {"populations": [population("p", 2, vth=1, bias_mant=[64, 65])]}
    _, out = run(net, {}, 4)
    assert out["p"][:, 0].tolist() == [0, 1, 0, 1]
    assert out["p.v"][:, 0].tolist() == [64, 0, 64, 0]
    assert out["p"][:, 1].tolist() == [1, 1, 1, 1]


def test_weight_truncation_rules() -> None:
    # mixed, 8 bits: t = 8 - 8 + 1 = 1: 3 -> (3 >> 1) << 1 = 2; -3 -> (-2) << 1 = -4 (floor);
    # 255 -> 254; -256 -> -256.
    got = pl.truncate_weights(np.array([3, -3, 255, -256]), pl.SignMode.MIXED, 8)
    assert got.tolist() == [2, -4, 254, -256]
    # mixed, 6 bits: t = 3: 7 -> 0; 8 -> 8; -1 -> -8; 255 -> 248.
    got = pl.truncate_weights(np.array([7, 8, -1, 255]), pl.SignMode.MIXED, 6)
    assert got.tolist() == [0, 8, -8, 248]
    # inhibitory, 6 bits: negate, clip [0, 255], t = 2, negate back:
    # -3 -> 3 -> 0 -> 0; -7 -> 7 -> 4 -> -4; -255 -> 252 -> -252; -256 -> 255 -> 252 -> -252;
    # +5 (explicit inhibitory) -> -5 -> clip 0 -> 0.
    got = pl.truncate_weights(np.array([-3, -7, -255, -256, 5]), pl.SignMode.INHIBITORY, 6)
    assert got.tolist() == [0, -4, -252, -252, 0]
    # excitatory, 6 bits: clip [0, 255], t = 2: 7 -> 4; 255 -> 252; -9 -> 0.
    got = pl.truncate_weights(np.array([7, 255, -9]), pl.SignMode.EXCITATORY, 6)
    assert got.tolist() == [4, 252, 0]


def test_sign_mode_inference() -> None:
    assert pl.infer_sign_mode(np.array([0, 1, 2])) is pl.SignMode.EXCITATORY
    assert pl.infer_sign_mode(np.array([0, 0])) is pl.SignMode.EXCITATORY
    assert pl.infer_sign_mode(np.array([0, -1])) is pl.SignMode.INHIBITORY
    assert pl.infer_sign_mode(np.array([-1, 1])) is pl.SignMode.MIXED


def test_truncated_weights_reach_u_through_the_chip() -> None:
    # One axon, 4 neurons, mixed 8 bits (inferred): stored [2, -4, 254, -256];
    # du = 4095 so u2 = w << 6 = [128, -256, 16256, -16384].
    net = one_input_net([[3], [-3], [255], [-256]], {"du": 4095})
    _, out = run(net, {"in": np.array([[1]])}, 2)
    assert out["out.u"][1].tolist() == [128, -256, 16256, -16384]


def test_inhibitory_six_bit_weights_through_the_chip() -> None:
    # Inferred inhibitory (all <= 0), 6 bits: [-3, -7, -255] -> [0, -4, -252];
    # u2 = [0, -256, -16128] (x 64).
    net = one_input_net([[-3], [-7], [-255]], {"du": 4095}, num_weight_bits=6)
    _, out = run(net, {"in": np.array([[1]])}, 2)
    assert out["out.u"][1].tolist() == [0, -256, -16128]


def test_weight_exp_shifts_the_sum_not_each_weight() -> None:
    # Two axons of -3 (inhibitory, 8 bits: t = 0, kept), weight_exp -1:
    # sum -6 >> 1 = -3 -> u2 = -3 << 6 = -192 (shifting each weight would give -2 - 2 = -4).
    # One axon only: -3 >> 1 = -2 (floor) -> u2 = -128.
    net = one_input_net([[-3, -3]], {"du": 4095}, weight_exp=-1)
    _, out = run(net, {"in": np.array([[1, 1]])}, 2)
    assert out["out.u"][1, 0] == -192
    _, out = run(net, {"in": np.array([[1, 0]])}, 2)
    assert out["out.u"][1, 0] == -128


def test_overflow_helper() -> None:
    x = np.array([8388608, 8388609, -8388608, -8388607, 3 * 8388608 + 64])
    assert pl.fit(x, pl.U).tolist() == [8388608, -8388607, 8388608, -8388607, 8388672]
    y = np.array([8388608, -8388608, 5])
    assert pl.fit(y, pl.V).tolist() == [8388607, -8388607, 5]
    assert BIG_VTH << pl.VTH_SHIFT == 8388544
