"""Streaming IIR filter: equality with scipy.signal.sosfilt over any block split, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from neurolink.dsp import StreamingFilter, design_sos
from neurolink.streams import Block

DESIGNS = [
    ("bandpass", 30_000.0, {"band": (300.0, 5000.0), "order": 3}),
    ("bandpass", 15_000.0, {"band": (300.0, 5000.0), "order": 5}),
    ("highpass", 1_000.0, {"cutoff": 1.0, "order": 4}),
    ("lowpass", 250.0, {"cutoff": 40.0, "order": 2}),
    ("notch", 500.0, {"freq": 50.0, "quality": 30.0}),
]


def split_points(draw_sizes: list[int], n: int) -> list[tuple[int, int]]:
    """Turn a list of block sizes into consecutive (start, stop) covering [0, n)."""
    out, pos, i = [], 0, 0
    while pos < n:
        size = draw_sizes[i % len(draw_sizes)]
        out.append((pos, min(n, pos + size)))
        pos += size
        i += 1
    return out


@settings(max_examples=40, deadline=None)
@given(
    design=st.sampled_from(DESIGNS),
    sizes=st.lists(st.integers(0, 300), min_size=1, max_size=12).filter(lambda s: sum(s) > 0),
    n_channels=st.integers(1, 5),
    seed=st.integers(0, 2**31 - 1),
)
def test_any_block_split_equals_sosfilt(
    design: tuple[str, float, dict], sizes: list[int], n_channels: int, seed: int
) -> None:
    kind, fs, params = design
    sos = design_sos(kind, fs, **params)
    rng = np.random.default_rng(seed)
    x = (rng.normal(0, 50, (1500, n_channels)) + rng.normal(0, 500, n_channels)).astype(np.float32)
    ref = signal.sosfilt(sos, x.astype(np.float64), axis=0)
    filt = StreamingFilter(sos, n_channels)
    y = np.concatenate([filt.step(x[a:b]) for a, b in split_points(sizes, len(x))])
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())
    # whatever the split, the result is bit-identical to one call
    filt.reset()
    np.testing.assert_array_equal(y, filt.step(x))


def test_out_parameter_and_in_place() -> None:
    sos = design_sos("bandpass", 30_000.0, band=(300.0, 5000.0))
    x = np.random.default_rng(1).normal(size=(64, 3)).astype(np.float32)
    expect = StreamingFilter(sos, 3).step(x)
    out = np.empty_like(x)
    filt = StreamingFilter(sos, 3)
    assert filt.step(x, out=out) is out
    np.testing.assert_array_equal(out, expect)
    y = x.copy()
    StreamingFilter(sos, 3).step(y, out=y)
    np.testing.assert_array_equal(y, expect)
    with pytest.raises(ValueError, match="out must be"):
        filt.step(x, out=np.empty((64, 2), np.float32))


def test_step_init_matches_sosfilt_zi() -> None:
    sos = design_sos("highpass", 15_000.0, cutoff=300.0)
    x = (2000.0 + np.random.default_rng(2).normal(0, 10, (3000, 2))).astype(np.float32)
    zi = signal.sosfilt_zi(sos)[:, None, :] * x[0].astype(np.float64)[None, :, None]
    ref, _ = signal.sosfilt(sos, x.astype(np.float64), axis=0, zi=zi.transpose(0, 2, 1))
    filt = StreamingFilter(sos, 2, init="step")
    y = np.concatenate([filt.step(x[i : i + 100]) for i in range(0, 3000, 100)])
    np.testing.assert_allclose(y, ref, atol=1e-3)
    assert np.abs(y[:50]).max() < 100  # no onset transient of the 2000-unit offset


def test_block_in_block_out() -> None:
    sos = design_sos("lowpass", 1000.0, cutoff=100.0)
    data = np.ones((10, 2), np.float32)
    b = Block(data, np.arange(10.0), first_index=5, rate=1000.0, channels=("a", "b"), stream="s")
    out = StreamingFilter(sos, 2).step(b)
    assert isinstance(out, Block) and out.first_index == 5 and out.stream == "s"
    np.testing.assert_allclose(out.data, signal.sosfilt(sos, data, axis=0), rtol=1e-6)


def test_non_finite_input_holds_the_state() -> None:
    sos = design_sos("bandpass", 10_000.0, band=(300.0, 3000.0))
    x = np.random.default_rng(3).normal(size=(400, 2)).astype(np.float32)
    bad = x.copy()
    bad[100:110, 0] = np.nan
    bad[200, 0] = np.inf
    filt = StreamingFilter(sos, 2)
    y = np.concatenate([filt.step(bad[i : i + 30]) for i in range(0, 400, 30)])
    assert filt.n_invalid == 11
    assert np.array_equal(np.isnan(y[:, 0]), ~np.isfinite(bad[:, 0]))
    # the clean channel is untouched by the other channel's NaNs
    np.testing.assert_array_equal(y[:, 1], StreamingFilter(sos, 2).step(x)[:, 1])
    # the state held: before the NaNs, identical to the clean run
    np.testing.assert_array_equal(y[:100, 0], StreamingFilter(sos, 2).step(x)[:100, 0])


@pytest.mark.parametrize(
    ("kind", "params", "match"),
    [
        ("bandpass", {"band": (300.0, 8000.0)}, r"band-pass band \(300.0, 8000.0\).*fs = 15000"),
        ("bandpass", {"band": (0.0, 5000.0)}, r"\(0, fs/2\) = \(0, 7500\)"),
        ("bandpass", {"band": (-1.0, 5000.0)}, r"band-pass band"),
        ("highpass", {"cutoff": 7500.0}, r"highpass cutoff 7500.0 Hz.*fs = 15000"),
        ("lowpass", {"cutoff": 0.0}, r"lowpass cutoff"),
        ("notch", {"freq": 9000.0}, r"notch frequency 9000.0 Hz"),
        ("bandpass", {"band": (5000.0, 300.0)}, r"low < high"),
        ("bandstop", {"band": (1.0, 2.0)}, r"unknown filter kind"),
        ("bandpass", None, r"needs band"),
    ],
)
def test_design_errors(kind: str, params: dict | None, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        design_sos(kind, 15_000.0, **(params or {}))


def test_wrong_channel_count_names_expected_and_got() -> None:
    filt = StreamingFilter(design_sos("lowpass", 1000.0, cutoff=100.0), 4)
    with pytest.raises(ValueError, match=r"expected 4 channels.*\(10, 3\)|\(10, 3\).*expected 4"):
        filt.step(np.zeros((10, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        StreamingFilter(np.zeros((2, 5)), 4)


@pytest.mark.parametrize("design", DESIGNS, ids=[d[0] + str(int(d[1])) for d in DESIGNS])
def test_float64_blocks_equal_sosfilt_bit_for_bit(design: tuple[str, float, dict]) -> None:
    kind, fs, params = design
    sos = design_sos(kind, fs, **params)
    x = np.random.default_rng(7).normal(0, 40, (2000, 3)) + 300.0
    filt = StreamingFilter(sos, 3, dtype=np.float64)
    y = np.concatenate([filt.step(x[a:b]) for a, b in split_points([1, 250, 17, 0, 999], len(x))])
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, signal.sosfilt(sos, x, axis=0))


def test_dtype_other_than_float32_or_float64_is_refused() -> None:
    with pytest.raises(ValueError, match="dtype must be float32 or float64, got int16"):
        StreamingFilter(design_sos("lowpass", 1000.0, cutoff=100.0), 2, dtype=np.int16)
