"""Session recorder: round trip through pyxdf, flush policy, truncation, sidecar, errors."""

from __future__ import annotations

import io
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import pyxdf

from neurolink.errors import FileFormatError
from neurolink.loop.recording import (
    SessionRecorder,
    StreamKind,
    acks_layout,
    commands_layout,
    decoded_layout,
    events_layout,
    events_to_rows,
    latencies_layout,
    markers_layout,
    raw_layout,
    read_session,
    snn_spikes_layout,
)
from neurolink.loop.recording.clocks import StreamClock
from neurolink.loop.recording.reader import complete_length
from neurolink.loop.recording.xdf import BOUNDARY_UUID, MAGIC, varlen
from neurolink.streams.events import SPIKE_DTYPE


class FakeClock:
    """A clock the test advances by hand (so flushes never depend on wall-clock luck)."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def load(path: Path) -> dict[str, dict]:
    """pyxdf with time stamps as written, streams by name."""
    streams, _ = pyxdf.load_xdf(str(path), synchronize_clocks=False, dejitter_timestamps=False)
    return {s["info"]["name"][0]: s for s in streams}


@dataclass(frozen=True)
class _Origin:
    stream: str
    sample_index: int
    timestamp: float


@dataclass(frozen=True)
class _Cmd:
    velocity: tuple[float, float]
    origin: _Origin


def test_varlen_encoding() -> None:
    assert varlen(0) == b"\x01\x00"
    assert varlen(255) == b"\x01\xff"
    assert varlen(256) == b"\x04\x00\x01\x00\x00"
    assert varlen(1 << 32) == b"\x08" + (1 << 32).to_bytes(8, "little")
    with pytest.raises(ValueError):
        varlen(-1)


def test_round_trip_numeric_and_strings_via_pyxdf(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    path = tmp_path / "rt.xdf"
    labels = ["Fp1", "a<b&c>", 'ch "3"']
    raw = rng.standard_normal((1000, 3)).astype(np.float32)
    raw[5] = [np.nan, np.inf, -0.0]
    raw_ts = 5000.0 + np.cumsum(rng.uniform(1e-4, 2e-4, 1000))  # not short decimals
    dbl = rng.standard_normal((37, 2)) * 1e300
    dbl_ts = np.sort(rng.uniform(0, 1e6, 37))
    ints = np.array([[np.iinfo(np.int32).min, -1, 0], [1, 2, np.iinfo(np.int32).max]], np.int32)
    marks = ["start", "", "wörld ✓", "<xml & stuff>", "a" * 300]
    mark_ts = np.array([0.1, 0.2, 0.3, 0.4, 0.5]) + 1 / 3
    with SessionRecorder(path, {"config": {"k": 1}}) as rec:
        h_raw = rec.add_layout(
            "raw", raw_layout(labels, 30000.0), "src-raw", clock=StreamClock.PRODUCER
        )
        h_dbl = rec.add_stream("dbl", "Misc", ["x", "y"], 0.0, "double64", "src-dbl")
        h_int = rec.add_stream("ints", "Counts", 3, 250.0, "int32", "src-int")
        h_mk = rec.add_layout("markers", markers_layout(), "src-mk")
        for k in range(0, 1000, 30):  # 1 ms blocks, last one short
            rec.write(h_raw, raw[k : k + 30], raw_ts[k : k + 30])
        rec.write(h_dbl, dbl, dbl_ts)
        rec.write(h_int, ints, [1.5, 2.5])
        rec.write_markers(h_mk, marks, mark_ts)
        rec.clock_offset(h_raw, 5000.05, -0.001)
    got = load(path)
    assert list(got) == ["raw", "dbl", "ints", "markers"]
    s = got["raw"]
    assert s["time_series"].dtype == np.float32
    np.testing.assert_array_equal(s["time_series"], raw)
    assert np.array_equal(s["time_stamps"], raw_ts)
    assert float(s["info"]["nominal_srate"][0]) == 30000.0
    assert s["info"]["channel_format"][0] == "float32"
    assert s["info"]["source_id"][0] == "src-raw"
    chans = s["info"]["desc"][0]["channels"][0]["channel"]
    assert [c["label"][0] for c in chans] == labels
    # as LabRecorder writes it: collection time on the stream's clock, host 5000.05 + 0.001
    assert s["clock_times"] == [pytest.approx(5000.051, abs=1e-9)]
    assert s["clock_values"] == [-0.001]
    assert [c["unit"][0] for c in chans] == ["microvolts"] * len(labels)
    assert [c["type"][0] for c in chans] == ["Extracellular"] * len(labels)
    for name in ("dbl", "ints", "markers"):  # host-clock streams: zero offsets, at least 2
        assert len(got[name]["clock_times"]) >= 2 and set(got[name]["clock_values"]) == {0.0}
    assert np.array_equal(got["dbl"]["time_series"], dbl)
    assert np.array_equal(got["dbl"]["time_stamps"], dbl_ts)
    assert got["ints"]["time_series"].dtype == np.int32
    assert np.array_equal(got["ints"]["time_series"], ints)
    assert [r[0] for r in got["markers"]["time_series"]] == marks
    assert np.array_equal(got["markers"]["time_stamps"], mark_ts)
    for name, n, first, last in [
        ("raw", 1000, raw_ts[0], raw_ts[-1]),
        ("markers", 5, mark_ts[0], mark_ts[-1]),
    ]:
        footer = got[name]["footer"]["info"]
        assert int(footer["sample_count"][0]) == n
        assert float(footer["first_timestamp"][0]) == first
        assert float(footer["last_timestamp"][0]) == last
    # pyxdf's defaults (clock sync and de-jittering) also read it
    streams, header = pyxdf.load_xdf(str(path))
    assert len(streams) == 4 and header["info"]["version"] == ["1.0"]


def test_read_session_typed_streams(tmp_path: Path) -> None:
    path = tmp_path / "typed.xdf"
    events = np.zeros(4, dtype=SPIKE_DTYPE)
    events["sample_index"] = [3, 40, 2**40, 2**52 + 1]
    events["channel"] = [0, 95, 3, 7]
    events["amplitude"] = np.float32([-51.25, -80.1, 1e-3, -3.4e38])
    events["unit"] = [-1, 0, 2, 2**31 - 1]
    cmd = _Cmd((0.25, -1 / 3), _Origin("raw", 12345, 17.000125))
    with SessionRecorder(path, {"seeds": {"subject": 3}}) as rec:
        h_ev = rec.add_layout("spikes", events_layout(), "s1")
        h_dec = rec.add_layout("decoded", decoded_layout(["vx", "vy"], 50.0), "s2")
        h_snn = rec.add_layout("snn", snn_spikes_layout(), "s3")
        h_cmd = rec.add_layout("commands", commands_layout(), "s4")
        h_ack = rec.add_layout("acks", acks_layout(), "s5")
        h_lat = rec.add_layout("latency", latencies_layout(["detect", "decode", "wire"]), "s6")
        rec.write(h_ev, events_to_rows(events), [1.0, 2.0, 3.0, 4.0])
        rec.write(h_dec, [[0.5, -0.5]], [1.01])
        rec.write(h_snn, [[10, 3], [11, 0]], [1.0, 1.1])
        rec.write_json(h_cmd, [cmd], [17.0009])
        rec.write_json(h_ack, [{"seq": 1, "ok": True}], [17.0011])
        rec.write(h_lat, [[7.75e-4, 1e-4, 2e-4, 5e-5]], [17.0009])
    sess = read_session(path)
    assert not sess.truncated
    assert [s.kind for s in sess] == [
        StreamKind.EVENTS,
        StreamKind.DECODED,
        StreamKind.SNN_SPIKES,
        StreamKind.COMMANDS,
        StreamKind.ACKS,
        StreamKind.LATENCIES,
    ]
    assert np.array_equal(sess["spikes"].spike_events(), events)
    assert sess["decoded"].channels == ("vx", "vy") and sess["decoded"].rate == 50.0
    assert sess["snn"].data.tolist() == [[10.0, 3.0], [11.0, 0.0]]
    assert sess["commands"].records() == [
        {
            "velocity": [0.25, -1 / 3],
            "origin": {"stream": "raw", "sample_index": 12345, "timestamp": 17.000125},
        }
    ]
    assert sess["acks"].records() == [{"ok": True, "seq": 1}]
    assert sess["latency"].channels == ("total", "detect", "decode", "wire")
    assert sess["latency"].data[0, 0] == 7.75e-4
    assert sess["latency"].footer == {
        "first_timestamp": 17.0009,
        "last_timestamp": 17.0009,
        "sample_count": 1,
    }
    assert sess.by_kind("commands") == [sess["commands"]]
    assert sess.sidecar is not None and sess.sidecar["seeds"] == {"subject": 3}
    with pytest.raises(KeyError, match="no stream 'nope'"):
        sess["nope"]


def test_flush_policy_interval_and_on_demand(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "f.xdf"
    rec = SessionRecorder(path, flush_interval=0.5, boundary_interval=2.0, clock=clock)
    h = rec.add_stream("x", "X", 2, 100.0, "float32", "src-f")
    size0 = path.stat().st_size
    block = np.ones((10, 2), np.float32)
    rec.write(h, block, np.arange(10.0))
    clock.t += 0.49
    rec.write(h, block, np.arange(10.0))
    assert rec.flushed_samples(h) == 0 and path.stat().st_size == size0  # still buffered
    clock.t += 0.01
    rec.write(h, block, np.arange(10.0))  # the interval elapsed: this call flushes
    assert rec.flushed_samples(h) == 30 and path.stat().st_size > size0
    assert len(load(path)["x"]["time_series"]) == 30  # readable while still open
    rec.write(h, block, np.arange(10.0))
    rec.flush()
    assert rec.flushed_samples(h) == 40
    assert BOUNDARY_UUID not in path.read_bytes()
    clock.t += 2.0
    rec.write(h, block, np.arange(10.0))
    assert path.read_bytes().count(BOUNDARY_UUID) == 1
    rec.close()
    assert rec.stats.n_flushes >= 3 and rec.stats.bytes_written == path.stat().st_size


def test_flush_on_buffer_size(tmp_path: Path) -> None:
    clock = FakeClock()
    rec = SessionRecorder(tmp_path / "b.xdf", max_buffer_bytes=4000, clock=clock)
    h = rec.add_stream("x", "X", 4, 1000.0, "float32", "src-b")  # 25 bytes a sample
    rec.write(h, np.zeros((150, 4), np.float32), np.arange(150.0))
    assert rec.flushed_samples(h) == 0
    rec.write(h, np.zeros((10, 4), np.float32), np.arange(10.0))  # 160 × 25 = 4000 bytes
    assert rec.flushed_samples(h) == 160
    rec.close()


def test_buffer_grows_beyond_initial_capacity(tmp_path: Path) -> None:
    path = tmp_path / "g.xdf"
    with SessionRecorder(path, clock=FakeClock()) as rec:
        h = rec.add_stream("irr", "X", 1, 0.0, "int64", "src-g")
        values = np.arange(5000, dtype=np.int64)[:, None] * (2**40)
        for k in range(0, 5000, 700):
            rec.write(h, values[k : k + 700], np.arange(k, min(k + 700, 5000)) * 0.5)
    assert np.array_equal(read_session(path)["irr"].data, values)


def test_concurrent_writers(tmp_path: Path) -> None:
    path = tmp_path / "threads.xdf"
    rec = SessionRecorder(path, flush_interval=1e-4)
    handles = [rec.add_stream(f"s{i}", "X", 3, 1000.0, "double64", f"src-t{i}") for i in range(4)]

    def writer(i: int) -> None:
        for k in range(200):
            idx = np.arange(k * 5, k * 5 + 5, dtype=np.float64)
            rec.write(handles[i], np.column_stack([idx, idx * i, -idx]), idx / 1000)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rec.close()
    sess = read_session(path)
    idx = np.arange(1000, dtype=np.float64)
    for i in range(4):
        s = sess[f"s{i}"]
        assert np.array_equal(s.data, np.column_stack([idx, idx * i, -idx]))
        assert np.array_equal(s.timestamps, idx / 1000)


def _flushed_file(path: Path) -> tuple[bytes, np.ndarray, list[str]]:
    clock = FakeClock()
    rec = SessionRecorder(path, {"config": {}}, clock=clock)
    h = rec.add_stream("raw", "X", 2, 100.0, "float32", "src-cut", clock=StreamClock.PRODUCER)
    m = rec.add_layout("mk", markers_layout(), "src-cut-mk")
    data = np.arange(200, dtype=np.float32).reshape(100, 2)
    for k in range(10):
        rec.write(h, data[10 * k : 10 * k + 10], np.arange(10 * k, 10 * k + 10) / 100)
        rec.write_markers(m, [f"m{k}"], [k / 10])
        rec.clock_offset(h, float(k), 0.0)
        rec.flush()
    rec.close()
    return path.read_bytes(), data, [f"m{k}" for k in range(10)]


def _cuts(full: bytes) -> list[int]:
    """Every offset within 3 bytes of a chunk boundary, and every 11th byte elsewhere."""
    bounds, pos = [], 4
    while pos < len(full):
        bounds.append(pos)
        size = {1: 1, 4: 4, 8: 8}[full[pos]]
        pos += 1 + size + int.from_bytes(full[pos + 1 : pos + 1 + size], "little")
    near = {b + d for b in [*bounds, len(full)] for d in range(-3, 4)}
    return sorted({c for c in near | set(range(4, len(full), 11)) if 4 <= c <= len(full)})


def test_truncated_file_at_any_offset(tmp_path: Path) -> None:
    """A file cut anywhere reads back as a prefix of what was written (pyxdf + chunk cut)."""
    full, data, marks = _flushed_file(tmp_path / "full.xdf")
    assert complete_length(io.BytesIO(full)) == len(full)
    logging.getLogger("pyxdf").setLevel(logging.CRITICAL)  # it logs the corruption it skips
    cut_path = tmp_path / "cut.xdf"
    previous = 0
    for cut in _cuts(full):
        cut_path.write_bytes(full[:cut])
        sess = read_session(cut_path)
        assert sess.truncated == (complete_length(io.BytesIO(full[:cut])) < cut)
        if "raw" not in sess:
            continue
        n = len(sess["raw"])
        assert n >= previous  # monotone in the cut position
        previous = n
        assert np.array_equal(sess["raw"].data, data[:n])
        assert np.array_equal(sess["raw"].timestamps, np.arange(n) / 100)
        if "mk" in sess:
            labels = sess["mk"].labels()
            assert labels == marks[: len(labels)]
    assert previous == 100
    # pyxdf alone reads a file cut inside a Samples chunk (the usual end of a killed session)
    last_samples_cut = full.rfind(b"m9") - 3
    streams, _ = pyxdf.load_xdf(io.BytesIO(full[:last_samples_cut]), dejitter_timestamps=False)
    assert len(streams) == 2


def test_not_an_xdf_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xdf"
    bad.write_bytes(b"nope")
    with pytest.raises(FileFormatError, match="magic"):
        read_session(bad)
    assert MAGIC == b"XDF:"


def test_sidecar_at_start_and_close(tmp_path: Path) -> None:
    path = tmp_path / "sess.xdf"
    side = tmp_path / "sess.json"
    rec = SessionRecorder(path, {"config": {"rate": 30000}, "seeds": [1, 2]})
    start = json.loads(side.read_text())
    assert start["status"] == "recording" and start["stop"] is None
    assert start["config"] == {"rate": 30000} and start["seeds"] == [1, 2]
    for pkg in ("neurolink", "numpy", "pylsl", "brainflow", "python"):
        assert start["versions"][pkg], pkg
    assert start["start"]["host_time"] > 0 and start["xdf"] == "sess.xdf"
    h = rec.add_layout("raw", raw_layout(["a"], 10.0), "src-side", clock=StreamClock.PRODUCER)
    assert [s["name"] for s in json.loads(side.read_text())["streams"]] == ["raw"]
    rec.write(h, [[1.0], [2.0]], [0.0, 0.1])
    rec.clock_offset(h, 3.0, 0.5)
    rec.update_sidecar({"subject": "sim-1"})
    rec.set_summary({"commands": 0, "latency_p99_s": None})
    rec.close()
    end = json.loads(side.read_text())
    assert end["status"] == "closed" and end["stop"]["host_time"] >= end["start"]["host_time"]
    assert end["summary"] == {"commands": 0, "latency_p99_s": None}
    assert end["clock_offsets"] == {"raw": [[2.5, 0.5]]}  # measured at host 3.0: 3.0 − 0.5
    assert end["streams"][0]["sample_count"] == 2 and end["subject"] == "sim-1"
    assert end["session_id"] == read_session(path).file_header["info"]["session_id"][0]
    assert not list(tmp_path.glob("*.tmp"))


def test_errors(tmp_path: Path) -> None:
    path = tmp_path / "e.xdf"
    with pytest.raises(ValueError, match="reserved"):
        SessionRecorder(path, {"status": "x"})
    with pytest.raises(TypeError, match="JSON"):
        SessionRecorder(path, {"config": object()})
    rec = SessionRecorder(path)
    with pytest.raises(FileExistsError):
        SessionRecorder(path)
    h = rec.add_stream("i", "X", 2, 0.0, "int32", "src-e")
    s = rec.add_layout("m", markers_layout(), "src-e2")
    with pytest.raises(ValueError, match="already recorded"):
        rec.add_stream("i", "X", 2, 0.0, "int32", "src-e")
    with pytest.raises(ValueError, match="'bad': format"):
        rec.add_stream("bad", "X", 2, 0.0, "float16", "src-e")
    with pytest.raises(ValueError, match="XML cannot store"):
        rec.add_stream("bell\x07", "X", 1, 0.0, "int32", "src-e")
    with pytest.raises(ValueError, match="XML cannot store"):
        rec.add_stream("ok", "X", ["a\x00"], 0.0, "int32", "src-e")
    with pytest.raises(ValueError, match="shape"):
        rec.write(h, np.zeros((3, 3), np.int32), np.zeros(3))
    with pytest.raises(ValueError, match="timestamps"):
        rec.write(h, np.zeros((3, 2), np.int32), np.zeros(2))
    with pytest.raises(TypeError, match="float64"):
        rec.write(h, np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="range"):
        rec.write(h, np.full((1, 2), 2**31, np.int64), [0.0])
    with pytest.raises(TypeError, match="sequence of str"):
        rec.write_markers(s, "abc", [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="1 strings"):
        rec.write(s, [("a", "b")], [0.0])
    other = SessionRecorder(tmp_path / "other.xdf")
    with pytest.raises(ValueError, match="does not belong"):
        other.write(h, np.zeros((1, 2), np.int32), [0.0])
    other.close()
    rec.close()
    rec.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        rec.write(h, np.zeros((1, 2), np.int32), [0.0])
    with pytest.raises(ValueError, match="sidecar suffix"):
        SessionRecorder(tmp_path / "x.json")


def test_context_manager_closes_on_exception(tmp_path: Path) -> None:
    path = tmp_path / "exc.xdf"
    with pytest.raises(RuntimeError, match="boom"), SessionRecorder(path) as rec:
        h = rec.add_stream("x", "X", 1, 10.0, "double64", "src-x")
        rec.write(h, [[1.0]], [0.0])
        raise RuntimeError("boom")
    assert rec.closed
    sess = read_session(path)
    assert sess["x"].footer is not None and sess["x"].data.tolist() == [[1.0]]
    assert sess.sidecar is not None and sess.sidecar["status"] == "closed"
