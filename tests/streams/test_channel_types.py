"""A source's channel types reach the recording: an EEG source is recorded as EEG.

Real sources: BrainFlow's synthetic board (its rows are in every ExG list; asked for ``eeg`` they
are EEG, for ``emg`` EMG) and LSL outlets that declare their channel types. Blocks read from
them go through the engine's recorder (:class:`LoopRecorder` with :func:`raw_stream_args`) and
the file is read back with pyxdf.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyxdf

from neurolink.clock import now
from neurolink.loop.core.record import LoopRecorder, raw_stream_args
from neurolink.streams.brainflow_source import BrainFlowSource
from neurolink.streams.lsl_outlet import BlockOutlet
from neurolink.streams.lsl_source import LSLSource
from neurolink.streams.meta.channels import channel_type_name, source_channel_types

DEADLINE = 20.0


def record_some(source, path: Path, n_samples: int) -> dict:
    """Record ``n_samples`` of an open source as the engine does; the raw stream as pyxdf
    loads it."""
    rec = LoopRecorder(path, {}, source.channels, source.rate, **raw_stream_args(source))
    got, stop = 0, time.monotonic() + DEADLINE
    while got < n_samples and time.monotonic() < stop:
        block = source.read(0.2)
        if block is not None:
            rec.block(block.data, block.timestamps, block.first_index, block.gap)
            got += block.n_samples
    rec.finish({})
    assert got >= n_samples
    streams, _ = pyxdf.load_xdf(str(path), synchronize_clocks=False)
    return next(s for s in streams if s["info"]["name"][0] == "raw")


def header(raw: dict) -> tuple[str, list[str], list[str]]:
    """Stream type, channel types and units of a raw stream's header."""
    chans = raw["info"]["desc"][0]["channels"][0]["channel"]
    return (
        raw["info"]["type"][0],
        [c["type"][0] for c in chans],
        [c["unit"][0] for c in chans],
    )


def test_brainflow_eeg_rows_are_recorded_as_eeg(tmp_path: Path) -> None:
    with BrainFlowSource("synthetic", channel_types=("eeg",)) as src:
        assert src.types == ("EEG",) * len(src.channels) and len(src.channels) == 16
        raw = record_some(src, tmp_path / "eeg.xdf", 250)
    stype, types, units = header(raw)
    assert stype == "EEG"
    assert types == ["EEG"] * 16
    assert units == ["microvolts"] * 16


def test_brainflow_rows_asked_as_emg_are_emg(tmp_path: Path) -> None:
    with BrainFlowSource("synthetic", channel_types=("emg",)) as src:
        raw = record_some(src, tmp_path / "emg.xdf", 250)
    stype, types, _ = header(raw)
    assert (stype, set(types)) == ("EMG", {"EMG"})


def test_lsl_eeg_outlet_is_recorded_as_eeg(tmp_path: Path, unique_name: str) -> None:
    labels = ["Fz", "Cz", "Pz", "HEOG"]
    ctypes = ["EEG", "EEG", "EEG", "EOG"]
    rate = 250.0
    with BlockOutlet(
        unique_name, "EEG", labels, rate, source_id=unique_name, channel_type=ctypes
    ) as outlet:
        src = LSLSource(unique_name, source_id=unique_name)
        with src:
            assert outlet.wait_for_consumers(DEADLINE)
            n = 100
            stamps = now() + np.arange(n) / rate
            outlet.push(np.ones((n, 4), np.float32), stamps)
            raw = record_some(src, tmp_path / "lsl.xdf", n)
    stype, types, units = header(raw)
    assert stype == "EEG"  # the most frequent channel type
    assert types == ctypes  # each channel as the stream declares it
    assert units == ["microvolts"] * 4


def test_undeclared_types_follow_the_declared_ones_or_the_rate() -> None:
    assert source_channel_types(("eeg", "", "EEG"), 3, 30_000.0) == ("EEG",) * 3
    assert source_channel_types(("EEG", "EOG", ""), 3, 30_000.0) == (
        "EEG",
        "EOG",
        "Extracellular",
    )
    assert source_channel_types((), 2, 250.0) == ("EEG", "EEG")
    assert source_channel_types((), 2, 30_000.0) == ("Extracellular", "Extracellular")
    assert source_channel_types(("eeg",), 2, 30_000.0) == ("Extracellular",) * 2  # miscounted
    assert [channel_type_name(t) for t in ("ecog", "accel", "Pupil")] == ["ECoG", "Accel", "Pupil"]
