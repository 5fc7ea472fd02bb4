"""LSL out: every outlet describes its channels (label, unit, type) per the XDF conventions;
a played file has a stable source id and a stream type that says what it is."""

from __future__ import annotations

import hashlib
import time
import warnings
from pathlib import Path

import numpy as np
import pylsl
import pytest

from neurolink.cli.main import main
from neurolink.streams.files import read_recording
from neurolink.streams.lsl_outlet import BlockOutlet, MarkerOutlet, make_stream_info
from neurolink.streams.lsl_source import LSLSource
from neurolink.streams.meta.channels import channel_descriptions
from neurolink.streams.player import FilePlayer

DEADLINE = 20.0


def _published(name: str) -> pylsl.StreamInfo:
    """The full description a consumer receives (through a real inlet)."""
    found = pylsl.resolve_bypred(f"name='{name}'", 1, DEADLINE)
    assert found, f"stream {name!r} not visible"
    inlet = pylsl.StreamInlet(found[0])
    try:
        return inlet.info(timeout=DEADLINE)
    finally:
        inlet.close_stream()


def test_eeg_outlet_channels_say_label_microvolts_and_type(unique_name: str) -> None:
    with BlockOutlet(unique_name, "EEG", ["Fz", "Cz"], 250.0, unique_name):
        labels, units, types = channel_descriptions(_published(unique_name))
    assert labels == ("Fz", "Cz")
    assert units == ("microvolts", "microvolts")
    assert types == ("EEG", "EEG")


def test_marker_and_other_outlets(unique_name: str) -> None:
    with MarkerOutlet(unique_name + "-m", unique_name + "-m"):
        assert channel_descriptions(_published(unique_name + "-m")) == (
            ("marker",),
            ("",),
            ("Marker",),
        )
    info = make_stream_info(
        unique_name, "Control", ["vx", "vy"], 0.0, unique_name, unit=["m/s", "m/s"]
    )
    outlet = pylsl.StreamOutlet(info)
    labels, units, types = channel_descriptions(_published(unique_name))
    del outlet
    assert (labels, units, types) == (("vx", "vy"), ("m/s", "m/s"), ("Control", "Control"))
    with pytest.raises(ValueError, match="3 values of unit for 2 channels"):
        make_stream_info("x", "EEG", ["a", "b"], 1.0, "x", unit=["V", "V", "V"])


def _npz(path: Path, rate: float, n: int = 300, seed: int = 0) -> Path:
    data = np.random.default_rng(seed).normal(0, 20, (n, 3)).astype(np.float32)
    np.savez(path, data=data, rate=rate, channels=np.array(["e0", "e1", "e2"]), unit="microvolts")
    return path


def test_played_file_has_a_stable_source_id_and_says_what_it_is(tmp_path: Path) -> None:
    spikes = read_recording(_npz(tmp_path / "array 30k.npz", 30000.0))
    eeg = read_recording(_npz(tmp_path / "cap.npz", 250.0))
    digest = hashlib.sha256((tmp_path / "array 30k.npz").read_bytes()).hexdigest()
    first, again = FilePlayer(spikes, "a"), FilePlayer(spikes, "b")
    assert first.source_id == again.source_id == f"neurolink-play-array_30k.npz-{digest[:16]}"
    assert first.stype == "Extracellular" and FilePlayer(eeg, "c").stype == "EEG"
    _npz(tmp_path / "array 30k.npz", 30000.0, seed=1)  # same name, other content
    changed = FilePlayer(read_recording(tmp_path / "array 30k.npz"), "a")
    assert changed.source_id != first.source_id


def test_played_extracellular_stream_reads_back_in_microvolts_without_warning(
    tmp_path: Path, unique_name: str
) -> None:
    rec = read_recording(_npz(tmp_path / "x.npz", 30000.0, n=3000))
    with FilePlayer(rec, unique_name, realtime=False, wait_for_consumer=DEADLINE) as player:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            src = LSLSource(source_id=player.source_id, max_buflen=60)
            with src:
                got, stop = [], time.monotonic() + DEADLINE
                while sum(len(b) for b in got) < rec.n_samples:
                    assert time.monotonic() < stop
                    block = src.read(timeout=0.1)
                    if block is not None:
                        got.append(block.data)
    assert src.units == ("microvolts",) * 3 and src.types == ("Extracellular",) * 3
    np.testing.assert_array_equal(np.concatenate(got), rec.data)


def test_cli_play_prints_type_and_source_id(
    tmp_path: Path, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _npz(tmp_path / "site.npz", 30000.0, n=600)
    assert main(["play", str(path), "--name", unique_name, "--duration", "0.02"]) == 0
    out = capsys.readouterr().out
    assert "type Extracellular" in out
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    assert f"source id neurolink-play-site.npz-{digest}" in out
