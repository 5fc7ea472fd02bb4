"""Ring buffer, Block contract and marker helpers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.errors import BoardNotFoundError
from neurolink.streams import Block, RingBuffer, count_invalid, make_markers
from neurolink.streams.boards import board_name, resolve_board


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.integers(1, 50),
    chunks=st.lists(st.integers(0, 80), min_size=1, max_size=20),
)
def test_ring_holds_newest_samples_in_order(capacity: int, chunks: list[int]) -> None:
    ring = RingBuffer(capacity, 3)
    total = sum(chunks)
    ref = np.arange(total * 3, dtype=np.float32).reshape(total, 3)
    ts = np.arange(total, dtype=np.float64) / 1000.0
    buf_before = ring._data  # the storage must never be reallocated
    pos = 0
    for n in chunks:
        ring.write(ref[pos : pos + n], ts[pos : pos + n])
        pos += n
    assert ring._data is buf_before
    assert ring.total_written == total
    held = min(total, capacity)
    data, t = ring.latest(capacity)
    np.testing.assert_array_equal(data, ref[total - held :])
    np.testing.assert_array_equal(t, ts[total - held :])
    assert ring.oldest_index == total - held


def test_ring_read_by_running_index_and_out_of_range() -> None:
    ring = RingBuffer(10, 1)
    x = np.arange(25, dtype=np.float32)[:, None]
    ring.write(x, np.arange(25.0))
    d, _ = ring.read(17, 20)
    np.testing.assert_array_equal(d[:, 0], [17, 18, 19])
    with pytest.raises(IndexError, match="held range"):
        ring.read(3)
    with pytest.raises(ValueError, match="expected shape"):
        ring.write(np.zeros((2, 2), np.float32), np.zeros(2))


def test_block_validates_contract() -> None:
    data = np.zeros((4, 2), np.float32)
    ts = np.arange(4.0)
    b = Block(data, ts, first_index=10, rate=100.0, channels=("a", "b"), stream="s")
    assert (b.n_samples, b.n_channels, b.stop_index) == (4, 2, 14)
    with pytest.raises(TypeError, match="float32"):
        Block(data.astype(np.float64), ts, 0, 100.0, ("a", "b"), "s")
    with pytest.raises(ValueError, match="C-contiguous"):
        Block(np.zeros((2, 4), np.float32).T, ts, 0, 100.0, ("a", "b"), "s")
    with pytest.raises(TypeError, match="timestamps"):
        Block(data, ts[:3], 0, 100.0, ("a", "b"), "s")
    with pytest.raises(ValueError, match="2 data columns but 3 channel labels"):
        Block(data, ts, 0, 100.0, ("a", "b", "c"), "s")


def test_count_invalid_counts_nan_and_inf() -> None:
    x = np.zeros((5, 3), np.float32)
    x[1, 2] = np.nan
    x[4, 0] = np.inf
    x[0, 0] = -np.inf
    assert count_invalid(x) == 3


def test_make_markers() -> None:
    m = make_markers([1.0, 2.5], ["T0", "T1"], [3, 7])
    assert m["label"].tolist() == ["T0", "T1"]
    assert m["sample_index"].tolist() == [3, 7]
    with pytest.raises(ValueError, match="2 timestamps but 1 labels"):
        make_markers([1.0, 2.0], ["x"])


def test_board_lookup() -> None:
    from brainflow.board_shim import BoardIds

    assert resolve_board("synthetic") == BoardIds.SYNTHETIC_BOARD.value
    assert resolve_board("CYTON_DAISY_BOARD") == BoardIds.CYTON_DAISY_BOARD.value
    assert resolve_board("cyton-daisy") == BoardIds.CYTON_DAISY_BOARD.value
    assert resolve_board(str(BoardIds.CYTON_BOARD.value)) == BoardIds.CYTON_BOARD.value
    assert board_name(BoardIds.PLAYBACK_FILE_BOARD.value) == "playback_file"
    with pytest.raises(BoardNotFoundError, match="did you mean 'cyton_daisy'"):
        resolve_board("cyton_dasy")
    with pytest.raises(BoardNotFoundError, match="unknown BrainFlow board id 9999"):
        resolve_board(9999)
