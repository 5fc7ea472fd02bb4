"""Recordings as LabRecorder writes them: pyxdf loads every one without a warning, and every
stream has its clock offsets (ClockOffset chunks, footer, sidecar).

Warnings are caught both ways pyxdf emits them: Python ``warnings`` turned into errors, and
records of the ``pyxdf`` logger at WARNING or above (``caplog``).
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pylsl
import pytest
import pyxdf

from neurolink.clock import now
from neurolink.loop.recording import (
    SessionRecorder,
    acks_layout,
    commands_layout,
    decoded_layout,
    events_layout,
    latencies_layout,
    markers_layout,
    raw_layout,
    snn_spikes_layout,
)
from neurolink.loop.recording.clocks import StreamClock
from neurolink.streams.lsl_outlet import BlockOutlet
from tests.loop.engine_recording import make_engine_recording

DEADLINE = 20.0


def load_quietly(path: Path, caplog: pytest.LogCaptureFixture, **kwargs: Any) -> list[dict]:
    """``pyxdf.load_xdf`` with its defaults (clock sync, de-jitter); fails on any warning."""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pyxdf"), warnings.catch_warnings():
        warnings.simplefilter("error")
        streams, _ = pyxdf.load_xdf(str(path), **kwargs)
    noisy = [r.getMessage() for r in caplog.records if r.name.startswith("pyxdf")]
    assert not noisy, f"pyxdf warned: {noisy}"
    return streams


def check_offsets(path: Path, streams: list[dict]) -> None:
    """Every stream with samples has ClockOffset chunks, the same pairs in its footer and in the
    sidecar's ``clock_offsets``."""
    side = json.loads(path.with_suffix(".json").read_text())
    for s in streams:
        name = s["info"]["name"][0]
        if not len(s["time_stamps"]):
            continue
        assert len(s["clock_times"]) >= 2, name
        footer = s["footer"]["info"]["clock_offsets"][0]["offset"]
        assert [float(o["time"][0]) for o in footer] == s["clock_times"], name
        assert [float(o["value"][0]) for o in footer] == s["clock_values"], name
        assert side["clock_offsets"][name] == [
            [t, v] for t, v in zip(s["clock_times"], s["clock_values"], strict=True)
        ]


def test_every_layout_loads_without_warnings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "all.xdf"
    t0 = now()
    with SessionRecorder(path, offset_interval=0.05) as rec:
        h = {
            "raw": rec.add_layout("raw", raw_layout(["a", "b"], 1000.0), "t-raw"),
            "events": rec.add_layout("events", events_layout(), "t-ev"),
            "decoded": rec.add_layout("decoded", decoded_layout(["vx", "vy"], 50.0), "t-dec"),
            "snn": rec.add_layout("snn", snn_spikes_layout(), "t-snn"),
            "commands": rec.add_layout("commands", commands_layout(), "t-cmd"),
            "acks": rec.add_layout("acks", acks_layout(), "t-ack"),
            "lat": rec.add_layout("lat", latencies_layout(["wire"]), "t-lat"),
            "markers": rec.add_layout("markers", markers_layout(), "t-mk"),
        }
        for k in range(6):  # 6 × 0.1 s, written as it happens, so offsets fall in between
            ts = t0 + (k * 100 + np.arange(100)) / 1000.0
            rec.write(h["raw"], np.ones((100, 2), np.float32) * k, ts)
            rec.write(h["events"], [[k * 100.0, 1.0, -50.0, -1.0]], ts[:1])
            rec.write(h["decoded"], np.zeros((5, 2)), t0 + (k * 5 + np.arange(5)) / 50.0)
            rec.write(h["snn"], [[float(k), 0.0]], ts[:1])
            rec.write_json(h["commands"], [{"k": k}], ts[-1:])
            rec.write_json(h["acks"], [{"status": "ok"}], ts[-1:])
            rec.write(h["lat"], [[1e-3, 2e-4]], ts[-1:])
            rec.write_markers(h["markers"], [f"m{k}"], ts[:1])
            time.sleep(0.06)
            rec.flush()
    streams = load_quietly(path, caplog)
    assert len(streams) == 8
    check_offsets(path, streams)
    for s in streams:  # host-clock streams: offsets 0, so synchronising changes nothing
        assert set(s["clock_values"]) == {0.0}
    raw = next(s for s in streams if s["info"]["name"][0] == "raw")
    chans = raw["info"]["desc"][0]["channels"][0]["channel"]
    assert [(c["label"][0], c["unit"][0], c["type"][0]) for c in chans] == [
        ("a", "microvolts", "Extracellular"),
        ("b", "microvolts", "Extracellular"),
    ]
    np.testing.assert_allclose(raw["time_stamps"], t0 + np.arange(600) / 1000.0, atol=1e-9)
    assert load_quietly(path, caplog, synchronize_clocks=False, dejitter_timestamps=False)


def test_lsl_stream_recorded_on_its_own_clock_with_time_correction(
    tmp_path: Path, unique_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """LabRecorder's way: producer time stamps, ``time_correction`` as ClockOffset chunks."""
    path = tmp_path / "lsl.xdf"
    with BlockOutlet(unique_name, "EEG", ["c0", "c1"], 100.0, unique_name) as outlet:
        inlet = pylsl.StreamInlet(pylsl.resolve_bypred(f"source_id='{unique_name}'", 1, 10)[0])
        inlet.open_stream(timeout=DEADLINE)
        assert outlet.wait_for_consumers(DEADLINE)
        with SessionRecorder(path) as rec:
            h = rec.add_stream(
                unique_name, "EEG", ["c0", "c1"], 100.0, "float32", unique_name,
                units=["microvolts"] * 2, clock=StreamClock.PRODUCER,
            )  # fmt: skip
            stamps, offsets = [], []
            t_start = pylsl.local_clock()
            for k in range(3):
                offset = inlet.time_correction(timeout=DEADLINE)
                offsets.append(offset)
                rec.clock_offset(h, now(), offset)
                outlet.push(
                    np.full((10, 2), k, np.float32), t_start + (10 * k + np.arange(10)) / 100
                )
                got, stop = 0, time.monotonic() + DEADLINE
                while got < 10:
                    assert time.monotonic() < stop
                    data, ts = inlet.pull_chunk(timeout=0.1)
                    if ts:
                        rec.write(h, np.asarray(data, np.float32), ts)
                        stamps.extend(ts)
                        got += len(ts)
                time.sleep(0.02)  # distinct measurement times
        inlet.close_stream()
    with SessionRecorder(tmp_path / "host.xdf") as other:
        host = other.add_stream("y", "X", 1, 0.0, "float32", "y")
        with pytest.raises(ValueError, match="host clock"):
            other.clock_offset(host, now(), 0.1)
    streams = load_quietly(path, caplog)
    check_offsets(path, streams)
    (s,) = streams
    assert s["clock_values"] == offsets
    raw = load_quietly(path, caplog, synchronize_clocks=False, dejitter_timestamps=False)[0]
    np.testing.assert_array_equal(raw["time_stamps"], stamps)  # producer stamps, as written
    # synchronised: producer stamps + the fitted offset (all within the measured range)
    lo, hi = min(offsets), max(offsets)
    shift = s["time_stamps"] - np.asarray(stamps)
    assert np.all(shift >= lo - 1e-3) and np.all(shift <= hi + 1e-3)


def test_engine_recording_loads_without_warnings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "engine.xdf"
    summary = make_engine_recording(path, duration=1.0)
    assert summary["stop_reason"] == "duration"
    streams = load_quietly(path, caplog)
    check_offsets(path, streams)
    names = {s["info"]["name"][0] for s in streams}
    assert {"raw", "events", "commands", "acks", "latencies", "markers"} <= names
    side = json.loads(path.with_suffix(".json").read_text())
    assert set(side["clock_offsets"]) >= {"raw", "commands", "markers"}
    assert {s["clock"] for s in side["streams"]} == {"host"}
