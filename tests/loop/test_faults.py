"""Faults: for each, stimulation stops (or never starts), the recording stays readable, and the
summary says what happened. Real emulated devices on ptys; a scripted source driven by block
number (no timing luck)."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from neurolink.hal.wire import DeviceState
from neurolink.loop.core.build import warm_up
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.faults import FaultKind
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.record import LoopRecorder
from neurolink.loop.core.settings import EngineSettings
from neurolink.loop.core.sinks import DeviceSink, open_device
from neurolink.loop.recording import read_session
from tests.loop.test_engine_support import (
    FS,
    ScriptedSource,
    session_estop,
    small_cortex,
    spike_graph,
)


class AtBlock:
    """A hook that does ``action(engine)`` once, after block ``n``."""

    name = "fault-injector"

    def __init__(self, n: int, action) -> None:
        self.n, self.action, self.seen = n, action, 0

    def on_block(self, engine, tick) -> None:
        self.seen += 1
        if self.seen == self.n:
            self.action(engine)

    def on_stop(self, engine) -> None: ...

    def status(self) -> str:
        return ""

    def summary(self) -> dict:
        return {"blocks": self.seen}


class SlowNode:
    """Passes events on, sleeping ``seconds`` per block from block ``after`` on."""

    kind, inputs, output, stage = "slow", (Port.EVENTS,), Port.EVENTS, Stage.SNN

    def __init__(self, seconds: float, after: int) -> None:
        self.name, self.seconds, self.after, self.k = "slow", seconds, after, 0

    def reset(self) -> None:
        self.k = 0

    def step(self, ev, tick):
        self.k += 1
        if self.k > self.after:
            time.sleep(self.seconds)
        return ev


class Rig:
    """Scripted source → spike graph with a burst-triggered stimulator (+ a prosthesis)."""

    def __init__(self, tmp_path, *, prosthesis: bool = False, **source) -> None:
        self.estop = session_estop()
        self.sinks = []
        warm_up(spike_graph(16, stim=True), 16, FS)  # numba compiles before the devices arm
        dev, emu = open_device("stimulator", "emulate", estop=self.estop, audit=self.estop.audit)
        self.stim = DeviceSink("stim", "stimulator", dev, "trains", emulator=emu)
        self.sinks.append(self.stim)
        if prosthesis:
            dev, emu = open_device(
                "prosthesis",
                "emulate",
                estop=self.estop,
                audit=self.estop.audit,
                profile="prosthesis_cursor",
            )
            self.arm = DeviceSink("arm", "prosthesis", dev, "none", emulator=emu)
            self.sinks.append(self.arm)
        self.source = ScriptedSource(small_cortex(seed=3), **source)
        self.path = tmp_path / "fault.xdf"
        self.recorder = LoopRecorder(self.path, {"test": "faults"}, self.source.channels, FS)

    def run(self, *, hooks=(), extra=(), seconds: float = 3.0, **settings) -> dict:
        graph = spike_graph(16, stim=True, extra=extra)
        warm_up(graph, 16, FS)
        eng = Engine(
            self.source,
            graph,
            [self.stim],
            estop=self.estop,
            hooks=hooks,
            recorder=self.recorder,
            status_out=None,
            settings=EngineSettings(**settings),
        )
        self.engine = eng
        return eng.run(seconds)

    def stim_state(self) -> DeviceState:
        return self.stim.device.status().state

    def close(self) -> None:
        for s in self.sinks:
            s.close()


@pytest.fixture
def rig_factory(tmp_path):
    made = []

    def make(**kw) -> Rig:
        r = Rig(tmp_path, **kw)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def check_safe(rig: Rig, summary: dict, kind: FaultKind, *, stimulated: bool = True) -> None:
    """The fault is in the summary, the e-stop tripped, the stimulator is stopped and latched,
    and the recording reads back with the fault marked."""
    assert summary["stop_reason"] == "fault"
    assert [f["kind"] for f in summary["faults"]][:1] == [kind.value]
    assert summary["estop"]["tripped"] and kind.value in summary["estop"]["reason"]
    assert (rig.stim.stats.acked > 0) is stimulated
    assert rig.stim_state() is DeviceState.ESTOPPED
    s = read_session(rig.path)
    labels = [m[0] for m in s["markers"].data]
    assert any(lab.startswith(f"fault {kind.value}") for lab in labels)
    assert len(s["commands"].timestamps) == rig.stim.stats.sent
    assert s.sidecar["summary"]["faults"][0]["kind"] == kind.value


def test_a_source_that_stalls_mid_run(rig_factory) -> None:
    rig = rig_factory(stall_at=1500)
    summary = rig.run()
    check_safe(rig, summary, FaultKind.STALL)
    assert summary["source"]["blocks"] == 1500
    assert "stalled" in summary["faults"][0]["message"]


def test_a_burst_of_nans(rig_factory) -> None:
    rig = rig_factory(nan_at=1200)
    summary = rig.run()
    check_safe(rig, summary, FaultKind.INVALID_DATA)
    assert "30 NaN/Inf values" in summary["faults"][0]["message"]
    assert summary["faults"][0]["sample_index"] == 1200 * 30


def test_invalid_data_from_the_start_never_starts_stimulation(rig_factory) -> None:
    rig = rig_factory(nan_at=0)
    summary = rig.run()
    check_safe(rig, summary, FaultKind.INVALID_DATA, stimulated=False)
    assert rig.stim.device.delivered_pulses() == []


def test_a_gap_beyond_tolerance(rig_factory) -> None:
    rig = rig_factory(gap_at=1000, gap=90)
    summary = rig.run(max_gap_samples=60)
    check_safe(rig, summary, FaultKind.GAP)
    assert "90 samples missing before sample 30090" in summary["faults"][0]["message"]


def test_a_gap_within_tolerance_is_carried_on(rig_factory) -> None:
    rig = rig_factory(gap_at=1000, gap=30)
    summary = rig.run(seconds=1.5, max_gap_samples=60)
    assert summary["stop_reason"] == "duration" and not summary["faults"]
    assert summary["source"]["samples_lost"] == 30 and not rig.estop.tripped


def test_a_device_that_disconnects_stops_the_others(rig_factory) -> None:
    rig = rig_factory(prosthesis=True)
    summary = rig.run(hooks=[AtBlock(1000, lambda e: rig.arm.emulator.stop())])
    assert summary["stop_reason"] == "fault"
    kinds = [f["kind"] for f in summary["faults"]]
    assert kinds[0] in ("estop", "device_lost")
    assert "lost" in summary["estop"]["reason"] and summary["estop"]["source"] == "device-lost"
    assert rig.stim.stats.acked > 0 and rig.stim_state() is DeviceState.ESTOPPED
    assert read_session(rig.path)["markers"].data.size


def test_a_deadline_storm_from_a_slow_node(rig_factory) -> None:
    rig = rig_factory()
    slow = SlowNode(0.003, after=1000)
    summary = rig.run(extra=[(slow, "spikes")], deadline_s=0.002, max_consecutive_misses=20)
    check_safe(rig, summary, FaultKind.DEADLINE)
    dl = summary["deadline"]
    assert dl["worst_consecutive"] == 20 and dl["misses"] >= 20
    assert summary["source"]["blocks"] == 1020


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_sigint_and_sigterm_stop_stimulation_first_then_close_the_recording(
    rig_factory, sig
) -> None:
    rig = rig_factory()
    summary = rig.run(hooks=[AtBlock(1000, lambda e: os.kill(os.getpid(), sig))])
    assert summary["stop_reason"] == "signal" and sig.name in summary["why"]
    assert rig.estop.tripped and rig.estop.trip_info.source == "shutdown"
    assert rig.stim.stats.acked > 0 and rig.stim_state() is DeviceState.ESTOPPED
    s = read_session(rig.path)
    assert s.sidecar["summary"]["stop_reason"] == "signal"
    trip = next(r for r in rig.estop.audit.records if r.event == "ESTOP_TRIP")
    assert trip.time <= s.sidecar["summary"]["wall_s"] + rig.engine.t_start  # stopped first
    assert signal.getsignal(sig) is not rig.engine._on_signal  # handlers restored


def test_an_exception_in_a_node_stops_the_devices_and_is_raised(rig_factory) -> None:
    rig = rig_factory()

    class Broken(SlowNode):
        def step(self, ev, tick):
            self.k += 1
            if self.k == 800:
                raise RuntimeError("node broke")
            return ev

    with pytest.raises(RuntimeError, match="node broke"):
        rig.run(extra=[(Broken(0.0, 0), "spikes")])
    summary = rig.engine.result
    assert summary["stop_reason"] == "exception"
    assert (
        summary["faults"][0]["kind"] == "exception"
        and "node broke" in summary["faults"][0]["message"]
    )
    assert rig.stim_state() is DeviceState.ESTOPPED
    assert read_session(rig.path).sidecar["summary"]["stop_reason"] == "exception"
    assert np.isfinite(summary["latency"]["blocks"]["median_ms"])
