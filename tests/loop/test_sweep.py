"""``neurolink sweep``: a grid of replays on a local Dask cluster equals the serial loop over the
same grid; bad paths and values are refused before anything runs, naming the valid ones."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np
import pytest

from neurolink.cli import main
from neurolink.decode import WienerFilter
from neurolink.errors import ConfigError
from neurolink.hal.drivers import NullDevice
from neurolink.hal.safety import NoHostSafety, SafetyLayer
from neurolink.loop.core.build import build_graph, warm_up
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.record import LoopRecorder
from neurolink.loop.core.settings import EngineSettings
from neurolink.loop.core.sinks import DeviceSink
from neurolink.loop.core.tick import Tick
from neurolink.loop.session.config import config_from_dict, config_to_dict
from neurolink.loop.stages.graph import build_stage, parse_stage, plan_stage
from neurolink.loop.sweep.grid import parse_axis, parse_value
from neurolink.loop.sweep.run import TIMING, dask_client, format_table, plan_sweep, run_sweep
from tests.loop.test_engine_support import FS, ScriptedSource, session_estop, small_cortex

NODES = [
    {"name": "hp", "kind": "filter"},
    {"name": "car", "kind": "reref"},
    {"name": "spikes", "kind": "detect", "detect": {"threshold": 4.0, "calibration_s": 0.1}},
    {"name": "counts", "kind": "bin", "bin": {"width_ms": 20.0}},
]


def _velocity(k: int) -> tuple[float, float]:
    """The subject's intent at block ``k`` (1 ms blocks): a slow circle."""
    return float(np.cos(k / 300)), float(np.sin(k / 300))


class IntentHook:
    """Records the intent of every block, as the task does."""

    name = "intent"

    def on_block(self, engine, tick) -> None:
        k = tick.last_index // 30
        engine.recorder.cursor_intent(tick.t_last, None, _velocity(k))

    def on_stop(self, engine) -> None:
        pass

    def status(self) -> str:
        return ""

    def summary(self) -> dict:
        return {}


def _fit(folder: Path) -> Path:
    """A Wiener filter fitted on 6 s of the simulated cortex with the same intent."""
    cfg = config_from_dict({"source": {"kind": "simulated"}, "loop": {"nodes": NODES}})
    plan = plan_stage(cfg.loop, parse_stage("hp..counts", cfg.loop))
    sim = small_cortex(seed=4)  # the recording's subject, another stretch of intent
    stage = build_stage(cfg.loop, plan, channels=sim.channel_names, fs=FS, warm=False)
    tick, X, y = Tick(rate=FS), [], []
    for k in range(6000):
        data, _ = sim.step(30, _velocity(k + 5000))
        tick.set(30 * k, 30 * k + 30, 0.0)
        bins = stage.step(data, tick, time.perf_counter)
        X += list(bins.counts.copy())
        y += [_velocity(int(e) // 30 + 5000) for e in bins.edges[1:]]
    model = folder / "wiener.npz"
    WienerFilter(n_lags=2, alpha=10.0).fit(
        np.array(X, float), np.array(y), channels=list(sim.channel_names)
    ).save(model)
    return model


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    """2.5 s of a session on the simulated cortex, recorded as the engine records it."""
    folder = tmp_path_factory.mktemp("sweep")
    nodes = [
        *NODES,
        {
            "name": "decoder",
            "kind": "decode",
            "decode": {"method": "wiener", "model": str(_fit(folder))},
        },
        {"name": "chip", "kind": "snn"},
        {"name": "velocity", "kind": "velocity", "velocity": {"gain": 0.5, "max_speed": 1.0}},
    ]
    data = {
        "source": {"kind": "simulated"},
        "loop": {"nodes": nodes, "sinks": [{"name": "arm", "device": "null", "input": "velocity"}]},
    }
    cfg = config_from_dict(data)
    src = ScriptedSource(small_cortex(seed=4), velocity=_velocity)
    parts = build_graph(cfg.loop, channels=src.channels, fs=FS, limits={})
    warm_up(parts.graph, len(src.channels), FS)
    estop = session_estop()
    dev = NullDevice(SafetyLayer(audit=estop.audit, estop=estop, bypass=NoHostSafety("test")))
    dev.open().identify()
    dev.arm()
    path = folder / "session.xdf"
    side = {"config": config_to_dict(cfg), "source": {"name": src.name, "rate": FS}, "limits": {}}
    rec = LoopRecorder(path, side, src.channels, FS, decoded_dims=("vx", "vy"))
    engine = Engine(
        src,
        parts.graph,
        [DeviceSink("arm", "null", dev, "velocity")],
        estop=estop,
        settings=EngineSettings(),
        recorder=rec,
        hooks=[IntentHook()],
        status_out=None,
    )
    engine.run(2.5)
    return path


def _data(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMING} for r in rows]


def test_a_grid_on_a_local_dask_cluster_equals_the_serial_loop(recording) -> None:
    grid = ["detect.threshold=4.0,5.0", "velocity.gain=0.5,1.0"]
    points = plan_sweep([recording], grid)
    assert [p.params for p in points] == [
        {"detect.threshold": 4.0, "velocity.gain": 0.5},
        {"detect.threshold": 4.0, "velocity.gain": 1.0},
        {"detect.threshold": 5.0, "velocity.gain": 0.5},
        {"detect.threshold": 5.0, "velocity.gain": 1.0},
    ]
    serial = run_sweep(points)
    with dask_client(workers=2, processes=False) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        distributed = run_sweep(points, client=client)
    assert _data(distributed) == _data(serial)

    by = {(r["detect.threshold"], r["velocity.gain"]): r for r in serial}
    assert by[4.0, 0.5]["as_recorded"] is True  # the recorded config reproduces the recording
    assert all(r["r2"] is not None and r["r2"] > 0.2 for r in serial)  # it decodes the intent
    assert by[5.0, 0.5]["spikes"] < by[4.0, 0.5]["spikes"]  # a higher threshold: fewer spikes
    assert by[4.0, 0.5]["r2"] == by[4.0, 1.0]["r2"]  # the gain acts after the decoder
    assert all(r["commands"] > 50 for r in serial)
    table = format_table(serial)
    assert table.splitlines()[0].split()[:4] == [
        "recording",
        "detect.threshold",
        "velocity.gain",
        "r2",
    ]
    assert len(table.splitlines()) == 2 + len(points)


def test_the_cli_prints_the_table_and_writes_csv_and_json(recording, tmp_path, capsys) -> None:
    out_csv, out_json = tmp_path / "r.csv", tmp_path / "r.json"
    argv = ["sweep", str(recording), "--grid", "spikes.threshold=4.5,5.5", "--threads"]
    assert main([*argv, "--workers", "2", "--out", str(out_csv), "--out", str(out_json)]) == 0
    printed = capsys.readouterr()
    assert "2 runs (1 recording × 2 combinations) on a local Dask cluster" in printed.err
    assert "spikes.threshold" in printed.out and "session.xdf" in printed.out
    rows = json.loads(out_json.read_text())
    assert [r["spikes.threshold"] for r in rows] == [4.5, 5.5]
    with open(out_csv, newline="") as f:
        assert [float(r["spikes.threshold"]) for r in csv.DictReader(f)] == [4.5, 5.5]


def test_a_bad_path_is_refused_naming_it_and_the_valid_ones(recording, capsys) -> None:
    with pytest.raises(ConfigError) as err:
        plan_sweep([recording], ["detect.treshold=4,5"])
    msg = str(err.value)
    assert "'detect.treshold'" in msg and "did you mean 'threshold'" in msg
    assert "spikes.threshold" in msg and "spikes.dead_time_ms" in msg
    with pytest.raises(ConfigError, match=r"no node or node kind 'dekode'.*valid paths: .*decoder"):
        plan_sweep([recording], ["dekode.prior=uniform"])
    with pytest.raises(ConfigError, match=r"threshold"):  # a value the config refuses
        plan_sweep([recording], ["detect.threshold=-1"])
    with pytest.raises(ConfigError, match="PATH=V1,V2"):
        plan_sweep([recording], ["detect.threshold"])
    assert main(["sweep", str(recording), "--grid", "detect.treshold=4", "--serial"]) == 1
    assert "'detect.treshold'" in capsys.readouterr().err


def test_grid_values_are_toml_or_bare_words() -> None:
    axis = parse_axis('filter.band=[300, 6000],[250,5000] ; prior="a,b"'.split(" ; ")[0])
    assert axis.values == ([300, 6000], [250, 5000])
    assert parse_axis("decode.prior=uniform, continuity").values == ("uniform", "continuity")
    assert [parse_value(v) for v in ("4", "4.5", "true", '"x,y"')] == [4, 4.5, True, "x,y"]


def test_points_carry_absolute_paths_for_workers_elsewhere(recording, monkeypatch) -> None:
    monkeypatch.chdir(recording.parent)
    (point,) = plan_sweep([recording.name], [])
    assert point.recording == recording.resolve() and point.recording.is_absolute()
