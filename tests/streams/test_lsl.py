"""LSL inlets and discovery against real LSL outlets on this machine.

Every stream has a name and source id unique to the test. Producers push with explicit
timestamps ``t0 + i / rate`` and channel 0 carries the sample index, so any received block can be
located in what was sent. Waits are on conditions with generous deadlines, never on sleeps.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from neurolink.clock import now
from neurolink.errors import (
    SourceError,
    StreamMismatchError,
    StreamNotFoundError,
    StreamStalledError,
    TimestampError,
)
from neurolink.streams.block import Block
from neurolink.streams.discovery import StreamSummary, list_streams, resolve_stream
from neurolink.streams.events import MARKER_DTYPE
from neurolink.streams.lsl_outlet import BlockOutlet, MarkerOutlet
from neurolink.streams.lsl_source import LSLMarkerSource, LSLSource
from neurolink.streams.source import Source

DEADLINE = 20.0  # s: generous bound for conditions that normally hold within milliseconds


def indexed(n: int, n_channels: int, start: int = 0) -> np.ndarray:
    """Samples ``start..start+n``: channel 0 = sample index, channel c = index % 1000 + c."""
    idx = np.arange(start, start + n, dtype=np.float32)
    data = (idx % 1000)[:, None] + np.arange(n_channels, dtype=np.float32)[None, :]
    data[:, 0] = idx
    return np.ascontiguousarray(data, dtype=np.float32)


def make_outlet(name: str, n_channels: int, rate: float) -> BlockOutlet:
    labels = [f"C{i}" for i in range(n_channels)]
    return BlockOutlet(name, "EEG", labels, rate, source_id=name)


def open_source(outlet: BlockOutlet, src: LSLSource) -> LSLSource:
    """Open ``src`` and wait until the outlet sees it, so no pushed sample is missed."""
    src.open()
    assert outlet.wait_for_consumers(DEADLINE)
    return src


def read_samples(
    src: LSLSource, n: int, producer_errors: list[BaseException] | None = None
) -> list[Block]:
    """Read blocks until ``n`` samples arrived (fails after DEADLINE s or on a producer error)."""
    blocks: list[Block] = []
    got, stop = 0, time.monotonic() + DEADLINE
    while got < n:
        assert not producer_errors, f"producer failed: {producer_errors!r}"
        assert time.monotonic() < stop, f"only {got} of {n} samples within {DEADLINE} s"
        block = src.read(timeout=0.1)
        if block is not None:
            blocks.append(block)
            got += block.n_samples
    assert got == n, f"received {got} samples, {n} were sent"
    return blocks


def check_located(blocks: list[Block]) -> None:
    """Every block's first_index agrees with its index channel and is contiguous inside."""
    for b in blocks:
        assert b.data.dtype == np.float32 and b.data.flags.c_contiguous
        assert b.timestamps.dtype == np.float64
        assert b.first_index == int(b.data[0, 0])
        assert np.array_equal(b.data[:, 0], np.arange(b.first_index, b.stop_index))


def test_one_khz_64_channels_for_5_s_arrives_complete_and_in_order(unique_name: str) -> None:
    rate, n_ch, n = 1000.0, 64, 5_000
    sent = indexed(n, n_ch)
    with make_outlet(unique_name, n_ch, rate) as outlet:
        src = LSLSource(
            unique_name,
            source_id=unique_name,
            expected_channels=n_ch,
            expected_rate=rate,
            clock_interval=1.0,
        )
        with open_source(outlet, src):
            t0 = now()
            stamps = t0 + np.arange(n) / rate
            errors: list[BaseException] = []

            def produce() -> None:  # pushes every due sample, roughly 1 ms at a time
                try:
                    pushed = 0
                    while pushed < n:
                        due = min(n, int((now() - t0) * rate) + 1)
                        if due > pushed:
                            outlet.push(sent[pushed:due], stamps[pushed:due])
                            pushed = due
                        time.sleep(0.001)
                except BaseException as exc:  # handed to the test thread, which raises it
                    errors.append(exc)

            producer = threading.Thread(target=produce, daemon=True)
            producer.start()
            blocks = read_samples(src, n, errors)
            producer.join(DEADLINE)
            assert not errors, errors
            assert src.channels == tuple(f"C{i}" for i in range(n_ch))
            assert len(src.clock_history) >= 2  # re-measured every second during 5 s
    check_located(blocks)
    got = np.concatenate([b.data for b in blocks])
    assert np.array_equal(got, sent)  # nothing lost, duplicated or reordered
    assert all(b.gap == 0 and b.n_invalid == 0 for b in blocks)
    assert blocks[0].first_index == 0
    assert src.stats.n_samples == n and src.stats.n_gaps == 0 and src.stats.gap_samples == 0
    # Same host: the clock correction is microseconds, so host times equal the pushed ones.
    assert np.allclose(np.concatenate([b.timestamps for b in blocks]), stamps, rtol=0, atol=1e-3)


@pytest.mark.parametrize("one_chunk", [True, False], ids=["one-chunk", "pushed-around-gaps"])
def test_skipped_samples_are_a_gap_of_exactly_their_number(
    unique_name: str, one_chunk: bool
) -> None:
    rate, n_ch = 500.0, 4
    keep = np.ones(2000, dtype=bool)
    keep[1000:1037] = False  # 37 samples never sent
    keep[1500:1505] = False  # 5 more
    sent = indexed(2000, n_ch)[keep]
    with make_outlet(unique_name, n_ch, rate) as outlet:
        with open_source(outlet, LSLSource(source_id=unique_name)) as src:
            stamps = now() + np.arange(2000)[keep] / rate
            pieces = (
                [slice(0, sent.shape[0])]
                if one_chunk
                else [slice(0, 1000), slice(1000, 1463), slice(1463, sent.shape[0])]
            )
            for sl in pieces:
                outlet.push(sent[sl], stamps[sl])
            blocks = read_samples(src, sent.shape[0])
    check_located(blocks)
    assert [(b.first_index, b.gap) for b in blocks if b.gap] == [(1037, 37), (1505, 5)]
    assert (src.stats.n_gaps, src.stats.gap_samples) == (2, 42)
    assert np.array_equal(np.concatenate([b.data for b in blocks]), sent)


def test_read_does_not_wait_for_a_full_chunk(unique_name: str) -> None:
    with make_outlet(unique_name, 8, 1000.0) as outlet:
        with open_source(outlet, LSLSource(source_id=unique_name, max_samples=4096)) as src:
            outlet.push(indexed(5, 8), now() + np.arange(5) / 1000.0)
            stop = time.monotonic() + DEADLINE
            while src.samples_available() < 5:  # wait until all 5 are queued in the inlet
                assert time.monotonic() < stop
                time.sleep(0.01)
            t = time.perf_counter()
            block = src.read(timeout=0.5)  # a full chunk would be 4096 samples
            took = time.perf_counter() - t
            assert block is not None and block.n_samples == 5 and src.samples_available() == 0
            assert took < 0.25, f"read took {took:.3f} s with 5 samples queued"
            t = time.perf_counter()
            assert src.read(timeout=0.3) is None  # nothing queued: waits the timeout, then None
            assert time.perf_counter() - t >= 0.29


def test_stream_that_never_appears_raises_not_found_quickly(unique_name: str) -> None:
    src = LSLSource(unique_name, source_id=unique_name, resolve_timeout=0.3)
    t = time.perf_counter()
    with pytest.raises(StreamNotFoundError, match=rf"name='{unique_name}'.*0\.3 s"):
        src.open()
    assert time.perf_counter() - t < 5.0
    assert not src.is_open
    with pytest.raises(StreamNotFoundError, match=r"type='NoSuchType-"):
        resolve_stream(type=f"NoSuchType-{unique_name}", timeout=0.2)


@pytest.mark.parametrize(
    ("kwargs", "numbers"),
    [
        ({"expected_channels": 16}, ("8 channels", "expected 16")),
        ({"expected_rate": 500.0}, ("250 Hz", "expected 500 Hz")),
    ],
    ids=["channels", "rate"],
)
def test_mismatched_stream_is_refused(
    unique_name: str, kwargs: dict[str, float], numbers: tuple[str, str]
) -> None:
    with make_outlet(unique_name, 8, 250.0):
        src = LSLSource(source_id=unique_name, **kwargs)  # type: ignore[arg-type]
        with pytest.raises(StreamMismatchError) as info:
            src.open()
    assert unique_name in str(info.value) and all(x in str(info.value) for x in numbers)
    assert not src.is_open


def test_marker_and_continuous_sources_refuse_each_others_streams(unique_name: str) -> None:
    with MarkerOutlet(unique_name + "-m", source_id=unique_name + "-m"):
        with pytest.raises(StreamMismatchError, match=r"string values.*LSLMarkerSource"):
            LSLSource(source_id=unique_name + "-m").open()
    with make_outlet(unique_name, 2, 100.0):
        with pytest.raises(StreamMismatchError, match=r"regular \(100 Hz\)"):
            LSLMarkerSource(source_id=unique_name).open()


def test_nan_and_inf_are_flagged_and_counted(unique_name: str) -> None:
    sent = indexed(100, 4)
    sent[10, 2] = np.nan
    sent[50, 1] = np.inf
    sent[51, 3] = -np.inf
    with make_outlet(unique_name, 4, 250.0) as outlet:
        with open_source(outlet, LSLSource(source_id=unique_name)) as src:
            outlet.push(sent, now() + np.arange(100) / 250.0)
            blocks = read_samples(src, 100)
    assert sum(b.n_invalid for b in blocks) == 3 == src.stats.n_invalid
    assert all(
        b.has_invalid == bool(np.isnan(b.data).any() | np.isinf(b.data).any()) for b in blocks
    )
    assert np.array_equal(np.concatenate([b.data for b in blocks]), sent, equal_nan=True)


def test_backwards_timestamps_raise_after_the_good_samples(unique_name: str) -> None:
    t0 = now()
    stamps = np.concatenate([t0 + np.arange(100) / 250.0, t0 - 1.0 + np.arange(100) / 250.0])
    with make_outlet(unique_name, 2, 250.0) as outlet:
        with open_source(outlet, LSLSource(source_id=unique_name)) as src:
            outlet.push(indexed(200, 2), stamps)
            blocks = read_samples(src, 100)  # everything before the step back is delivered
            with pytest.raises(TimestampError, match=rf"{unique_name}.*backwards from") as info:
                for _ in range(100):
                    src.read(timeout=0.1)
    assert f"{stamps[99]:.6f} s to {stamps[100]:.6f} s" in str(info.value)
    check_located(blocks)


def test_silent_stream_raises_stalled(unique_name: str) -> None:
    with make_outlet(unique_name, 2, 250.0) as outlet:
        src = LSLSource(source_id=unique_name, stall_timeout=1.0)
        with open_source(outlet, src):
            outlet.push(indexed(10, 2), now() + np.arange(10) / 250.0)
            read_samples(src, 10)
            t = time.monotonic()
            with pytest.raises(StreamStalledError, match=rf"{unique_name}.*no sample for \d"):
                while time.monotonic() - t < DEADLINE:
                    src.read(timeout=0.1)
            assert time.monotonic() - t >= 0.9


def test_markers_arrive_with_labels_and_timestamps(unique_name: str) -> None:
    labels = ["trial-start", "cue left", "go", "trial-end"]
    with MarkerOutlet(unique_name, source_id=unique_name) as outlet:
        with LSLMarkerSource(source_id=unique_name) as src:
            assert outlet.wait_for_consumers(DEADLINE)
            assert isinstance(src, Source) and src.rate == 0.0 and src.read(timeout=1.0) is None
            stamps = now() + np.arange(4) * 0.25
            for label, ts in zip(labels, stamps, strict=True):
                outlet.push(label, ts)
            got, stop = [], time.monotonic() + DEADLINE
            while sum(len(m) for m in got) < 4 and time.monotonic() < stop:
                got.append(src.read_markers(timeout=0.1))
    markers = np.concatenate(got)
    assert markers.dtype == MARKER_DTYPE
    assert markers["label"].tolist() == labels
    assert np.allclose(markers["timestamp"], stamps, rtol=0, atol=1e-3)
    assert (markers["sample_index"] == -1).all() and src.stats.n_markers == 4


def test_irregular_numeric_stream_has_no_gaps(unique_name: str) -> None:
    stamps = now() + np.array([0.0, 0.001, 0.5, 0.51, 3.0])
    with make_outlet(unique_name, 3, 0.0) as outlet:
        with open_source(outlet, LSLSource(source_id=unique_name)) as src:
            outlet.push(indexed(5, 3), stamps)
            blocks = read_samples(src, 5)
    check_located(blocks)
    assert all(b.rate == 0.0 and b.gap == 0 for b in blocks) and src.stats.n_gaps == 0


def test_lifecycle_and_context_manager_always_close(unique_name: str) -> None:
    src = LSLSource(source_id=unique_name, resolve_timeout=0.2)  # stores parameters only
    assert isinstance(src, Source) and not src.is_open
    with pytest.raises(SourceError, match="not open"):
        src.read()
    with pytest.raises(ValueError, match="at least one of name, type, source_id"):
        LSLSource()
    with make_outlet(unique_name, 2, 100.0):
        with pytest.raises(RuntimeError, match="boom"):
            with src:
                assert src.is_open and src.name == unique_name and src.rate == 100.0
                raise RuntimeError("boom")
    assert not src.is_open
    src.close()  # idempotent
    assert src.read_markers().dtype == MARKER_DTYPE


def test_list_streams_shows_a_visible_outlet(unique_name: str) -> None:
    found: list[StreamSummary] = []
    with make_outlet(unique_name, 3, 200.0):
        stop = time.monotonic() + DEADLINE
        while not found and time.monotonic() < stop:
            found = [s for s in list_streams(0.5) if s.source_id == unique_name]
    assert len(found) == 1
    s = found[0]
    assert (s.name, s.type, s.n_channels, s.rate, s.channel_format) == (
        unique_name,
        "EEG",
        3,
        200.0,
        "float32",
    )
    assert s.as_dict()["source_id"] == unique_name
