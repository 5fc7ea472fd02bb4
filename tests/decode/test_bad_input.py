"""Bad input gets clear errors: wrong unit counts, short calibrations, constant units, NaN,
model files of another channel set, class or version."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from neurolink.decode import (
    CSP,
    BayesianDecoder,
    CalibrationError,
    ChannelMismatchError,
    DecoderError,
    DroppedUnitsWarning,
    EEGClassDecoder,
    KalmanDecoder,
    ModelFileError,
    NotFittedError,
    ShrinkageLDA,
    WienerFilter,
    load_decoder,
)
from neurolink.decode.persist import write_model_file
from tests.decode._data import cosine_counts, synthetic_epochs

SPIKE_DECODERS = {
    "bayes": lambda: BayesianDecoder(grid_shape=12, prior="continuity", continuity_sigma=0.3),
    "kalman": lambda: KalmanDecoder("velocity"),
    "wiener": lambda: WienerFilter(n_lags=3),
}


@pytest.fixture(scope="module")
def counts() -> tuple[np.ndarray, np.ndarray]:
    return cosine_counts(1500, n_units=12, seed=11)


@pytest.mark.parametrize("name", sorted(SPIKE_DECODERS))
def test_wrong_number_of_units_is_named(name: str, counts) -> None:
    X, v = counts
    dec = SPIKE_DECODERS[name]().fit(X, v)
    with pytest.raises(DecoderError, match="11 units, the decoder was fitted on 12"):
        dec.predict(X[:, :11])
    with pytest.raises(DecoderError, match=r"\(13,\).*12 units"):
        dec.step(np.zeros(13))
    with pytest.raises(DecoderError, match="2-D"):
        dec.predict(X[0])


@pytest.mark.parametrize(
    ("make", "n_bins", "need", "rule"),
    [
        (lambda: BayesianDecoder(grid_shape=20, tuning="histogram"), 300, 400, "grid cell"),
        (lambda: BayesianDecoder(grid_shape=20, tuning="glm"), 50, 60, "GLM coefficient"),
        (lambda: KalmanDecoder("velocity"), 10, 15, "n_kept_units"),
        (lambda: WienerFilter(n_lags=5), 40, 61, "n_lags"),
    ],
)
def test_short_calibration_says_how_much_more(make, n_bins: int, need: int, rule: str) -> None:
    X, v = cosine_counts(n_bins, n_units=12, seed=1)
    X = X + np.arange(n_bins)[:, None] % 3  # no constant unit, even in a few bins
    with pytest.raises(CalibrationError, match=rule) as err:
        make().fit(X, v)
    assert (err.value.have, err.value.need) == (n_bins, need)
    assert f"record {need - n_bins} more bins" in str(err.value)


def test_short_calibration_of_class_decoders_names_the_class() -> None:
    X, y = synthetic_epochs(8, seed=0)
    y = np.array(["T1"] * 7 + ["T2"])
    with pytest.raises(
        CalibrationError, match=r"EEGClassDecoder.*trials of class 'T2'.*record 1 more"
    ):
        EEGClassDecoder(128.0, window_s=1.0).fit(X, y)
    with pytest.raises(CalibrationError, match="samples of class 'b'"):
        ShrinkageLDA().fit(np.random.default_rng(0).normal(size=(5, 2)), ["a"] * 4 + ["b"])
    with pytest.raises(DecoderError, match="exactly 2 classes"):
        CSP().fit(X, np.array(["a", "b", "c", "a", "b", "c", "a", "b"]))


@pytest.mark.parametrize("name", sorted(SPIKE_DECODERS))
def test_constant_units_are_dropped_with_a_warning_and_ignored(name: str, counts) -> None:
    X, v = counts
    X = X.copy()
    X[:, 3] = 0  # silent
    X[:, 7] = 2  # stuck
    channels = [f"u{i}" for i in range(12)]
    with pytest.warns(DroppedUnitsWarning, match="2 unit.*u3, u7"):
        dec = SPIKE_DECODERS[name]().fit(X, v, channels=channels)
    np.testing.assert_array_equal(dec.dropped_units_, [3, 7])
    assert 3 not in dec.units_ and dec.units_.size == 10
    other = X[-200:].copy()
    other[:, [3, 7]] = np.random.default_rng(0).poisson(5, size=(200, 2))
    np.testing.assert_allclose(dec.predict(other), dec.predict(X[-200:]), rtol=1e-12)


def test_flat_eeg_channel_is_dropped() -> None:
    X, y = synthetic_epochs(20, seed=1)
    X[:, :, 2] = 0.0
    with pytest.warns(DroppedUnitsWarning, match="Cz"):
        dec = EEGClassDecoder(128.0, window_s=1.0).fit(
            X, y, channels=[f"C{i}" if i != 2 else "Cz" for i in range(8)]
        )
    np.testing.assert_array_equal(dec.dropped_channels_, [2])
    assert dec.filters_.shape[1] == 7


def test_nan_and_negative_counts(counts) -> None:
    X, v = counts
    Xf = X.astype(float)
    Xf[5, 2] = np.nan
    with pytest.raises(DecoderError, match="row 5, column 2"):
        BayesianDecoder(grid_shape=12).fit(Xf, v)
    v2 = v.copy()
    v2[3] = np.inf
    with pytest.raises(DecoderError, match="y holds non-finite"):
        KalmanDecoder().fit(X, np.hstack([v2, v2]))
    dec = BayesianDecoder(grid_shape=12).fit(X, v)
    with pytest.raises(DecoderError, match="counts must be finite and >= 0"):
        dec.step(np.full(12, -1.0))
    with pytest.raises(DecoderError, match="non-finite"):
        KalmanDecoder("velocity").fit(X, v).step(np.full(12, np.nan))


def test_model_file_channels_checked_on_load(counts, tmp_path: Path) -> None:
    X, v = counts
    names = [f"ch{i:03d}" for i in range(12)]
    path = KalmanDecoder("velocity").fit(X, v, channels=names).save(tmp_path / "k.npz")
    assert load_decoder(path, channels=names).channels_ == tuple(names)
    with pytest.raises(ChannelMismatchError, match=r"missing \['ch011'\], unexpected \['ch099'\]"):
        load_decoder(path, channels=[*names[:-1], "ch099"])
    with pytest.raises(ChannelMismatchError, match="another order"):
        KalmanDecoder.load(path, channels=names[::-1])
    unlabeled = WienerFilter().fit(X, v).save(tmp_path / "w.npz")
    with pytest.raises(ChannelMismatchError, match="fitted on 12 channels, 11 given"):
        WienerFilter.load(unlabeled, channels=names[:11])
    with pytest.raises(ChannelMismatchError, match="duplicate"):
        WienerFilter().fit(X, v, channels=["a"] * 12)


def _rewrite_meta(path: Path, **changes: object) -> Path:
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(arrays.pop("__meta__").tobytes())
    meta.update(changes)
    out = path.with_name("edited.npz")
    blob = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(out, __meta__=blob, **arrays)
    return out


def test_incompatible_or_foreign_model_files(counts, tmp_path: Path) -> None:
    X, v = counts
    path = BayesianDecoder(grid_shape=12).fit(X, v).save(tmp_path / "b.npz")
    with pytest.raises(ModelFileError, match="holds a BayesianDecoder, not a KalmanDecoder"):
        KalmanDecoder.load(path)
    with pytest.raises(ModelFileError, match=r"format version 99.*refit"):
        load_decoder(_rewrite_meta(path, format_version=99))
    with pytest.raises(ModelFileError, match=r"layout version 7.*refit"):
        BayesianDecoder.load(_rewrite_meta(path, model_version=7))
    with pytest.raises(ModelFileError, match="unknown decoder class"):
        load_decoder(_rewrite_meta(path, **{"class": "Mystery"}))
    np.save(tmp_path / "plain.npy", np.zeros(3))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match=r"junk\.npz: not an \.npz archive") as ei:
        load_decoder(tmp_path / "junk.npz")
    assert "allow_pickle" not in str(ei.value)
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ModelFileError, match="not a neurolink decoder file"):
        load_decoder(tmp_path / "other.npz")
    with pytest.raises(ModelFileError):
        load_decoder(tmp_path / "missing.npz")


def test_object_arrays_are_never_written(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="object array"):
        write_model_file(tmp_path / "x.npz", "X", 1, {}, {"a_": np.array([None, 1], dtype=object)})


def test_object_labels_become_plain_strings(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = np.array(["a", "b"] * 10, dtype=object)
    lda = ShrinkageLDA().fit(rng.normal(size=(20, 2)), y)
    assert lda.classes_.dtype.kind == "U"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ShrinkageLDA.load(lda.save(tmp_path / "l.npz"))
    with pytest.raises(DecoderError, match="all int or all str"):
        ShrinkageLDA().fit(rng.normal(size=(4, 2)), np.array(["a", 1, "a", 1], dtype=object))


@pytest.mark.filterwarnings("ignore::neurolink.decode.DroppedUnitsWarning")
def test_a_failed_fit_leaves_the_decoder_unfitted(counts) -> None:
    X, v = counts
    dec = KalmanDecoder("velocity").fit(X, v)
    with pytest.raises(CalibrationError):
        dec.fit(X[:5], v[:5])
    assert not dec.is_fitted
    with pytest.raises(NotFittedError):
        dec.predict(X)
