"""A decode node on the chip: detected spikes stepped in sample time through the compiled
decoder, bit for bit what the compiled decoder computes on the same spikes per step."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.config import parse_config
from neurolink.decode import KalmanDecoder
from neurolink.errors import ConfigError
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.bin import Bins
from neurolink.loop.nodes.decode import ChipPlan, DecodeNode
from neurolink.loop.nodes.on_chip import agreement_r2
from neurolink.snn import make_backend
from neurolink.streams.events import SPIKE_DTYPE
from tests.snn._compile_data import BIN_STEPS, FS, STEP_SAMPLES, chip_reaching

N_NEURONS = 256


@pytest.fixture(scope="module")
def fitted() -> tuple[KalmanDecoder, np.ndarray]:
    """A velocity Kalman filter fitted on 40 s of simulated reaching, and 3 s of held-out
    spike counts per 1 ms step."""
    train = chip_reaching(40.0, seed=1)
    dec = KalmanDecoder(kinematics="velocity").fit(train.bins.astype(np.float64), train.vel)
    test = chip_reaching(3.0, seed=2)
    return dec, test.steps


def _spikes(steps: np.ndarray, t0: int, t1: int) -> np.ndarray:
    """Spike events of steps [t0, t1): each count k of channel c at step t becomes k spikes
    at the step's first sample."""
    rows = []
    for t in range(t0, t1):
        for c in np.flatnonzero(steps[t]):
            rows += [(t * STEP_SAMPLES, c, -50.0, -1)] * int(steps[t, c])
    return np.array(rows, dtype=SPIKE_DTYPE)


def _node(dec: KalmanDecoder, n_channels: int, *, shadow: bool = False) -> DecodeNode:
    plan = ChipPlan("fixed", make_backend("fixed"), FS, 4096, max_neurons=N_NEURONS)
    node = DecodeNode("dec", dec, ("vx", "vy"), n_channels, chip=plan, shadow=shadow)
    node.compile()
    node.reset()
    return node


@pytest.mark.parametrize("block", [STEP_SAMPLES, 7 * STEP_SAMPLES + 1])
def test_the_node_on_fixed_computes_what_the_compiled_decoder_computes(
    fitted: tuple[KalmanDecoder, np.ndarray], block: int
) -> None:
    dec, steps = fitted
    node = _node(dec, steps.shape[1])
    assert node.on_chip is not None
    expected = node.on_chip.compiled.run(steps, backend="fixed")
    tick = Tick(rate=FS, stream="test")
    n_samples = steps.shape[0] * STEP_SAMPLES
    empty = Bins(np.zeros((0, steps.shape[1]), np.int32), np.zeros(1, np.int64))
    checked = 0
    for a in range(0, n_samples, block):
        b = min(n_samples, a + block)
        # the spikes whose sample lies in this block (they sit at their step's first sample);
        # the steps run are those whose end falls inside the block
        empty.spikes = _spikes(steps, -(-a // STEP_SAMPLES), -(-b // STEP_SAMPLES))
        tick.set(a, b, b / FS)
        out = node.step(empty, tick)
        last = b // STEP_SAMPLES
        if last > a // STEP_SAMPLES:
            assert out.fresh
            np.testing.assert_array_equal(out.value, expected[last - 1])
            checked += 1
    assert checked > 100
    assert np.abs(expected).max() > 0  # the decoder outputs something that could differ


def test_the_shadow_host_decoder_runs_beside_and_the_summary_says_how_they_agree(
    fitted: tuple[KalmanDecoder, np.ndarray],
) -> None:
    dec, steps = fitted
    n_bins = steps.shape[0] // BIN_STEPS
    counts = steps[: n_bins * BIN_STEPS].reshape(n_bins, BIN_STEPS, -1).sum(axis=1)
    dec.reset()
    direct = np.array([dec.step(c.astype(np.float64)) for c in counts])
    node = _node(dec, steps.shape[1], shadow=True)  # resets the decoder
    tick = Tick(rate=FS, stream="test")
    width = BIN_STEPS * STEP_SAMPLES
    host = []
    for k in range(n_bins):
        a, b = k * width, (k + 1) * width
        spikes = _spikes(steps, k * BIN_STEPS, (k + 1) * BIN_STEPS)
        tick.set(a, b, b / FS)
        node.step(Bins(counts[k : k + 1].astype(np.int32), np.array([a, b]), spikes), tick)
        assert node.shadow_rows.shape == (1, 2)
        host.append(node.shadow_rows[0].copy())
    np.testing.assert_allclose(np.array(host), direct, rtol=0, atol=1e-12)
    summary = node.chip_summary()
    assert summary is not None
    assert summary["bins_compared"] == n_bins
    assert summary["steps"] == n_bins * BIN_STEPS
    assert summary["neurons"] <= N_NEURONS + 64
    pairs = node.on_chip.pairs  # type: ignore[union-attr]
    assert summary["r2_vs_host"] == pytest.approx(agreement_r2(pairs[:, 0], pairs[:, 1]), abs=1e-4)


def test_agreement_r2_by_hand_and_undefined_for_a_constant_host() -> None:
    host = np.array([[0.0], [1.0], [2.0], [3.0]])
    chip = np.array([[0.0], [1.0], [2.0], [4.0]])
    # ss_res = 1, ss_tot = 1.5² + 0.5² + 0.5² + 1.5² = 5
    assert agreement_r2(chip, host) == pytest.approx(1 - 1 / 5)
    assert agreement_r2(chip, np.ones_like(host)) is None
    assert agreement_r2(chip[:1], host[:1]) is None


def test_a_decoder_that_cannot_be_compiled_is_refused_at_load_with_its_line(tmp_path) -> None:
    text = (
        '[source]\nkind = "simulated"\n'
        '[[loop.nodes]]\nname = "d"\nkind = "detect"\n'
        '[[loop.nodes]]\nname = "b"\nkind = "bin"\n'
        '[[loop.nodes]]\nname = "dec"\nkind = "decode"\n'
        'decode.method = "wiener"\ndecode.on = "fixed"\n'
        '[[loop.nodes]]\nname = "v"\nkind = "velocity"\n'
        '[[loop.sinks]]\nname = "arm"\ndevice = "null"\ninput = "v"\n'
        "[loop.task]\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "x.toml", base_dir=tmp_path)
    msg = str(info.value)
    assert msg.startswith("x.toml:13: `loop.nodes[2].decode.on`: a 'wiener' decoder cannot run")
    assert "compile a KalmanDecoder" in msg and "\n" not in msg
