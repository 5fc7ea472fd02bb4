"""Shared pieces of the replay tests (no tests here): a scripted session recorded exactly as the
live session records one, with what a replay has to reproduce from the recording — a gap, a
pause whose catch-up spans several stale blocks, and sinks that refuse some commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neurolink.decode import WienerFilter
from neurolink.hal.drivers import NullDevice
from neurolink.hal.errors import DeviceLost, SafetyError
from neurolink.hal.safety import NoHostSafety, SafetyLayer
from neurolink.loop.core.build import build_graph, warm_up
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.record import LoopRecorder
from neurolink.loop.core.settings import EngineSettings
from neurolink.loop.core.sinks import DeviceSink
from neurolink.loop.session.config import Config, config_from_dict, config_to_dict
from neurolink.streams.block import Block
from tests.loop.test_engine_support import FS, ScriptedSource, session_estop, small_cortex

PAUSE_AT = 700  # block after which the scripted session pauses
STALE = 25  # blocks after it that arrive 1 s late (a catch-up over them)


class RefusingNull(NullDevice):
    """A null device whose safety layer refuses every ``every``-th command, and that is lost
    at command number ``lost_at``."""

    def __init__(self, layer: SafetyLayer, every: int, lost_at: int | None = None) -> None:
        super().__init__(layer)
        self.every, self.lost_at, self.n = every, lost_at, 0

    def send(self, cmd):  # type: ignore[override]
        self.n += 1
        if self.n == self.lost_at:
            raise DeviceLost("scripted loss", url="null")
        if self.n % self.every == 0:
            raise SafetyError("scripted refusal", limit="scripted")
        return super().send(cmd)


class StaleSource(ScriptedSource):
    """Blocks ``stale_from .. stale_from + STALE`` are stamped 1 s in the past."""

    stale_from: int | None = None

    def read(self, timeout: float = 0.0) -> Block | None:
        blk = super().read(timeout)
        k = self.k - 1
        if blk is not None and self.stale_from is not None and 0 <= k - self.stale_from < STALE:
            return Block(
                blk.data,
                blk.timestamps - 1.0,
                blk.first_index,
                blk.rate,
                blk.channels,
                blk.stream,
                blk.gap,
                blk.n_invalid,
            )
        return blk


class PauseAt:
    """Pauses the engine after block ``n`` (as a decoder fit does); the next blocks are late."""

    name = "pauser"

    def __init__(self, n: int, source: StaleSource) -> None:
        self.n, self.source, self.seen = n, source, 0

    def on_block(self, engine, tick) -> None:
        self.seen += 1
        if self.seen == self.n:
            with engine.pause("scripted pause"):
                self.source.stale_from = self.source.k

    def on_stop(self, engine) -> None:
        pass

    def status(self) -> str:
        return ""

    def summary(self) -> dict[str, Any]:
        return {}


def scripted_config(model: Path) -> Config:
    """filter → CAR → detect → bin → Wiener decode (model file) → SNN → velocity → null sink;
    detect → burst → stim → null sink. The source section is a placeholder: replay reads the
    recording."""
    nodes: list[dict[str, Any]] = [
        {"name": "hp", "kind": "filter", "filter": {"band": [300.0, 6000.0], "order": 2}},
        {"name": "car", "kind": "reref"},
        {"name": "spikes", "kind": "detect", "detect": {"threshold": 4.0, "calibration_s": 0.1}},
        {"name": "counts", "kind": "bin", "bin": {"width_ms": 20.0}},
        {"name": "decoder", "kind": "decode", "decode": {"method": "wiener", "model": str(model)}},
        {"name": "chip", "kind": "snn"},
        {"name": "velocity", "kind": "velocity", "velocity": {"gain": 0.5, "max_speed": 1.0}},
        {
            "name": "bursts",
            "kind": "burst",
            "input": "spikes",
            "burst": {"n_coincident": 3, "leak_ms": 5.0},
        },
        {"name": "trains", "kind": "stim", "stim": {"refractory_ms": 20.0}},
    ]
    data = {
        "session": {"name": "scripted"},
        "source": {"kind": "simulated"},
        "loop": {
            "max_gap_samples": 200,
            "nodes": nodes,
            "sinks": [
                {"name": "arm", "device": "null", "input": "velocity"},
                {"name": "stim", "device": "null", "input": "trains"},
            ],
        },
    }
    return config_from_dict(data, filename="scripted replay test")


def fitted_model(path: Path, channels: tuple[str, ...], seed: int = 0) -> Path:
    """A Wiener filter fitted on random counts (what it decodes does not matter here)."""
    rng = np.random.default_rng(seed)
    X = rng.poisson(2.0, (400, len(channels))).astype(float)
    y = X[:, :2] @ rng.normal(size=(2, 2)) * 0.1 + rng.normal(0, 0.1, (400, 2))
    WienerFilter().fit(X, y, channels=list(channels)).save(path)
    return path


def record_scripted(
    path: Path, *, seconds: float = 1.5, record_raw: bool = True, lost_at: int | None = None
) -> dict:
    """Run the scripted session for ``seconds`` of data, recorded to ``path``; its summary.
    With ``lost_at`` the arm's device is lost at that command (a fault ends the run)."""
    sim = small_cortex(seed=5)
    src = StaleSource(sim, velocity=lambda k: (np.cos(k / 200), np.sin(k / 200)), gap_at=400)
    cfg = scripted_config(fitted_model(path.with_name("wiener.npz"), src.channels))
    parts = build_graph(cfg.loop, channels=src.channels, fs=FS, limits={})
    warm_up(parts.graph, len(src.channels), FS)
    estop = session_estop()
    layer = SafetyLayer(audit=estop.audit, estop=estop, bypass=NoHostSafety("test"))
    sinks = []
    for name, mapper, every, lost in (("arm", "velocity", 7, lost_at), ("stim", "trains", 3, None)):
        dev = RefusingNull(layer, every, lost).open()
        dev.identify()
        dev.arm()
        sinks.append(DeviceSink(name, "null", dev, mapper))
    side = {
        "config": config_to_dict(cfg),
        "source": {"name": src.name, "rate": src.rate},
        "limits": {},
    }
    rec = LoopRecorder(
        path,
        side,
        src.channels,
        FS,
        record_raw=record_raw,
        decoded_dims=("vx", "vy"),
        flush_interval=0.05,  # several flushes in the short run (files cut inside one)
    )
    engine = Engine(
        src,
        parts.graph,
        sinks,
        estop=estop,
        settings=EngineSettings(max_gap_samples=200),
        recorder=rec,
        hooks=[PauseAt(PAUSE_AT, src)],
        status_out=None,
    )
    return engine.run(seconds)
