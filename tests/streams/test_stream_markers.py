"""Marker and irregular-rate streams: shown by ``neurolink stream``, paired with data by name."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from neurolink.cli.main import main
from neurolink.clock import now
from neurolink.streams.lsl_outlet import BlockOutlet, MarkerOutlet
from neurolink.streams.lsl_source import LSLSource

DEADLINE = 20.0


def test_lsl_source_pairs_markers_by_name_with_sample_indices(unique_name: str) -> None:
    marker_name = unique_name + "-events"
    with (
        BlockOutlet(unique_name, "EEG", ["index"], 100.0, unique_name) as data,
        MarkerOutlet(marker_name, marker_name) as marks,
        LSLSource(source_id=unique_name, markers=marker_name) as src,
    ):
        assert data.wait_for_consumers(DEADLINE) and marks.wait_for_consumers(DEADLINE)
        t0 = now()
        stamps = t0 + np.arange(200) / 100.0
        data.push(np.arange(200, dtype=np.float32)[:, None], stamps)
        marks.push("go", float(stamps[50]))
        marks.push("stop", float(stamps[180]))
        got, events, stop = 0, [], time.monotonic() + DEADLINE
        while got < 200 or len(events) < 2:
            assert time.monotonic() < stop, f"{got} samples, {len(events)} markers"
            block = src.read(timeout=0.05)
            got += 0 if block is None else block.n_samples
            events.extend(src.read_markers())
    assert [str(e["label"]) for e in events] == ["go", "stop"]
    assert [int(e["sample_index"]) for e in events] == [50, 180]
    assert src.stats.n_markers == 2


def test_irregular_numeric_stream_is_never_a_stall(unique_name: str) -> None:
    with (
        BlockOutlet(unique_name, "Events", ["v"], 0.0, unique_name, unit="a.u.") as out,
        LSLSource(source_id=unique_name, stall_timeout=0.2) as src,
    ):
        assert out.wait_for_consumers(DEADLINE)
        end = time.monotonic() + 0.6  # three stall timeouts of silence
        while time.monotonic() < end:
            assert src.read(timeout=0.05) is None
        out.push(np.array([[7.0]], np.float32), now())
        stop = time.monotonic() + DEADLINE
        while (block := src.read(timeout=0.05)) is None:
            assert time.monotonic() < stop
    assert block.rate == 0.0 and block.data[0, 0] == 7.0


def _push_repeatedly(push, stop: threading.Event) -> None:
    while not stop.wait(0.05):
        push()


@pytest.mark.parametrize("kind", ["markers", "irregular"])
def test_cli_stream_shows_marker_and_irregular_streams(
    unique_name: str, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stop = threading.Event()
    if kind == "markers":
        outlet = MarkerOutlet(unique_name, unique_name)
        push = lambda: outlet.push("hello")  # noqa: E731
    else:
        outlet = BlockOutlet(unique_name, "Events", ["v"], 0.0, unique_name, unit="m/s")
        push = lambda: outlet.push(np.array([[1.5]], np.float32))  # noqa: E731
    pusher = threading.Thread(target=_push_repeatedly, args=(push, stop), daemon=True)
    pusher.start()
    try:
        code = main(["stream", f"lsl:source_id={unique_name}", "--duration", "1.5"])
    finally:
        stop.set()
        pusher.join()
        outlet.close()
    out = capsys.readouterr().out
    assert code == 0
    if kind == "markers":
        assert f"{unique_name}: marker stream (irregular)" in out
        assert f"[{unique_name}] marker 'hello' at " in out
        assert "markers=0" not in out.splitlines()[-1]
    else:
        assert f"{unique_name}: irregular rate, 1 channels [v], m/s" in out
        summary = out.strip().splitlines()[-1]
        assert summary.startswith(f"summary {unique_name}:") and " samples=0," not in summary
