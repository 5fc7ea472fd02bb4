"""Replay of a scripted session: every recorded output reproduced from the samples and the
recorded decisions (a gap, a pause caught up over stale blocks, refused commands), a changed
config compared, a recording without raw samples refused with a message, the CLI."""

from __future__ import annotations

import dataclasses
import json
import shutil
import struct

import numpy as np
import pytest

from neurolink.cli import main
from neurolink.loop.recording import read_session
from neurolink.loop.replay.compare import recorded_commands
from neurolink.loop.replay.run import ReplayError, format_replay, replay, replay_run
from neurolink.loop.replay.source import load_run
from neurolink.loop.session.config import config_from_dict, config_to_dict
from tests.loop.test_replay_support import record_scripted


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    path = tmp_path_factory.mktemp("replay") / "scripted.xdf"
    return path, record_scripted(path)


def test_a_scripted_run_is_reproduced_exactly(scripted) -> None:
    path, live = scripted
    result = replay(path)
    assert result.same_config and result.identical, format_replay(result.summary)
    streams = result.streams
    for name in ("events", "decoded", "snn_spikes", "commands", "unsent"):
        assert streams[name].recorded == streams[name].replayed > 0, name
    # Every field of every command, in order, and the refusals the mappers rolled back from.
    run = load_run(path)
    assert result.commands == [{**c} for c in recorded_commands(run)]
    assert streams["unsent"].recorded == sum(s["refused"] for s in live["sinks"].values())
    assert result.summary["held_while_catching_up"] == {
        "live": live["commands"]["held_while_catching_up"],
        "replay": live["commands"]["held_while_catching_up"],
    }
    assert live["commands"]["held_while_catching_up"] > 0
    eng = result.summary["engine"]
    assert eng["commands"]["sent"] == live["commands"]["sent"]
    assert eng["source"]["samples_lost"] == live["source"]["samples_lost"] == 90
    assert eng["pauses"] == {"recorded": 1, "replayed": 1}
    # Decoded values by sample index: each row's index is its chunk's newest sample.
    d = result.decoded
    assert d.values.shape == (streams["decoded"].replayed, 2)
    assert all(run.time_of(int(i)) == t for i, t in zip(d.index, d.t, strict=True))
    rec = read_session(path)
    np.testing.assert_array_equal(d.values, rec["decoded"].data)
    np.testing.assert_array_equal(d.t, rec["decoded"].timestamps)


def rechunk(blocks: np.ndarray, n: int) -> np.ndarray:
    """The same samples (and gaps) in blocks of ``n`` samples."""
    out, k = [], 0
    while k < len(blocks):
        first, size, gap = (int(v) for v in blocks[k])
        k += 1
        while k < len(blocks) and blocks[k, 2] == 0:  # one contiguous segment
            size += int(blocks[k, 1])
            k += 1
        for a in range(0, size, n):
            out.append((first + a, min(n, size - a), gap if a == 0 else 0))
    return np.array(out, np.int64)


def test_block_boundaries_matter_for_commands_not_for_detection(scripted) -> None:
    """Detection and binning do not depend on where blocks end; the mappers emit at block
    ends (by sample index), so the commands do: a replay needs the recorded boundaries."""
    path, _ = scripted
    run = load_run(path)
    assert len(set(run.blocks[:, 1].tolist())) == 1  # the live blocks were 30 samples
    other = replay_run(dataclasses.replace(run, blocks=rechunk(run.blocks, 47)))
    # the same spikes (index, channel, amplitude, unit); only their time stamps, computed from
    # the newest sample of the block, move with the boundaries
    np.testing.assert_array_equal(other.spikes, run.session["events"].data)
    assert other.streams["events"].only_recorded == other.streams["events"].only_replayed == 0
    assert not other.streams["commands"].identical
    assert replay_run(dataclasses.replace(run, blocks=rechunk(run.blocks, 30))).identical


def test_a_changed_config_runs_and_reports_what_differs(scripted) -> None:
    path, _ = scripted
    data = config_to_dict(load_run(path).config)
    for node in data["loop"]["nodes"]:
        if node["name"] == "spikes":
            node["detect"]["threshold"] = 5.0
        if node["name"] == "trains":
            node["stim"]["refractory_ms"] = 60.0
    result = replay(path, config_from_dict(data))
    assert not result.same_config and not result.identical
    assert result.changes == [
        "loop.nodes.spikes.detect.threshold: 4.0 -> 5.0",
        "loop.nodes.trains.stim.refractory_ms: 20.0 -> 60.0",
    ]
    ev = result.streams["events"]
    assert ev.only_recorded > 0 and ev.replayed < ev.recorded  # a higher threshold
    assert result.streams["commands"].differ + result.streams["commands"].only_recorded > 0
    text = format_replay(result.summary)
    assert "config: changed: loop.nodes.spikes.detect.threshold: 4.0 -> 5.0" in text
    assert "largest change of a commanded velocity" in text


def test_a_recording_without_raw_samples_says_what_is_missing(tmp_path, capsys) -> None:
    path = tmp_path / "noraw.xdf"
    record_scripted(path, seconds=0.3, record_raw=False)
    with pytest.raises(ReplayError, match=r"raw samples \(stream 'raw'\) are not in it"):
        replay(path)
    assert main(["replay", str(path)]) == 1
    err = capsys.readouterr().err
    # the recorder was told not to record them; its config (raw = true) is not blamed
    assert "cannot replay" in err and "the session did not record them" in err
    assert "it was told not to record them" in err and "raw = false" not in err
    assert "lists the streams it wrote: " in err and "raw = true` to replay" in err


def test_the_cli_prints_the_comparison_and_writes_json_and_a_replay_recording(
    scripted, tmp_path, capsys
) -> None:
    path, _ = scripted
    js, out = tmp_path / "s.json", tmp_path / "replayed.xdf"
    assert main(["replay", str(path), "--summary-json", str(js), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "config: as recorded" in text and "outputs and commands: identical" in text
    summary = json.loads(js.read_text())
    assert summary["identical"] and summary["streams"]["commands"]["identical"]
    live, again = read_session(path), read_session(out)
    np.testing.assert_array_equal(again["decoded"].data, live["decoded"].data)
    np.testing.assert_array_equal(again["events"].data, live["events"].data)
    assert again.sidecar["replay_of"] == str(path)
    assert [c[0] for c in again["commands"].data] == [c[0] for c in live["commands"].data]


def samples_chunks(path) -> list[tuple[int, int, int]]:
    """``(start, end, stream id)`` of every Samples chunk of an XDF file."""
    data, pos, out = path.read_bytes(), 4, []
    while pos < len(data):
        width = {1: "<B", 4: "<I", 8: "<Q"}[data[pos]]
        (length,) = struct.unpack_from(width, data, pos + 1)
        head = pos + 1 + struct.calcsize(width)
        tag, end = struct.unpack_from("<H", data, head)[0], head + length
        if tag == 3:
            out.append((pos, end, struct.unpack_from("<I", data, head + 2)[0]))
        pos = end
    return out


def test_a_file_cut_inside_any_chunk_replays_up_to_its_last_flushed_chunk(scripted, tmp_path):
    """What a SIGKILL leaves: the file ends inside a chunk (any stream's) of a flush, the
    sidecar says it was still recording. Every cut replays identical up to the window."""
    path, _ = scripted
    chunks = samples_chunks(path)
    data, side = path.read_bytes(), json.loads(path.with_suffix(".json").read_text())
    side["status"], side["summary"] = "recording", {}
    # a flush writes one chunk per stream, 'blocks' first: cut inside a middle flush's
    # chunks of loop events, raw, events, decoded, network spikes and commands
    starts = [k for k, c in enumerate(chunks) if c[2] == 1] + [len(chunks)]
    assert len(starts) >= 4
    mid = len(starts) // 2
    flush = chunks[starts[mid] : starts[mid + 1]]
    picks = [c for c in flush if c[2] in (2, 4, 5, 6, 7, 8)]
    assert len(picks) == 6
    for k, (start, end, sid) in enumerate(picks):
        cut = tmp_path / f"cut{k}.xdf"
        cut.write_bytes(data[: (start + end) // 2])
        cut.with_suffix(".json").write_text(json.dumps(side))
        result = replay(cut)
        s = result.summary
        assert not s["complete"] and s["compared_until_s"] > 0.1, (k, sid)
        assert result.identical, (k, sid, format_replay(s))
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_run_ended_by_a_lost_device_replays_up_to_the_chunk_of_the_loss(tmp_path) -> None:
    path = tmp_path / "lost.xdf"
    live = record_scripted(path, seconds=1.5, lost_at=30)
    assert [f["kind"] for f in live["faults"]] == ["device_lost"]
    lost_at = live["faults"][0]["sample_index"]
    result = replay(path)
    assert result.identical, format_replay(result.summary)
    assert result.summary["complete"]
    assert load_run(path).last_index == lost_at  # up to the end of the chunk of the loss
    assert result.streams["commands"].recorded == live["commands"]["sent"] > 20
