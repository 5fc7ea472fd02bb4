"""Each crafted file of issue 13 (finding 5) is refused in a child process limited to 3 GB of
address space, within 10 s, with one line that names the file and what is wrong."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from neurolink.decode import load_decoder
from neurolink.decode.errors import ModelFileError
from tests.bounded.crafted import (
    cli,
    deep_json,
    huge_channel_count_xdf,
    model_with_meta,
    run_limited,
    walk_chunks,
    zip_bomb_model,
)
from tests.loop.engine_recording import make_engine_recording

SECONDS = 10.0


def _one_line(text: str) -> str:
    lines = [s for s in text.splitlines() if s.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def _refused(result: dict, error: str, *parts: str) -> str:
    """The child raised ``error`` within the time, with a message holding every part."""
    assert result["type"] == error, result
    assert result["seconds"] < SECONDS
    message = _one_line(result["message"])
    for part in parts:
        assert part in message, message
    return message


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> tuple[Path, bytes]:
    """A real engine recording (XDF + sidecar) and its bytes."""
    path = tmp_path_factory.mktemp("engine") / "session.xdf"
    make_engine_recording(path, duration=1.0)
    return path, path.read_bytes()


# -------------------------------------------------------------------------- XDF headers


def test_an_xdf_declaring_a_billion_channels_is_refused_by_report_and_play(tmp_path) -> None:
    path = tmp_path / "big.xdf"
    path.write_bytes(huge_channel_count_xdf())
    header = walk_chunks(path.read_bytes())[1]
    assert header[1] == 2  # the stream header
    want = f"{path}: corrupt chunk at byte {header[0]}: stream 0 declares channel_count=1000000000"
    r = cli("report", path)
    assert r["code"] == 1 and r["seconds"] < SECONDS
    line = _one_line(r["stderr"])
    assert line.startswith(f"neurolink report: error: {want} (limit 1 to 65536)"), line
    play = run_limited(
        f"from neurolink.streams.files import read_recording\nread_recording({str(path)!r})"
    )
    _refused(play, "FileFormatError", want)


def test_an_xdf_with_a_deeply_nested_header_is_refused(tmp_path) -> None:
    from tests.bounded.crafted import chunk

    xml = b'<?xml version="1.0"?>' + b"<a>" * 100_000 + b"</a>" * 100_000
    path = tmp_path / "deep.xdf"
    path.write_bytes(b"XDF:" + chunk(1, xml))
    r = run_limited(
        f"from neurolink.loop.recording import read_session\nread_session({str(path)!r})"
    )
    _refused(
        r,
        "FileFormatError",
        f"{path}: corrupt chunk at byte 4: the file header is not valid XML (XML nested "
        "deeper than 64 levels)",
    )


# -------------------------------------------------------------------------- models


def test_a_zip_bomb_model_is_refused_before_inflating(tmp_path) -> None:
    meta = {"format": "neurolink.decoder", "format_version": 1, "class": "WienerFilter"}
    path = zip_bomb_model(tmp_path / "bomb.npz", meta, gib=2)
    assert path.stat().st_size < 3 << 20  # about 2 MB on disk, 2 GiB inflated
    r = run_limited(f"from neurolink.decode import load_decoder\nload_decoder({str(path)!r})")
    _refused(
        r,
        "ModelFileError",
        f"{path}: member 'w_.npy' declares 2.0 GiB uncompressed, more than the limit of 1.0 GiB",
    )


def test_deeply_nested_model_metadata_is_refused(tmp_path) -> None:
    path = model_with_meta(tmp_path / "deep.npz", deep_json())
    r = run_limited(f"from neurolink.decode import load_decoder\nload_decoder({str(path)!r})")
    _refused(
        r,
        "ModelFileError",
        f"{path}: metadata: JSON nested 100000 levels deep, more than the limit of 64",
    )


@pytest.mark.parametrize("content", [b"not a zip archive\n" * 20, b"\x93NUMPY\x01\x00"])
def test_a_non_zip_npz_gets_no_pickle_advice(tmp_path, content: bytes) -> None:
    """Neither a model nor a recording ``.npz`` that is not a zip archive mentions pickles."""
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    want = f"{path}: not an .npz archive (an .npz is a zip of .npy arrays)"
    for call, error in (
        ("from neurolink.decode import load_decoder\nload_decoder", "ModelFileError"),
        ("from neurolink.streams.files import read_recording\nread_recording", "FileFormatError"),
    ):
        r = run_limited(f"{call}({str(path)!r})")
        message = _refused(r, error, want)
        assert "pickle" not in message


def test_an_npy_header_larger_than_its_member_is_refused(tmp_path) -> None:
    """A member whose header declares 10**12 rows but holds 8 bytes: refused before numpy
    allocates the declared shape."""
    import zipfile

    from tests.bounded.crafted import _npy

    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("data.npy", _npy((10**12,), "<f8") + bytes(8))
    r = run_limited(
        f"from neurolink.streams.files import read_recording\nread_recording({str(path)!r})"
    )
    _refused(
        r,
        "FileFormatError",
        f"{path}: member 'data': its header declares shape (1000000000000,) of float64 "
        "(8000000000000 bytes) but the member holds 8",
    )


# -------------------------------------------------------------------------- configs


def test_a_toml_array_nested_100000_deep_is_refused(tmp_path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    r = run_limited(
        f"from neurolink.loop.session.config import load_config\nload_config({str(path)!r})"
    )
    _refused(
        r,
        "ConfigError",
        f"{path}: arrays or inline tables nested 100000 levels deep, more than the limit of 32",
    )


# -------------------------------------------------------------------------- recordings


def test_a_deeply_nested_sidecar_is_refused_by_report(recording, tmp_path) -> None:
    _, content = recording
    path = tmp_path / "s.xdf"
    path.write_bytes(content)
    path.with_suffix(".json").write_bytes(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
    r = cli("report", path, "--out", tmp_path / "rep")
    assert r["code"] == 1 and r["seconds"] < SECONDS
    line = _one_line(r["stderr"])
    assert line == (
        f"neurolink report: error: {path.with_suffix('.json')}: JSON nested 100000 levels deep, "
        "more than the limit of 64"
    )


def test_a_sidecar_of_the_wrong_shape_is_refused(recording, tmp_path) -> None:
    _, content = recording
    path = tmp_path / "s.xdf"
    path.write_bytes(content)
    path.with_suffix(".json").write_text(json.dumps({"summary": [1, 2]}))
    r = cli("report", path, "--out", tmp_path / "rep")
    assert r["code"] == 1
    assert _one_line(r["stderr"]).endswith(
        "s.json: sidecar key 'summary' is an array, expected object"
    )


def test_report_on_a_truncated_recording_exits_non_zero_and_says_where(recording, tmp_path):
    src, content = recording
    chunks = walk_chunks(content)
    assert chunks[-1][2] == len(content)
    samples = [c for c in chunks if c[1] == 3]
    start, _, end = samples[len(samples) // 2]
    path = tmp_path / "cut.xdf"
    path.write_bytes(content[: (start + end) // 2])
    path.with_suffix(".json").write_bytes(src.with_suffix(".json").read_bytes())
    r = cli("report", path, "--out", tmp_path / "rep")
    assert r["code"] == 2 and r["seconds"] < SECONDS
    assert _one_line(r["stderr"]).startswith(
        f"neurolink report: {path} is truncated at byte {start}: the file ends inside a chunk"
    )
    assert "report written to" in r["stdout"]
    assert (tmp_path / "rep" / "summary.txt").exists()


def _raw_chunks(content: bytes) -> list[int]:
    """Offsets of the Samples chunks of the stream named 'raw' (float32, 16 channels)."""
    chunks = walk_chunks(content)
    body = [(p, content[p + 1 + content[p] + 2 : e]) for p, _, e in chunks]
    raw_id = next(
        b[:4]
        for (p, b), (_, tag, _) in zip(body, chunks, strict=True)
        if tag == 2 and b"<name>raw</name>" in b
    )
    return [
        p for (p, b), (_, tag, _) in zip(body, chunks, strict=True) if tag == 3 and b[:4] == raw_id
    ]


def _corrupt(content: bytes, how: str) -> tuple[bytes, int, str]:
    """The recording with one chunk damaged: bytes, the chunk's offset, what the reader says."""
    start = _raw_chunks(content)[0]
    data = bytearray(content)
    width = data[start]
    body = start + 1 + width + 2  # after the length field and the tag
    if how == "tag":
        data[start + 1 + width] = 9
        return bytes(data), start, f"corrupt chunk at byte {start}: unknown chunk tag 9"
    cw = data[body + 4]  # bytes of the sample count
    count = int.from_bytes(data[body + 5 : body + 5 + cw], "little")
    if how == "count":  # one sample more than the chunk holds
        data[body + 5 : body + 5 + cw] = (count + 1).to_bytes(cw, "little")
        return bytes(data), start, f"corrupt chunk at byte {start}: declares {count + 1} samples"
    if how == "flag":  # the first sample's time stamp flag
        assert data[body + 5 + cw] == 8
        data[body + 5 + cw] = 7
        return (
            bytes(data),
            start,
            f"corrupt chunk at byte {start}: a sample's time stamp flag is neither 0 nor 8",
        )
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["tag", "count", "flag"])
def test_report_refuses_a_corrupt_recording_naming_the_chunk(recording, tmp_path, how) -> None:
    _, content = recording
    data, _, said = _corrupt(content, how)
    path = tmp_path / "bad.xdf"
    path.write_bytes(data)
    r = cli("report", path, "--out", tmp_path / "rep")
    assert r["code"] == 1 and r["seconds"] < SECONDS
    line = _one_line(r["stderr"])
    assert line.startswith(f"neurolink report: error: {path}: {said}"), line


def test_a_corrupt_sample_value_chunk_is_not_mistaken_for_truncation(recording) -> None:
    """The file up to the damaged chunk is not read as a shorter recording (pyxdf alone logs
    and skips to the next boundary)."""
    from neurolink.errors import FileFormatError
    from neurolink.loop.recording import read_session

    src, content = recording
    data, start, _ = _corrupt(content, "count")
    bad = src.with_name("count.xdf")
    bad.write_bytes(data)
    with pytest.raises(FileFormatError, match=f"corrupt chunk at byte {start}"):
        read_session(bad)


def test_a_model_with_an_encrypted_member_is_refused(tmp_path) -> None:
    # found by the fuzzer: a flipped flag bit made zipfile ask for a password (RuntimeError)
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    path = tmp_path / "locked.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("w_.npy", buf.getvalue())
    raw = bytearray(path.read_bytes())
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # general-purpose flags, bit 0
        i = raw.index(sig)
        raw[i + at] |= 0x1
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match=r"member 'w_.npy' is encrypted; refused"):
        load_decoder(path)
