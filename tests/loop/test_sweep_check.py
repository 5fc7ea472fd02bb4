"""``neurolink sweep`` checks every recording against every grid point before anything is
submitted: crafted engine recordings that lack one thing each (raw samples, a config, the
recorded intent, the channels a model was fitted on, data beyond the calibration) are refused
with one error naming the recording and what is missing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from neurolink.cli import main
from neurolink.decode import WienerFilter
from neurolink.errors import ConfigError, FileFormatError
from neurolink.hal.drivers import NullDevice
from neurolink.hal.safety import NoHostSafety, SafetyLayer
from neurolink.loop.core.build import build_graph, warm_up
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.record import LoopRecorder
from neurolink.loop.core.settings import EngineSettings
from neurolink.loop.core.sinks import DeviceSink
from neurolink.loop.replay.source import ReplayError
from neurolink.loop.session.config import Config, config_from_dict, config_to_dict
from neurolink.loop.sweep.run import plan_sweep
from tests.loop.test_engine_support import FS, ScriptedSource, session_estop, small_cortex
from tests.loop.test_sweep import NODES, IntentHook, _fit, _velocity


def _decoding(model: Path, task: dict | None = None) -> dict:
    """The config of a decoding session (the sweep tests' graph); with a task, its sink is a
    prosthesis (the task reads the cursor from one)."""
    nodes = [
        *NODES,
        {"name": "decoder", "kind": "decode", "decode": {"method": "wiener", "model": str(model)}},
        {"name": "velocity", "kind": "velocity", "velocity": {"gain": 0.5, "max_speed": 1.0}},
    ]
    device = "null" if task is None else "prosthesis"
    loop = {"nodes": nodes, "sinks": [{"name": "arm", "device": device, "input": "velocity"}]}
    if task is not None:
        loop["task"] = task
    return {"source": {"kind": "simulated"}, "loop": loop}


SPIKES_ONLY = {"source": {"kind": "simulated"}, "loop": {"nodes": NODES}}


def _record(
    path: Path,
    data: dict,
    *,
    seconds: float = 0.6,
    n_channels: int = 16,
    raw: bool = True,
    intent: bool = True,
) -> Path:
    """``seconds`` of a session on the simulated cortex, recorded as the engine records it."""
    cfg = config_from_dict(data)
    src = ScriptedSource(small_cortex(seed=4, n_channels=n_channels), velocity=_velocity)
    parts = build_graph(cfg.loop, channels=src.channels, fs=FS, limits={})
    warm_up(parts.graph, len(src.channels), FS)
    estop = session_estop()
    sinks = []
    for sc in cfg.loop.sinks:
        dev = NullDevice(SafetyLayer(audit=estop.audit, estop=estop, bypass=NoHostSafety("test")))
        dev.open().identify()
        dev.arm()
        sinks.append(DeviceSink(sc.name, "null", dev, sc.input))
    side = {"config": config_to_dict(cfg), "source": {"name": src.name, "rate": FS}, "limits": {}}
    dims = ("vx", "vy") if parts.graph.of_kind("decode") else ()
    rec = LoopRecorder(path, side, src.channels, FS, record_raw=raw, decoded_dims=dims)
    engine = Engine(
        src,
        parts.graph,
        sinks,
        estop=estop,
        settings=EngineSettings(),
        recorder=rec,
        hooks=[IntentHook()] if intent else [],
        status_out=None,
    )
    engine.run(seconds)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sweep_check")


@pytest.fixture(scope="module")
def model(folder) -> Path:
    return _fit(folder)


@pytest.fixture(scope="module")
def good(folder, model) -> Path:
    return _record(folder / "good.xdf", _decoding(model))


def test_a_complete_recording_plans_every_point(good) -> None:
    points = plan_sweep([good], ["detect.threshold=4.0,5.0"])
    assert [p.params for p in points] == [{"detect.threshold": 4.0}, {"detect.threshold": 5.0}]


def test_missing_unreadable_and_non_recording_files_are_named(good, tmp_path) -> None:
    with pytest.raises(FileFormatError, match=r"^nope\.xdf: no such recording$"):
        plan_sweep([good, "nope.xdf"], [])
    with pytest.raises(FileFormatError, match=f"^{re.escape(str(tmp_path))}: not a recording file"):
        plan_sweep([good, tmp_path], [])
    junk = tmp_path / "junk.xdf"
    junk.write_bytes(b"this is not XDF" * 10)
    with pytest.raises(FileFormatError, match=f"{re.escape(str(junk))}.*not an XDF file"):
        plan_sweep([good, junk], [])


def test_a_recording_without_raw_samples_is_refused(folder, model) -> None:
    rec = _record(folder / "no_raw.xdf", _decoding(model), raw=False)
    with pytest.raises(
        ReplayError, match=f"^{re.escape(str(rec))}: cannot replay: the raw samples"
    ):
        plan_sweep([rec], ["detect.threshold=4.0,5.0"])


def test_a_recording_without_a_config_needs_one_given(good, model, tmp_path) -> None:
    bare = tmp_path / "bare.xdf"
    shutil.copy(good, bare)  # the samples without their sidecar
    with pytest.raises(
        ReplayError, match=f"^{re.escape(str(bare))}: the sidecar holds no config; pass one"
    ):
        plan_sweep([bare], [])
    given = config_from_dict(_decoding(model))
    (point,) = plan_sweep([bare], [], config=given)
    assert point.recording == bare and point.config == config_to_dict(given)


def test_a_scored_grid_needs_the_recorded_intent(folder, model) -> None:
    rec = _record(folder / "no_intent.xdf", _decoding(model), intent=False)
    grid = ["detect.threshold=4.0,5.0"]
    with pytest.raises(ReplayError) as err:
        plan_sweep([rec], grid)
    msg = str(err.value)
    assert msg.startswith(f"{rec}: no recorded intent for the sweep point (detect.threshold=4.0)")
    assert "the stream 'intent' is empty" in msg and "decoder 'decoder' is scored against it" in msg
    assert len(plan_sweep([rec], grid, scored=False)) == 2  # another evaluate may not need it
    spikes_only = config_from_dict(SPIKES_ONLY)  # nothing decodes: nothing to score
    assert len(plan_sweep([rec], grid, config=spikes_only)) == 2


def test_a_model_fitted_on_other_channels_is_refused_at_its_grid_point(
    good, model, tmp_path
) -> None:
    other = tmp_path / "other_channels.npz"
    rng = np.random.default_rng(0)
    WienerFilter(n_lags=2, alpha=10.0).fit(
        rng.poisson(2.0, (400, 8)).astype(float),
        rng.normal(size=(400, 2)),
        channels=[f"e{i}" for i in range(8)],
    ).save(other)
    with pytest.raises(ReplayError) as err:
        plan_sweep([good], [f"decoder.model={str(model)!r},{str(other)!r}"])
    msg = str(err.value)
    assert msg.startswith(f"{good}: the graph of the sweep point (decoder.model='{other}')")
    assert "does not build on this recording (16 channels at 30000 Hz)" in msg
    with pytest.raises(ConfigError, match=r"no_such_model\.npz"):  # a model file that is not there
        plan_sweep([good], [f"decoder.model={str(tmp_path / 'no_such_model.npz')!r}"])


def test_a_recording_with_fewer_channels_than_the_graph_reads(folder, model, good) -> None:
    rec = _record(folder / "eight.xdf", SPIKES_ONLY, n_channels=8, intent=False)
    with pytest.raises(ReplayError, match=r"\(8 channels at 30000 Hz\).*decoder"):
        plan_sweep([good, rec], [], config=config_from_dict(_decoding(model)))


def test_a_calibrated_decoder_needs_intent_and_data_beyond_the_calibration(
    folder, model, good
) -> None:
    task = {"prosthesis": "arm", "decoder": "decoder", "calibration_s": 0.4}
    calibrated: Config = config_from_dict(_decoding(model, task))
    assert len(plan_sweep([good], ["task.calibration_s=0.2,0.4"], config=calibrated)) == 2
    with pytest.raises(ReplayError) as err:
        plan_sweep([good], ["task.calibration_s=0.4,0.6"], config=calibrated)
    msg = str(err.value)
    assert msg.startswith(f"{good}: holds 0.6 s of data; the sweep point (task.calibration_s=0.6)")
    assert "leaves no closed loop to score" in msg
    rec = _record(folder / "no_intent_task.xdf", _decoding(model), intent=False)
    with pytest.raises(ReplayError, match="the calibration of decoder 'decoder' learns from it"):
        plan_sweep([rec], [], config=calibrated, scored=False)


def test_the_cli_fails_before_it_contacts_the_scheduler(folder, model, capsys) -> None:
    rec = _record(folder / "cli_no_intent.xdf", _decoding(model), intent=False)
    argv = ["sweep", str(rec), "--grid", "detect.threshold=4,5", "--scheduler", "tcp://192.0.2.1:1"]
    assert main(argv) == 1  # an unreachable scheduler would hang for its timeout first
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"neurolink sweep: error: {rec}: no recorded intent")
