"""The file player against real LSL inlets (plain pylsl, independent of neurolink's sources).

Every stream has a unique name. Fast mode waits for the inlets before pushing, so nothing is lost
and nothing depends on timing; the one real-time test checks bounds that pacing guarantees (no
sample arrives before its timestamp) plus a generous upper bound on the total span.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import mne
import numpy as np
import pylsl
import pytest

from neurolink.clock import now
from neurolink.errors import SourceError
from neurolink.streams.events import MARKER_DTYPE
from neurolink.streams.files import Recording, read_recording
from neurolink.streams.player import FilePlayer

DEADLINE = 30.0  # s: generous bound for conditions that normally hold within milliseconds
REPO = Path(__file__).resolve().parents[2]


def open_inlet(name: str) -> pylsl.StreamInlet:
    """Resolve ``name``, open its data connection; the outlet then has a consumer."""
    infos = pylsl.resolve_byprop("name", name, minimum=1, timeout=DEADLINE)
    assert infos, f"stream {name!r} not found"
    inlet = pylsl.StreamInlet(infos[0], max_buflen=600, recover=False)
    inlet.open_stream(timeout=DEADLINE)
    return inlet


class Received:
    """What a receiver pulled: samples, their timestamps and arrival times; markers."""

    def __init__(self, n_channels: int) -> None:
        self.data = np.empty((0, n_channels), np.float32)
        self.stamps = np.empty(0)
        self.arrivals = np.empty(0)
        self.labels: list[str] = []
        self.marker_stamps: list[float] = []


def receive(
    player: FilePlayer,
    n: int,
    n_markers: int = 0,
    data_inlet: pylsl.StreamInlet | None = None,
    marker_inlet: pylsl.StreamInlet | None = None,
) -> Received:
    """Pull until ``n`` samples and ``n_markers`` markers arrived (fails after DEADLINE)."""
    data_inlet = data_inlet or open_inlet(player.name)
    if n_markers and marker_inlet is None:
        marker_inlet = open_inlet(player.marker_name)
    got = Received(player.recording.n_channels)
    chunks, stamps, arrivals = [], [], []
    count, stop = 0, now() + DEADLINE
    while count < n or len(got.labels) < n_markers:
        assert now() < stop, f"received {count}/{n} samples, {len(got.labels)}/{n_markers} markers"
        if player.done.is_set() and player.error is not None:
            raise player.error
        if count < n:
            chunk, ts = data_inlet.pull_chunk(timeout=0.05, max_samples=8192)
            if ts:
                chunks.append(np.asarray(chunk, dtype=np.float32))
                stamps.extend(ts)
                arrivals.extend([now()] * len(ts))
                count += len(ts)
        if marker_inlet is not None and len(got.labels) < n_markers:
            labels, ts = marker_inlet.pull_chunk(timeout=0.0 if count < n else 0.05)
            got.labels.extend(row[0] for row in labels)
            got.marker_stamps.extend(ts)
    if chunks:
        got.data = np.concatenate(chunks)
    got.stamps, got.arrivals = np.asarray(stamps), np.asarray(arrivals)
    return got


def present(name: str) -> bool:
    """True once a stream of that name answers (waits up to DEADLINE)."""
    return bool(pylsl.resolve_byprop("name", name, minimum=1, timeout=DEADLINE))


def gone(name: str) -> bool:
    """True when no stream of that name answers anymore."""
    return not pylsl.resolve_byprop("name", name, minimum=1, timeout=1.0)


@pytest.fixture(scope="module", params=["eeg_motor_imagery_64ch.edf", "test_raw.set"])
def eeg_file(request: pytest.FixtureRequest, shared_data: Path) -> tuple[Recording, mne.io.Raw]:
    path = shared_data / request.param
    ref = mne.io.read_raw(path, preload=True, verbose="error")  # the independent read
    return read_recording(path), ref


def test_plays_real_files_exactly(eeg_file: tuple[Recording, mne.io.Raw], unique_name: str) -> None:
    rec, ref = eeg_file
    expected = np.asarray(ref.get_data().T * 1e6, dtype=np.float32)
    onsets, descriptions = ref.annotations.onset, list(ref.annotations.description)
    player = FilePlayer(
        rec, unique_name, realtime=False, chunk_size=100, wait_for_consumer=DEADLINE
    )
    with player:
        got = receive(player, rec.n_samples, len(descriptions))
        assert player.join(DEADLINE)
    assert player.n_pushed == rec.n_samples and player.n_markers_pushed == len(descriptions)
    assert gone(unique_name)  # closed on leaving the context

    np.testing.assert_allclose(got.data, expected, rtol=1e-6, atol=1e-3)
    np.testing.assert_array_equal(got.data, rec.data)  # float32 bit for bit, in order
    assert player.start_time is not None
    sample_times = player.start_time + np.arange(rec.n_samples) / rec.rate
    np.testing.assert_allclose(got.stamps, sample_times, rtol=0, atol=1e-6)
    assert got.labels == descriptions
    at_onset = got.stamps[np.rint(onsets * rec.rate).astype(int)]
    np.testing.assert_allclose(got.marker_stamps, at_onset, rtol=0, atol=1e-6)


def test_real_time_pacing(shared_data: Path, unique_name: str) -> None:
    clip = read_recording(shared_data / "eeg_motor_imagery_64ch.edf").crop(0.0, 1.5)
    n = clip.n_samples  # 192 samples, 1.5 s
    with FilePlayer(clip, unique_name, chunk_ms=50, wait_for_consumer=DEADLINE) as player:
        got = receive(player, n, n_markers=2)  # T0 at 0 s and T1 at 1.375 s
        assert player.join(DEADLINE)
    assert player.start_time is not None
    assert got.labels == ["T0", "T1"]
    due = player.start_time + np.arange(n) / clip.rate
    np.testing.assert_allclose(got.stamps, due, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(got.data, clip.data)
    # Pacing guarantees that no sample is pushed before its timestamp ...
    assert np.all(got.arrivals >= due)
    # ... and that the clip takes about its duration (generous bound for a loaded machine).
    assert got.arrivals[-1] - player.start_time < clip.duration + 2.0


def indexed_recording(n: int = 50, rate: float = 1000.0) -> Recording:
    """Channel 0 = sample index; markers at samples 0 and 30."""
    data = np.zeros((n, 2), np.float32)
    data[:, 0] = np.arange(n)
    data[:, 1] = -np.arange(n)
    markers = np.zeros(2, MARKER_DTYPE)
    markers["label"], markers["sample_index"] = ["start", "mid"], [0, 30]
    markers["timestamp"] = markers["sample_index"] / rate
    return Recording(data, rate, ("index", "neg"), markers, "", Path("indexed"))


def test_loop_continues_index_and_timestamps(unique_name: str) -> None:
    rec = indexed_recording()
    total = 175  # 3.5 loops of 50 samples; chunks of 16 straddle no loop boundary
    player = FilePlayer(
        rec, unique_name, realtime=False, loop=True, chunk_size=16, duration=total / rec.rate
    )
    with player:
        got = receive(player, total, n_markers=7)
        assert player.join(DEADLINE)
    assert player.n_pushed == total
    np.testing.assert_array_equal(got.data[:, 0], np.arange(total) % 50)
    assert np.all(np.diff(got.stamps) > 0)
    assert player.start_time is not None
    np.testing.assert_allclose(got.stamps, player.start_time + np.arange(total) / 1000.0, atol=1e-6)
    assert got.labels == ["start", "mid"] * 3 + ["start"]
    np.testing.assert_allclose(
        got.marker_stamps, got.stamps[[0, 30, 50, 80, 100, 130, 150]], rtol=0, atol=1e-6
    )


def test_no_consumer_error_is_raised_and_outlets_closed(unique_name: str) -> None:
    player = FilePlayer(indexed_recording(), unique_name, realtime=False, wait_for_consumer=0.2)
    player.start()
    assert player.done.wait(DEADLINE)
    with pytest.raises(SourceError, match="no consumer connected"):
        player.join()
    assert isinstance(player.error, SourceError) and player.n_pushed == 0
    assert gone(unique_name) and gone(f"{unique_name}-markers")  # closed by the failing thread
    player.stop()  # the error was reported once; stop() does not raise it again


def test_stop_while_waiting_and_while_playing(unique_name: str) -> None:
    waiting = FilePlayer(indexed_recording(), unique_name, realtime=False)
    waiting.start()
    assert present(unique_name)
    waiting.stop()  # fast mode waits for a consumer without limit; stop() ends the wait
    assert waiting.done.is_set() and waiting.n_pushed == 0 and gone(unique_name)

    rec = indexed_recording(n=10_000)  # 10 s in real time; stopped long before
    with FilePlayer(rec, unique_name + "-rt", loop=True, chunk_size=10) as playing:
        inlet = open_inlet(playing.name)
        assert inlet.pull_chunk(timeout=DEADLINE)[1]
    assert playing.done.is_set() and 0 < playing.n_pushed < rec.n_samples
    assert gone(playing.name)


def test_error_in_body_closes_outlets(unique_name: str) -> None:
    with pytest.raises(KeyError), FilePlayer(indexed_recording(), unique_name, realtime=False):
        assert present(unique_name)
        raise KeyError("boom")
    assert gone(unique_name)


def test_bad_parameters() -> None:
    rec = indexed_recording()
    with pytest.raises(ValueError, match="chunk_ms or chunk_size"):
        FilePlayer(rec, "x", chunk_ms=10, chunk_size=5)
    with pytest.raises(ValueError, match="duration"):
        FilePlayer(rec, "x", duration=0)
    assert FilePlayer(rec, "x", chunk_ms=0.1).chunk_size == 1


def run_cli(args: list[str]) -> subprocess.Popen[str]:
    """Start ``neurolink`` in a child that turns SIGINT into KeyboardInterrupt (even when the
    test runner was started with SIGINT ignored, as background jobs are)."""
    code = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from neurolink.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_play_fast(shared_data: Path, unique_name: str) -> None:
    edf = shared_data / "eeg_motor_imagery_64ch.edf"
    proc = run_cli(["play", str(edf), "--fast", "--duration", "1", "--name", unique_name])
    try:
        data_inlet = open_inlet(unique_name)
        marker_inlet = open_inlet(f"{unique_name}-markers")
        chunks, labels, stop = [], [], now() + DEADLINE
        while sum(map(len, chunks)) < 128 or not labels:
            assert now() < stop
            chunk, ts = data_inlet.pull_chunk(timeout=0.05)
            if ts:
                chunks.append(chunk)
            labels += [row[0] for row in marker_inlet.pull_chunk(timeout=0.0)[0]]
        data_inlet.close_stream()  # the player lingers until its consumers leave
        marker_inlet.close_stream()
        out, err = proc.communicate(timeout=DEADLINE)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert np.concatenate(chunks).shape == (128, 64)
    assert labels == ["T0"]  # the only annotation in the first second (T1 is at 1.375 s)
    assert f"publishing '{unique_name}'" in out and "64 channels at 128 Hz" in out
    assert f"markers on '{unique_name}-markers': 38 (T0 ×19, T1 ×10, T2 ×9)" in out
    assert "done: pushed 128 samples" in out


def test_cli_ctrl_c_stops_cleanly(shared_data: Path, unique_name: str) -> None:
    edf = shared_data / "eeg_motor_imagery_64ch.edf"
    proc = run_cli(["play", str(edf), "--loop", "--name", unique_name])
    try:
        assert present(unique_name)  # playing in real time
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=DEADLINE)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "stopped by Ctrl-C: pushed" in out
    assert gone(unique_name)
