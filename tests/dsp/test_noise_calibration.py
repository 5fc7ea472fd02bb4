"""The detector's noise calibration (median and MAD per channel) against an independent
reference: Python's :func:`statistics.median` over each channel's finite samples, bit for bit,
with and without non-finite samples, and a channel without any finite sample inactive."""

from __future__ import annotations

import math
import statistics

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from neurolink.dsp.detect.noise import calibrate_mad


def reference(cal: np.ndarray) -> tuple[list[float], list[float]]:
    med, mad = [], []
    for col in cal.astype(np.float64).T:
        x = [float(v) for v in col if math.isfinite(v)]
        if not x:
            med.append(0.0)
            mad.append(0.0)
            continue
        m = statistics.median(x)
        med.append(m)
        mad.append(statistics.median(abs(v - m) for v in x))
    return med, mad


values = st.floats(-1e4, 1e4, width=32, allow_nan=False, allow_infinity=False)
special = st.sampled_from([math.nan, math.inf, -math.inf])


@given(
    hnp.arrays(
        np.float32,
        st.tuples(st.integers(1, 60), st.integers(1, 6)),
        elements=st.one_of(values, values, values, special),
    )
)
def test_median_and_mad_equal_the_reference_bit_for_bit(cal: np.ndarray) -> None:
    med, mad = calibrate_mad(cal)
    ref_med, ref_mad = reference(cal)
    assert med.dtype == mad.dtype == np.float64 and med.shape == mad.shape == (cal.shape[1],)
    assert med.tolist() == ref_med and mad.tolist() == ref_mad


@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 60), st.integers(1, 6)), elements=values))
def test_all_finite_windows_take_the_same_numbers(cal: np.ndarray) -> None:
    med, mad = calibrate_mad(cal)
    ref_med, ref_mad = reference(cal)
    assert med.tolist() == ref_med and mad.tolist() == ref_mad


def test_a_channel_without_finite_samples_is_inactive() -> None:
    cal = np.random.default_rng(0).normal(size=(300, 3)).astype(np.float32)
    cal[:, 1] = np.nan
    cal[::2, 2] = np.inf
    med, mad = calibrate_mad(cal)
    assert mad[1] == 0.0 and med[1] == 0.0 and mad[0] > 0 and mad[2] > 0
