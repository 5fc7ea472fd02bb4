"""Replay of damaged recordings says what the file shows: "truncated at byte N", "corrupt
chunk at byte N", altered samples or other versions; never `raw = false` or "a replay bug" as
a fact without evidence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neurolink.cli.main import main
from neurolink.loop.replay.run import replay
from neurolink.loop.replay.source import ReplayError
from tests.bounded.crafted import cli, walk_chunks
from tests.loop.test_replay_support import record_scripted


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    path = tmp_path_factory.mktemp("damage") / "scripted.xdf"
    record_scripted(path)
    return path


def _stream_chunks(content: bytes, name: str) -> list[tuple[int, int]]:
    """(offset, end) of the Samples chunks of the stream ``name``, by the specification."""
    chunks = walk_chunks(content)

    def body(p: int, e: int) -> bytes:
        return content[p + 1 + content[p] + 2 : e]

    sid = next(
        body(p, e)[:4]
        for p, t, e in chunks
        if t == 2 and f"<name>{name}</name>".encode() in body(p, e)
    )
    return [(p, e) for p, t, e in chunks if t == 3 and body(p, e)[:4] == sid]


def _copy(src, dst, content: bytes, side: dict | None = None):
    dst.write_bytes(content)
    text = json.dumps(side) if side is not None else src.with_suffix(".json").read_text()
    dst.with_suffix(".json").write_text(text)
    return dst


def test_a_truncated_recording_replays_and_says_where_it_ends(scripted, tmp_path, capsys) -> None:
    content = scripted.read_bytes()
    start, end = _stream_chunks(content, "raw")[2]
    side = json.loads(scripted.with_suffix(".json").read_text())
    side["status"] = "recording"
    cut = _copy(scripted, tmp_path / "cut.xdf", content[: (start + end) // 2], side)
    assert main(["replay", str(cut)]) == 0
    out = capsys.readouterr().out
    assert f"the recording is truncated at byte {start}: the file ends inside a chunk" in out
    assert "replay bug" not in out and "outputs and commands: identical" in out


def test_a_file_cut_before_its_first_raw_chunk_is_not_blamed_on_the_config(scripted, tmp_path):
    content = scripted.read_bytes()
    start, _ = _stream_chunks(content, "raw")[0]
    cut = _copy(scripted, tmp_path / "early.xdf", content[: start + 5])
    with pytest.raises(ReplayError) as ei:
        replay(cut)
    message = str(ei.value)
    assert f"the file is truncated at byte {start}" in message
    assert "cannot replay: no complete block of raw samples" in message
    assert "raw = false" not in message


def test_a_corrupt_recording_is_refused_naming_the_chunk(scripted, tmp_path) -> None:
    content = bytearray(scripted.read_bytes())
    start, _ = _stream_chunks(bytes(content), "raw")[1]
    content[start + 1 + content[start]] = 9  # the tag
    bad = _copy(scripted, tmp_path / "bad.xdf", bytes(content))
    r = cli("replay", bad)
    assert r["code"] == 1 and r["seconds"] < 10
    lines = [s for s in r["stderr"].splitlines() if s.strip()]
    assert lines == [
        f"neurolink replay: error: {bad}: corrupt chunk at byte {start}: unknown chunk tag 9"
    ]


def _altered(content: bytes) -> bytes:
    """Every sample of the second raw chunk set to -500 µV on all channels (no longer what the
    session saw): the structure stays valid."""
    data = bytearray(content)
    start, end = _stream_chunks(content, "raw")[1]
    body = start + 1 + data[start] + 2
    cw = data[body + 4]
    n = int.from_bytes(data[body + 5 : body + 5 + cw], "little")
    first = body + 5 + cw
    record = (end - first) // n
    values = np.full((record - 9) // 4, -500.0, "<f4").tobytes()
    for k in range(n):
        at = first + k * record
        assert data[at] == 8
        data[at + 9 : at + record] = values
    return bytes(data)


def test_altered_samples_are_not_called_a_replay_bug(scripted, tmp_path) -> None:
    changed = _copy(scripted, tmp_path / "altered.xdf", _altered(scripted.read_bytes()))
    result = replay(changed)
    assert not result.identical
    from neurolink.loop.replay.run import format_replay

    text = format_replay(result.summary)
    assert "outputs and commands: NOT REPRODUCED; the file reads intact" in text
    assert "cannot be told apart from a replay bug" in text
    assert "(a replay bug: please report)" not in text


def test_other_versions_are_named_when_outputs_differ(scripted, tmp_path) -> None:
    side = json.loads(scripted.with_suffix(".json").read_text())
    side["versions"]["numpy"] = "0.0.1"
    changed = _copy(scripted, tmp_path / "v.xdf", _altered(scripted.read_bytes()), side)
    result = replay(changed)
    from neurolink.loop.replay.run import format_replay

    text = format_replay(result.summary)
    assert (
        "NOT REPRODUCED; the replay runs other versions than the recording: numpy 0.0.1 -> " in text
    )
