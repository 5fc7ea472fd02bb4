"""Kalman filter and Wiener filter against textbook computations and known models."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from neurolink.decode import KalmanDecoder, WienerFilter, intended_velocity
from neurolink.decode.linear._kalman_steady import steady_prior_cov
from neurolink.decode.linear.wiener import _accumulate_lags, _normal_equations


def _linear_gaussian(T: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Data from a known state-space model (state: 2-D position and velocity)."""
    rng = np.random.default_rng(seed)
    dt = 0.05
    A = np.array([[1, 0, dt, 0], [0, 1, 0, dt], [0, 0, 0.95, 0], [0, 0, 0, 0.95]])
    W = np.diag([1e-4, 1e-4, 0.02, 0.02])
    H = rng.normal(size=(20, 4)) * np.array([0.2, 0.2, 2.0, 2.0])
    Q = np.diag(rng.uniform(0.5, 1.5, 20))
    x = np.zeros((T, 4))
    for t in range(1, T):
        x[t] = A @ x[t - 1] + rng.multivariate_normal(np.zeros(4), W)
    z = 5.0 + x @ H.T + rng.normal(size=(T, 20)) * np.sqrt(np.diag(Q))
    return {"A": A, "W": W, "H": H, "Q": Q, "x": x, "z": z}


def _textbook_kalman(dec: KalmanDecoder, Z: np.ndarray) -> np.ndarray:
    """Covariance-form Kalman filter with the (n_units × n_units) innovation covariance."""
    A, W, H, Q = dec.A_, dec.W_, dec.H_, dec.Q_
    x, P = np.zeros(A.shape[0]), dec.P0_.copy()
    out = []
    for z in Z[:, dec.units_]:
        x, P = A @ x, A @ P @ A.T + W
        S = H @ P @ H.T + Q
        K = P @ H.T @ np.linalg.inv(S)
        x = x + K @ (z - dec.obs_offset_ - H @ x)
        P = (np.eye(len(x)) - K @ H) @ P
        out.append(x + dec.state_mean_)
    return np.array(out)


def test_least_squares_recovers_the_model() -> None:
    m = _linear_gaussian(40000)
    dec = KalmanDecoder(process_noise_scale=1.0).fit(m["z"], m["x"])
    np.testing.assert_allclose(dec.A_, m["A"], atol=0.02)
    np.testing.assert_allclose(np.diag(dec.W_)[2:], np.diag(m["W"])[2:], rtol=0.05)
    assert np.abs(dec.H_ - m["H"]).max() < 0.06
    np.testing.assert_allclose(np.diag(dec.Q_), np.diag(m["Q"]), rtol=0.05)
    np.testing.assert_allclose(dec.obs_offset_, 5.0 + dec.state_mean_ @ m["H"].T, atol=0.05)
    assert dec.process_noise_scale_ == 1.0


def test_information_form_equals_textbook_filter() -> None:
    m = _linear_gaussian(3000, seed=1)
    dec = KalmanDecoder(process_noise_scale=1.0).fit(m["z"][:2500], m["x"][:2500])
    np.testing.assert_allclose(
        dec.predict(m["z"][2500:]), _textbook_kalman(dec, m["z"][2500:]), rtol=1e-8, atol=1e-10
    )


def test_steady_state_gain_solves_the_riccati_equation_and_matches_the_full_filter() -> None:
    m = _linear_gaussian(3000, seed=2)
    full = KalmanDecoder().fit(m["z"][:2500], m["x"][:2500])
    ss = KalmanDecoder(steady_state=True).fit(m["z"][:2500], m["x"][:2500])
    A, W, H, Q = ss.A_, ss.W_, ss.H_, ss.Q_
    Pm = steady_prior_cov(full.A_, full.W_, full.H_, full.Q_, full.P0_, H.T @ np.linalg.solve(Q, H))
    riccati = A @ (Pm - Pm @ H.T @ np.linalg.solve(H @ Pm @ H.T + Q, H @ Pm)) @ A.T + W
    np.testing.assert_allclose(Pm, riccati, rtol=1e-8, atol=1e-12)
    K = Pm @ H.T @ np.linalg.inv(H @ Pm @ H.T + Q)
    np.testing.assert_allclose(ss.gain_, K, rtol=1e-7, atol=1e-12)
    full.predict(m["z"])  # the full filter's gain converges to the steady-state gain
    HtQi = np.linalg.solve(Q, H).T
    np.testing.assert_allclose(full._P @ HtQi, ss.gain_, rtol=1e-6, atol=1e-10)
    # and, started from the same state, the two filters decode alike
    a, b = full.predict(m["z"][2500:]), ss.predict(m["z"][2500:])
    vel = slice(2, 4)
    assert np.abs(a[-100:, vel] - b[-100:, vel]).max() < 0.01 * np.abs(a[:, vel]).max()


def test_riccati_iteration_fallback_agrees_with_dare(monkeypatch: pytest.MonkeyPatch) -> None:
    m = _linear_gaussian(2000, seed=3)
    dare = KalmanDecoder(steady_state=True, process_noise_scale=2.0).fit(m["z"], m["x"])

    def fail(*args: object, **kwargs: object) -> None:
        raise np.linalg.LinAlgError("forced")

    monkeypatch.setattr(scipy.linalg, "solve_discrete_are", fail)
    it = KalmanDecoder(steady_state=True, process_noise_scale=2.0).fit(m["z"], m["x"])
    np.testing.assert_allclose(it.gain_, dare.gain_, rtol=1e-8, atol=1e-12)


def test_process_noise_selection_maximises_predictive_likelihood() -> None:
    m = _linear_gaussian(6000, seed=4)  # the model is right: W needs no inflation
    assert KalmanDecoder().fit(m["z"], m["x"]).process_noise_scale_ <= 2.0


def test_intended_velocity_rotates_toward_target_and_stops_on_target() -> None:
    vel = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
    pos = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    tgt = np.array([[0.0, 1.0], [-1.0, 1.0], [0.01, 0.0]])
    out = intended_velocity(vel, pos, tgt, on_target_radius=0.05)
    np.testing.assert_allclose(out, [[0.0, 1.0], [-2.0, 0.0], [0.0, 0.0]], atol=1e-12)


def test_refit_recovers_the_observation_model_from_intention() -> None:
    """Closed-loop data: the user intends to go straight to the target; the old decoder moved
    the cursor at that speed in a wrong direction. ReFIT's rotated velocities recover H."""
    rng = np.random.default_rng(6)
    T, n_units = 6000, 30
    tgt = np.repeat(rng.normal(size=(T // 100, 2)), 100, axis=0)
    pos = tgt + rng.normal(size=(T, 2)) * 0.5  # cursor somewhere off target
    d = tgt - pos
    speed = rng.uniform(0.2, 1.0, (T, 1))
    intent = speed * d / np.linalg.norm(d, axis=1, keepdims=True)
    H = rng.normal(size=(n_units, 2)) * 2
    Z = 3 + intent @ H.T + rng.normal(size=(T, n_units)) * 0.3
    ang = rng.normal(0, 0.8, T)  # decoded direction off by up to ~±90°
    rot = np.stack([np.cos(ang), -np.sin(ang), np.sin(ang), np.cos(ang)], axis=1).reshape(T, 2, 2)
    decoded = np.einsum("nij,nj->ni", rot, intent)

    dec = KalmanDecoder("velocity").fit(Z[:2000], decoded[:2000])  # calibrated on wrong labels
    A, W = dec.A_.copy(), dec.W_.copy()
    before = np.abs(dec.H_ - H).max()
    dec.refit(Z, pos, tgt, on_target_radius=0.0, decoded_vel=decoded)
    assert dec.n_refits_ == 1
    np.testing.assert_array_equal(dec.A_, A)
    np.testing.assert_array_equal(dec.W_, W)
    assert np.abs(dec.H_ - H).max() < 0.05 < before


def test_refit_defaults_to_own_predictions_and_keeps_position_columns() -> None:
    m = _linear_gaussian(3000, seed=8)
    dec = KalmanDecoder(steady_state=True).fit(m["z"], m["x"])
    tgt = np.zeros((3000, 2))
    dec.refit(m["z"], m["x"][:, :2], tgt, on_target_radius=0.1)
    assert dec.H_.shape == (20, 4) and dec.gain_.shape == (4, 20)
    assert np.all(np.isfinite(dec.predict(m["z"])))


def test_lagged_normal_equations_equal_explicit_design() -> None:
    """Running lagged sums over chunks (shifted data) give the centred normal equations of the
    zero-padded design ``[x̃_t, x̃_{t−1}, …]`` with intercept, built here row by row."""
    rng = np.random.default_rng(0)
    n, u, d, L = 50, 3, 2, 4
    X = rng.normal(size=(n, u)) + 3.0
    Y = rng.normal(size=(n, d))
    xc = X - X.mean(axis=0)
    D = np.zeros((n, L * u))
    for i in range(L):
        D[i:, i * u : (i + 1) * u] = xc[: n - i]
    shift = X[:7].mean(axis=0)  # any reference: the sums are of shifted counts
    Xs = X - shift
    P, Q, tail = np.zeros((L, u, u)), np.zeros((L, u, d)), Xs[:0]
    for a, b in [(0, 2), (2, 9), (9, 10), (10, 50)]:
        tail = _accumulate_lags(P, Q, tail, Xs[a:b], Y[a:b])[-(L - 1) :]
    G, C, m, y_mean = _normal_equations(P, Q, Xs.sum(0), Y.sum(0), Xs[:3], Y[:3], tail, n)
    Dc = D - D.mean(axis=0)
    np.testing.assert_allclose(m, D.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(G, Dc.T @ Dc, atol=1e-10)
    np.testing.assert_allclose(C, Dc.T @ (Y - Y.mean(axis=0)), atol=1e-10)
    np.testing.assert_allclose(y_mean, Y.mean(axis=0), atol=1e-14)


def test_wiener_recovers_a_known_causal_filter() -> None:
    rng = np.random.default_rng(1)
    X = rng.poisson(2.0, size=(20000, 6)).astype(float)
    beta = rng.normal(size=(3, 6, 2))
    y = np.full((20000, 2), 0.5)
    for i in range(3):
        y[i:] += (X[: 20000 - i] - 2.0) @ beta[i]
    y += rng.normal(size=y.shape) * 0.01
    w = WienerFilter(n_lags=4, alpha=0.0).fit(X, y)
    np.testing.assert_allclose(w.coef_[:3], beta, atol=0.01)
    np.testing.assert_allclose(w.coef_[3], 0.0, atol=0.01)
    np.testing.assert_allclose(w.predict(X)[10:], y[10:], atol=0.1)
