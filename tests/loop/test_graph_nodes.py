"""The loop's nodes without the engine: set the input, call ``step``, compare."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from neurolink.decode import BayesianDecoder
from neurolink.dsp import bin_spikes, design_sos
from neurolink.loop.core.ports import Vector
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.bin import BinNode
from neurolink.loop.nodes.burst import BurstNode, burst_spec
from neurolink.loop.nodes.clocked import decay_code, steps_crossed
from neurolink.loop.nodes.decode import DecodeNode
from neurolink.loop.nodes.detect import DetectNode, Events
from neurolink.loop.nodes.discrete import DiscreteMapper
from neurolink.loop.nodes.filter import FilterNode
from neurolink.loop.nodes.relay import SNNNode, relay_spec
from neurolink.loop.nodes.stim import StimMapper
from neurolink.loop.nodes.velocity import VelocityMapper
from neurolink.loop.nodes.wta import WTANode, wta_spec
from neurolink.snn import make_backend
from neurolink.streams.events import SPIKE_DTYPE

FS = 30_000.0


def ticks(n_total: int, block: int, rate: float = FS):
    """(first, stop, tick) for consecutive blocks; t_last = stop / rate."""
    tick = Tick(rate=rate, stream="test")
    for a in range(0, n_total, block):
        b = min(n_total, a + block)
        tick.set(a, b, b / rate)
        yield a, b, tick


def spikes(index, channel) -> np.ndarray:
    out = np.zeros(len(index), SPIKE_DTYPE)
    out["sample_index"], out["channel"], out["unit"] = index, channel, -1
    return out


def test_filter_node_matches_sosfilt_over_any_split() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 4)).astype(np.float32)
    ref = signal.sosfilt(design_sos("bandpass", FS, band=(300, 6000), order=2), x, axis=0)
    node = FilterNode("hp", 4, FS, max_samples=512)
    out = np.concatenate([node.step(x[a:b], t).copy() for a, b, t in ticks(3000, 97)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("block", [1, 30, 700])
def test_bin_node_emits_each_complete_bin_once_whatever_the_blocks(block: int) -> None:
    rng = np.random.default_rng(1)
    idx = np.sort(rng.integers(0, 6000, 400))
    sp = spikes(idx, rng.integers(0, 5, 400))
    ref, ref_edges = bin_spikes(sp, 600, 5, stop=6000 - 30)
    node = BinNode("bins", 5, 600, max_samples=1024)
    got, edges, prev = [], [], 0
    for _a, b, tick in ticks(6000, block):
        done = max(0, b - 30)  # a detector 30 samples behind
        ev = Events(sp[(idx >= prev) & (idx < done)], done, 5)
        prev = done
        bins = node.step(ev, tick)
        got.append(bins.counts.copy())
        edges.extend(bins.edges[:-1].tolist())
    np.testing.assert_array_equal(np.concatenate(got), ref)
    assert edges == ref_edges[:-1].tolist()


def test_detect_node_reports_its_completion_edge() -> None:
    node = DetectNode("d", 2, FS, calibration_s=0.01, dead_time_ms=1.0)
    x = np.random.default_rng(2).normal(size=(900, 2)).astype(np.float32)
    tick = Tick(rate=FS)
    tick.set(0, 900, 0.03)
    ev = node.step(x, tick)
    assert ev.complete_until == 900 - node.detector.delay
    assert np.all(ev.spikes["sample_index"] < ev.complete_until)


def test_decode_node_labels_while_calibrating_then_decodes() -> None:
    rng = np.random.default_rng(3)
    pd = rng.uniform(0, 2 * np.pi, 20)
    node = DecodeNode("dec", BayesianDecoder(bin_s=0.02, grid_shape=15), ("vx", "vy"), 20)
    intents = {}

    def teacher(t: float) -> tuple[float, float]:
        a = 2 * np.pi * round(t, 6)  # one turn per second
        intents[round(t, 6)] = (np.cos(a), np.sin(a))
        return np.cos(a), np.sin(a)

    node.start_calibration(teacher)
    tick = Tick(rate=FS)
    from neurolink.loop.nodes.bin import Bins

    for k in range(400):
        v = np.array(teacher(k * 0.02 + 0.01))
        counts = rng.poisson(2.0 + 1.5 * (np.cos(pd) * v[0] + np.sin(pd) * v[1]))
        edges = np.array([600 * k, 600 * (k + 1)])
        tick.set(600 * k, 600 * (k + 1), (600 * (k + 1) - 1) / FS)
        out = node.step(Bins(counts[None].astype(np.int32), edges), tick)
        assert out.fresh
        np.testing.assert_allclose(out.value, teacher((600 * k + 299.5) / FS), atol=1e-9)
    assert node.n_calibration == 400
    node.fit()
    assert not node.calibrating
    v = np.array([1.0, 0.0])
    errs = []
    for _ in range(50):
        counts = rng.poisson(2.0 + 1.5 * (np.cos(pd) * v[0] + np.sin(pd) * v[1]))
        out = node.step(Bins(counts[None].astype(np.int32), np.array([0, 600])), tick)
        errs.append(out.value - v)
    assert np.linalg.norm(np.mean(errs, axis=0)) < 0.25


def test_relay_network_fires_once_per_input_spike_one_step_later() -> None:
    backend = make_backend("fixed", relay_spec(2))
    raster = np.random.default_rng(4).random((200, 4)) < 0.3
    out = np.array([backend.step({"in": r})["relay"] for r in raster])
    np.testing.assert_array_equal(out[1:], raster[:-1])


def test_snn_node_relays_a_value_independently_of_block_size() -> None:
    outs = {}
    for block in (10, 45, 450):
        node = SNNNode("snn", make_backend("fixed"), ("vx", "vy"), FS, tau_ms=20.0)
        v = Vector(np.array([0.5, -0.25]), True, 0, ("vx", "vy"))
        vals = []
        for _a, b, tick in ticks(9000, block):
            out = node.step(v, tick)
            if b % 450 == 0:
                vals.append(out.value.copy())
        outs[block] = np.array(vals)
        assert node.n_steps == steps_crossed(0, 9000, 30) == 300
    np.testing.assert_array_equal(outs[10], outs[45])
    np.testing.assert_array_equal(outs[45], outs[450])
    np.testing.assert_allclose(outs[45][-1], [0.5, -0.25], atol=0.06)


def test_burst_detector_needs_coincident_spikes() -> None:
    spec = burst_spec(10, n_coincident=4, leak_steps=2.0)
    assert spec.populations[0].dv[0] == decay_code(2.0)
    node = BurstNode("b", make_backend("fixed"), 10, FS, n_coincident=4, leak_ms=2.0)
    tick = Tick(rate=FS)
    tick.set(0, 300, 0.01)
    sparse = spikes(np.arange(0, 300, 30), np.arange(10))  # one spike per ms
    assert not node.step(Events(sparse, 300, 10), tick).any()
    tick.set(300, 600, 0.02)
    burst = spikes(np.full(5, 310), np.arange(5))  # five channels at once
    assert node.step(Events(burst, 600, 10), tick).any()


def test_wta_decides_for_the_class_with_evidence_and_not_at_chance() -> None:
    spec = wta_spec(3, evidence_spikes=10)
    assert spec.populations[0].vth[0] == 64 * 10 - 1
    node = WTANode("w", make_backend("fixed"), 3, FS, evidence_spikes=10, refractory_steps=5)
    chance = Vector(np.full(3, 1 / 3), True, 0, ("a", "b", "c"))
    decisions = [node.step(chance, t) for _a, _b, t in ticks(3000, 30)]
    assert set(decisions) == {-1}
    node.reset()
    sure = Vector(np.array([0.1, 0.8, 0.1]), True, 0, ("a", "b", "c"))
    decisions = [node.step(sure, t) for _a, _b, t in ticks(3000, 30)]
    first = next(i for i, d in enumerate(decisions) if d >= 0)
    assert decisions[first] == 1
    # level (0.8 - 1/3) * 3/2 = 0.7 per step: 10 spikes after ~15 steps, + 2 steps of delay
    assert 12 <= first <= 20
    assert {d for d in decisions if d >= 0} == {1}


def test_velocity_mapper_shapes_commands_within_the_limits() -> None:
    m = VelocityMapper(
        "v", 2, FS, interval_ms=20.0, gain=2.0, max_speed=1.0, max_accel=4.0, accel_margin=0.5
    )
    v = Vector(np.array([1.0, -0.2]), True, 0, ("vx", "vy"))
    cmds = []
    for _a, _b, tick in ticks(30000, 30):
        for c in m.step(v, tick):
            cmds.append(c)
            assert c.origin is not None and c.origin.sample_index == tick.last_index
            assert c.origin.timestamp == tick.t_last and c.origin.stream == "test"
    assert len(cmds) == 50  # one per 20 ms
    vel = np.array([c.velocity for c in cmds])
    assert np.all(np.abs(np.diff(vel, axis=0)) <= 0.5 * 4.0 * 0.02 + 1e-12)
    np.testing.assert_allclose(vel[-1], [1.0, -0.4])  # gain 2, speed clipped to 1
    m.rollback()
    np.testing.assert_allclose(m.commanded, vel[-2])


def test_velocity_mapper_dead_band_and_waits_for_a_decoded_value() -> None:
    m = VelocityMapper("v", 2, FS, deadband=0.2)
    tick = Tick(rate=FS)
    tick.set(0, 30, 0.001)
    assert m.step(Vector.zeros(("vx", "vy")), tick) == []  # nothing decoded yet
    assert m.step(Vector(np.array([0.1, 0.1]), True, 0, ("vx", "vy")), tick)[0].is_stop


def test_stim_mapper_respects_its_refractory_time() -> None:
    m = StimMapper("s", FS, refractory_ms=10.0, amplitude_ua=20, phase_width_us=100)
    fired = []
    for _a, _b, tick in ticks(3000, 30):
        fired += m.step(np.ones((1, 1), bool), tick)
    assert len(fired) == 10  # 100 ms / 10 ms
    assert fired[0].charge_nc == fired[0].second_charge_nc == 2.0


def test_discrete_mapper_ramps_to_the_class_velocity_and_back_to_rest() -> None:
    m = DiscreteMapper("d", FS, [(0.4, 0.0), (-0.4, 0.0)], hold_ms=300.0, max_accel=4.0)
    vel = []
    for k, (_a, _b, tick) in enumerate(ticks(30000, 30)):
        vel += [c.velocity[0] for c in m.step(1 if k == 10 else -1, tick)]
    vel = np.array(vel)
    assert vel.min() == pytest.approx(-0.4)
    assert vel[-1] == 0.0 and np.all(np.abs(np.diff(vel)) <= 0.04 + 1e-12)
    assert len(vel) < 60  # stops sending once at rest


def test_reset_counts_network_steps_from_zero_again() -> None:
    # as after warm_up: the network ran, then reset; the recorded step numbers start at 0
    node = SNNNode("snn", make_backend("fixed"), ("vx",), FS, tau_ms=20.0)
    v = Vector(np.array([0.5]), True, 0, ("vx",))
    for _a, _b, tick in ticks(900, 300):  # 30 steps of 30 samples
        node.step(v, tick)
    assert (node.n_steps, node.first_step) == (30, 20) and node.n_out_spikes > 0
    node.reset()
    assert (node.n_steps, node.first_step, node.n_out_spikes) == (0, 0, 0)
    assert node.last_spikes.shape == (0, 2)
    tick = Tick(rate=FS, stream="test")
    tick.set(0, 300, 300 / FS)
    node.step(v, tick)
    assert (node.first_step, node.n_steps) == (0, 10)


def test_wta_reset_forgets_its_decisions() -> None:
    node = WTANode("w", make_backend("fixed"), 2, FS, evidence_spikes=5, refractory_steps=5)
    sure = Vector(np.array([0.0, 1.0]), True, 0, ("a", "b"))
    decided = [node.step(sure, t) for _a, _b, t in ticks(3000, 30)]
    assert 1 in decided and node.decisions
    node.reset()
    assert node.decisions == [] and node.n_steps == 0
    chance = Vector(np.full(2, 0.5), True, 0, ("a", "b"))
    assert {node.step(chance, t) for _a, _b, t in ticks(3000, 30)} == {-1}
    assert node.decisions == [] and node.n_steps == 100
