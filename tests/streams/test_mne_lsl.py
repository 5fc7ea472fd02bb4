"""Interop with the real MNE-LSL player: a file in volts arrives in µV, annotations as markers.

MNE-LSL's ``PlayerLSL`` writes each channel's ``unit`` as the power of ten of its SI unit (``0``
for a file stored in volts) beside ``<type>eeg</type>``. The file's ``misc`` channel holds the
sample index (a non-voltage channel, so it arrives untouched) and locates every received sample
in the file; the EEG channels hold ``(index % 100 + c) µV`` written in volts.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

mne = pytest.importorskip("mne")
mne_lsl_player = pytest.importorskip("mne_lsl.player")

from neurolink.streams.lsl_source import LSLMarkerSource, LSLSource  # noqa: E402
from neurolink.streams.meta.units import MICROVOLTS  # noqa: E402

DEADLINE = 20.0
RATE = 250.0
N = 2500  # 10 s of data; the test reads about 1 s


def _fif(tmp_path: Path) -> Path:
    idx = np.arange(N, dtype=np.float64)
    eeg_uv = (idx % 100)[None, :] + np.arange(3)[:, None]  # (3, N) µV
    data = np.vstack([eeg_uv * 1e-6, idx[None, :]])  # EEG stored in volts
    info = mne.create_info(["Fz", "Cz", "Pz", "index"], RATE, ["eeg", "eeg", "eeg", "misc"])
    raw = mne.io.RawArray(data, info, verbose="error")
    onsets = np.arange(1, 10) * 0.5
    raw.set_annotations(mne.Annotations(onsets, 0.0, ["left", "right"] * 4 + ["left"]))
    path = tmp_path / "volts_raw.fif"
    raw.save(path, verbose="error")
    return path


def test_player_in_volts_arrives_in_microvolts_with_annotations(
    tmp_path: Path, unique_name: str
) -> None:
    player = mne_lsl_player.PlayerLSL(
        _fif(tmp_path), chunk_size=25, n_repeat=1, name=unique_name, source_id=unique_name
    )
    player.start()
    try:
        src = LSLSource(name=unique_name, expected_rate=RATE)
        markers = LSLMarkerSource(name=f"{unique_name}-annotations")
        with src, markers:
            blocks, labels, stop = [], [], time.monotonic() + DEADLINE
            while sum(b.n_samples for b in blocks) < 250 or len(labels) < 2:
                assert time.monotonic() < stop, "player data or annotations did not arrive"
                block = src.read(timeout=0.05)
                if block is not None:
                    blocks.append(block)
                labels.extend(markers.read_markers()["label"].tolist())
    finally:
        player.stop()
    assert src.channels == ("Fz", "Cz", "Pz", "index")
    assert src.types == ("eeg", "eeg", "eeg", "misc")
    assert src.units[:3] == (MICROVOLTS,) * 3
    data = np.concatenate([b.data for b in blocks])
    index = data[:, 3].astype(np.int64)
    assert np.all(np.diff(index) == 1)  # a contiguous run of the file
    expected = (index % 100)[:, None] + np.arange(3)[None, :]  # µV, by construction
    np.testing.assert_allclose(data[:, :3], expected, rtol=1e-5, atol=1e-4)
    assert set(labels) <= {"left", "right"} and labels


def test_annotations_pair_with_the_data_by_name(tmp_path: Path, unique_name: str) -> None:
    """``markers="<name>-annotations"``: each annotation gets the sample index it falls on."""
    player = mne_lsl_player.PlayerLSL(
        _fif(tmp_path), chunk_size=25, n_repeat=1, name=unique_name, source_id=unique_name
    )
    player.start()
    try:
        src = LSLSource(name=unique_name, markers=f"{unique_name}-annotations")
        with src:
            blocks, events, stop = [], [], time.monotonic() + DEADLINE
            while len(events) < 2 or blocks[-1].stop_index <= events[-1]["sample_index"] + 1:
                assert time.monotonic() < stop, "player data or annotations did not arrive"
                block = src.read(timeout=0.05)
                if block is not None:
                    blocks.append(block)
                events.extend(src.read_markers())
    finally:
        player.stop()
    data = np.concatenate([b.data for b in blocks])
    first = blocks[0].first_index
    checked = 0
    for e in events:
        k = int(e["sample_index"]) - first
        if k < 0:
            continue  # an annotation before the first sample this inlet received
        checked += 1
        file_index = int(data[k, 3])
        # annotations sit at 0.5 s multiples of the file: samples 125·j (±1 for rounding)
        assert min(file_index % 125, 125 - file_index % 125) <= 1, (e, file_index)
    assert checked >= 1
