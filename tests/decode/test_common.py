"""One check list run over every decoder (STYLE.md item 10; pyRiemann's shared classifier checks).

Each case names a decoder factory and its data; the checks are the scikit-learn contract
(``__init__`` only stores, ``fit`` returns ``self``, refit independence), output shapes,
probabilities, save/load, and ``step`` agreeing with the batch methods.

What a decoder does not support is explicit in its case: ``proba`` (has ``predict_proba``),
``online`` (how ``step`` relates to the batch methods: ``"bins"`` = one row of counts or features
per step, ``"blocks"`` = raw blocks whose last output equals the epoch's batch posterior,
``None`` = no ``step``), ``chunk_params`` (parameters under which ``partial_fit`` in chunks equals
one ``fit``: what is otherwise fixed by the first chunk, such as a grid's bounds or a selected
noise scale, given instead); classes without ``partial_fit`` are listed in
:data:`NO_PARTIAL_FIT` with the reason.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurolink.decode import (
    CSP,
    BayesianDecoder,
    Decoder,
    DecoderError,
    EEGClassDecoder,
    KalmanDecoder,
    NotFittedError,
    ShrinkageLDA,
    WienerFilter,
    load_decoder,
)
from neurolink.decode.registry import DECODERS
from tests.decode._data import BIN_S, cosine_counts, synthetic_epochs


@dataclass(frozen=True)
class Case:
    make: Callable[[], Decoder]
    data: Callable[[int], tuple[np.ndarray, np.ndarray]]  # seed -> (X, y)
    proba: bool
    online: str | None
    output: str = "predict"  # the method whose result the checks compare
    chunk_params: dict[str, Any] = field(default_factory=dict)


#: Decoders without ``partial_fit``, and why no online update makes sense for them.
NO_PARTIAL_FIT: dict[type[Decoder], str] = {
    CSP: "its filters define the features that a classifier downstream is fitted on; updated "
    "online, they would change those features under the classifier (refit the pair instead)",
    EEGClassDecoder: "with CSP (the default) a new trial changes the filters and with them the "
    "features of every earlier trial, which are not kept; without CSP an update would be "
    "ShrinkageLDA.partial_fit on the band powers, not offered yet (the model would have to keep "
    "the LDA's statistics and the channels' ranges)",
}


def _counts(seed: int, n_dims: int = 2) -> tuple[np.ndarray, np.ndarray]:
    return cosine_counts(1500, n_units=16, seed=seed, n_dims=n_dims)


def _kinematics(seed: int) -> tuple[np.ndarray, np.ndarray]:
    X, vel = _counts(seed)
    pos = np.cumsum(vel, axis=0) * BIN_S
    return X, np.hstack([pos, vel])


def _features(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.tile(np.array(["left", "right", "rest"]), 40)  # every chunk holds every class
    means = {"left": [1.0, 0.0, 0.0, 0.5], "right": [0.0, 1.0, 0.0, 0.5], "rest": [0.0] * 4}
    X = np.array([means[c] for c in y]) + rng.normal(size=(y.size, 4))
    return X, y


def _epochs(seed: int) -> tuple[np.ndarray, np.ndarray]:
    return synthetic_epochs(n_trials=24, seed=seed)


_BOUNDS_2D = {"bounds": ((-2.5, 2.5), (-2.5, 2.5))}  # the grid the first chunk would fix
_SCALE = {"process_noise_scale": 4.0}  # the factor the first chunk would select

CASES = {
    "bayes-uniform-2d": Case(
        lambda: BayesianDecoder(grid_shape=15, tuning="histogram"),
        _counts,
        True,
        "bins",
        chunk_params=_BOUNDS_2D,
    ),
    "bayes-occupancy-map": Case(
        lambda: BayesianDecoder(grid_shape=15, prior="occupancy", estimate="map"),
        _counts,
        True,
        "bins",
        chunk_params=_BOUNDS_2D,
    ),
    "bayes-continuity-2d": Case(
        lambda: BayesianDecoder(grid_shape=15, prior="continuity"),
        _counts,
        True,
        "bins",
        chunk_params={**_BOUNDS_2D, "continuity_sigma": 0.3},
    ),
    "bayes-recursive-2d": Case(
        lambda: BayesianDecoder(grid_shape=15, prior="recursive", transition_sigma=0.1),
        _counts,
        True,
        "bins",
        chunk_params=_BOUNDS_2D,
    ),
    "bayes-recursive-1d": Case(
        lambda: BayesianDecoder(grid_shape=40, prior="recursive"),
        lambda s: _counts(s, n_dims=1),
        True,
        "bins",
        chunk_params={"bounds": ((-2.5, 2.5),), "transition_sigma": 0.1},
    ),
    "kalman": Case(lambda: KalmanDecoder(), _kinematics, False, "bins", chunk_params=_SCALE),
    "kalman-steady": Case(
        lambda: KalmanDecoder(steady_state=True), _kinematics, False, "bins", chunk_params=_SCALE
    ),
    "kalman-velocity": Case(
        lambda: KalmanDecoder("velocity", process_noise_scale=2.0), _counts, False, "bins"
    ),
    "wiener": Case(lambda: WienerFilter(n_lags=5), _counts, False, "bins"),
    "lda": Case(lambda: ShrinkageLDA(), _features, True, "bins"),
    "lda-fixed-uniform": Case(lambda: ShrinkageLDA(0.2, "uniform"), _features, True, "bins"),
    "csp": Case(lambda: CSP(n_components=2), _epochs, False, None, output="transform"),
    "eeg": Case(lambda: EEGClassDecoder(fs=128.0, window_s=1.0), _epochs, True, "blocks"),
    "eeg-no-csp": Case(
        lambda: EEGClassDecoder(fs=128.0, window_s=1.0, n_components=None), _epochs, True, "blocks"
    ),
}


@pytest.fixture(params=sorted(CASES), ids=sorted(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


def _out(est: Decoder, case: Case, X: np.ndarray) -> np.ndarray:
    return getattr(est, case.output)(X)


def test_init_only_stores_parameters(case: Case) -> None:
    est = case.make()
    names = [p for p in inspect.signature(type(est).__init__).parameters if p != "self"]
    assert sorted(vars(est)) == sorted(names)
    assert est.get_params() == {n: getattr(est, n) for n in names}
    assert not [k for k in vars(est) if k.endswith("_")]
    assert not est.is_fitted


def test_fit_returns_self_and_learns_underscored_attributes(case: Case) -> None:
    X, y = case.data(0)
    est = case.make()
    assert est.fit(X, y) is est
    assert est.is_fitted and est.n_features_in_ == X.shape[-1]
    assert all(k.endswith("_") for k in est._learned())
    assert est.get_params() == case.make().get_params()  # fit did not touch the parameters


def test_refit_is_independent_of_previous_fit(case: Case) -> None:
    (Xa, ya), (Xb, yb) = case.data(1), case.data(2)
    twice = case.make().fit(Xa, ya).fit(Xb, yb)
    once = case.make().fit(Xb, yb)
    np.testing.assert_array_equal(_out(twice, case, Xb), _out(once, case, Xb))
    assert sorted(twice._learned()) == sorted(once._learned())


def test_output_shapes_and_probabilities(case: Case) -> None:
    X, y = case.data(0)
    est = case.make().fit(X, y)
    out = _out(est, case, X)
    assert out.shape[0] == X.shape[0]
    if isinstance(est, ShrinkageLDA | EEGClassDecoder):
        assert out.shape == (X.shape[0],) and set(np.unique(out)) <= set(est.classes_)
    elif isinstance(est, CSP):
        assert out.shape == (X.shape[0], est.n_components)
    else:
        assert out.shape == (X.shape[0], np.asarray(y).reshape(len(y), -1).shape[1])
    assert np.all(np.isfinite(out)) if out.dtype.kind == "f" else True
    if case.proba:
        p = est.predict_proba(X)
        assert p.ndim == 2 and p.shape[0] == X.shape[0]
        assert np.all(p >= 0) and np.all(p <= 1)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_save_load_round_trip(case: Case, tmp_path: Path) -> None:
    X, y = case.data(0)
    est = case.make().fit(X, y)
    path = est.save(tmp_path / "model.npz")
    for loaded in (type(est).load(path), load_decoder(path)):
        assert type(loaded) is type(est)
        assert loaded.get_params() == est.get_params()
        np.testing.assert_array_equal(_out(loaded, case, X), _out(est, case, X))
        if case.proba:
            np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_step_agrees_with_batch(case: Case) -> None:
    if case.online is None:
        pytest.skip("no step: this decoder is a transformer of whole epochs")
    X, y = case.data(0)
    est = case.make().fit(X, y)
    if case.online == "bins":
        ref = est.predict_proba(X[:200]) if isinstance(est, ShrinkageLDA) else est.predict(X[:200])
        est.reset()
        steps = np.array([est.step(row) for row in X[:200]])
        np.testing.assert_allclose(steps, ref, rtol=1e-10, atol=1e-12)
        est.reset()  # reset gives the same run again, exactly
        np.testing.assert_array_equal(np.array([est.step(row) for row in X[:200]]), steps)
    else:  # raw blocks of an epoch: the posterior after its last sample is the epoch's
        ref = est.predict_proba(X[:3])
        for k in range(3):
            est.reset()
            for a in range(0, X.shape[1], 13):
                last = est.step(X[k, a : a + 13])
            np.testing.assert_allclose(last, ref[k], rtol=1e-9, atol=1e-12)


def test_unfitted_decoder_refuses(case: Case, tmp_path: Path) -> None:
    X, _ = case.data(0)
    est = case.make()
    with pytest.raises(NotFittedError):
        _out(est, case, X)
    with pytest.raises(NotFittedError):
        est.save(tmp_path / "m.npz")
    if case.online is not None:
        with pytest.raises(NotFittedError):
            est.step(X[0])


def test_wrong_width_and_nan_are_refused(case: Case) -> None:
    X, y = case.data(0)
    est = case.make().fit(X, y)
    with pytest.raises(DecoderError, match=str(X.shape[-1])):
        _out(est, case, X[..., :-1])
    bad = np.array(X, dtype=np.float64)
    bad[(1,) * (bad.ndim)] = np.nan
    with pytest.raises(DecoderError, match=r"(?i)nan|non-finite"):
        _out(est, case, bad)
    with pytest.raises(DecoderError, match=r"(?i)nan|non-finite"):
        case.make().fit(bad, y)
    if case.online == "bins":
        with pytest.raises(DecoderError):
            est.step(X[0][:-1])
        with pytest.raises(DecoderError):
            est.step(bad[1])


def test_partial_fit_is_offered_or_its_absence_explained() -> None:
    for cls in DECODERS.values():
        assert hasattr(cls, "partial_fit") != (cls in NO_PARTIAL_FIT), cls.__name__


def _chunked(case: Case) -> Decoder:
    est = case.make()
    if type(est) in NO_PARTIAL_FIT:
        pytest.skip(f"no partial_fit: {NO_PARTIAL_FIT[type(est)]}")
    return est.set_params(**case.chunk_params)


def _assert_same_model(a: Decoder, b: Decoder, case: Case, X: np.ndarray) -> None:
    """Same outputs to rounding (the sums were added in another order)."""
    out_a, out_b = _out(a, case, X), _out(b, case, X)
    if out_a.dtype.kind == "f":
        np.testing.assert_allclose(out_a, out_b, rtol=1e-9, atol=1e-10)
    else:
        np.testing.assert_array_equal(out_a, out_b)
    if case.proba:
        np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-8, atol=1e-12)
    assert sorted(a._learned()) == sorted(b._learned())


def test_partial_fit_in_chunks_equals_fit(case: Case) -> None:
    est = _chunked(case)
    X, y = case.data(0)
    n = len(X)
    cuts = [0, n // 2, n // 2 + n // 5, n // 2 + n // 5 + 7, n]  # a chunk of 7 bins, too
    for a, b in itertools.pairwise(cuts):
        assert est.partial_fit(X[a:b], y[a:b]) is est
    full = case.make().set_params(**case.chunk_params).fit(X, y)
    _assert_same_model(est, full, case, X)


def test_partial_fit_goes_on_after_save_and_load(case: Case, tmp_path: Path) -> None:
    est = _chunked(case)
    X, y = case.data(0)
    cut = 3 * len(X) // 5
    path = est.fit(X[:cut], y[:cut]).save(tmp_path / "model.npz")
    loaded = load_decoder(path)
    assert loaded.partial_fit(X[cut:], y[cut:]) is loaded
    full = case.make().set_params(**case.chunk_params).fit(X, y)
    _assert_same_model(loaded, full, case, X)
