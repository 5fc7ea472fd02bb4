"""Scoring detections against ground-truth units: neighbourhoods, lag, one-to-one, attribution."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from neurolink.dsp import match_spikes
from neurolink.dsp.evaluate import (
    detection_snr,
    filtered_templates,
    score_detection,
    unit_neighbourhoods,
)
from neurolink.streams import SPIKE_DTYPE


def spikes(rows: list[tuple[int, int, int]]) -> np.ndarray:
    """SPIKE_DTYPE array from ``(sample, channel, unit)`` rows."""
    out = np.zeros(len(rows), SPIKE_DTYPE)
    for i, (t, c, u) in enumerate(rows):
        out[i] = (t, c, 0.0, u)
    return out


# four contacts on a line: 0 and 1 are 20 µm apart, 2 and 3 far away
POSITIONS = np.array([[0.0, 0.0], [0.0, 20.0], [0.0, 400.0], [0.0, 800.0]])
# unit 0 is largest on channel 0 (and seen on 1), unit 1 on channel 2
AMPLITUDE = np.array([[50.0, 30.0, 1.0, 0.0], [1.0, 1.0, 40.0, 1.0]])


def test_neighbourhoods_by_radius() -> None:
    hood = unit_neighbourhoods(np.array([0, 2]), POSITIONS, 30.0)
    assert hood.tolist() == [[True, True, False, False], [False, False, True, False]]
    assert unit_neighbourhoods(np.array([0, 2]), POSITIONS, 0.0).sum() == 2  # best only
    with pytest.raises(ValueError, match="radius_um"):
        unit_neighbourhoods(np.array([0]), POSITIONS, -1.0)


def test_hand_case() -> None:
    hood = unit_neighbourhoods(np.array([0, 2]), POSITIONS, 30.0)
    truth = spikes([(100, 0, 0), (150, 2, 1), (200, 0, 0), (300, 0, 0), (1000, 0, 0)])
    det = spikes([
        (103, 1, -1),  # unit 0 at 100, on a neighbouring channel: a match
        (152, 0, -1),  # channel 0 is not unit 1's: a false positive, unit 0's
        (153, 2, -1),  # unit 1 at 150 + lag 2: a match (|153 - 152| <= 3)
        (200, 0, -1), (202, 0, -1),  # one spike, two detections: one match, one FP of unit 0
        (500, 2, -1),  # nothing there: FP of unit 1
        (600, 3, -1),  # a channel in no neighbourhood: unattributed FP
        (1001, 0, -1),  # outside [0, 999): not counted (its true spike is outside too)
    ])  # fmt: skip
    lag = np.array([0, 2])
    s = score_detection(
        det, truth, neighbourhood=hood, amplitude=AMPLITUDE, tol_samples=3, lag=lag, stop=999
    )
    assert s.tp.tolist() == [2, 1]
    assert s.fn.tolist() == [1, 0]  # 300 missed; 1000 is outside the interval
    assert s.fp.tolist() == [2, 1]
    assert s.fp_unattributed == 1
    assert s.n_detected == 7
    assert s.recall() == pytest.approx(3 / 4)
    assert s.precision() == pytest.approx(3 / 7)
    assert s.precision(np.array([True, False])) == pytest.approx(2 / 4)
    np.testing.assert_allclose(s.unit_recall(), [2 / 3, 1.0])
    np.testing.assert_allclose(s.unit_precision(), [0.5, 0.5])
    # unit 1's detection at 155: 3 from its expected time 150 + 2, 5 from its broadband time
    far = det.copy()
    far["sample_index"][2] = 155
    s0 = score_detection(far, truth, neighbourhood=hood, amplitude=AMPLITUDE, tol_samples=3)
    s2 = score_detection(
        far, truth, neighbourhood=hood, amplitude=AMPLITUDE, tol_samples=3, lag=lag
    )
    assert (s0.tp[1], s2.tp[1]) == (0, 1)


def test_interval_edges_cost_nothing() -> None:
    # a true spike just inside the interval matches a detection just outside it, and an
    # unmatched detection just outside is not a false positive
    hood = np.ones((1, 1), bool)
    truth = spikes([(101, 0, 0), (500, 0, 0)])
    det = spikes([(99, 0, -1), (97, 0, -1), (500, 0, -1)])
    s = score_detection(
        det, truth, neighbourhood=hood, amplitude=np.ones((1, 1)), tol_samples=3, start=100
    )
    assert (s.tp[0], s.fn[0], s.fp[0], s.n_detected) == (2, 0, 0, 2)


def test_one_to_one_is_a_maximum_matching_across_units() -> None:
    # a detection on a shared channel may serve either unit: the matching must find both pairs
    hood = np.array([[True, True], [False, True]])
    truth = spikes([(100, 0, 0), (104, 1, 1)])
    det = spikes([(102, 1, -1), (106, 1, -1)])  # 102 fits both units, 106 only unit 1
    s = score_detection(det, truth, neighbourhood=hood, amplitude=np.ones((2, 2)), tol_samples=2)
    assert s.tp.tolist() == [1, 1] and s.fp.sum() == 0


@settings(max_examples=60, deadline=None)
@given(
    det=st.lists(st.integers(0, 300), max_size=30),
    true=st.lists(st.integers(0, 300), max_size=30),
    tol=st.integers(0, 8),
)
def test_one_unit_one_channel_agrees_with_match_spikes(
    det: list[int], true: list[int], tol: int
) -> None:
    d = spikes([(t, 0, -1) for t in sorted(det)])
    t = spikes([(x, 0, 0) for x in sorted(true)])
    s = score_detection(d, t, neighbourhood=np.ones((1, 1), bool), amplitude=np.ones((1, 1)),
                        tol_samples=tol)  # fmt: skip
    assert (int(s.tp[0]), int(s.fp[0]), int(s.fn[0])) == match_spikes(det, true, tol)


def test_filtered_templates_lag_and_depth() -> None:
    fs = 30_000.0
    w = np.zeros((2, 60))
    w[0, 15] = -1.0  # an impulse: the filtered trough follows the filter's own response
    w[1, 10:21] = -np.hanning(11)  # a smooth trough at 15
    sos = signal.butter(2, (300.0, 5000.0), btype="bandpass", fs=fs, output="sos")
    filtered, lag, depth = filtered_templates(w, 15, sos)
    assert filtered.shape == (2, 300)
    impulse = signal.sosfilt(sos, np.r_[1.0, np.zeros(100)])
    assert lag[0] == int(np.argmax(impulse))
    assert 0 <= lag[1] <= 3 and 0 < depth[1] < 1
    _, lag_none, depth_none = filtered_templates(w, 15, None)
    assert lag_none.tolist() == [0, 0] and np.allclose(depth_none, 1.0)
    snr = detection_snr(np.array([40.0, 20.0]), np.array([1, 0]), np.array([0.5, 1.0]),
                        np.array([4.0, 5.0]))  # fmt: skip
    np.testing.assert_allclose(snr, [4.0, 5.0])


def test_errors() -> None:
    hood = np.ones((1, 1), bool)
    one = spikes([(10, 0, 0)])
    with pytest.raises(ValueError, match="tol_samples"):
        score_detection(one, one, neighbourhood=hood, amplitude=np.ones((1, 1)), tol_samples=-1)
    with pytest.raises(ValueError, match="amplitude"):
        score_detection(one, one, neighbourhood=hood, amplitude=np.ones((2, 1)), tol_samples=1)
    with pytest.raises(ValueError, match="truth units"):
        score_detection(one, spikes([(10, 0, 3)]), neighbourhood=hood,
                        amplitude=np.ones((1, 1)), tol_samples=1)  # fmt: skip
    with pytest.raises(ValueError, match="waveform"):
        filtered_templates(np.zeros((1, 5)), 7, None)
