"""Bayesian population decoder: the likelihood, each prior and the tuning curves, against
independent computations (scipy.stats, scipy.ndimage, scipy.special)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from scipy.special import logsumexp
from scipy.stats import poisson

from neurolink.decode import BayesianDecoder, r2_score
from neurolink.decode.bayes._kernels import PRIOR_MIX
from neurolink.decode.bayes.tuning import glm_fit
from tests.decode._data import BIN_S, cosine_counts


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return cosine_counts(6000, n_units=40, seed=7)


def _brute_log_posterior(dec: BayesianDecoder, counts: np.ndarray) -> np.ndarray:
    """Σ_u log Poisson(c_u; τ r_u(x)) at every grid point, one point at a time (uniform prior)."""
    pts = dec.grid.points()
    c = counts[:, dec.units_]
    out = np.empty((counts.shape[0], pts.shape[0]))
    for g in range(pts.shape[0]):
        out[:, g] = poisson.logpmf(c, dec.bin_s * dec.rates_[:, g]).sum(axis=1)
    return out


def test_map_on_2d_grid_matches_brute_force_likelihood(data) -> None:
    X, v = data
    dec = BayesianDecoder(grid_shape=(24, 20), prior="uniform", estimate="map").fit(X, v)
    Xt = X[-150:]
    logp = _brute_log_posterior(dec, Xt)
    res = dec.decode(Xt)
    best = dec.grid.points()[np.argmax(logp, axis=1)]
    np.testing.assert_array_equal(res.map, best)
    np.testing.assert_array_equal(dec.predict(Xt), best)
    post = np.exp(logp - logsumexp(logp, axis=1, keepdims=True)).reshape(-1, 24, 20)
    np.testing.assert_allclose(res.posterior, post, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(
        res.mean, np.einsum("ng,gd->nd", post.reshape(-1, 480), dec.grid.points())
    )
    # the matrix form is the same up to a constant per bin
    ll = dec.log_likelihood(Xt)
    d = ll - logp
    np.testing.assert_allclose(d - d[:, :1], 0.0, atol=1e-9)


def test_stable_for_hundreds_of_neurons_and_large_counts() -> None:
    X, v = cosine_counts(4000, n_units=400, seed=3)
    dec = BayesianDecoder(grid_shape=30, prior="uniform").fit(X, v)
    big = X[-20:] * 25  # 0.5 s worth of spikes: log-likelihoods in the thousands
    p = dec.predict_proba(big)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    ll = dec.log_likelihood(big)
    assert np.ptp(ll, axis=1).min() > 700  # naive exp() would under/overflow here
    np.testing.assert_allclose(p, np.exp(ll - logsumexp(ll, axis=1, keepdims=True)), atol=1e-12)


def test_continuity_prior_is_gaussian_around_previous_estimate(data) -> None:
    X, v = data
    dec = BayesianDecoder(grid_shape=20, prior="continuity", continuity_sigma=(0.3, 0.5)).fit(X, v)
    res = dec.decode(X[:40])
    pts = dec.grid.points()
    ll = dec.log_likelihood(X[:40])
    for t in range(1, 40):
        prev = res.mean[t - 1]
        lp = ll[t] - 0.5 * (((pts - prev) / np.array([0.3, 0.5])) ** 2).sum(axis=1)
        expect = np.exp(lp - logsumexp(lp))
        np.testing.assert_allclose(res.posterior[t].ravel(), expect, rtol=1e-9, atol=1e-15)


def test_recursive_prior_is_the_blurred_previous_posterior(data) -> None:
    X, v = data
    sigma = np.array([0.12, 0.2])
    dec = BayesianDecoder(grid_shape=(20, 25), prior="recursive", transition_sigma=sigma).fit(X, v)
    res = dec.decode(X[:30])
    ll = dec.log_likelihood(X[:30])
    sig_cells = sigma / dec.grid.cell
    for t in range(1, 30):
        blur = gaussian_filter(res.posterior[t - 1], sig_cells, mode="constant", truncate=3.0)
        prior = (1 - PRIOR_MIX) * blur.ravel() + PRIOR_MIX / blur.size
        lp = ll[t] + np.log(prior)
        np.testing.assert_allclose(
            res.posterior[t].ravel(), np.exp(lp - logsumexp(lp)), rtol=1e-8, atol=1e-15
        )


def test_priors_that_use_history_decode_better(data) -> None:
    X, v = data
    tr, te = slice(0, 4000), slice(4000, None)
    r2 = {
        p: r2_score(v[te], BayesianDecoder(prior=p).fit(X[tr], v[tr]).predict(X[te])).mean()
        for p in ("uniform", "occupancy", "continuity", "recursive")
    }
    print("Bayesian decoder R² by prior (cosine-tuned Poisson, 40 units, 20 ms):", r2)
    assert r2["recursive"] > r2["uniform"] + 0.1
    assert r2["continuity"] > r2["uniform"] + 0.05
    assert r2["recursive"] > 0.8


def test_one_dimensional_position_with_histogram_tuning() -> None:
    """Place-field-like units on a 1-D track: histograms, occupancy prior, 1-D posterior."""
    rng = np.random.default_rng(5)
    n = 8000
    pos = 1.0 + np.sin(np.cumsum(rng.normal(0, 0.02, n)) + np.linspace(0, 40, n))  # 0..2 m
    centres = np.linspace(0, 2, 30)
    rates = 1 + 25 * np.exp(-0.5 * ((pos[:, None] - centres) / 0.15) ** 2)
    X = rng.poisson(rates * BIN_S * 5)  # 100 ms bins
    dec = BayesianDecoder(bin_s=5 * BIN_S, grid_shape=60, tuning="histogram", prior="recursive")
    dec.fit(X[:6000], pos[:6000])
    res = dec.decode(X[6000:])
    assert res.posterior.shape == (2000, 60) and res.map.shape == (2000, 1)
    assert dec.rates_.shape == (30, 60) and dec.rates_.min() >= dec.rate_floor
    # tuning curves peak where the place fields are
    peaks = dec.grid.centers()[0][np.argmax(dec.rates_, axis=1)]
    assert np.max(np.abs(peaks[2:-2] - centres[2:-2])) < 0.1
    assert r2_score(pos[6000:], res.mean)[0] > 0.9


def test_glm_fit_recovers_log_linear_tuning() -> None:
    rng = np.random.default_rng(2)
    z = rng.uniform(-1, 1, size=(20000, 2))
    B = np.column_stack([np.ones(len(z)), z])
    beta = np.array([[-1.0, 0.8, -0.4], [-2.0, 0.0, 1.2], [0.2, -0.5, 0.5]])
    C = rng.poisson(np.exp(B @ beta.T)).astype(float)
    est = glm_fit(B, C, ridge=0.0)
    np.testing.assert_allclose(est, beta, atol=0.06)


def test_rates_floor_and_step_speed_path(data) -> None:
    X, v = data
    dec = BayesianDecoder(prior="continuity", rate_floor=0.5).fit(X, v)
    assert dec.rates_.min() >= 0.5
    out = dec.step(X[0].astype(np.float64))
    assert out.shape == (2,) and out.dtype == np.float64
    assert dec.posterior.shape == (50, 50)
    np.testing.assert_allclose(dec.posterior.sum(), 1.0)
