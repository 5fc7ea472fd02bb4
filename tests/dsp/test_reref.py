"""Common average / median reference against numpy's nanmean / nanmedian."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.dsp import CommonAverageReference, CommonMedianReference
from neurolink.streams import Block


@settings(max_examples=50, deadline=None)
@given(
    n_channels=st.integers(1, 17),
    seed=st.integers(0, 2**31 - 1),
    n_nan=st.integers(0, 10),
    ties=st.booleans(),
)
def test_matches_numpy(n_channels: int, seed: int, n_nan: int, ties: bool) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 10, (40, n_channels)).astype(np.float32)
    if ties:
        x = np.round(x / 10).astype(np.float32)  # many equal values: exercises the selection
    x[rng.integers(0, 40, n_nan), rng.integers(0, n_channels, n_nan)] = np.nan
    x64 = x.astype(np.float64)
    with warnings.catch_warnings():  # all-NaN rows: numpy warns, the reference is NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        car = x64 - np.nanmean(x64, axis=1, keepdims=True)
        cmr = x64 - np.nanmedian(x64, axis=1, keepdims=True)
    nodes = (CommonAverageReference(n_channels), CommonMedianReference(n_channels))
    for node, ref in zip(nodes, (car, cmr), strict=True):
        y = node.step(x)
        assert y.dtype == np.float32
        np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
        np.testing.assert_allclose(y, ref.astype(np.float32), atol=1e-5, equal_nan=True)


def test_reference_subset_and_block() -> None:
    x = np.array([[1.0, 2.0, 3.0, 100.0], [4.0, 4.0, 4.0, -50.0]], np.float32)
    b = Block(x, np.arange(2.0), 7, 10.0, ("a", "b", "c", "d"), "s")
    y = CommonMedianReference(4, ref_channels=[0, 1, 2]).step(b)
    assert y.first_index == 7
    np.testing.assert_array_equal(y.data, [[-1, 0, 1, 98], [0, 0, 0, -54]])
    y = CommonAverageReference(4, ref_channels=[0, 1, 2]).step(x)
    np.testing.assert_array_equal(y, [[-1, 0, 1, 98], [0, 0, 0, -54]])


def test_errors() -> None:
    with pytest.raises(ValueError, match="expected 3 channels"):
        CommonAverageReference(3).step(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="ref_channels"):
        CommonMedianReference(3, ref_channels=[0, 3])
