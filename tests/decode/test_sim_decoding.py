"""Decoding velocity from the simulated cortex: Bayesian decoder, Kalman filter, Wiener filter.

Data: :class:`neurolink.sim.CortexSimulator` (96-channel Utah array, 60 cosine-tuned units,
default tuning), driven by center-out-and-back reaches with minimum-jerk profiles (8 targets);
ground-truth spikes binned per channel at 20 ms (threshold-crossing-like counts; the 36 channels
without a unit are dropped with a warning). 6 minutes: the last 2 are held out.

Figures with the seed below (R² of held-out velocity, mean of x and y; 2-core machine):

====================  ==========  ==========
calibration           1 min       4 min
====================  ==========  ==========
Wiener, 10 lags       0.793       0.828
Kalman (selected W)   0.825       0.826
Kalman (W of LS)      0.723       0.720
Bayes, recursive      0.816       0.816
====================  ==========  ==========

With a 1-minute calibration the Bayesian decoder and the Kalman filter beat the Wiener filter
(it has 10 × 60 weights per output to learn); with 4 minutes the three are within 0.02 of each
other and the Wiener filter edges ahead: the simulated units are exactly linear in velocity, the
Wiener filter's own model. The Kalman filter with the least-squares ``W`` of Wu et al. lags on
these smooth reaches (an AR(1) model misses their momentum); the W chosen by the predictive
likelihood of the calibration counts (the default) removes the lag.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import poisson

from neurolink.decode import BayesianDecoder, KalmanDecoder, WienerFilter, r2_score
from tests.decode._data import Reaching, simulated_reaching

TEST_BINS = 6000  # the last 2 minutes


@pytest.fixture(scope="module")
def reaching() -> Reaching:
    return simulated_reaching(360.0, seed=0)


def _scores(d: Reaching, n_cal: int) -> dict[str, float]:
    cal, test = slice(0, n_cal), slice(d.counts.shape[0] - TEST_BINS, None)
    X, truth = d.counts[test], d.vel[test]

    def r2(pred: np.ndarray) -> float:
        return float(r2_score(truth, pred).mean())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 36 empty channels
        wiener = WienerFilter(n_lags=10).fit(d.counts[cal], d.vel[cal])
        kalman = KalmanDecoder().fit(d.counts[cal], d.kin[cal])
        kalman_ls = KalmanDecoder(process_noise_scale=1.0).fit(d.counts[cal], d.kin[cal])
        bayes = BayesianDecoder(prior="recursive").fit(d.counts[cal], d.vel[cal])
    return {
        "wiener": r2(wiener.predict(X)),
        "kalman": r2(kalman.predict(X)[:, 2:]),
        "kalman_ls": r2(kalman_ls.predict(X)[:, 2:]),
        "bayes": r2(bayes.predict(X)),
    }


def test_channels_and_units(reaching: Reaching) -> None:
    assert reaching.counts.shape == (18000, 96) and reaching.counts.dtype == np.int32
    assert np.sum(reaching.counts.sum(axis=0) > 0) == 60  # one unit per occupied channel
    assert 0.8 < np.abs(reaching.vel).max() < 1.5  # speeds span the tuning's v_max = 1


def test_bayes_and_kalman_against_wiener(reaching: Reaching) -> None:
    short = _scores(reaching, 3000)
    long = _scores(reaching, 12000)
    print("\nheld-out velocity R² (simulated cortex, 20 ms bins):")
    for name in short:
        print(f"  {name:10s} 1-min calibration {short[name]:.3f}   4-min {long[name]:.3f}")
    assert short["bayes"] > short["wiener"] and short["kalman"] > short["wiener"]
    for r in (short, long):
        assert min(r["wiener"], r["kalman"], r["bayes"]) > 0.78
        assert max(abs(r["bayes"] - r["wiener"]), abs(r["kalman"] - r["wiener"])) < 0.04
        assert r["kalman"] > r["kalman_ls"] + 0.05


def test_map_on_2d_velocity_grid_agrees_with_brute_force(reaching: Reaching) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dec = BayesianDecoder(prior="uniform", estimate="map").fit(
            reaching.counts[:12000], reaching.vel[:12000]
        )
    X = reaching.counts[-60:]
    pts = dec.grid.points()
    assert pts.shape == (2500, 2)
    logp = np.empty((60, pts.shape[0]))
    for g in range(pts.shape[0]):  # every grid point on its own, with scipy's Poisson pmf
        logp[:, g] = poisson.logpmf(X[:, dec.units_], dec.bin_s * dec.rates_[:, g]).sum(axis=1)
    np.testing.assert_array_equal(dec.predict(X), pts[np.argmax(logp, axis=1)])
