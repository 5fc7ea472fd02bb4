"""Every session has its audit log on disk (issue 13 §7): a demo-like session on the emulated
prosthesis and stimulator leaves ``<recording stem>.audit.jsonl`` with one record per command
the engine gave a sink (accepted with its ACK/NACK, or refused), its path in the summary; paths
are resolved and refused in system directories."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from neurolink.cli.demo import demo_config
from neurolink.errors import ConfigError
from neurolink.hal.safety import AuditLog, Outcome
from neurolink.loop.session.files import check_place, plan_files
from neurolink.loop.session.run import Session


def test_demo_session_leaves_one_audit_record_per_command(center_out_run) -> None:
    _, summary, recording = center_out_run  # prosthesis and stimulator, recorded
    assert summary["stop_reason"] == "duration", (summary["why"], summary["faults"])
    path = recording.with_suffix(".audit.jsonl")
    assert summary["audit"]["path"] == str(path) == summary["paths"]["audit"]
    assert summary["paths"]["recording"] == str(recording)
    recs = AuditLog.read(path)
    assert [r.index for r in recs] == list(range(len(recs)))
    assert len(recs) >= summary["audit"]["records"] > 0
    # the engine's commands carry their origin; lifecycle stops and e-stops do not
    mine = [r for r in recs if r.command is not None and r.command.get("origin") is not None]
    accepted = [r for r in mine if r.outcome is Outcome.ACCEPTED]
    refused = [r for r in mine if r.outcome is Outcome.REFUSED]
    sinks = list(summary["sinks"].values())
    assert {s["kind"] for s in sinks} == {"prosthesis", "stimulator"}
    n_sent = sum(s["sent"] for s in sinks)
    assert n_sent >= summary["commands"]["sent"] > 100
    assert len(accepted) == n_sent
    assert len(refused) == sum(s["refused"] + s["blocked"] for s in sinks)
    replies = {r.ref: r for r in recs if r.outcome in (Outcome.ACK, Outcome.NACK)}
    assert all(r.index in replies for r in accepted)  # every command written has its reply
    assert sum(replies[r.index].outcome is Outcome.ACK for r in accepted) == sum(
        s["acked"] for s in sinks
    )
    assert all(r.reason for r in refused)


def test_unrecorded_session_audits_under_the_recording_directory(tmp_path: Path) -> None:
    cfg = demo_config(duration=1.0, calibration=0.5)
    rc = dataclasses.replace(cfg.loop.recording, enabled=False, directory=tmp_path / "out")
    cfg = dataclasses.replace(cfg, loop=dataclasses.replace(cfg.loop, recording=rc))
    files = plan_files(cfg, None, stamp="20250101-000000")
    assert files.recording is None
    assert files.audit == (tmp_path / "out" / f"{cfg.session.name}-20250101-000000.audit.jsonl")
    rec = plan_files(cfg, tmp_path / "x" / ".." / "r.xdf").audit
    assert rec == tmp_path / "r.audit.jsonl"  # resolved, beside the recording


@pytest.mark.parametrize("bad", ["/etc/neurolink", "/proc/self", "/usr/share/x.npz", "/dev"])
def test_system_directories_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"^`loop.recording.directory` = .* inside the system"):
        check_place(Path(bad), "loop.recording.directory")


def test_a_link_into_a_system_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").symlink_to("/etc")
    with pytest.raises(ConfigError, match=r"resolves to '/etc"):
        check_place(tmp_path / "out" / "rec", "recording")
    assert check_place(tmp_path / "a" / ".." / "b", "recording") == tmp_path / "b"


def test_session_refuses_a_recording_directory_in_a_system_directory(tmp_path: Path) -> None:
    cfg = demo_config(duration=1.0, calibration=0.5)
    rc = dataclasses.replace(cfg.loop.recording, directory=Path("/sys/kernel"))
    cfg = dataclasses.replace(cfg, loop=dataclasses.replace(cfg.loop, recording=rc))
    with pytest.raises(ConfigError, match="inside the system directory /sys"):
        Session(cfg, status_out=None).run()
