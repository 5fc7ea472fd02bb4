"""Property: whatever bytes reach the parsers of outside data, only their documented error
types escape (FileFormatError for recordings and sidecars, ModelFileError for model files,
ConfigError for TOML configs); never RecursionError, MemoryError, KeyError, struct.error…"""

from __future__ import annotations

import json
import logging
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurolink.decode import WienerFilter
from neurolink.decode.errors import ModelFileError
from neurolink.decode.persist import read_model_file
from neurolink.errors import ConfigError, FileFormatError
from neurolink.loop.recording import SessionRecorder, read_session
from neurolink.loop.recording.sidecar import read_sidecar
from neurolink.loop.session.config import parse_config
from tests.bounded.crafted import chunk

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class _Clock:
    t = 0.0

    def __call__(self) -> float:
        return self.t


def _small_recording(folder: Path) -> bytes:
    """A closed recording with a float32, an int16 and a string stream, several flushes."""
    clock = _Clock()
    path = folder / "small.xdf"
    rec = SessionRecorder(path, {"config": {"k": 1}}, clock=clock, boundary_interval=0.5)
    f = rec.add_stream("f", "EEG", ["a", "b"], 100.0, "float32", "fuzz-f")
    i = rec.add_stream("i", "Misc", ["c"], 50.0, "int16", "fuzz-i")
    m = rec.add_stream("m", "Markers", ["label"], 0.0, "string", "fuzz-m")
    for k in range(6):
        rec.write(f, np.full((5, 2), k, np.float32), np.arange(5) / 100 + k)
        rec.write(i, np.full((3, 1), k, np.int16), np.arange(3) / 50 + k)
        rec.write_markers(m, [f"m{k}"], [k + 0.5])
        clock.t += 0.3
        rec.flush()
    rec.close()
    return path.read_bytes()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> bytes:
    logging.getLogger("pyxdf").setLevel(logging.CRITICAL)
    return _small_recording(tmp_path_factory.mktemp("fuzz"))


def _read(content: bytes, sidecar: bytes | None = None) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.xdf"
        path.write_bytes(content)
        if sidecar is not None:
            path.with_suffix(".json").write_bytes(sidecar)
        try:
            read_session(path)
        except FileFormatError as exc:
            assert "\n" not in str(exc) and str(path.with_suffix("")) in str(exc)


edit = st.tuples(st.integers(0, 10**6), st.integers(0, 255), st.sampled_from(["set", "ins", "del"]))


def mutated(content: bytes, edits: list[tuple[int, int, str]], cut: int | None) -> bytes:
    """``content`` with each ``(position, byte, set|ins|del)`` edit applied, then cut short."""
    data = bytearray(content)
    for pos, value, how in edits:
        at = pos % len(data)
        if how == "set":
            data[at] = value
        elif how == "ins":
            data.insert(at, value)
        else:
            del data[at]
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    return bytes(data)


@FUZZ
@given(edits=st.lists(edit, min_size=1, max_size=6), cut=st.none() | st.integers(0, 10**6))
def test_a_mutated_recording_reads_or_is_refused(small, edits, cut) -> None:
    _read(mutated(small, edits, cut))


xml_text = st.text(st.sampled_from("<>/=\"' abcinfo0123456789.-e"), max_size=60)
header_fields = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["s", ""]),
        "channel_count": st.sampled_from(["1", "2", "0", "-1", "1000000000", "1e9", "x", " 3 "]),
        "channel_format": st.sampled_from(
            ["float32", "double64", "int8", "int16", "int32", "int64", "string", "bogus"]
        ),
        "nominal_srate": st.sampled_from(["100", "0", "nan", "-5", "inf", "fast"]),
    }
)


def _stream_header(sid: int, fields: dict[str, str], extra: str) -> bytes:
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if v != "")
    return chunk(2, struct.pack("<I", sid) + f"<info>{inner}{extra}</info>".encode())


samples = st.tuples(
    st.integers(0, 3),  # stream id
    st.sampled_from([b"\x01", b"\x04", b"\x08", b"\x02"]),  # sample count width
    st.integers(0, 2**32 - 1),  # sample count
    st.binary(max_size=80),  # whatever follows
)


@FUZZ
@given(
    headers=st.lists(st.tuples(st.integers(0, 3), header_fields, xml_text), max_size=3),
    chunks=st.lists(samples, max_size=4),
    tail=st.binary(max_size=40),
)
def test_crafted_chunks_read_or_are_refused(headers, chunks, tail) -> None:
    data = b"XDF:" + chunk(1, b"<info><version>1.0</version></info>")
    for sid, fields, extra in headers:
        data += _stream_header(sid, fields, extra)
    for sid, width, count, rest in chunks:
        n = count & {b"\x01": 0xFF, b"\x04": 0xFFFFFFFF, b"\x08": 2**64 - 1}.get(width, 0xFF)
        size = {b"\x01": "<B", b"\x04": "<I", b"\x08": "<Q"}.get(width, "<B")
        data += chunk(3, struct.pack("<I", sid) + width + struct.pack(size, n) + rest)
    _read(data + tail)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
sidecar_keys = st.sampled_from(
    ["format", "status", "summary", "config", "streams", "limits", "source", "versions", "x"]
)


@FUZZ
@given(
    doc=st.dictionaries(sidecar_keys, json_values, max_size=5) | json_values,
    raw=st.none() | st.binary(max_size=60),
    depth=st.integers(0, 3000),
)
def test_the_sidecar_reader_returns_a_dict_or_refuses(small, doc, raw, depth) -> None:
    text = raw if raw is not None else ("[" * depth + json.dumps(doc) + "]" * depth).encode()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.xdf"
        path.with_suffix(".json").write_bytes(text)
        try:
            side = read_sidecar(path)
        except FileFormatError as exc:
            assert "\n" not in str(exc)
        else:
            assert isinstance(side, dict)
    _read(small, text)


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory) -> bytes:
    rng = np.random.default_rng(0)
    X = rng.poisson(2.0, (100, 3)).astype(float)
    path = tmp_path_factory.mktemp("model") / "w.npz"
    WienerFilter().fit(X, X[:, :2]).save(path)
    return path.read_bytes()


def _model(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.npz"
        path.write_bytes(content)
        try:
            read_model_file(path, None, None)
        except ModelFileError as exc:
            assert "\n" not in str(exc)


@FUZZ
@given(edits=st.lists(edit, min_size=1, max_size=4), cut=st.none() | st.integers(0, 10**6))
def test_a_mutated_model_file_reads_or_is_refused(model_bytes, edits, cut) -> None:
    _model(mutated(model_bytes, edits, cut))


@FUZZ
@given(
    meta=json_values | st.dictionaries(sidecar_keys, json_values),
    fields=st.dictionaries(
        st.sampled_from(["params", "attrs", "tuples", "arrays", "class"]), json_values
    ),
    arrays=st.dictionaries(
        st.sampled_from(["coef_", "__meta__", "x"]),
        st.sampled_from([np.zeros(3), np.arange(4, dtype=np.int8), np.array("s")]),
    ),
)
def test_any_model_metadata_reads_or_is_refused(meta, fields, arrays) -> None:
    if isinstance(meta, dict):
        meta = {"format": "neurolink.decoder", "format_version": 1, **meta, **fields}
    blob = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.npz"
        np.savez(path, **{**arrays, "__meta__": blob})
        _model(path.read_bytes())


toml_text = st.lists(
    st.sampled_from(list("[]{}=,.\"'#\n abc123_-+:")) | st.sampled_from(["loop", "source", '"""']),
    max_size=120,
).map("".join)


@FUZZ
@given(text=toml_text, depth=st.integers(0, 2000))
def test_any_toml_config_loads_or_is_refused(text, depth) -> None:
    for doc in (text, f"x = {'[' * depth}1{']' * depth}\n" + text):
        try:
            parse_config(doc, "fuzz.toml")
        except ConfigError as exc:
            assert "fuzz.toml" in str(exc)
