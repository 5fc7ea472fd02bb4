"""BrainFlowSource and BrainFlow playback against the real BrainFlow library (no mocks).

The synthetic board and the playback-file board run in-process. Tests wait on conditions with
generous deadlines; played-back files carry the sample index in their first EEG channel so every
received sample can be located in the source.
"""

from __future__ import annotations

import itertools
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from brainflow.board_shim import BoardIds, BoardShim
from hypothesis import given
from hypothesis import strategies as st

from neurolink.clock import now
from neurolink.errors import (
    BoardNotFoundError,
    ConfigError,
    FileFormatError,
    SourceError,
    StreamStalledError,
)
from neurolink.loop.session.config import parse_config
from neurolink.streams.block import Block
from neurolink.streams.brainflow_file import (
    PlaybackSource,
    read_brainflow_file,
    write_brainflow_file,
)
from neurolink.streams.brainflow_source import (
    BrainFlowSource,
    make_input_params,
    marker_label,
    missing_packages,
    select_channels,
)
from neurolink.streams.factory import source_from_config
from neurolink.streams.source import Source

SYN = int(BoardIds.SYNTHETIC_BOARD)
PLAYBACK = int(BoardIds.PLAYBACK_FILE_BOARD)
DESCR = BoardShim.get_board_descr(SYN)
RATE = BoardShim.get_sampling_rate(SYN)
EEG_ROWS = DESCR["eeg_channels"]
DEADLINE = 15.0  # seconds; generous upper bound for any condition we wait on


def assert_released(board_id: int, fields: dict[str, object]) -> None:
    """No session with this board id and params remains in BrainFlow's registry."""
    assert not BoardShim(board_id, make_input_params(fields)).is_prepared()


def recording(n: int, *, package: np.ndarray | None = None) -> np.ndarray:
    """Synthetic-board rows (num_rows, n): EEG 0 = sample index, others a rounded sine."""
    data = np.zeros((DESCR["num_rows"], n))
    idx = np.arange(n)
    data[EEG_ROWS[0]] = idx
    for k, row in enumerate(EEG_ROWS[1:], start=1):
        data[row] = np.round(50.0 * np.sin(idx / 10.0 + k), 6)
    data[DESCR["package_num_channel"]] = idx % 256 if package is None else package
    data[DESCR["timestamp_channel"]] = time.time() - 1000.0 + idx / RATE
    return data


def read_until(src: BrainFlowSource, done, deadline: float = DEADLINE) -> list[Block]:
    """Read blocks until ``done(blocks)`` holds; fail after ``deadline`` seconds."""
    blocks: list[Block] = []
    t_end = now() + deadline
    while not done(blocks):
        assert now() < t_end, f"condition not met within {deadline} s ({len(blocks)} blocks)"
        block = src.read(timeout=0.2)
        if block is not None:
            blocks.append(block)
    return blocks


def played(src: PlaybackSource) -> list[Block]:
    return read_until(src, lambda _: src.exhausted)


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    return tmp_path / f"rec-{uuid.uuid4().hex[:8]}.csv"


def test_synthetic_rate_channels_timestamps_and_release() -> None:
    with BrainFlowSource("synthetic") as src:
        assert isinstance(src, Source)
        shim = src.shim
        blocks = read_until(src, lambda b: b and b[-1].timestamps[-1] - b[0].timestamps[0] >= 2.0)
        t_read = now()
        offsets = src.clock.as_records()
    assert src.shim is None and shim is not None and not shim.is_prepared()
    fresh = BoardShim(SYN, make_input_params({}))  # the board is free again
    fresh.prepare_session()
    fresh.release_session()

    assert src.channels == tuple(DESCR["eeg_names"].split(","))
    assert src.rate == RATE
    for prev, block in itertools.pairwise(blocks):
        assert block.first_index == prev.stop_index and block.gap == 0
    assert blocks[0].first_index == 0
    assert all(b.data.dtype == np.float32 and b.data.flags.c_contiguous for b in blocks)
    assert all(b.data.shape[1] == len(EEG_ROWS) for b in blocks)
    ts = np.concatenate([b.timestamps for b in blocks])
    assert np.all(np.diff(ts) >= 0)
    assert abs(ts[-1] - t_read) < 1.0  # host clock, not epoch
    measured = (ts.size - 1) / (ts[-1] - ts[0])
    assert abs(measured - RATE) / RATE < 0.10
    assert src.stats.n_samples == ts.size and src.stats.n_gaps == 0
    assert offsets and {"host_time", "offset", "uncertainty"} <= set(offsets[0])


@pytest.mark.parametrize("exc_type", [RuntimeError, KeyboardInterrupt])
def test_session_released_when_with_block_raises(exc_type: type[BaseException]) -> None:
    src = BrainFlowSource("synthetic")
    with pytest.raises(exc_type), src:
        read_until(src, lambda b: len(b) > 0)
        raise exc_type("boom")
    assert src.shim is None
    assert_released(SYN, {})
    src.close()  # idempotent


def test_open_fails_on_missing_serial_port() -> None:
    port = f"/dev/nl-no-such-port-{uuid.uuid4().hex[:6]}"
    src = BrainFlowSource("cyton", serial_port=port)
    with pytest.raises(SourceError, match="cyton") as info:
        src.open()
    assert port in str(info.value) and "\n" not in str(info.value)
    assert src.shim is None
    assert_released(int(BoardIds.CYTON_BOARD), {"serial_port": port})


def test_failure_after_prepare_releases_session(csv: Path) -> None:
    write_brainflow_file(csv, recording(10), "synthetic")
    fields = {"file": str(csv), "master_board": SYN}
    src = BrainFlowSource("playback_file", fields, config=("set_index_percentage:200",))
    with pytest.raises(SourceError, match="playback_file"):
        src.open()
    assert_released(PLAYBACK, fields)


def test_markers_from_synthetic_board() -> None:
    with BrainFlowSource("synthetic") as src:
        first = read_until(src, lambda b: len(b) > 0)
        src.insert_marker(3)
        src.insert_marker(3.5)
        events: list[np.ndarray] = []
        blocks = read_until(
            src,
            lambda b: events.append(src.read_markers()) or sum(e.size for e in events) >= 2,
        )
    markers = np.concatenate(events)
    assert sorted(markers["label"]) == ["3", "3.5"]
    all_blocks = first + blocks
    lo, hi = all_blocks[0].first_index, all_blocks[-1].stop_index
    assert np.all((markers["sample_index"] >= lo) & (markers["sample_index"] < hi))
    ts = np.concatenate([b.timestamps for b in all_blocks])
    assert np.allclose(ts[markers["sample_index"] - lo], markers["timestamp"])
    assert src.stats.n_markers == 2


def test_playback_reproduces_values_order_markers_and_invalid(csv: Path) -> None:
    n = 250
    data = recording(n)
    data[EEG_ROWS[1], 10] = np.nan
    data[DESCR["marker_channel"], [50, 120]] = [7.0, 2.5]
    write_brainflow_file(csv, data, "synthetic")
    with PlaybackSource(csv, "synthetic", stall_timeout=0.5) as src:
        blocks = played(src)
        markers = src.read_markers()
        assert src.read(timeout=1.0) is None  # end of file is not a stall
    got = np.concatenate([b.data for b in blocks])
    want = data[EEG_ROWS].T.astype(np.float32)
    np.testing.assert_array_equal(got, want)  # NaN == NaN here; float32 of the 6-decimal text
    assert [b.first_index for b in blocks] == [0, *np.cumsum([b.n_samples for b in blocks])[:-1]]
    assert sum(b.n_invalid for b in blocks) == 1 == src.stats.n_invalid
    assert list(markers["label"]) == ["7", "2.5"] and list(markers["sample_index"]) == [50, 120]
    ts = np.concatenate([b.timestamps for b in blocks])
    assert abs(ts[-1] - now()) < 5.0  # stamped at replay (new_timestamps), on the host clock


def playback_config(csv: Path, preset: str = "default"):
    """A ``[source.brainflow]`` playback section naming ``csv`` relative to its folder."""
    kind = "eeg" if preset == "default" else "accel"  # the synthetic board's presets
    text = f"""\
[source]
kind = "brainflow"
[source.brainflow]
board = "playback_file"
master_board = "synthetic"
file = "{csv.name}"
preset = "{preset}"
channel_types = ["{kind}"]
stall_timeout = 0.5
"""
    return parse_config(text, base_dir=csv.parent).source


def test_playback_config_delivers_the_file_markers_and_ends(csv: Path) -> None:
    data = recording(200)
    data[DESCR["marker_channel"], [30, 150]] = [1.0, 2.0]  # the cues
    write_brainflow_file(csv, data, "synthetic")
    with source_from_config(playback_config(csv)) as src:
        blocks = read_until(src, lambda b: sum(x.n_samples for x in b) >= 200)
        markers = src.read_markers()  # BrainFlow's playback board itself drops them
        assert src.read(timeout=1.0) is None  # the end of the file, not a stall
        assert src.exhausted
    assert sum(b.n_samples for b in blocks) == 200
    assert list(markers["label"]) == ["1", "2"] and list(markers["sample_index"]) == [30, 150]


def test_playback_config_of_another_preset_is_a_plain_board(csv: Path) -> None:
    src = source_from_config(playback_config(csv, preset="auxiliary"))
    assert type(src) is BrainFlowSource  # PlaybackSource replays the default preset only


def test_playback_gap_detection_across_counter_wrap(csv: Path) -> None:
    n = 300
    idx = np.arange(n)
    skipped = np.where(idx >= 100, 5, 0) + np.where(idx >= 248, 3, 0)  # 252 → 0 skips 253..255
    data = recording(n, package=(idx + skipped) % 256)
    write_brainflow_file(csv, data, "synthetic")
    with PlaybackSource(csv, "synthetic") as src:
        blocks = played(src)
    gaps = [(b.first_index, b.gap) for b in blocks if b.gap]
    assert gaps == [(105, 5), (256, 3)]
    assert (src.stats.n_gaps, src.stats.gap_samples) == (2, 8)
    for b in blocks:  # first_index − file position == samples dropped so far
        assert b.first_index - int(b.data[0, 0]) == skipped[int(b.data[0, 0])]


def test_playback_original_timestamps(csv: Path) -> None:
    data = recording(60)
    write_brainflow_file(csv, data, "synthetic")
    with PlaybackSource(csv, "synthetic", original_timestamps=True) as src:
        blocks = played(src)
        offset = src.clock.offset
    ts = np.concatenate([b.timestamps for b in blocks])
    epoch = data[DESCR["timestamp_channel"]]
    np.testing.assert_allclose(ts + offset, epoch, rtol=0, atol=2e-6)


def test_stall_raises_one_line_error(csv: Path) -> None:
    write_brainflow_file(csv, recording(20), "synthetic")
    src = BrainFlowSource("playback_file", file=csv, master_board="synthetic", stall_timeout=0.3)
    with src, pytest.raises(StreamStalledError, match=r"playback_file.*\d s") as info:
        read_until(src, lambda _: False)
    assert "\n" not in str(info.value)
    assert src.stats.n_samples == 20


def test_configuration_errors_are_clear() -> None:
    with pytest.raises(ConfigError, match=r"'ancillary'.*'default'"):
        BrainFlowSource("synthetic", preset="ancillary")  # synthetic lists default, auxiliary
    with pytest.raises(BoardNotFoundError, match=r"did you mean 'synthetic'\?"):
        BrainFlowSource("synthetc")
    with pytest.raises(ConfigError, match=r"'serial_prot'.*did you mean 'serial_port'\?"):
        BrainFlowSource("cyton", serial_prot="/dev/ttyUSB0")
    with pytest.raises(ConfigError, match="'ip_port' must be int"):
        BrainFlowSource("synthetic", {"ip_port": "6677"})
    with pytest.raises(ConfigError, match="master_board"):
        BrainFlowSource("playback_file", file="x.csv")
    with pytest.raises(ConfigError, match="no 'spikes' channels"):
        BrainFlowSource("synthetic", channel_types=("spikes",))
    with pytest.raises(SourceError, match="not open"):
        BrainFlowSource("synthetic").read()


def test_auxiliary_preset_and_channel_selection() -> None:
    aux = BrainFlowSource("synthetic", preset="auxiliary", channel_types=("accel", "gyro"))
    assert aux.channels == ("accel2", "accel3", "accel4", "gyro5", "gyro6", "gyro7")
    rows, labels = select_channels(DESCR, ("exg", "accel"))
    assert rows == [*EEG_ROWS, *DESCR["accel_channels"]]
    assert labels[: len(EEG_ROWS)] == DESCR["eeg_names"].split(",") and labels[-1] == "accel19"
    assert [marker_label(v) for v in (3.0, 3.5, -2.0)] == ["3", "3.5", "-2"]


def test_file_round_trip_and_errors(csv: Path, tmp_path: Path) -> None:
    data = recording(40)
    write_brainflow_file(csv, data, SYN)
    back = read_brainflow_file(csv, board="synthetic")
    np.testing.assert_allclose(back, data, rtol=0, atol=5e-7)  # six decimals in the file
    with pytest.raises(ValueError, match="32 rows"):
        write_brainflow_file(csv, data[:-1], "synthetic")
    with pytest.raises(FileFormatError, match="records 24"):
        read_brainflow_file(csv, board="cyton")
    with pytest.raises(FileFormatError, match="does not exist"):
        read_brainflow_file(tmp_path / "missing.csv")
    with pytest.raises(FileFormatError, match="records 24"):
        PlaybackSource(csv, "cyton").open()
    assert_released(PLAYBACK, {"file": str(csv), "master_board": int(BoardIds.CYTON_BOARD)})


@given(
    drops=st.lists(st.integers(0, 200), min_size=2, max_size=60),
    start=st.integers(0, 255),
    cut=st.integers(1, 59),
)
def test_missing_packages_recovers_drops_across_chunks(drops: list[int], start: int, cut: int):
    drops[0] = 0
    pkg = (start + np.cumsum(np.asarray(drops) + 1) - 1) % 256
    cut = min(cut, len(pkg) - 1)
    head = missing_packages(pkg[:cut], None, 256)
    tail = missing_packages(pkg[cut:], int(pkg[cut - 1]), 256)
    np.testing.assert_array_equal(np.concatenate([head, tail]), drops)
