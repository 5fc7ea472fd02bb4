"""``neurolink calibrate``: record, label, fit, cross-validate, save; ``neurolink run`` loads it.

Real parts: the simulated subject in its own process on LSL (driven by the autopilot, labelled by
its own intent stream) and a real EEG recording played by the FilePlayer, its annotations
arriving as markers. About 35 s in all, most of it the 8 s calibration and 10 s closed loop on the
simulated subject (both in real time).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

from neurolink.cli import main
from neurolink.decode import EEGClassDecoder, WienerFilter, load_decoder
from neurolink.errors import ConfigError
from neurolink.loop.calibration.fit import contiguous_folds, epochs_at_markers, label_bins
from neurolink.loop.core.build import build_graph
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.classify import ClassifyNode
from neurolink.loop.session.config import load_config, parse_config
from neurolink.loop.session.run import Session
from neurolink.streams.events import make_markers
from neurolink.streams.files import read_recording

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(["calibrate", *argv, "--quiet"])
    out, err = capsys.readouterr()
    err = "\n".join(ln for ln in err.splitlines() if "INFO|" not in ln and "WARN|" not in ln)
    return rc, out, err


def _learned_arrays(dec) -> dict[str, np.ndarray]:
    return {k: v for k, v in dec._learned().items() if isinstance(v, np.ndarray)}


# ---- kinematics: the simulated subject, the center-out example --------------------------------
def test_calibrate_on_the_simulated_subject_then_run_loads_the_model_and_solves_the_task(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "center_out.npz"
    rc, out, err = _run_cli(
        capsys, str(EXAMPLES / "center_out.toml"), "--duration", "8", "--out", str(model)
    )
    print(out)
    assert rc == 0, err
    r2 = dict(re.findall(r"(v[xy]) (-?[0-9.]+)", out.splitlines()[1]))
    assert set(r2) == {"vx", "vy"} and min(float(v) for v in r2.values()) > 0.5, out
    bins = int(re.search(r"(\d+) labelled bins of 20 ms, 96 channels", out).group(1))
    assert 300 <= bins <= 400  # 8 s of 20 ms bins, less the first ones before any intent
    saved = load_decoder(model)
    assert type(saved).__name__ == "BayesianDecoder" and saved.channels_ is not None

    # `neurolink run` of the same config with `decode.model`: no calibration phase, the loaded
    # model decodes from the first bin.
    text = (EXAMPLES / "center_out.toml").read_text()
    prior = 'decode.prior = "continuity"'
    text = text.replace(prior, f'decode.model = "{model}"\n{prior}')
    text = text.replace("[loop.recording]\nenabled = true", "[loop.recording]\nenabled = false")
    assert "decode.model" in text and "enabled = false" in text
    (tmp_path / "run.toml").write_text(text)
    cfg = load_config(tmp_path / "run.toml")
    assert cfg.loop.node("decoder").decode.model == model and cfg.loop.task.decoder is None
    session = Session(cfg, duration=10.0, status_out=None)
    summary = session.run()
    assert summary["stop_reason"] == "duration" and not summary["faults"], summary["faults"]
    node = session.engine.graph["decoder"]
    assert node.n_calibration == 0 and node.n_decoded > 400
    assert node.decoder.get_params() == saved.get_params()
    ours, theirs = _learned_arrays(node.decoder), _learned_arrays(saved)
    assert ours.keys() == theirs.keys() and ours
    for k in ours:
        np.testing.assert_array_equal(ours[k], theirs[k], err_msg=k)
    score = summary["task"]
    print("closed loop with the calibrated model:", score)
    assert score["phase"] == "closed_loop" and not score["calibration"].get("bins")
    # a decoder that learned nothing solves almost none (tests/loop/test_demo_e2e.py: ≤ 0.3)
    assert score["trials"] >= 3 and score["success_rate"] >= 0.6, score


def test_a_too_short_kinematics_calibration_says_how_long_to_calibrate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, err = _run_cli(
        capsys, str(EXAMPLES / "center_out.toml"), "--duration", "1", "--out", str(tmp_path / "m")
    )
    assert rc == 1 and not out
    assert len(err.splitlines()) == 1, err
    assert "calibration too short" in err and "more" in err, err
    at_least = int(re.search(r"calibrate for at least (\d+) s \(--duration \1\)", err).group(1))
    assert at_least > 1
    assert not (tmp_path / "m").exists()


# ---- classes: a real EEG recording played with its annotations --------------------------------
@pytest.fixture(scope="module")
def eeg_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    model = tmp_path_factory.mktemp("eeg") / "eeg_mi.npz"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(
            ["calibrate", str(EXAMPLES / "calibrate_eeg.toml"), "--out", str(model),
             "--permutations", "20", "--quiet"]
        )  # fmt: skip
    assert rc == 0
    return model, out.getvalue()


def test_eeg_calibration_reports_accuracy_chance_and_p_value(eeg_model) -> None:
    _, out = eeg_model
    print(out)
    m = re.search(
        r"accuracy ([0-9.]+) \(5 stratified folds\), chance ([0-9.]+) \(majority class\), "
        r"permutation p = ([0-9.]+) \(20 permutations\)",
        out,
    )
    assert m, out
    acc, chance, p = map(float, m.groups())
    assert 0.0 <= acc <= 1.0 and chance == pytest.approx(10 / 19, abs=1e-3)
    assert 1 / 21 <= p <= 1.0 and round(p * 21) == pytest.approx(p * 21, abs=1e-2)
    assert "19 epochs [-1, 3] s around markers (T1 10, T2 9), 64 channels" in out


def test_the_streamed_calibration_fits_what_the_file_holds(eeg_model, shared_data: Path) -> None:
    """Played through LSL with markers, the epochs are exactly those cut from the file."""
    model, _ = eeg_model
    rec = read_recording(shared_data / "eeg_motor_imagery_64ch.edf")
    keep = np.isin(rec.markers["label"], ["T1", "T2"])
    onsets, y = rec.markers["sample_index"][keep], rec.markers["label"][keep]
    fs = rec.rate
    idx = onsets[:, None] + np.arange(round(-1.0 * fs), round(3.0 * fs))
    X = np.asarray(rec.data, np.float64)[idx]
    offline = EEGClassDecoder(fs, window_s=2.5, n_components=4).fit(X, y, channels=rec.channels)
    saved = load_decoder(model, rec.channels)
    np.testing.assert_allclose(saved.coef_, offline.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(saved.filters_, offline.filters_, rtol=1e-9, atol=1e-12)

    # A classify node of a run config loads it, and decodes each trial online as the model does.
    text = (
        f'[source]\nkind = "file"\n[source.file]\npath = "{rec.source}"\n'
        f'[[loop.nodes]]\nname = "mi"\nkind = "classify"\nclassify.model = "{model}"\n'
    )
    cfg = parse_config(text, "run.toml")
    node = build_graph(cfg.loop, channels=rec.channels, fs=fs, limits={}).graph["mi"]
    assert isinstance(node, ClassifyNode) and node.labels == ("T1", "T2")
    expected = saved.predict_proba(X)
    tick = Tick(rate=fs, stream="eeg")
    for k, epoch in enumerate(X):
        node.reset()
        for a in range(0, len(epoch), 16):  # 125 ms blocks
            tick.set(a, a + 16, a / fs)
            post = node.step(epoch[a : a + 16].astype(np.float32), tick)
        np.testing.assert_allclose(post.value, expected[k], rtol=1e-6, atol=1e-9)
    assert np.mean(saved.classes_[expected.argmax(1)] == y) > 10 / 19  # fitted on these trials

    # A source with other channels is refused by name at run time.
    with pytest.raises(ConfigError, match=r"`classify.model`.*missing"):
        build_graph(cfg.loop, channels=[*rec.channels[:-1], "Cz"], fs=fs, limits={})


def _eeg_config(tmp_path: Path, shared_data: Path) -> Path:
    text = (EXAMPLES / "calibrate_eeg.toml").read_text()
    text = text.replace(
        "../../shared/data/eeg_motor_imagery_64ch.edf",
        str(shared_data / "eeg_motor_imagery_64ch.edf"),
    )
    text = re.sub(r"(?m)^permutations = \d+", "permutations = 0", text)
    path = tmp_path / "eeg.toml"
    path.write_text(text)
    return path


def test_too_few_trials_and_no_labels_are_one_line_errors(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _eeg_config(tmp_path, shared_data)
    rc, out, err = _run_cli(capsys, str(cfg), "--duration", "25", "--out", str(tmp_path / "m"))
    assert rc == 1 and not out and len(err.splitlines()) == 1, err
    assert "too short for 5-fold cross-validation: 2 trials of class 'T1'" in err
    assert "record 3 more trials" in err

    cfg = _eeg_config(tmp_path, shared_data).read_text().replace('"T1", "T2"', '"L", "R"')
    (tmp_path / "labels.toml").write_text(cfg)
    rc, _, err = _run_cli(
        capsys, str(tmp_path / "labels.toml"), "--duration", "10", "--out", str(tmp_path / "m")
    )
    assert rc == 1 and len(err.splitlines()) == 1, err
    assert "no labels: none of the classes L, R" in err and "labels received: T0" in err
    assert not (tmp_path / "m").exists()


# ---- run-time model checks and config errors ---------------------------------------------------
HEAD = '[source]\nkind = "simulated"\n'
CHAIN = """
[[loop.nodes]]
name = "spikes"
kind = "detect"

[[loop.nodes]]
name = "counts"
kind = "bin"

[[loop.nodes]]
name = "dec"
kind = "decode"
decode.model = "{model}"
decode.dims = {dims}
"""


def test_a_decode_model_for_other_channels_or_dims_is_refused_at_run_time(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.poisson(2.0, (300, 3)).astype(float)
    model = WienerFilter(n_lags=2).fit(X, X[:, :2] * 0.1, channels=["a", "b", "c"])
    path = model.save(tmp_path / "w.npz")
    good = parse_config(HEAD + CHAIN.format(model=path, dims='["vx", "vy"]'), "run.toml")
    node = build_graph(good.loop, channels=["a", "b", "c"], fs=1000.0, limits={}).graph["dec"]
    assert node.decoder.channels_ == ("a", "b", "c")
    with pytest.raises(ConfigError, match=r"node 'dec'.*`decode.model`.*missing \['c'\]"):
        build_graph(good.loop, channels=["a", "b", "d"], fs=1000.0, limits={})
    three = parse_config(HEAD + CHAIN.format(model=path, dims='["x", "y", "z"]'), "run.toml")
    with pytest.raises(ConfigError, match=r"`decode.dims`: the model .* decodes 2 values"):
        build_graph(three.loop, channels=["a", "b", "c"], fs=1000.0, limits={})


def test_calibration_config_mistakes_are_named(tmp_path: Path) -> None:
    text = HEAD + CHAIN.format(model=tmp_path, dims='["vx", "vy"]')
    with pytest.raises(ConfigError, match=r"`loop.calibration.node`: 'counts' is a 'bin' node"):
        parse_config(text + '[loop.calibration]\nnode = "counts"\n', "c.toml")
    with pytest.raises(ConfigError, match=r"c.toml:\d+: `loop.calibration.window_s`"):
        parse_config(text + "[loop.calibration]\nepoch = [0.0, 1.0]\nwindow_s = 2.0\n", "c.toml")


# ---- the pure parts ----------------------------------------------------------------------------
def test_folds_are_contiguous_and_labels_are_the_kinematics_in_force() -> None:
    folds = contiguous_folds(10, 3)
    assert [t.tolist() for _, t in folds] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert all(np.union1d(tr, te).tolist() == list(range(10)) for tr, te in folds)

    kin_t = np.array([1.0, 1.01, 1.02])
    kin_v = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    keep, y = label_bins(np.array([0.99, 1.0, 1.015, 1.5, 1.03]), kin_t, kin_v, max_age=0.25)
    assert keep.tolist() == [False, True, True, False, True]
    assert y.tolist() == [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]


def test_markers_are_placed_on_the_nearest_sample_and_edge_epochs_left_out() -> None:
    ts = 100.0 + np.arange(1000) / 100.0  # 10 s at 100 Hz
    data = np.arange(1000, dtype=np.float32)[:, None].repeat(2, 1)  # value = sample index
    markers = make_markers([100.504, 102.0, 100.05, 109.9, 103.0], ["A", "B", "A", "B", "C"])
    X, y, left_out = epochs_at_markers(data, ts, markers, 100.0, ["A", "B"], (-0.1, 0.2))
    assert y.tolist() == ["A", "B"] and left_out == 2  # 100.05 and 109.9 reach outside
    assert X[:, 10, 0].tolist() == [50.0, 200.0]  # the onset sample, 0.1 s into each epoch
