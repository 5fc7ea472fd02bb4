"""A closed-loop demo run shared by the tests that each read one: it is real time (20 s of
data), so it runs once per test process instead of once per module that looks at it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from neurolink.cli.demo import demo_config
from neurolink.loop.session.run import Session
from tests.loop.test_demo_e2e import GAIN, TASK


@pytest.fixture(scope="session")
def center_out_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Session, dict[str, Any], Path]:
    """The demo's center-out task (20 s, 8 s calibration, seed 3) on the emulated prosthesis,
    with the emulated stimulator beside it and the burst detector's network on the emulated
    neuromorphic board, recorded (and audited) at ``<tmp>/e2e.xdf``: ``(session, summary,
    path)``, after a clean end. Every sink with the default ACK handling."""
    path = tmp_path_factory.mktemp("center_out") / "e2e.xdf"
    cfg = demo_config(
        duration=20.0, calibration=8.0, seed=3, gain=GAIN, task=TASK, stim=True, neuroboard=True
    )
    session = Session(cfg, status_out=None, recording=path)
    summary = session.run()
    assert summary["stop_reason"] == "duration" and not summary["faults"], summary["faults"]
    return session, summary, path
