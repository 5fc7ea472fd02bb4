"""Bad input to compile_decoder, and the input rule (several spikes in one step)."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.decode import BayesianDecoder, KalmanDecoder, WienerFilter
from neurolink.snn import ResourceError, SpecError, compile_decoder
from neurolink.snn.compile import (
    DoesNotFitError,
    NotCompilableError,
    TooFewNeuronsError,
    counts_to_raster,
    events_to_counts,
)
from tests.decode._data import cosine_counts


@pytest.fixture(scope="module")
def fitted() -> tuple[np.ndarray, np.ndarray]:
    return cosine_counts(3000, n_units=20, seed=1)


def _one_line(e: pytest.ExceptionInfo) -> str:
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_wiener_filter_is_refused_with_the_reason(fitted) -> None:
    X, v = fitted
    with pytest.raises(NotCompilableError) as e:
        compile_decoder(WienerFilter(n_lags=5).fit(X, v))
    assert isinstance(e.value, SpecError)
    assert "KalmanDecoder" in _one_line(e) and "delay line" in str(e.value)


def test_unknown_kind_unfitted_and_unknown_option(fitted) -> None:
    X, v = fitted
    with pytest.raises(NotCompilableError, match="compile_decoder knows"):
        compile_decoder(object())
    with pytest.raises(NotCompilableError, match="not fitted"):
        compile_decoder(KalmanDecoder(kinematics="velocity"))
    kf = KalmanDecoder(kinematics="velocity", steady_state=True).fit(X, v)
    with pytest.raises(NotCompilableError, match=r"unknown option.*tau_sin_ms") as e:
        compile_decoder(kf, tau_sin_ms=5.0)
    assert "tau_syn_ms" in _one_line(e)


def test_network_that_does_not_fit_the_cores(fitted) -> None:
    X, v = fitted
    kf = KalmanDecoder(kinematics="velocity", steady_state=True).fit(X, v)
    with pytest.raises(DoesNotFitError) as e:  # 8192 neurons × 8212 synapses × 8 bits
        compile_decoder(kf, max_neurons=8192)
    assert isinstance(e.value, ResourceError)
    msg = _one_line(e)
    assert "128" in msg and "set max_neurons ≤" in msg
    # the largest that fits, according to the message, is accepted by the budget check
    best = int(msg.split("set max_neurons ≤ ")[1].split()[0])
    assert 2048 < best < 4096  # ≈ 1 Mbit per core / (fan-in × 8 bits), 128 cores


def test_max_neurons_too_small_for_accuracy(fitted) -> None:
    X, v = fitted
    kf = KalmanDecoder(kinematics="velocity", steady_state=True).fit(X, v)
    with pytest.raises(TooFewNeuronsError) as e:
        compile_decoder(kf, max_neurons=128, accuracy=0.01)
    msg = _one_line(e)
    assert "max_neurons = 128" in msg and "raise max_neurons" in msg
    small = compile_decoder(kf, max_neurons=1024, accuracy=0.08)  # the smallest that meets it
    assert small.neurons < 1024 and small.fits["estimated_rmse"] <= 0.08


def test_bayes_grid_larger_than_max_neurons(fitted) -> None:
    X, v = fitted
    bd = BayesianDecoder(grid_shape=10).fit(X, v)
    with pytest.raises(TooFewNeuronsError, match="100 cells") as e:
        compile_decoder(bd, max_neurons=50)
    assert "grid_shape" in _one_line(e)


def test_several_spikes_in_one_step_are_carried_forward() -> None:
    counts = np.array([[3, 0], [0, 1], [0, 1], [0, 0], [1, 0]])
    raster = counts_to_raster(counts)
    # channel 0: three spikes in step 0 go out in steps 0, 1, 2; channel 1 unchanged
    assert raster.astype(int).tolist() == [[1, 0], [1, 1], [1, 1], [0, 0], [1, 0]]
    assert raster.sum(axis=0).tolist() == counts.sum(axis=0).tolist()
    with pytest.raises(SpecError, match="integers ≥ 0"):
        counts_to_raster(np.array([[-1, 0]]))


def test_events_to_counts() -> None:
    # samples 0..5 at 2 samples per step: steps 0, 0, 2 on channel 1; step 1 on channel 0
    got = events_to_counts([0, 1, 2, 5, 9], [1, 1, 0, 1, 0], n_channels=2, samples_per_step=2, T=4)
    assert got.tolist() == [[0, 2], [1, 0], [0, 1], [0, 0]]
