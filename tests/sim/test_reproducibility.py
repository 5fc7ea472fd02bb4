"""Seeded, bit-exact, chunk-size independent generation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.sim import CortexConfig, CortexSimulator, grid_positions
from neurolink.sim.randomness import FRAME_SAMPLES
from neurolink.streams.events import SPIKE_DTYPE

# Small but complete: every component (white, pink, hash, tuned units) is present.
CFG = CortexConfig(positions=grid_positions(12, 400.0), n_units=16)
N = 10_000


def circle(t: np.ndarray) -> np.ndarray:
    """A velocity that changes every sample (one turn per 0.2 s)."""
    return np.column_stack([np.cos(2 * np.pi * 5 * t), np.sin(2 * np.pi * 5 * t)])


def test_same_seed_is_bit_identical_and_other_seed_differs() -> None:
    a, ta = CortexSimulator(CFG, seed=7).generate(N, circle)
    b, tb = CortexSimulator(CFG, seed=7).generate(N, circle)
    c, tc = CortexSimulator(CFG, seed=8).generate(N, circle)
    assert a.dtype == np.float32 and a.shape == (N, 12) and a.flags.c_contiguous
    assert ta.dtype == SPIKE_DTYPE and ta.size > 20
    assert np.array_equal(a, b) and np.array_equal(ta, tb)
    assert not np.array_equal(a, c)
    assert not np.array_equal(ta["sample_index"][:20], tc["sample_index"][:20])


@settings(max_examples=25, deadline=None)
@given(
    cuts=st.lists(st.integers(0, 1500), min_size=1, max_size=40),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_chunking_equals_one_generate(cuts: list[int], seed: int) -> None:
    vel = circle(np.arange(N) / CFG.fs)
    ref, ref_truth = CortexSimulator(CFG, seed=seed).generate(N, vel)
    sim = CortexSimulator(CFG, seed=seed)
    parts, truths, pos = [], [], 0
    for cut in [*cuts, N]:  # the last chunk takes the rest
        n = min(cut, N - pos)
        d, t = sim.step(n, vel[pos : pos + n])
        assert d.shape == (n, 12)
        # truth of a chunk lies inside it
        assert np.all((t["sample_index"] >= pos) & (t["sample_index"] < pos + n))
        parts.append(d)
        truths.append(t)
        pos += n
        if pos == N:
            break
    assert np.array_equal(np.concatenate(parts), ref)
    assert np.array_equal(np.concatenate(truths), ref_truth)


def test_velocity_forms_agree_and_callable_sees_stream_time() -> None:
    vel = circle(np.arange(N) / CFG.fs)
    a, ta = CortexSimulator(CFG, seed=1).generate(N, vel)
    b, tb = CortexSimulator(CFG, seed=1).generate(N, circle, chunk=777)
    assert np.array_equal(a, b) and np.array_equal(ta, tb)
    const, _ = CortexSimulator(CFG, seed=1).generate(N, (0.3, -0.2))
    arr, _ = CortexSimulator(CFG, seed=1).generate(N, np.tile([0.3, -0.2], (N, 1)))
    assert np.array_equal(const, arr)


def test_reset_and_prefetch_do_not_change_values() -> None:
    sim = CortexSimulator(CFG, seed=3)
    a, _ = sim.generate(3 * FRAME_SAMPLES + 17, circle)
    sim.reset()
    assert sim.n_generated == 0
    parts = []
    for _ in range(3 * FRAME_SAMPLES // 30 + 1):
        sim.prefetch()
        parts.append(sim.step(30, circle)[0])
    b = np.concatenate(parts)[: a.shape[0]]
    assert np.array_equal(a, b)


def test_truth_fields_are_consistent() -> None:
    sim = CortexSimulator(CFG, seed=2)
    _, truth = sim.generate(N, (1.0, 0.0))
    u = truth["unit"]
    assert np.all(np.diff(truth["sample_index"]) >= 0)
    assert np.array_equal(truth["channel"], sim.units.best_channel[u])
    np.testing.assert_array_equal(-truth["amplitude"], sim.units.peak_amplitude[u])
    assert set(np.unique(u)) <= set(range(sim.n_units))


def test_bad_inputs_are_refused() -> None:
    sim = CortexSimulator(CFG, seed=0)
    with pytest.raises(ValueError, match="shape"):
        sim.step(10, np.zeros((9, 2)))
    with pytest.raises(ValueError, match="finite"):
        sim.step(10, (np.nan, 0.0))
    with pytest.raises(ValueError, match="n_samples"):
        sim.step(-1)
    with pytest.raises(ValueError, match="n_units"):
        replace(CFG, baseline=[1.0, 2.0])
    with pytest.raises(ValueError, match="refractory"):
        replace(CFG, refractory_s=1e-6)
    assert sim.n_generated == 0  # nothing was consumed by the refused calls
