"""A device FAULT that does not latch (the prosthesis stops a stale command on its own) reaches
the run's summary and the report of its recording: counted by sink, code and phase."""

from __future__ import annotations

from pathlib import Path

from neurolink.hal.commands import ProsthesisCommand
from neurolink.hal.safety import NoHostSafety
from neurolink.loop.core.engine import Engine
from neurolink.loop.core.figures import parse_figure_lines
from neurolink.loop.core.record import LoopRecorder
from neurolink.loop.core.sinks import DeviceSink, open_device
from neurolink.loop.core.status import format_summary
from neurolink.loop.report import make_report
from tests.loop.engine_recording import PacedSource
from tests.loop.test_engine_support import FS, session_estop, small_cortex, spike_graph

KEY = "device faults (not latching) over FAULT reports, closed loop"


class OneMotion:
    """Sends one velocity straight to the arm at the first block, then nothing: the device's
    stale-command stop (200 ms) ends the motion and reports FAULT STALE_COMMAND."""

    name = "motion"

    def __init__(self, arm) -> None:
        self.arm, self.sent = arm, False

    def on_block(self, engine, tick) -> None:
        if not self.sent:
            self.arm.velocity(ProsthesisCommand((0.3, 0.0)))
            self.sent = True

    def on_stop(self, engine) -> None:
        pass

    def status(self) -> str:
        return ""

    def summary(self) -> dict:
        return {"sent": self.sent}


def test_a_stale_command_stop_is_counted_in_the_summary_and_the_report(tmp_path: Path) -> None:
    estop = session_estop()
    bypass = NoHostSafety("test: no host stale stop, the device must stop the motion itself")
    arm, emu = open_device(
        "prosthesis",
        "emulate",
        estop=estop,
        audit=estop.audit,
        profile="prosthesis_cursor",
        options={"bypass": bypass},
    )
    # the arm takes the commands of a burst detector that never fires (no 1000 coincident)
    sink = DeviceSink("arm", "prosthesis", arm, "trains", emulator=emu)
    path = tmp_path / "stale.xdf"
    try:
        src = PacedSource(small_cortex(seed=2, n_channels=16))
        rec = LoopRecorder(path, {"config": {}}, src.channels, FS)
        graph = spike_graph(16, stim=True, n_coincident=1000)
        eng = Engine(src, graph, [sink], estop=estop, recorder=rec, hooks=[OneMotion(arm)])
        eng.status.out = None
        summary = eng.run(0.8)
    finally:
        sink.close()
    assert summary["stop_reason"] == "duration" and not summary["faults"]
    assert not summary["estop"]["tripped"]  # STALE_COMMAND does not latch
    assert summary["device_faults"] == {"closed_loop": {"arm": {"STALE_COMMAND": 1}}}
    assert summary["sinks"]["arm"]["device_faults"] == {"STALE_COMMAND": 1}
    printed = parse_figure_lines(format_summary(summary))
    reported = parse_figure_lines(make_report(path, tmp_path / "report").text)
    assert printed[KEY] == reported[KEY] == "arm STALE_COMMAND 1"
