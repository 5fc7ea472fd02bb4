"""partial_fit of the spike decoders: chunks of any size give the model of one fit (Wiener filter
and Kalman filter over random splits), what the first chunk fixes (a grid, a selected noise
scale or prior width) is kept, and bad chunks are refused before anything is added."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.decode import (
    BayesianDecoder,
    CalibrationError,
    ChannelMismatchError,
    DecoderError,
    DroppedUnitsWarning,
    KalmanDecoder,
    NotFittedError,
    WienerFilter,
)
from neurolink.decode.bayes.tuning import glm_fit
from tests.decode._data import BIN_S, cosine_counts

N_BINS = 400
X_ALL, V_ALL = cosine_counts(N_BINS, n_units=6, seed=21)
KIN_ALL = np.hstack([np.cumsum(V_ALL, axis=0) * BIN_S, V_ALL])
splits = st.lists(st.integers(1, N_BINS - 1), max_size=8, unique=True).map(sorted)


def _feed(dec, X: np.ndarray, y: np.ndarray, cuts: list[int]):
    """partial_fit over the chunks between ``cuts``; only too-short starts may raise."""
    edges = [0, *cuts, len(X)]
    for a, b in itertools.pairwise(edges):
        try:
            assert dec.partial_fit(X[a:b], y[a:b]) is dec
        except CalibrationError as err:
            assert err.have == b < err.need  # all bins so far are kept, still too few
            assert not dec.is_fitted
    return dec


@pytest.mark.filterwarnings("ignore::neurolink.decode.DroppedUnitsWarning")  # short chunks
@settings(max_examples=80, deadline=None)
@given(cuts=splits)
def test_wiener_chunks_give_the_coefficients_of_one_fit(cuts: list[int]) -> None:
    full = WienerFilter(n_lags=4, alpha=0.5).fit(X_ALL, V_ALL)
    part = _feed(WienerFilter(n_lags=4, alpha=0.5), X_ALL, V_ALL, cuts)
    np.testing.assert_allclose(part.coef_, full.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(part.intercept_, full.intercept_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(part.mean_counts_, full.mean_counts_, rtol=1e-12)
    assert part.n_bins_seen_ == N_BINS


@pytest.mark.filterwarnings("ignore::neurolink.decode.DroppedUnitsWarning")
@settings(max_examples=40, deadline=None)
@given(cuts=splits, steady=st.booleans())
def test_kalman_chunks_give_the_model_of_one_fit(cuts: list[int], steady: bool) -> None:
    make = lambda: KalmanDecoder(steady_state=steady, process_noise_scale=3.0)  # noqa: E731
    full = make().fit(X_ALL, KIN_ALL)
    part = _feed(make(), X_ALL, KIN_ALL, cuts)
    names = ["A_", "W_", "H_", "Q_", "obs_offset_", "P0_", "state_mean_"]
    for name in names + (["gain_"] if steady else []):
        a, b = getattr(part, name), getattr(full, name)
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12 * np.abs(b).max(), err_msg=name)


def test_a_unit_silent_in_the_first_chunk_is_kept_once_it_varies() -> None:
    X = X_ALL.copy()
    X[:150, 2] = 0
    with pytest.warns(DroppedUnitsWarning, match="1 unit"):
        part = WienerFilter(n_lags=3).partial_fit(X[:150], V_ALL[:150])
    np.testing.assert_array_equal(part.dropped_units_, [2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: nothing is dropped any more
        part.partial_fit(X[150:], V_ALL[150:])
    assert part.dropped_units_.size == 0
    np.testing.assert_allclose(part.coef_, WienerFilter(n_lags=3).fit(X, V_ALL).coef_, rtol=1e-9)


def test_kalman_keeps_the_noise_scale_selected_on_the_first_chunk(monkeypatch) -> None:
    X, kin = cosine_counts(1200, n_units=10, seed=4)
    kin = np.hstack([np.cumsum(kin, axis=0) * BIN_S, kin])
    first = KalmanDecoder().fit(X[:600], kin[:600])
    part = KalmanDecoder().partial_fit(X[:600], kin[:600])
    assert part.process_noise_scale_ == first.process_noise_scale_

    def no_selection(*args: object) -> float:
        raise AssertionError("partial_fit selected the noise scale again")

    monkeypatch.setattr(KalmanDecoder, "_select_scale", no_selection)
    part.partial_fit(X[600:], kin[600:])
    assert part.process_noise_scale_ == first.process_noise_scale_
    ref = KalmanDecoder(process_noise_scale=first.process_noise_scale_).fit(X, kin)
    np.testing.assert_allclose(part.W_, ref.W_, rtol=1e-8)
    np.testing.assert_allclose(part.predict(X), ref.predict(X), rtol=1e-8, atol=1e-10)


def test_kalman_partial_fit_after_refit_adds_to_the_refit_data() -> None:
    X, vel = cosine_counts(1500, n_units=8, seed=5)
    dec = KalmanDecoder("velocity", process_noise_scale=2.0).fit(X[:500], vel[:500])
    rng = np.random.default_rng(0)
    pos, tgt = rng.normal(size=(500, 2)), rng.normal(size=(500, 2))
    dec.refit(X[500:1000], pos, tgt, on_target_radius=0.1, decoded_vel=vel[500:1000])
    dec.partial_fit(X[1000:], vel[1000:])
    assert dec.n_refits_ == 1
    # observation model: least squares with intercept on ReFIT intention + the new bins
    from neurolink.decode import intended_velocity

    state = np.vstack([intended_velocity(vel[500:1000], pos, tgt, 0.1), vel[1000:]])
    Z = X[500:]
    D = np.hstack([state - dec.state_mean_, np.ones((1000, 1))])
    B = np.linalg.lstsq(D, Z, rcond=None)[0].T
    np.testing.assert_allclose(dec.H_, B[:, :-1], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(dec.obs_offset_, B[:, -1], rtol=1e-8)
    # dynamics: the calibration and the new bins (the ReFIT bins are not kinematics)
    ref = KalmanDecoder("velocity", process_noise_scale=2.0)
    ref.partial_fit(X[:500], vel[:500]).partial_fit(X[1000:], vel[1000:])
    np.testing.assert_allclose(dec.A_, ref.A_, rtol=1e-10)
    np.testing.assert_allclose(dec.state_mean_, ref.state_mean_, rtol=1e-12)


@pytest.mark.parametrize("tuning", ["histogram", "glm"])
def test_bayes_chunks_in_any_order_give_the_tuning_of_one_fit(tuning: str) -> None:
    X, v = cosine_counts(3000, n_units=12, seed=6)
    make = lambda: BayesianDecoder(grid_shape=12, tuning=tuning, bounds=[(-2, 2)] * 2)  # noqa: E731
    full = make().fit(X, v)
    part = make()
    for a in (2000, 500, 0, 1700):  # not in time order: the histograms do not care
        b = {2000: 3000, 500: 1700, 0: 500, 1700: 2000}[a]
        part.partial_fit(X[a:b], v[a:b])
    np.testing.assert_allclose(part.rates_, full.rates_, rtol=1e-10)
    np.testing.assert_allclose(part.occupancy_, full.occupancy_, rtol=1e-12)
    if tuning == "glm":
        np.testing.assert_allclose(part.coef_, full.coef_, rtol=1e-8, atol=1e-10)


def test_weighted_glm_equals_the_glm_of_the_repeated_rows() -> None:
    rng = np.random.default_rng(3)
    B = np.column_stack([np.ones(40), rng.uniform(-1, 1, (40, 2))])
    w = rng.integers(1, 6, 40)
    C_rows = rng.poisson(2.0, size=(int(w.sum()), 3)).astype(float)
    rows = np.repeat(np.arange(40), w)
    C = np.stack([np.bincount(rows, weights=c, minlength=40) for c in C_rows.T], axis=1)
    np.testing.assert_allclose(
        glm_fit(B, C, ridge=0.5, weights=w.astype(float)),
        glm_fit(B[rows], C_rows, ridge=0.5),
        rtol=1e-7,
        atol=1e-9,
    )


def test_bayes_grid_and_selected_sigma_are_fixed_by_the_first_chunk() -> None:
    X, v = cosine_counts(3000, n_units=12, seed=7)
    first = BayesianDecoder(grid_shape=12, prior="continuity").fit(X[:1500], v[:1500])
    part = BayesianDecoder(grid_shape=12, prior="continuity").partial_fit(X[:1500], v[:1500])
    np.testing.assert_array_equal(part.continuity_sigma_, first.continuity_sigma_)
    wide = v[1500:] * 3.0  # beyond the first chunk's grid: counted in the edge cells
    part.partial_fit(X[1500:], wide)
    np.testing.assert_array_equal(part.grid_lower_, first.grid_lower_)
    np.testing.assert_array_equal(part.grid_upper_, first.grid_upper_)
    np.testing.assert_array_equal(part.continuity_sigma_, first.continuity_sigma_)
    assert part.cell_bins_.sum() == 3000
    edge = part.cell_bins_.reshape(12, 12) - first.cell_bins_.reshape(12, 12)
    assert edge[[0, -1], :].sum() + edge[1:-1, [0, -1]].sum() > 0.3 * 1500


SPIKE = {
    "bayes": (lambda: BayesianDecoder(grid_shape=8, bounds=[(-2, 2)] * 2), V_ALL),
    "kalman": (lambda: KalmanDecoder("velocity", process_noise_scale=2.0), V_ALL),
    "wiener": (lambda: WienerFilter(n_lags=3), V_ALL),
}


@pytest.mark.parametrize("name", sorted(SPIKE))
def test_bad_chunks_are_refused_before_anything_is_added(name: str) -> None:
    make, y = SPIKE[name]
    names = [f"u{i}" for i in range(6)]
    dec = make().partial_fit(X_ALL[:300], y[:300], channels=names)
    before = {k: np.copy(v) for k, v in dec._learned().items()}
    with pytest.raises(DecoderError, match="5 units, the decoder was fitted on 6"):
        dec.partial_fit(X_ALL[300:, :5], y[300:])
    with pytest.raises(DecoderError, match="y has 1"):
        dec.partial_fit(X_ALL[300:], y[300:, :1])
    with pytest.raises(ChannelMismatchError, match="not the ones"):
        dec.partial_fit(X_ALL[300:], y[300:], channels=names[::-1])
    bad = X_ALL[300:].astype(float)
    bad[3, 1] = np.nan
    with pytest.raises(DecoderError, match="non-finite"):
        dec.partial_fit(bad, y[300:])
    for k, v in dec._learned().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)
    dec.partial_fit(X_ALL[300:], y[300:], channels=names)  # the same labels are fine
    assert dec.n_bins_seen_ == N_BINS


def test_short_start_is_kept_until_enough_bins_arrive() -> None:
    X = X_ALL + np.arange(N_BINS)[:, None] % 2  # no unit is constant, even over 2 bins
    dec = WienerFilter(n_lags=3)
    with pytest.raises(CalibrationError, match=r"record 10 more bins") as err:
        dec.partial_fit(X[:9], V_ALL[:9])
    assert (err.value.have, err.value.need) == (9, 19)
    with pytest.raises(NotFittedError):
        dec.predict(X)
    dec.partial_fit(X[9:], V_ALL[9:])
    np.testing.assert_allclose(dec.coef_, WienerFilter(n_lags=3).fit(X, V_ALL).coef_, rtol=1e-9)
    with pytest.raises(DecoderError, match="n_lags changed"):
        dec.set_params(n_lags=4).partial_fit(X, V_ALL)
