"""The simulated subject in-process: the same blocks as the subject on LSL, steerable, paced.

The LSL path is the real one the demo uses: the subject in its own process
(``python -m neurolink.sim.cortex_stream``) read by an :class:`LSLSource`.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from neurolink.clock import now
from neurolink.sim.cortex import CortexSimulator
from neurolink.sim.source_config import InProcessConfig, SimulatedConfig
from neurolink.streams.block import Block
from neurolink.streams.factory import source_from_config

SEED = 11
N_SAMPLES = 12_000  # 400 ms at 30 kHz


def _read(source, n: int, timeout_s: float = 30.0) -> list[Block]:
    """Blocks from ``source`` until ``n`` samples arrived (waiting on the condition)."""
    blocks: list[Block] = []
    got = 0
    for _ in range(round(timeout_s / 0.05)):
        b = source.read(0.05)
        if b is not None:
            blocks.append(b)
            got += b.n_samples
            if got >= n:
                return blocks
    raise AssertionError(f"only {got} of {n} samples arrived within {timeout_s} s")


@pytest.mark.parametrize("channels", [96, 384])
def test_inprocess_and_lsl_subject_give_identical_blocks(unique_name: str, channels: int) -> None:
    lsl_cfg = SimulatedConfig(name=unique_name, seed=SEED, channels=channels)
    subject = lsl_cfg.make_subject(duration=60.0).start()
    try:
        src = subject.source(resolve_timeout=30.0)
        try:
            lsl_blocks = _read(src, N_SAMPLES)
            lsl_channels, lsl_units, lsl_rate = src.channels, src.units, src.rate
        finally:
            src.close()
    finally:
        subject.stop()

    inproc = source_from_config(InProcessConfig(name="inproc", seed=SEED, channels=channels))
    with inproc:
        in_blocks = _read(inproc, N_SAMPLES)

    # Same stream layout: channel labels, units, rate.
    assert inproc.channels == lsl_channels and len(lsl_channels) == channels
    assert inproc.units == lsl_units == ("microvolts",) * channels
    assert inproc.rate == lsl_rate == 30_000.0
    # Both are numbered from the simulator's sample 0, with no gap.
    for blocks in (lsl_blocks, in_blocks):
        assert blocks[0].first_index == 0
        assert all(a.stop_index == b.first_index for a, b in itertools.pairwise(blocks))
        assert all(b.gap == 0 and b.n_invalid == 0 for b in blocks)
    # Every LSL block holds, bit for bit, the in-process samples of the same indices.
    inproc_data = np.concatenate([b.data for b in in_blocks])
    n = 0
    for b in lsl_blocks:
        stop = min(b.stop_index, inproc_data.shape[0])
        got = b.data[: stop - b.first_index]
        assert got.dtype == np.float32 and got.shape[1] == channels
        np.testing.assert_array_equal(got, inproc_data[b.first_index : stop])
        n += got.shape[0]
    assert n >= N_SAMPLES
    # Not a trivial stream: real voltages that differ between channels.
    assert np.ptp(inproc_data[:, 0]) > 20.0 and not np.array_equal(
        inproc_data[:, 0], inproc_data[:, 1]
    )


def test_pushed_intent_drives_the_generator_from_the_next_chunk() -> None:
    cfg = InProcessConfig(name="steer", seed=SEED, channels=96, units=30)
    src = cfg.make_source()
    with src:
        blocks = _read(src, 3_000)
        src.push((0.7, -0.3))
        blocks += _read(src, 3_000)
        src.push(np.array([-1.1, 0.2]))
        blocks += _read(src, 3_000)
    data = np.concatenate([b.data for b in blocks])
    n = data.shape[0]
    # Three intents took effect, each at a chunk start (30 samples), float32 as LSL carries it.
    changes = src.velocity_changes
    assert [(vx, vy) for _, vx, vy in changes] == [
        (0.0, 0.0),
        (float(np.float32(0.7)), float(np.float32(-0.3))),
        (float(np.float32(-1.1)), float(np.float32(0.2))),
    ]
    assert [i % 30 for i, _, _ in changes] == [0, 0, 0]
    assert 3_000 <= changes[1][0] <= changes[2][0] - 3_000
    # The same simulator fed that velocity history offline gives the same samples.
    history = np.zeros((n, 2))
    for i, vx, vy in changes:
        history[i:] = (vx, vy)
    offline, _ = CortexSimulator(cfg.cortex_config(), seed=SEED).generate(n, history)
    np.testing.assert_array_equal(data, offline)
    # ...and a different history does not (the intent does reach the samples).
    steady, _ = CortexSimulator(cfg.cortex_config(), seed=SEED).generate(n, (0.0, 0.0))
    assert not np.array_equal(data[changes[1][0] :], steady[changes[1][0] :])


def test_blocks_are_paced_by_the_host_clock() -> None:
    src = InProcessConfig(name="paced", seed=1).make_source()
    with src:
        blocks = _read(src, 6_000)
        last = blocks[-1]
        # A sample is never delivered before its stamp (stamps t0 + i / fs).
        assert src.stats.last_data_age >= 0.0
        np.testing.assert_allclose(
            last.timestamps, src.start_time + np.arange(last.first_index, last.stop_index) / 3e4
        )
        # Whatever a read returns has fallen due: its newest stamp is in the past.
        b = src.read(0.0)
        assert b is None or b.timestamps[-1] <= now()


def test_bad_intent_is_refused_with_a_clear_error() -> None:
    src = InProcessConfig(name="bad").make_source()
    with pytest.raises(ValueError, match="2 finite values"):
        src.push((np.nan, 0.0))
    with pytest.raises(ValueError, match="2 finite values"):
        src.push((1.0, 2.0, 3.0))
