"""A cold board compiles its chip kernels before it answers anyone (issue 14).

Real parts: ``python -m devices.neuroboard`` on a pty with an empty numba cache of its own
(``NUMBA_CACHE_DIR``). numba writes a kernel to the cache when it compiles it, so the cache tells
what was compiled when: everything before the board printed its port (and answered HELLO), and
nothing while it runs a real network afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from firmware_sim.golden import network_from_golden
from neurolink.hal import wire
from tests.devices.conftest import Start


def _compiled(cache: Path) -> set[str]:
    """Names of the cached kernel files (index and data) under ``cache``."""
    return {p.name for p in cache.rglob("*") if p.suffix in (".nbi", ".nbc")}


def test_a_cold_board_compiles_before_hello_and_nothing_while_stepping(
    start_device: Start, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "numba-cache"
    cache.mkdir()
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(cache))
    _, c = start_device("devices.neuroboard")  # HELLO and AUTH answered
    before = _compiled(cache)
    # the neuron update, the synapse fan-out and the core step are cached already
    for kernel in ("_lif_kernel", "_sum_fan_out_lists", "core."):
        assert any(kernel in name for name in before), (kernel, sorted(before))

    config = json.loads((shared_data / "golden/loihi/random1.json").read_text())["config"]
    doc = json.dumps(network_from_golden(config)).encode("utf-8")
    for chunk in wire.NeuroLoad.split(doc, wire.MAX_LOAD_CHUNK):
        assert isinstance(c.command(chunk), wire.Ack)
    raster = np.asarray(config["input"])
    for k in range(raster.shape[0]):
        active = np.flatnonzero(raster[k]).tolist()
        c.ack(wire.NeuroStep(1, [(0, active)] if active else []))
    c.command(wire.NeuroReadCounters())
    assert _compiled(cache) == before  # nothing compiled after HELLO
