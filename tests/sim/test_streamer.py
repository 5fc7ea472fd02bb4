"""The live streamer on real LSL: contiguous, replayable, steerable, loud on errors."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
import pylsl
import pytest

from neurolink.sim import CortexConfig, CortexSimulator, CortexStreamer, grid_positions
from neurolink.streams.events import SPIKE_DTYPE

FS = 30_000.0
CFG = CortexConfig(positions=grid_positions(32, 400.0), n_units=20)
TIMEOUT = 20.0  # generous: conditions are waited on, never timed


def _inlet(name: str, timeout: float = TIMEOUT) -> pylsl.StreamInlet:
    found = pylsl.resolve_byprop("name", name, timeout=timeout)
    assert found, f"stream {name!r} did not appear within {timeout} s"
    inlet = pylsl.StreamInlet(found[0], processing_flags=0)
    inlet.open_stream(timeout=timeout)
    return inlet


def _pull(inlet: pylsl.StreamInlet, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pull at least ``n`` samples (waiting on the condition with a generous timeout)."""
    data, stamps, got = [], [], 0
    deadline = time.monotonic() + TIMEOUT
    while got < n:
        assert time.monotonic() < deadline, f"only {got} of {n} samples arrived"
        d, t = inlet.pull_chunk(timeout=0.2, max_samples=8192, as_numpy=True)
        if len(t):
            data.append(np.array(d))
            stamps.append(np.array(t))
            got += len(t)
    return np.concatenate(data), np.concatenate(stamps)


def _wait_intent(inlet: pylsl.StreamInlet, v: tuple[float, float], push: Callable | None = None):
    """Wait until the intent stream shows ``v``; call ``push`` meanwhile. Returns its stamp."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if push is not None:
            push()
        d, t = inlet.pull_chunk(timeout=0.05, as_numpy=True)
        hit = np.flatnonzero(np.all(np.asarray(d).reshape(-1, 2) == np.float32(v), axis=1))
        if hit.size:
            return float(t[hit[0]])
    raise AssertionError(f"intent {v} never published")


def test_stream_is_contiguous_steerable_and_replays_offline(unique_name: str) -> None:
    sim = CortexSimulator(CFG, seed=5)
    with CortexStreamer(sim, unique_name, listen_control=False) as st:
        inlet = _inlet(unique_name)
        intent = _inlet(f"{unique_name}-intent")
        d1, t1 = _pull(inlet, int(0.5 * FS))
        st.set_velocity(0.5, -0.25)
        t_change = _wait_intent(intent, (0.5, -0.25))
        d2, t2 = _pull(inlet, int(0.7 * FS))
    data, stamps = np.concatenate([d1, d2]), np.concatenate([t1, t2])
    assert data.dtype == np.float32 and data.shape[1] == 32

    # No loss: consecutive stamps 1/fs apart, on the schedule start + index / fs.
    np.testing.assert_allclose(np.diff(stamps), 1 / FS, rtol=1e-6)
    i0 = round((stamps[0] - st.start_time) * FS)
    idx = i0 + np.arange(stamps.size)
    np.testing.assert_allclose(stamps, st.start_time + idx / FS, atol=1e-6)
    # The intent is stamped at the first sample of a chunk (a multiple of 30 samples).
    k = (t_change - st.start_time) * FS
    assert abs(k - round(k)) < 1e-3 and round(k) % st.chunk_samples == 0

    # Exactly the samples of an offline run with the same velocity history.
    assert [v[1:] for v in st.velocity_changes] == [(0.0, 0.0), (0.5, -0.25)]
    n = i0 + stamps.size
    ref, _ = CortexSimulator(CFG, seed=5).generate(n, st.velocity_history(n))
    assert np.array_equal(ref[i0:], data)
    assert st.n_pushed >= n and st.error is None


def test_truth_stream_carries_the_ground_truth_spikes(unique_name: str) -> None:
    sim = CortexSimulator(CFG, seed=8)
    with CortexStreamer(sim, unique_name, listen_control=False) as st:
        spikes = _inlet(f"{unique_name}-spikes")
        rows, stamps = _pull(spikes, 40)
    assert rows.shape[1] == 4
    got = np.zeros(rows.shape[0], dtype=SPIKE_DTYPE)
    for j, field in enumerate(("sample_index", "channel", "amplitude", "unit")):
        got[field] = rows[:, j]
    np.testing.assert_allclose(stamps, st.start_time + got["sample_index"] / FS, atol=1e-6)
    got = got[got["sample_index"] > got["sample_index"][0]]  # the inlet may join mid-chunk
    _, truth = CortexSimulator(CFG, seed=8).generate(int(got["sample_index"][-1]) + 1)
    lo = np.searchsorted(truth["sample_index"], got["sample_index"][0])
    assert np.array_equal(truth[lo : lo + got.size], got)


def test_control_stream_drives_the_subject(unique_name: str) -> None:
    sim = CortexSimulator(CFG, seed=1)
    with CortexStreamer(sim, unique_name, control_poll_s=0.05) as st:
        intent = _inlet(f"{unique_name}-intent")
        info = pylsl.StreamInfo(
            f"{unique_name}-control", "Control", 2, 0.0, "float32", f"{unique_name}-ctl"
        )
        control = pylsl.StreamOutlet(info)
        _wait_intent(intent, (-0.75, 0.5), push=lambda: control.push_sample([-0.75, 0.5]))
        assert st.control_connected
        assert st.velocity == (-0.75, 0.5)


class _Failing(CortexSimulator):
    """A simulator that breaks after 0.1 s of data."""

    def step(self, n_samples, velocity=(0.0, 0.0)):
        if self.n_generated > 3000:
            raise RuntimeError("simulated failure")
        return super().step(n_samples, velocity)


def _wait_until(cond: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_errors_in_the_thread_are_reraised_not_swallowed(unique_name: str) -> None:
    st = CortexStreamer(_Failing(CFG, seed=0), unique_name, listen_control=False).start()
    _wait_until(lambda: not st.running)
    assert isinstance(st.error, RuntimeError)
    with pytest.raises(RuntimeError, match="simulated failure"):
        st.stop()
    st.stop()  # reported once; stopping again is harmless
    with pytest.raises(RuntimeError, match="simulated failure"):  # and through the context
        with CortexStreamer(_Failing(CFG, seed=0), f"{unique_name}-b", listen_control=False) as b:
            _wait_until(lambda: not b.running)
    with pytest.raises(ValueError, match="finite"):
        CortexStreamer(CortexSimulator(CFG), f"{unique_name}-c").set_velocity(np.nan, 0.0)


def test_duration_ends_the_stream_after_exactly_that_many_samples(unique_name: str) -> None:
    st = CortexStreamer(CortexSimulator(CFG, seed=2), unique_name, duration=0.25).start()
    assert st.join(timeout=TIMEOUT)
    assert st.n_pushed == int(0.25 * FS) and not st.running


def test_module_runs_as_its_own_process(unique_name: str) -> None:
    cmd = [sys.executable, "-m", "neurolink.sim.cortex_stream", "--name", unique_name]
    cmd += ["--duration", "60", "--seed", "3", "--units", "10"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    try:
        inlet = _inlet(unique_name, timeout=60)
        assert inlet.info().channel_count() == 96 and inlet.info().nominal_srate() == FS
        data, stamps = _pull(inlet, int(0.2 * FS))
        assert data.shape[1] == 96
        np.testing.assert_allclose(np.diff(stamps), 1 / FS, rtol=1e-6)
        intent = _inlet(f"{unique_name}-intent")
        info = pylsl.StreamInfo(f"{unique_name}-control", "Control", 2, 0.0, "float32", "ctl")
        control = pylsl.StreamOutlet(info)
        _wait_intent(intent, (0.25, 1.0), push=lambda: control.push_sample([0.25, 1.0]))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "pushed" in proc.stderr.read()
