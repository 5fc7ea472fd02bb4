"""The raw stream of an LSL-sourced session carries the source's real clock corrections.

A real LSL outlet feeds the engine through a real :class:`LSLSource` that re-measures
``time_correction`` every 0.2 s. The recording must be what LabRecorder would have written for
that stream: the producer's own time stamps, and one ClockOffset chunk
``(host_time − offset, offset)`` per measurement the source took (pyxdf's ``clock_times`` /
``clock_values``), loaded by pyxdf without a warning; and :func:`read_session` must give back
the host time stamps the engine processed, bit for bit.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import pyxdf

from neurolink.clock import now
from neurolink.loop.core.build import warm_up
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.record import LoopRecorder, raw_stream_args
from neurolink.loop.recording import read_session
from neurolink.streams.lsl_outlet import BlockOutlet
from neurolink.streams.lsl_source import LSLSource
from tests.loop.test_engine_support import FS, session_estop, spike_graph
from tests.loop.test_recording_pyxdf import load_quietly

N_CH = 8
DURATION = 1.5  # s of data the engine processes
DEADLINE = 20.0


def expected_host(stamps: np.ndarray, history: list) -> np.ndarray:
    """Host time of each producer stamp, by the rule written out sample by sample: the offset
    of the newest measurement whose producer-clock time ``host_time − offset`` is at or before
    the stamp (the first measurement's for stamps before it)."""
    out = np.empty_like(stamps)
    for i, p in enumerate(stamps):
        offset = history[0].offset
        for c in history:
            if c.host_time - c.offset <= p:
                offset = c.offset
        out[i] = p + offset
    return out


class SeenSource(LSLSource):
    """An LSL source that keeps a copy of the host time stamps of every block it delivered."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[np.ndarray] = []

    def read(self, timeout: float = 0.0):
        block = super().read(timeout)
        if block is not None:
            self.seen.append(block.timestamps.copy())
        return block


@pytest.fixture
def lsl_session(tmp_path: Path, unique_name: str):
    """Run the engine on a live LSL stream; yields (recording path, source, pushed stamps)."""
    labels = [f"C{i}" for i in range(N_CH)]
    rng = np.random.default_rng(7)
    n = int(FS * (DURATION + 1.0))
    data = (rng.standard_normal((n, N_CH)) * 10).astype(np.float32)
    stamps = np.empty(n)
    graph = spike_graph(N_CH)
    warm_up(graph, N_CH, FS)
    with BlockOutlet(unique_name, "Extracellular", labels, FS, source_id=unique_name) as outlet:
        src = SeenSource(unique_name, source_id=unique_name, clock_interval=0.2)
        src.open()
        assert outlet.wait_for_consumers(DEADLINE)
        stop = threading.Event()

        def produce() -> None:  # pushes every due sample, about 1 ms at a time
            t0, pushed = now(), 0
            while pushed < n and not stop.is_set():
                due = min(n, int((now() - t0) * FS) + 1)
                if due > pushed:
                    stamps[pushed:due] = t0 + np.arange(pushed, due) / FS
                    outlet.push(data[pushed:due], stamps[pushed:due])
                    pushed = due
                time.sleep(0.001)

        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        path = tmp_path / "lsl.xdf"
        try:
            rec = LoopRecorder(
                path, {"test": "record_clock"}, src.channels, src.rate, **raw_stream_args(src)
            )
            eng = Engine(src, graph, [], estop=session_estop(), recorder=rec, status_out=None)
            eng.run(DURATION)
        finally:
            stop.set()
            producer.join(DEADLINE)
            src.close()
    yield path, src, stamps


def test_raw_clock_offsets_are_the_source_time_corrections(lsl_session, caplog) -> None:
    path, src, _ = lsl_session
    history = list(src.clock_history)
    assert len(history) >= 4  # measured at open, then every 0.2 s during 1.5 s of data
    load_quietly(path, caplog)  # pyxdf's defaults (clock sync, de-jitter): no warning
    streams = {
        s["info"]["name"][0]: s for s in load_quietly(path, caplog, synchronize_clocks=False)
    }
    raw = streams["raw"]
    assert raw["info"]["desc"][0]["neurolink"][0]["clock"] == ["corrected"]
    # LabRecorder's convention: (collection time on the stream's clock, offset)
    want_times = [c.host_time - c.offset for c in history]
    want_values = [c.offset for c in history]
    assert np.array_equal(np.asarray(raw["clock_values"]), want_values)
    assert np.allclose(raw["clock_times"], want_times, rtol=0, atol=1e-9)
    # the footer and the sidecar list the same pairs
    footer = raw["footer"]["info"]["clock_offsets"][0]["offset"]
    pairs = [(float(o["time"][0]), float(o["value"][0])) for o in footer]
    assert pairs == list(zip(raw["clock_times"], raw["clock_values"], strict=True))
    side = json.loads(path.with_suffix(".json").read_text())["clock_offsets"]["raw"]
    assert [tuple(p) for p in side] == pairs
    # the engine's own streams stay on the host clock: offsets of exactly 0
    assert streams["blocks"]["clock_values"] and not any(streams["blocks"]["clock_values"])


def test_raw_holds_producer_stamps_and_reads_back_on_the_host_clock(lsl_session) -> None:
    path, src, stamps = lsl_session
    history = list(src.clock_history)
    loaded, _ = pyxdf.load_xdf(str(path), synchronize_clocks=False, dejitter_timestamps=False)
    streams = {s["info"]["name"][0]: s for s in loaded}
    written = np.asarray(streams["raw"]["time_stamps"])
    n = len(written)
    assert n >= int(FS * DURATION) - 1
    # as LabRecorder writes LSL: the producer's stamps (as LSL carried them: liblsl rebuilds a
    # regular stream's stamps from the previous one + 1/rate, a unit in the last place apart;
    # a sample just after a measurement that lowered the offset may be that drop early)
    offsets = [c.offset for c in history]
    drop = max([0.0, *(a - b for i, a in enumerate(offsets) for b in offsets[i + 1 :])])
    assert np.allclose(written, stamps[:n], rtol=0, atol=1e-11 + drop)
    session = read_session(path)
    host = session["raw"].timestamps
    # bit for bit the time stamps of the blocks the engine processed
    seen = np.concatenate(src.seen)
    assert len(seen) >= n
    assert np.array_equal(host, seen[:n])
    assert np.array_equal(host, expected_host(written, history))
    # the block boundaries the engine recorded (a host-clock stream) fall on them exactly
    blocks = session["blocks"]
    ends = np.cumsum(blocks.data[:, 1].astype(np.int64))
    ends = ends[ends <= n]
    assert len(ends) > 10
    assert np.array_equal(host[ends - 1], blocks.timestamps[: len(ends)])
    # pyxdf's own synchronisation lands on the same clock (a line through the offsets)
    synced = read_session(path, synchronize_clocks=True)["raw"].timestamps
    assert np.allclose(synced, host, rtol=0, atol=1e-4)
