"""Crafted hostile files, a chunk walker written from the XDF specification, and a runner that
parses in a child process under a 3 GB address-space limit; no tests."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path
from typing import Any

import numpy as np

#: Address-space limit of the child process (bytes).
LIMIT_AS = 3 << 30

_CHILD = textwrap.dedent(
    """
    import contextlib, io, json, resource, sys, time, traceback
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    out, err = io.StringIO(), io.StringIO()
    result = {{"type": None, "message": None, "code": None}}
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
    {body}
        except BaseException as exc:
            result["type"] = type(exc).__name__
            result["message"] = str(exc)
            traceback.print_exc()
    result["seconds"] = time.perf_counter() - t0
    result["stdout"], result["stderr"] = out.getvalue(), err.getvalue()
    print(json.dumps(result))
    """
)


def run_limited(body: str, timeout: float = 120.0) -> dict[str, Any]:
    """Run ``body`` (statements; may set ``result["code"]``) in a child under ``RLIMIT_AS``.

    Returns ``type`` and ``message`` of an exception that escaped (None if none), ``code``,
    ``seconds`` (time of ``body`` alone), and what it printed (``stdout``, ``stderr``).
    """
    code = _CHILD.format(limit=LIMIT_AS, body=textwrap.indent(textwrap.dedent(body), " " * 8))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cli(*args: str) -> dict[str, Any]:
    """``neurolink ARGS`` in a limited child: exit code, stdout, stderr, seconds."""
    return run_limited(
        f"from neurolink.cli.main import main\nresult['code'] = main({list(map(str, args))!r})"
    )


# ---------------------------------------------------------------------------------- XDF


def chunk(tag: int, content: bytes) -> bytes:
    """One XDF chunk: length field (1 or 4 bytes), tag, content (XDF 1.0 specification)."""
    n = len(content) + 2
    size = bytes((1, n)) if n < 256 else b"\x04" + struct.pack("<I", n)
    return size + struct.pack("<H", tag) + content


def walk_chunks(data: bytes) -> list[tuple[int, int, int]]:
    """``(offset, tag, end)`` of each complete chunk of an XDF file, by the specification."""
    out, pos = [], 4
    while pos < len(data):
        width = data[pos]
        length = int.from_bytes(data[pos + 1 : pos + 1 + width], "little")
        end = pos + 1 + width + length
        if end > len(data):
            break
        out.append((pos, int.from_bytes(data[pos + 1 + width : pos + 3 + width], "little"), end))
        pos = end
    return out


def huge_channel_count_xdf() -> bytes:
    """A 306-byte XDF file whose stream header declares ``channel_count`` = 10**9, and one
    Samples chunk of that stream."""
    head = chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
    samples = chunk(3, struct.pack("<I", 0) + b"\x01\x01" + b"\x08" + struct.pack("<d", 1.0))

    def stream(pad: int) -> bytes:
        xml = (
            '<?xml version="1.0"?><info><name>big</name><type>EEG</type>'
            "<channel_count>1000000000</channel_count><channel_format>float32</channel_format>"
            f"<nominal_srate>1000</nominal_srate><source_id>{'x' * pad}</source_id></info>"
        )
        return chunk(2, struct.pack("<I", 0) + xml.encode())

    base = len(b"XDF:" + head + stream(0) + samples)
    data = b"XDF:" + head + stream(306 - base) + samples
    assert len(data) == 306
    return data


# ---------------------------------------------------------------------------------- npz


def _zeros_crc_map(n: int) -> tuple[int, list[int]]:
    """``zlib.crc32(bytes(n), c)`` as an affine map of ``c``: (image of 0, image of each bit)."""
    z = bytes(n)
    const = zlib.crc32(z, 0)
    return const, [zlib.crc32(z, 1 << i) ^ const for i in range(32)]


def _apply(m: tuple[int, list[int]], c: int) -> int:
    r = m[0]
    for i in range(32):
        if c >> i & 1:
            r ^= m[1][i]
    return r


def _twice(m: tuple[int, list[int]]) -> tuple[int, list[int]]:
    const = _apply(m, m[0])
    return const, [_apply(m, col) ^ m[0] for col in m[1]]


def _zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip archive of (name, stored bytes, method, crc, uncompressed size) members."""
    local, central, pos = b"", b"", 0
    for name, data, method, crc, size in members:
        fields = (20, 0, method, 0, 0x21, crc, len(data), size, len(name), 0)
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name.encode()
        central += (
            struct.pack("<IH", 0x02014B50, 20)
            + struct.pack("<HHHHHIIIHHHHHII", *fields, 0, 0, 0, 0, pos)
            + name.encode()
        )
        local += header + data
        pos += len(header) + len(data)
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), pos, 0
    )
    return local + central + end


def _npy(shape: tuple[int, ...], dtype: str) -> bytes:
    """The header of an ``.npy`` file (version 1.0) for ``shape`` and ``dtype``."""
    text = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape!r}, }}"
    pad = 64 - (10 + len(text) + 1) % 64
    return (
        b"\x93NUMPY\x01\x00"
        + struct.pack("<H", len(text) + pad + 1)
        + text.encode()
        + b" " * pad
        + b"\n"
    )


def zip_bomb_model(path: Path, meta: dict[str, Any], gib: int = 2) -> Path:
    """A model ``.npz`` of about 2 MB whose array ``w_`` inflates to ``gib`` GiB of zeros (a
    genuine deflate stream with the right CRC, made without inflating it here)."""
    segment = 16 << 20
    count = (gib << 30) // segment
    blob = json.dumps(meta).encode()
    meta_member = _npy((len(blob),), "|u1") + blob
    header = _npy(((gib << 30) // 8,), "<f8")
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(header) + co.flush(zlib.Z_FULL_FLUSH)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = co.compress(bytes(segment)) + co.flush(zlib.Z_FULL_FLUSH)
    stream = first + zeros * count + b"\x03\x00"  # an empty final fixed-Huffman block
    step = _zeros_crc_map(1 << 20)
    for _ in range((segment * count).bit_length() - 21):
        step = _twice(step)
    crc = _apply(step, zlib.crc32(header))
    path.write_bytes(
        _zip(
            [
                ("__meta__.npy", meta_member, 0, zlib.crc32(meta_member), len(meta_member)),
                ("w_.npy", stream, 8, crc, len(header) + segment * count),
            ]
        )
    )
    return path


def deep_json(depth: int = 100_000) -> bytes:
    """A JSON array nested ``depth`` levels deep."""
    return b"[" * depth + b"]" * depth


def model_with_meta(path: Path, meta_bytes: bytes) -> Path:
    """An ``.npz`` whose ``__meta__`` record holds ``meta_bytes``."""
    np.savez(path, __meta__=np.frombuffer(meta_bytes, np.uint8))
    return path
