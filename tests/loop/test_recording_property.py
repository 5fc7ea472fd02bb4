"""Property: any chunk sizes and interleavings of writes to several streams read back exactly."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
import pyxdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurolink.loop.recording import SessionRecorder
from neurolink.loop.recording.clocks import StreamClock

# (name, fmt, n_channels, rate)
STREAMS = [
    ("f32", "float32", 3, 1000.0),
    ("f64", "double64", 1, 0.0),
    ("i32", "int32", 2, 250.0),
    ("txt", "string", 2, 0.0),
]
SPECIAL = np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45, 3.4e38])


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _numeric(rng: np.random.Generator, fmt: str, n: int, c: int) -> np.ndarray:
    if fmt == "int32":
        info = np.iinfo(np.int32)
        return rng.integers(info.min, info.max, size=(n, c), dtype=np.int32, endpoint=True)
    data = rng.standard_normal((n, c)) * 10.0 ** rng.integers(-30, 30)
    mask = rng.random((n, c)) < 0.1
    data[mask] = rng.choice(SPECIAL, size=int(mask.sum()))
    return data.astype(np.float32 if fmt == "float32" else np.float64)


def _load(path: Path) -> dict[str, dict]:
    streams, _ = pyxdf.load_xdf(str(path), synchronize_clocks=False, dejitter_timestamps=False)
    return {s["info"]["name"][0]: s for s in streams}


def _check(got: dict[str, dict], written: dict[str, list], stamps: dict[str, list]) -> None:
    for name, fmt, c, _ in STREAMS:
        s = got[name]
        ts = np.concatenate(stamps[name]) if stamps[name] else np.zeros(0)
        assert np.array_equal(s["time_stamps"], ts)
        if fmt == "string":
            assert [list(r) for r in s["time_series"]] == [list(r) for r in written[name]]
        else:
            want = np.concatenate(written[name]) if written[name] else np.zeros((0, c))
            assert s["time_series"].shape == want.shape
            if len(want):
                np.testing.assert_array_equal(s["time_series"], want)
                assert s["time_series"].dtype == want.dtype


op = st.tuples(
    st.integers(0, len(STREAMS) - 1),  # which stream
    st.integers(0, 40) | st.integers(41, 300),  # samples in this write
    st.sampled_from(["none", "none", "tick", "flush", "offset"]),  # what happens after it
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    ops=st.lists(op, max_size=30),
    seed=st.integers(0, 2**32 - 1),
    text=st.lists(st.text(max_size=12), min_size=80, max_size=80),
    check_at=st.integers(0, 30),
)
def test_interleaved_writes_read_back_exactly(
    ops: list[tuple[int, int, str]], seed: int, text: list[str], check_at: int
) -> None:
    rng = np.random.default_rng(seed)
    clock = Clock()
    written: dict[str, list] = {name: [] for name, *_ in STREAMS}
    stamps: dict[str, list] = {name: [] for name, *_ in STREAMS}
    t = {name: 1e5 * rng.random() for name, *_ in STREAMS}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.xdf"
        rec = SessionRecorder(path, flush_interval=0.5, boundary_interval=1.0, clock=clock)
        clocks = [StreamClock.PRODUCER if j % 2 else StreamClock.HOST for j in range(len(STREAMS))]
        handles = [
            rec.add_stream(n, "T", c, r, f, f"src-{n}", clock=clocks[j])
            for j, (n, f, c, r) in enumerate(STREAMS)
        ]
        for k, (i, n, after) in enumerate(ops):
            name, fmt, c, _ = STREAMS[i]
            ts = t[name] + np.cumsum(rng.uniform(1e-6, 1.0, n))
            t[name] = float(ts[-1]) if n else t[name]
            if fmt == "string":
                rows = [[text[(j * c + ch) % len(text)] for ch in range(c)] for j in range(n)]
                rec.write(handles[i], rows, ts)
                written[name].extend(rows)
            else:
                data = _numeric(rng, fmt, n, c)
                rec.write(handles[i], data, ts)
                written[name].append(data)
            stamps[name].append(ts)
            if after == "tick":
                clock.t += 0.3  # every other tick flushes; boundaries now and then
            elif after == "flush":
                rec.flush()
            elif after == "offset" and clocks[i] is StreamClock.PRODUCER:
                rec.clock_offset(handles[i], clock.t, 0.0)
            elif after == "offset":
                with pytest.raises(ValueError, match="host clock"):
                    rec.clock_offset(handles[i], clock.t, 0.0)
            if k == check_at:  # mid-session, the file up to the last flush is readable
                rec.flush()
                _check(_load(path), written, stamps)
        rec.close()
        got = _load(path)
        _check(got, written, stamps)
        for name, *_ in STREAMS:
            n_total = sum(len(ts) for ts in stamps[name])
            assert int(got[name]["footer"]["info"]["sample_count"][0]) == n_total
