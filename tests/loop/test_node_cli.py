"""``neurolink node`` as a process: SIGTERM ends it cleanly (its reader gets ``END``, the
summary says why), and a selection that cannot run alone is refused before anything opens."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import numpy as np

from neurolink.cli import main
from neurolink.loop.core.ports import Port
from neurolink.loop.stages.inlet import PortInlet
from neurolink.sim.streamer import CortexStreamer
from tests.loop.test_engine_support import small_cortex

CONFIG = """
[source]
kind = "simulated"

[[loop.nodes]]
name = "highpass"
kind = "filter"

[[loop.nodes]]
name = "spikes"
kind = "detect"
detect.calibration_s = 0.1

[[loop.nodes]]
name = "counts"
kind = "bin"

[[loop.nodes]]
name = "decoder"
kind = "decode"
decode.method = "wiener"

[[loop.nodes]]
name = "velocity"
kind = "velocity"

[[loop.sinks]]
name = "arm"
device = "prosthesis"
input = "velocity"

[loop.task]
"""


def test_sigterm_ends_the_stage_and_its_reader_gets_the_end(tmp_path, unique_name) -> None:
    cfg = tmp_path / "node.toml"
    cfg.write_text(CONFIG)
    out, summary = f"{unique_name}-events", tmp_path / "s.json"
    cmd = [sys.executable, "-m", "neurolink.cli", "node", str(cfg), "--stage", "highpass,spikes"]
    cmd += ["--input", unique_name, "--output", out, "--summary-json", str(summary), "--quiet"]
    with CortexStreamer(small_cortex(1), unique_name, publish_truth=False, listen_control=False):
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            inlet = PortInlet(out, port=Port.EVENTS, node="spikes", resolve_timeout=30.0)
            inlet.open()
            edges, spikes, deadline = [], 0, time.monotonic() + 30
            while len(edges) < 1000 and time.monotonic() < deadline:
                m = inlet.read(0.05)
                if m is not None:
                    edges.append(m.value.complete_until)
                    spikes += m.value.spikes.shape[0]
            proc.send_signal(signal.SIGTERM)
            while not inlet.ended and time.monotonic() < deadline:
                inlet.read(0.05)
            inlet.close()
            printed = proc.communicate(timeout=30)[0]
        finally:
            if proc.poll() is None:
                proc.kill()
    assert inlet.ended and proc.returncode == 143, printed
    assert len(edges) == 1000 and spikes > 0 and np.all(np.diff(edges) >= 0)
    s = json.loads(summary.read_text())
    assert (s["stop_reason"], s["why"]) == ("signal", "SIGTERM received")
    assert s["output"]["port"] == "events" and s["latency_ms"]["n"] >= 1000
    assert "node spikes (highpass, spikes): signal" in printed


def test_a_stage_with_a_mapper_is_refused_before_anything_opens(tmp_path, capsys) -> None:
    cfg = tmp_path / "node.toml"
    cfg.write_text(CONFIG)
    argv = ["node", str(cfg), "--stage", "velocity", "--input", "x", "--output", "y"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "node 'velocity' (velocity) makes device commands" in err
