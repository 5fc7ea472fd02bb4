"""EEG class decoding: band power node, Ledoit–Wolf, CSP, LDA, the whole decoder, validation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from neurolink.decode import (
    CSP,
    BandPower,
    EEGClassDecoder,
    ShrinkageLDA,
    cross_val_accuracy,
    permutation_test,
    stratified_folds,
)
from neurolink.decode.eeg.covariance import ledoit_wolf
from tests.decode._data import synthetic_epochs

FS = 128.0


def test_band_power_is_independent_of_block_cuts_and_causal() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 5)).astype(np.float32)
    one = BandPower(FS, window_s=0.5).step(x)
    node = BandPower(FS, window_s=0.5)
    cuts = np.sort(rng.choice(np.arange(1, 1000), 30, replace=False))
    pieces = [node.step(b) for b in np.split(x, cuts)]
    np.testing.assert_allclose(np.concatenate(pieces), one, rtol=1e-10, atol=1e-10)
    y = x.copy()
    y[600:] = rng.normal(size=(400, 5))  # another future leaves the past untouched
    np.testing.assert_array_equal(BandPower(FS, window_s=0.5).step(y)[:600], one[:600])


def test_band_power_follows_the_band_and_the_window() -> None:
    t = np.arange(1024) / FS
    x = np.column_stack([np.sin(2 * np.pi * 10 * t), np.sin(2 * np.pi * 20 * t)]) * 10
    node = BandPower(FS, bands=((8, 12), (13, 30)), window_s=1.0)
    f = node.step(x)
    assert f.shape == (1024, 4)  # [mu ch0, mu ch1, beta ch0, beta ch1]
    end = f[-1]
    assert end[0] > end[2] + 3 and end[3] > end[1] + 3  # e^3 ≈ 20× more power in the right band
    # log mean square over the last window of the same causal filter
    sos = scipy.signal.butter(4, (8, 12), "bandpass", fs=FS, output="sos")
    ref = np.log(np.mean(scipy.signal.sosfilt(sos, x[:, 0])[-128:] ** 2) + 1e-12)
    np.testing.assert_allclose(end[0], ref, rtol=1e-10)
    # the epoch transform is the last row of the stream
    np.testing.assert_allclose(node.transform(x[None])[0], end, rtol=1e-10)


def test_ledoit_wolf_matches_the_published_formula() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 10)) @ rng.normal(size=(10, 10))
    X -= X.mean(axis=0)
    cov, lam = ledoit_wolf(X)
    # Ledoit & Wolf (2004), Lemma 3.2 / Theorem 3.1, written out directly
    n, p = X.shape
    S = X.T @ X / n
    m = np.trace(S) / p
    d2 = np.linalg.norm(S - m * np.eye(p), "fro") ** 2 / p
    b2 = sum(np.linalg.norm(np.outer(x, x) - S, "fro") ** 2 for x in X) / n**2 / p
    np.testing.assert_allclose(lam, min(b2, d2) / d2, rtol=1e-10)
    np.testing.assert_allclose(cov, lam * m * np.eye(p) + (1 - lam) * S, rtol=1e-10)


def test_lda_partial_fit_equals_fit_and_textbook_lda() -> None:
    rng = np.random.default_rng(2)
    y = rng.choice(["a", "b", "c"], 300)
    X = rng.normal(size=(300, 6)) + (y == "a")[:, None] * 1.5 + 10.0  # far from 0: shift matters
    full = ShrinkageLDA().fit(X, y)
    part = ShrinkageLDA().partial_fit(X[:60], y[:60], classes=["a", "b", "c"])
    for a in range(60, 300, 37):
        part.partial_fit(X[a : a + 37], y[a : a + 37])
    np.testing.assert_allclose(part.coef_, full.coef_, rtol=1e-8)
    np.testing.assert_allclose(part.shrinkage_, full.shrinkage_, rtol=1e-8)
    # Ledoit–Wolf computed from the class-centred data directly
    centred = X - full.means_[np.searchsorted(full.classes_, y)]
    cov, lam = ledoit_wolf(centred)
    np.testing.assert_allclose(full.shrinkage_, lam, rtol=1e-8)
    np.testing.assert_allclose(full.covariance_, cov, rtol=1e-8)
    # with no shrinkage: the textbook discriminants
    lda0 = ShrinkageLDA(shrinkage=0.0).fit(X, y)
    S = centred.T @ centred / len(y)
    mu = np.array([X[y == c].mean(axis=0) for c in lda0.classes_])
    prior = np.array([np.mean(y == c) for c in lda0.classes_])
    a = X @ np.linalg.solve(S, mu.T) - 0.5 * np.sum(mu @ np.linalg.inv(S) * mu, axis=1)
    a += np.log(prior)
    p = np.exp(a - a.max(axis=1, keepdims=True))
    np.testing.assert_allclose(lda0.predict_proba(X), p / p.sum(axis=1, keepdims=True), rtol=1e-8)


def test_csp_finds_the_discriminative_sources() -> None:
    X, y = synthetic_epochs(60, seed=3)
    sos = scipy.signal.butter(4, (8, 12), "bandpass", fs=FS, output="sos")
    F = scipy.signal.sosfilt(sos, X, axis=1)
    csp = CSP(n_components=2).fit(F, y)
    assert np.all((csp.eigenvalues_ > 0) & (csp.eigenvalues_ < 1))
    assert csp.eigenvalues_[0] > 0.8 > 0.5 > csp.eigenvalues_[1]  # T1 has the strong 10 Hz
    feats = csp.transform(F)
    assert feats[y == "T1", 0].mean() > feats[y == "T2", 0].mean() + 1.0
    # the first pattern is the 10 Hz source's mixing vector
    mix = np.random.default_rng(12345).normal(size=(2, 8))
    cos = (
        abs(csp.patterns_[:, 0] @ mix[0])
        / np.linalg.norm(csp.patterns_[:, 0])
        / np.linalg.norm(mix[0])
    )
    assert cos > 0.95


def test_eeg_decoder_separates_synthetic_classes() -> None:
    X, y = synthetic_epochs(40, seed=4)
    acc = cross_val_accuracy(lambda: EEGClassDecoder(FS, window_s=1.5), X, y, n_folds=5)
    assert acc.mean() > 0.9
    dec = EEGClassDecoder(FS, window_s=1.5).fit(X, y)
    assert dec.filters_.shape == (2, 8, 4) and dec.coef_.shape == (2, 8)
    np.testing.assert_allclose(dec.step(np.zeros((0, 8))), [0.5, 0.5])  # priors before data


def test_stratified_folds_partition_and_keep_proportions() -> None:
    y = np.array([0] * 10 + [1] * 9)
    folds = stratified_folds(y, 5, seed=1)
    test = np.concatenate([t for _, t in folds])
    assert sorted(test) == list(range(19))
    for train, t in folds:
        assert set(train).isdisjoint(t)
        assert np.sum(y[t] == 1) in (1, 2)
    with pytest.raises(ValueError):
        stratified_folds(y, 10)


def test_permutation_test_machinery() -> None:
    X, y = synthetic_epochs(20, seed=5)
    strong = permutation_test(lambda: EEGClassDecoder(FS, window_s=1.5), X, y, 19, n_folds=4)
    assert strong.score == 1.0 and strong.p_value == pytest.approx(1 / 20)
    assert strong.chance == 0.5 and strong.null.shape == (19,)
    # labels unrelated to the data: the score is one draw of the null distribution
    rng = np.random.default_rng(9)
    null = permutation_test(lambda: ShrinkageLDA(), rng.normal(size=(40, 3)), y.repeat(2), 30)
    assert 0.05 < null.p_value <= 1.0
