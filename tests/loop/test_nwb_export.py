"""NWB export: a real engine recording and a recorder session with kinematics and trials,
written by ``neurolink export``, read back with pynwb and checked with nwbinspector."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pynwb = pytest.importorskip("pynwb")

from neurolink.cli.main import main  # noqa: E402
from neurolink.loop.recording import (  # noqa: E402
    SessionRecorder,
    acks_layout,
    commands_layout,
    decoded_layout,
    markers_layout,
    read_session,
)
from neurolink.loop.recording.layouts import StreamKind, StreamLayout  # noqa: E402
from tests.loop.engine_recording import N_CHANNELS, make_engine_recording  # noqa: E402


@pytest.fixture(scope="module")
def engine_xdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nwb") / "engine.xdf"
    make_engine_recording(path, duration=1.0)
    return path


#: Subject metadata DANDI requires (species, sex, age) that a recording cannot know: the lab
#: supplies it in the sidecar's ``subject``; nwbinspector ranks its absence CRITICAL.
SUBJECT_CHECKS = {"check_subject_age", "check_subject_sex", "check_subject_species_exists"}


def inspect_errors(path: Path) -> list[str]:
    """nwbinspector's messages of importance CRITICAL or worse (errors, pynwb validation),
    except the subject metadata only the lab can give."""
    nwbinspector = pytest.importorskip("nwbinspector")
    from nwbinspector import Importance

    found = nwbinspector.inspect_nwbfile(nwbfile_path=str(path))
    bad = [
        m
        for m in found
        if m.importance.value >= Importance.CRITICAL.value
        and m.check_function_name not in SUBJECT_CHECKS
    ]
    return [f"{m.importance.name} {m.check_function_name}: {m.message}" for m in bad]


def test_engine_recording_exports_and_reads_back(engine_xdf: Path, tmp_path: Path) -> None:
    out = tmp_path / "engine.nwb"
    geometry = np.column_stack([np.arange(N_CHANNELS) * 50.0, np.zeros(N_CHANNELS)])
    np.save(tmp_path / "geo.npy", geometry)
    args = ["export", str(engine_xdf), "--nwb", str(out), "--geometry", str(tmp_path / "geo.npy")]
    assert main(args) == 0
    session = read_session(engine_xdf)
    side = session.sidecar
    t0 = side["start"]["host_time"]
    with pynwb.NWBHDF5IO(str(out), "r") as io:
        nwb = io.read()
        raw = nwb.acquisition["raw"]
        np.testing.assert_array_equal(raw.data[:], session["raw"].data)
        assert raw.conversion == 1e-6 and raw.rate == 30000.0
        assert raw.starting_time == pytest.approx(session["raw"].timestamps[0] - t0, abs=1e-9)
        electrodes = nwb.electrodes.to_dataframe()
        assert list(electrodes["label"]) == list(session["raw"].channels)
        np.testing.assert_array_equal(electrodes["rel_x"], geometry[:, 0])
        # detected spikes: per channel, the recorded spike times
        ev = session["events"].spike_events()
        ev_t = session["events"].timestamps - t0
        units = nwb.units.to_dataframe()
        assert sum(len(st) for st in units["spike_times"]) == len(ev)
        for _, row in units.iterrows():
            ch = int(row["electrodes"].index[0])
            np.testing.assert_allclose(row["spike_times"], ev_t[ev["channel"] == ch])
        cmds = nwb.intervals["commands"].to_dataframe()
        recorded = session["commands"].records()
        assert len(cmds) == len(recorded) > 0
        first = recorded[0]
        assert json.loads(cmds["command"].iloc[0]) == first
        if first["type"] == "StimCommand":  # the train lasts pulse_count / frequency
            length = first["pulse_count"] / first["frequency_hz"]
            row = cmds.iloc[0]
            assert row["stop_time"] - row["start_time"] == pytest.approx(length)
        assert len(nwb.intervals["acks"]) == len(session["acks"])
        labels = list(nwb.intervals["markers"].to_dataframe()["label"])
        assert labels == session["markers"].labels()
        notes = json.loads(nwb.notes)
        assert notes["config"] == {"test": "engine_recording"}
        assert notes["versions"]["neurolink"] == side["versions"]["neurolink"]
        assert nwb.identifier == side["session_id"]
    assert inspect_errors(out) == []


def test_kinematics_and_trials(tmp_path: Path) -> None:
    """A recorder session with decoded/intended velocity and two trials (one missed)."""
    path = tmp_path / "task.xdf"
    task_layout = StreamLayout(StreamKind.OTHER, "Task", ("json",), 0.0, "string")
    subject = {"subject_id": "monkey-7", "species": "Macaca mulatta", "sex": "M", "age": "P5Y"}
    with SessionRecorder(path, {"config": {"task": "center-out"}, "subject": subject}) as rec:
        t0 = rec._sidecar.start["host_time"]  # the session start: NWB time 0
        dec = rec.add_layout("decoded", decoded_layout(["vx", "vy"], 50.0), "k-dec")
        intent = rec.add_layout("intent", decoded_layout(["vx", "vy"], 50.0), "k-int")
        task = rec.add_layout("task", task_layout, "k-task")
        rec.add_layout("commands", commands_layout(), "k-cmd")
        rec.add_layout("acks", acks_layout(), "k-ack")
        rec.add_layout("markers", markers_layout(), "k-mk")
        bins = t0 + 0.1 + np.arange(10) * 0.02
        rec.write(dec, np.column_stack([np.arange(10), -np.arange(10)]) * 0.1, bins)
        rec.write(intent, np.ones((10, 2)), bins)
        records = [
            {"event": "trial_start", "trial": 0, "target": [1, 0]},
            {"event": "trial_end", "trial": 0, "success": True, "time_to_target": 0.05},
            {"event": "trial_start", "trial": 1, "target": [0, 1]},
            {"event": "trial_end", "trial": 1, "success": False, "time_to_target": None},
        ]
        rec.write_json(task, records, t0 + np.array([0.1, 0.15, 0.2, 0.3]))
    out = tmp_path / "task.nwb"
    assert main(["export", str(path), "--nwb", str(out)]) == 0
    assert main(["export", str(path), "--nwb", str(out)]) == 1  # exists: refused
    with pynwb.NWBHDF5IO(str(out), "r") as io:
        nwb = io.read()
        behavior = nwb.processing["behavior"]
        decoded = behavior["decoded_velocity"]
        np.testing.assert_allclose(decoded.data[:, 0], np.arange(10) * 0.1)
        np.testing.assert_allclose(decoded.timestamps[:], 0.1 + np.arange(10) * 0.02, atol=1e-9)
        np.testing.assert_array_equal(behavior["intended_velocity"].data[:], np.ones((10, 2)))
        trials = nwb.trials.to_dataframe()
        np.testing.assert_allclose(trials["start_time"], [0.1, 0.2], atol=1e-9)
        np.testing.assert_allclose(trials["stop_time"], [0.15, 0.3], atol=1e-9)
        assert list(trials["success"]) == [True, False]
        assert trials["time_to_target"].iloc[0] == 0.05
        assert np.isnan(trials["time_to_target"].iloc[1])
        assert json.loads(trials["target"].iloc[1]) == [0, 1]
        assert "raw" not in nwb.acquisition
        assert nwb.subject.subject_id == "monkey-7" and nwb.subject.species == "Macaca mulatta"
    assert inspect_errors(out) == []
    names = {
        m.check_function_name
        for m in __import__("nwbinspector").inspect_nwbfile(nwbfile_path=str(out))
    }
    assert not names & SUBJECT_CHECKS  # a full subject in the sidecar satisfies DANDI
