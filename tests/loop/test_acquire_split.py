"""The acquire stage split in two on a real LSL run: the simulated subject streams from its own
process, the engine reads it through an LSL inlet and drives the emulated stimulator (ACKs
collected off the engine thread). Every command's and block's ``acquire_age`` and
``acquire_wait`` are non-negative and add up to its ``acquire``; the summary, its printed
figure lines and the report of the recording carry both parts."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.loop.core.build import warm_up
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.figures import parse_figure_lines
from neurolink.loop.core.latency import ACQUIRE_PARTS, STAGES
from neurolink.loop.core.record import LoopRecorder
from neurolink.loop.core.sinks import DeviceSink, open_device
from neurolink.loop.core.status import format_summary
from neurolink.loop.recording import read_session
from neurolink.loop.report.stats import latency_stats
from tests.loop.test_engine_support import FS, session_estop, spike_graph

N_CHANNELS = 16


@pytest.mark.subject(seed=4, channels=N_CHANNELS, units=20)
def test_acquire_parts_are_recorded_and_add_up_on_a_real_lsl_run(simulated_subject, tmp_path):
    estop = session_estop()
    # compile first: an armed device's heartbeats must not wait behind numba (cold cache)
    graph = spike_graph(N_CHANNELS, stim=True, n_coincident=2)
    warm_up(graph, N_CHANNELS, FS)
    dev, emu = open_device("stimulator", "emulate", estop=estop, audit=estop.audit)
    sink = DeviceSink("stim", "stimulator", dev, "trains", emulator=emu)
    assert sink.posted  # the loop's default: ACKs off the engine thread
    try:
        with simulated_subject.source() as src:
            assert src.rate == FS
            rec = LoopRecorder(tmp_path / "s.xdf", {"test": True}, src.channels, FS)
            eng = Engine(src, graph, [sink], estop=estop, recorder=rec, status_out=None)
            summary = eng.run(2.0)
    finally:
        sink.close()
    assert summary["stop_reason"] == "duration", summary["why"]
    age, wait = (STAGES.index(p) for p in ACQUIRE_PARTS)
    acquire = STAGES.index("acquire")
    for table, first in ((eng.book.commands, 3), (eng.book.blocks, 2)):
        d = table.data
        assert d.shape[0] > 0
        parts = d[:, first + age], d[:, first + wait]
        assert np.all(parts[0] > 0) and np.all(parts[1] >= 0)  # a pull takes time
        np.testing.assert_allclose(parts[0] + parts[1], d[:, first + acquire], atol=1e-12)
    n = eng.n_commands
    assert n > 0 and sink.stats.acked == n == summary["sinks"]["stim"]["acked"]

    stages = summary["latency"]["commands"]["stages"]
    assert stages["acquire_age"]["n"] == stages["acquire_wait"]["n"] == n
    cmds = eng.book.commands.data
    assert stages["acquire_wait"]["median_ms"] == pytest.approx(
        np.median(cmds[:, 3 + wait]) * 1e3, abs=1e-4
    )
    lines = parse_figure_lines(format_summary(summary))
    values = lines["median stage latency over commands, closed loop"]
    assert "acquire_age " in values and "acquire_wait " in values

    s = read_session(tmp_path / "s.xdf")
    lat = s["latencies"]
    assert list(lat.channels) == ["total", *STAGES]
    assert lat.data.shape[0] == n  # every command recorded, with its reply
    np.testing.assert_allclose(
        lat.data[:, 1 + age] + lat.data[:, 1 + wait], lat.data[:, 1 + acquire], atol=1e-12
    )
    report = latency_stats(lat, None)
    for part in ACQUIRE_PARTS:
        assert report.stage_medians[part] == pytest.approx(stages[part]["median_ms"] / 1e3, 1e-3)
    acks = s["acks"].records()
    assert len(acks) == n and all(a["status"] == "OK" and a["acked"] for a in acks)
