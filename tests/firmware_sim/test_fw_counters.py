"""Counters, computed independently from the spike rasters and the weights."""

from __future__ import annotations

import numpy as np

from firmware_sim import LOIHI

from .fw_helpers import population, run


def _net(rng: np.random.Generator) -> tuple[dict, np.ndarray, np.ndarray]:
    # Mixed 8-bit weights from {-50, -2, -1, 0, 1, 2, 50}: truncation (t = 1) keeps every value
    # except 1 -> 0 (and 0), so a synapse is non-zero after loading iff w not in {0, 1}.
    values = np.array([-50, -2, -1, 0, 1, 2, 50])
    w_in = rng.choice(values, size=(6, 5))
    w_rec = rng.choice(values, size=(6, 6))
    net = {
        "populations": [population("p", 6, vth=0, bias_mant=rng.integers(-2, 3, 6).tolist())],
        "inputs": [{"name": "in", "size": 5}],
        "connections": [
            {"pre": "in", "post": "p", "weights": w_in.tolist()},
            {"pre": "p", "post": "p", "weights": w_rec.tolist(), "name": "rec"},
        ],
    }
    return net, w_in, w_rec


def test_synaptic_ops_spikes_and_packets() -> None:
    rng = np.random.default_rng(5)
    net, w_in, w_rec = _net(rng)
    raster = (rng.random((30, 5)) < 0.4).astype(int)
    chip, out = run(net, {"in": raster}, 30)
    spikes = out["p"]
    nz_in = ~np.isin(w_in, (0, 1))  # (post, pre): non-zero after truncation
    nz_rec = ~np.isin(w_rec, (0, 1))
    synops = sum(
        nz_in[:, raster[t] == 1].sum() + nz_rec[:, spikes[t] == 1].sum() for t in range(30)
    )
    # one core: each spike (host or neuron) is one packet per connection it feeds
    packets = raster.sum() + spikes.sum()
    c = chip.counters
    assert spikes.sum() > 0 and synops > 0
    assert c.steps == 30
    assert c.synaptic_ops == synops
    assert c.spikes == spikes.sum()
    assert c.packets == packets
    assert c.host_packets == raster.sum()
    assert c.neuron_updates == 30 * 6
    assert c.hops_ew == c.hops_ns == 0  # one core, one tile
    last = chip.read_counters()["step"]
    assert (
        last["synaptic_ops"] == nz_in[:, raster[29] == 1].sum() + nz_rec[:, spikes[29] == 1].sum()
    )


def test_packets_fan_out_to_every_core_holding_targets() -> None:
    # 'in' (1 axon) -> 'p' (6 neurons, 2 per core: cores 0, 1, 2): one spike = 3 packets.
    net = {
        "populations": [population("p", 6)],
        "inputs": [{"name": "in", "size": 1}],
        "connections": [{"pre": "in", "post": "p", "weights": [[1]] * 6}],
    }
    chip, _ = run(net, {"in": [[1], [0], [1]]}, 3, LOIHI.resized(neurons_per_core=2))
    assert chip.counters.packets == 6
    assert chip.counters.synaptic_ops == 12
    # tiles of 4 cores: all three cores sit on tile 0, no hops
    assert chip.counters.hops_ew == 0


def test_energy_and_time_follow_the_figures() -> None:
    rng = np.random.default_rng(1)
    net, _, _ = _net(rng)
    chip, _ = run(net, {"in": np.ones((3, 5), int)}, 3)
    c, k = chip.counters, LOIHI.costs
    inactive = c.neuron_updates - c.active_neuron_updates
    expected = (
        c.synaptic_ops * 23.6e-12
        + c.active_neuron_updates * 81e-12
        + inactive * 52e-12
        + c.packets * 1.7e-12
    )
    assert np.isclose(c.energy_j, expected, rtol=1e-12)
    # one core: each step >= the barrier of one tile (113 ns) plus the neuron updates
    assert c.time_s >= 3 * (k.barrier_time_1_tile_s + 6 * k.neuron_inactive_time_s)
    assert k.barrier_time_s(32) == k.barrier_time_32_tiles_s


def test_reset_clears_counters() -> None:
    rng = np.random.default_rng(2)
    net, _, _ = _net(rng)
    chip, _ = run(net, {"in": np.ones((3, 5), int)}, 3)
    chip.reset()
    assert chip.counters.steps == 0 and chip.counters.synaptic_ops == 0
    assert chip.read_counters()["run"]["energy_j"] == 0.0
