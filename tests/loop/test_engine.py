"""The engine on a scripted source and real emulated devices: latency, chunking, status,
summary and recording."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from neurolink.hal.drivers import NullDevice
from neurolink.hal.safety import NoHostSafety, SafetyLayer
from neurolink.loop.core.build import warm_up
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.faults import StopReason
from neurolink.loop.core.latency import ACQUIRE_PARTS, STAGES, LatencyBook
from neurolink.loop.core.record import LoopRecorder
from neurolink.loop.core.settings import EngineSettings
from neurolink.loop.core.sinks import DeviceSink, open_device
from neurolink.loop.core.status import format_summary, write_summary_json
from neurolink.loop.recording import read_session
from tests.loop.test_engine_support import (
    FS,
    ScriptedSource,
    session_estop,
    small_cortex,
    spike_graph,
)


@pytest.fixture
def estop():
    return session_estop()


@pytest.fixture
def stimulator(estop):
    warm_up(spike_graph(16, stim=True), 16, FS)  # numba compiles before the device is armed
    dev, emu = open_device("stimulator", "emulate", estop=estop, audit=estop.audit)
    sink = DeviceSink("stim", "stimulator", dev, "trains", emulator=emu)
    yield sink
    sink.close()


def test_every_command_reaches_the_device_with_its_latency_recorded(
    estop, stimulator, tmp_path
) -> None:
    src = ScriptedSource(small_cortex(seed=1))
    graph = spike_graph(16, stim=True)
    warm_up(graph, 16, FS)
    rec = LoopRecorder(tmp_path / "s.xdf", {"test": True}, src.channels, FS)
    eng = Engine(src, graph, [stimulator], estop=estop, recorder=rec, status_out=None)
    summary = eng.run(1.5)
    assert summary["stop_reason"] == "duration" and not summary["faults"]
    n = eng.n_commands
    assert n >= 10
    assert stimulator.stats.acked == n == summary["sinks"]["stim"]["acked"]
    assert [p for p in stimulator.device.delivered_pulses()]  # the device stimulated
    cmds = eng.book.commands.data
    assert cmds.shape[0] == n == summary["latency"]["commands"]["n"]
    total = cmds[:, 2]
    np.testing.assert_allclose(total, cmds[:, 1] - cmds[:, 0])  # t_wire − t_sample
    n_st = len(STAGES) - len(ACQUIRE_PARTS)  # the stages; the acquire parts sum to acquire
    np.testing.assert_allclose(cmds[:, 3 : 3 + n_st].sum(axis=1), total, rtol=1e-9, atol=1e-12)
    assert np.all(total > 0)
    blocks = eng.book.blocks.data
    assert blocks.shape[0] == 1500 == summary["source"]["blocks"]
    np.testing.assert_allclose(blocks[:, 2 : 2 + n_st].sum(axis=1), blocks[:, 1], atol=1e-12)
    s = read_session(tmp_path / "s.xdf")
    assert len(s["commands"].timestamps) == len(s["acks"].timestamps) == n
    assert s["latencies"].data.shape == (n, 1 + len(STAGES))
    np.testing.assert_allclose(s["latencies"].data[:, 0], total)
    assert len(s["events"].timestamps) == graph["spikes"].n_spikes
    assert s["raw"].data.shape == (45000, 16)
    assert any(m[0].startswith("stop: ran the 1.5 s") for m in s["markers"].data)


def test_blocks_larger_than_the_buffers_give_the_same_output_in_chunks(estop) -> None:
    counts = {}
    for block in (30, 4500):
        src = ScriptedSource(small_cortex(seed=2), block=block)
        graph = spike_graph(16)
        eng = Engine(
            src, graph, [], estop=estop, status_out=None, settings=EngineSettings(max_chunk=1024)
        )
        graph["counts"].reset()
        eng.run(0.9)
        counts[block] = (graph["spikes"].n_spikes, graph["counts"].n_bins)
    assert counts[30] == counts[4500]
    assert counts[30][0] > 50


class StopAfter:
    """A hook that asks the engine to stop after ``n`` blocks."""

    name = "stopper"

    def __init__(self, n: int) -> None:
        self.n, self.seen, self.stopped = n, 0, False

    def on_block(self, engine, tick) -> None:
        self.seen += 1
        if self.seen == self.n:
            engine.request_stop("enough")

    def on_stop(self, engine) -> None:
        self.stopped = True

    def status(self) -> str:
        return f"seen {self.seen}"

    def summary(self) -> dict:
        return {"seen": self.seen}


def test_a_hook_can_stop_the_run_and_appears_in_status_and_summary(estop, tmp_path) -> None:
    out = io.StringIO()
    hook = StopAfter(300)
    layer = SafetyLayer(audit=estop.audit, estop=estop, bypass=NoHostSafety("test"))
    null = NullDevice(layer).open()
    null.identify()
    null.arm()
    eng = Engine(
        ScriptedSource(small_cortex()),
        spike_graph(16, stim=True),
        [DeviceSink("rec", "null", null, "trains")],
        estop=estop,
        hooks=[hook],
        status_out=out,
        settings=EngineSettings(status_interval_s=1e-4),
    )
    summary = eng.run(10.0)
    assert summary["stop_reason"] == StopReason.STOP == "stop"
    assert hook.seen == 300 and hook.stopped and summary["stopper"] == {"seen": 300}
    lines = out.getvalue().splitlines()
    assert lines and "kHz" in lines[-1] and "misses" in lines[-1] and "seen" in lines[-1]
    assert not estop.tripped  # a planned stop is not a fault
    text = format_summary(summary)
    assert "stopped: stop" in text and "block latency" in text and "e-stop: not tripped" in text
    write_summary_json(summary, str(tmp_path / "s.json"))
    back = json.loads((tmp_path / "s.json").read_text())
    assert back["latency"]["blocks"]["n"] == 300
    assert set(back["latency"]["blocks"]["stages"]) == set(STAGES)


def test_latency_book_keeps_every_value_and_grows_when_needed() -> None:
    book = LatencyBook(capacity_blocks=4, capacity_commands=2)
    for k in range(10):
        book.stage[:] = 0.001
        book.add_block(float(k), k + 0.006)
        book.add_command(float(k), k + 0.007, k + 0.004)
    assert book.blocks.n == 10 and book.commands.n == 10 and book.blocks.n_grow == 2
    s = book.summary()
    assert s["commands"]["median_ms"] == pytest.approx(7.0)
    assert s["commands"]["stages"]["wire"]["median_ms"] == pytest.approx(3.0)
