"""A decode node on the emulated neuromorphic board: the compiled decoder stepped in batches of
5 chip steps over the real pty, one batch in flight. Block by block it outputs what the compiled
decoder computes (``CompiledDecoder.run`` on ``fixed``) one batch late, and exactly what the same
node computes on ``fixed`` with the board's schedule (how a replay reproduces a board's run)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from neurolink.hal.drivers import NeuroboardDriver
from neurolink.hal.emulate import Emulator
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.bin import Bins
from neurolink.loop.nodes.decode import ChipPlan, DecodeNode
from neurolink.snn import make_backend
from tests.loop.test_decode_on_chip import N_NEURONS, _spikes, fitted  # noqa: F401
from tests.snn._compile_data import FS, STEP_SAMPLES

K = 5  # chip steps per batch


@pytest.fixture(scope="module")
def board() -> Iterator[NeuroboardDriver]:
    with Emulator("neuroboard") as emu, NeuroboardDriver(emu.port) as drv:
        yield drv


def _node(dec, n_channels: int, backend, on: str) -> DecodeNode:
    plan = ChipPlan(on, backend, FS, 4096, max_neurons=N_NEURONS, batch=K, in_flight=1)
    node = DecodeNode("dec", dec, ("vx", "vy"), n_channels, chip=plan, shadow=False)
    node.compile()
    node.reset()
    return node


def _drive(node: DecodeNode, steps: np.ndarray, block: int) -> list[tuple[int, bool, np.ndarray]]:
    """(steps ended so far, fresh, value) after each block of ``block`` samples."""
    tick = Tick(rate=FS, stream="test")
    n_samples = steps.shape[0] * STEP_SAMPLES
    empty = Bins(np.zeros((0, steps.shape[1]), np.int32), np.zeros(1, np.int64))
    out = []
    for a in range(0, n_samples, block):
        b = min(n_samples, a + block)
        empty.spikes = _spikes(steps, -(-a // STEP_SAMPLES), -(-b // STEP_SAMPLES))
        tick.set(a, b, b / FS)
        v = node.step(empty, tick)
        out.append((b // STEP_SAMPLES, v.fresh, v.value.copy()))
    return out


@pytest.mark.parametrize("block", [STEP_SAMPLES, 7 * STEP_SAMPLES + 1])
def test_the_node_on_the_board_outputs_the_compiled_decoder_one_batch_late(
    fitted,  # noqa: F811
    board: NeuroboardDriver,
    block: int,
) -> None:
    dec, steps = fitted
    steps = steps[:1500]
    node = _node(dec, steps.shape[1], board, "neuroboard")
    assert node.on_chip is not None
    expected = node.on_chip.compiled.run(steps, backend="fixed")
    read_before, checked = 0, 0
    for ended, fresh, value in _drive(node, steps, block):
        # batches complete: ended // K; all but the newest are read out, the value is the
        # decoder's after the last step of the newest batch read out
        read = max(0, ended // K - 1)
        assert fresh == (read > read_before), (ended, fresh)
        if read:  # the host readout filters in float: `run` by lfilter, the node step by step
            np.testing.assert_allclose(value, expected[read * K - 1], rtol=1e-12, atol=1e-15)
            checked += 1
        read_before = read
    assert checked > 100 and np.abs(expected).max() > 0
    summary = node.chip_summary()
    assert summary is not None and summary["on"] == "neuroboard"
    assert summary["batch_steps"] == K and summary["batches_in_flight"] == 1
    assert summary["steps"] == (1500 // K - 1) * K  # the newest batch is still in flight
    assert summary["wait_us_median"] >= 0 and summary["board_rtt_us_median"] > 0


def test_fixed_with_the_board_schedule_gives_the_same_values_block_by_block(
    fitted,  # noqa: F811
    board: NeuroboardDriver,
) -> None:
    dec, steps = fitted
    steps = steps[:800]
    block = 3 * STEP_SAMPLES + 1
    on_board = _drive(_node(dec, steps.shape[1], board, "neuroboard"), steps, block)
    on_fixed = _drive(_node(dec, steps.shape[1], make_backend("fixed"), "neuroboard"), steps, block)
    assert len(on_board) == len(on_fixed)
    for (e1, f1, v1), (e2, f2, v2) in zip(on_board, on_fixed, strict=True):
        assert (e1, f1) == (e2, f2)
        np.testing.assert_array_equal(v1, v2)
    assert sum(f for _, f, _ in on_board) > 50
