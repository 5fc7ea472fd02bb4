"""Live publication of the simulated cortex on LSL: :class:`CortexStreamer`.

Streams (``name`` is the stream name given):

- ``name`` — the raw voltage, ``n_channels`` float32 channels (µV) at ``fs``, pushed in chunks of
  ``chunk_samples`` (1 ms by default). The ``i``-th streamed sample (simulator index
  ``first_index + i``) is stamped ``start_time + i / fs`` on the host clock and pushed once that
  time has passed (:func:`neurolink.pacing.sleep_until`: a few µs after, as an amplifier
  delivers, rather than the 0.1–0.2 ms a plain timed wait is late); the schedule is derived
  from the sample index, never from accumulated sleeps, so it does not drift. A chunk that is
  late (the thread was held up) is pushed at once and counted in ``n_late``; samples are never
  dropped.
- ``name-intent`` — the intended velocity in force, 2 float32 channels ``(vx, vy)``, one sample
  every ``intent_every`` chunks (10 ms by default), stamped with the first sample of its chunk.
- ``name-spikes`` — optional ground truth, irregular, 4 double channels
  ``(sample_index, channel, amplitude, unit)`` per spike, stamped at its trough.
- ``name-control`` — read, not published: when a 2-channel stream of that name appears, its
  newest sample sets the velocity from the next chunk on, so a closed loop in another process
  can drive the subject. The last command holds when the control stream goes quiet; a
  non-finite command stops the streamer with an error (errors are loud, never swallowed).

``velocity_changes`` records the velocity of every chunk where it changed, so
``CortexSimulator(config, seed).generate(n, streamer.velocity_history(n))`` reproduces the
streamed samples bit for bit.

Run as its own process with ``python -m neurolink.sim.cortex_stream`` (see that module).
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self

import numpy as np
import pylsl

from neurolink.clock import now
from neurolink.errors import StreamMismatchError
from neurolink.pacing import sleep_until
from neurolink.sim.cortex import CortexSimulator
from neurolink.streams.lsl_outlet import BlockOutlet, make_stream_info

__all__ = ["CortexStreamer"]

_TRUTH_CHANNELS = ("sample_index", "channel", "amplitude", "unit")


class CortexStreamer:
    """Publishes a :class:`CortexSimulator` on LSL in real time, from its own thread.

    The streamer owns the simulator while it runs (do not call ``step`` from elsewhere).

    Parameters
    ----------
    simulator : CortexSimulator
        The source; streaming continues from its current sample index.
    name : str
        Name of the voltage stream (the others derive from it).
    source_id : str, optional
        LSL source id prefix (default: ``name``).
    chunk_samples : int, optional
        Samples per pushed chunk (default ``round(fs / 1000)``: 1 ms).
    intent_every : int
        Publish the intended velocity every this many chunks.
    publish_truth : bool
        Publish ground-truth spikes on ``name-spikes``.
    listen_control : bool
        Follow velocity commands from a ``name-control`` stream when one appears.
    duration : float, optional
        Stop by itself after this many seconds of data (default: run until :meth:`stop`).
    control_poll_s : float
        How often to look for the control stream until it is found (s).
    wait_consumer : bool
        Push nothing until an inlet is connected to the voltage stream, so that it receives the
        simulator's sample :attr:`first_index` first (a reader then numbers the samples as the
        simulator does); the host-clock schedule starts then.
    """

    def __init__(
        self,
        simulator: CortexSimulator,
        name: str,
        *,
        source_id: str | None = None,
        chunk_samples: int | None = None,
        intent_every: int = 10,
        publish_truth: bool = True,
        listen_control: bool = True,
        duration: float | None = None,
        control_poll_s: float = 0.2,
        wait_consumer: bool = False,
    ):
        self.simulator = simulator
        self.name = name
        self.source_id = source_id or name
        self.chunk_samples = int(chunk_samples or max(1, round(simulator.fs / 1000.0)))
        if self.chunk_samples < 1 or intent_every < 1:
            raise ValueError("chunk_samples and intent_every must be >= 1")
        self.intent_every = int(intent_every)
        self.publish_truth = publish_truth
        self.listen_control = listen_control
        self.n_total = None if duration is None else round(duration * simulator.fs)
        self.control_poll_s = float(control_poll_s)
        self.wait_consumer = bool(wait_consumer)
        self.start_time = float("nan")  #: host time of the first streamed sample (s)
        self.first_index = simulator.n_generated  #: running index of the first streamed sample
        self.n_pushed = 0  #: samples pushed so far
        self.n_late = 0  #: chunks pushed more than one chunk period after their last sample
        self.max_lag = 0.0  #: largest push time minus last-sample time (s)
        self.control_connected = False  #: True once a control stream was found
        #: ``(sample_index, vx, vy)`` each time the velocity used for a chunk changed.
        self.velocity_changes: list[tuple[int, float, float]] = []
        self._velocity = (0.0, 0.0)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._error_raised = False
        self._outlets: dict[str, object] = {}

    # ------------------------------------------------------------------ control
    @property
    def velocity(self) -> tuple[float, float]:
        """The intended velocity that the next chunk will use."""
        with self._lock:
            return self._velocity

    def set_velocity(self, vx: float, vy: float) -> None:
        """Set the intended velocity (thread-safe; takes effect from the next chunk).

        Parameters
        ----------
        vx, vy : float
            Velocity components (the simulator's velocity units).
        """
        v = (float(vx), float(vy))
        if not (np.isfinite(v[0]) and np.isfinite(v[1])):
            raise ValueError(f"velocity must be finite, got {v}")
        with self._lock:
            self._velocity = v

    @property
    def running(self) -> bool:
        """True while the streaming thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def error(self) -> BaseException | None:
        """The exception that ended the streaming thread, if any."""
        return self._error

    def velocity_history(self, n_samples: int) -> np.ndarray:
        """The velocity used for each streamed sample so far, to replay the stream offline.

        Parameters
        ----------
        n_samples : int
            Number of samples from :attr:`first_index`.

        Returns
        -------
        numpy.ndarray of float64, shape (n_samples, 2)
        """
        out = np.zeros((n_samples, 2))
        for idx, vx, vy in list(self.velocity_changes):
            out[max(0, idx - self.first_index) :] = (vx, vy)
        return out

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        """Create the outlets (here, so they can be resolved on return) and start streaming."""
        if self._thread is not None:
            raise RuntimeError(f"streamer {self.name!r} was already started")
        sim = self.simulator
        self.first_index = sim.n_generated
        self._outlets["data"] = BlockOutlet(
            self.name,
            "Extracellular",  # 30 kHz electrode-array voltages, not EEG
            sim.channel_names,
            sim.fs,
            self.source_id,
            unit="microvolts",
        )
        intent_rate = sim.fs / (self.chunk_samples * self.intent_every)
        self._outlets["intent"] = BlockOutlet(
            f"{self.name}-intent", "Intent", ["vx", "vy"], intent_rate, f"{self.source_id}-intent"
        )
        if self.publish_truth:
            info = make_stream_info(
                f"{self.name}-spikes", "Spikes", _TRUTH_CHANNELS, 0.0,
                f"{self.source_id}-spikes", "double64",
            )  # fmt: skip
            self._outlets["truth"] = pylsl.StreamOutlet(info)
        self._thread = threading.Thread(target=self._run, name=f"cortex-{self.name}", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end (duration reached, stopped, or failed).

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait; ``None`` waits indefinitely.

        Returns
        -------
        bool
            True when the thread has ended (outlets are then closed).

        Raises
        ------
        BaseException
            The exception that ended the thread, re-raised here (once).
        """
        if self._thread is None:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive():
            return False
        self._close()
        if self._error is not None and not self._error_raised:
            self._error_raised = True
            raise self._error
        return True

    def request_stop(self) -> None:
        """Ask the thread to end after its current chunk, without waiting (safe in a signal
        handler); :meth:`join` then returns as soon as it has."""
        self._stop.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop streaming, close the outlets and re-raise any error of the thread.

        Parameters
        ----------
        timeout : float
            Seconds to wait for the thread to finish its current chunk.
        """
        self._stop.set()
        if not self.join(timeout):
            raise TimeoutError(f"streamer {self.name!r} did not stop within {timeout} s")

    def _close(self) -> None:
        for outlet in self._outlets.values():
            if isinstance(outlet, BlockOutlet):
                outlet.close()
        self._outlets.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ the thread
    def _run(self) -> None:
        try:
            # The intent-independent part (draws, noise, hash) in a producer thread, so no chunk
            # waits for a whole frame of it (values unchanged).
            self.simulator.draw_ahead()
            try:
                self._stream()
            finally:
                self.simulator.stop_drawing_ahead()
        except BaseException as exc:  # stored and re-raised by join()/stop(), never swallowed
            self._error = exc

    def _stream(self) -> None:
        sim, fs, n_chunk = self.simulator, self.simulator.fs, self.chunk_samples
        data_out = self._outlets["data"]
        intent_out = self._outlets["intent"]
        truth_out = self._outlets.get("truth")
        assert isinstance(data_out, BlockOutlet) and isinstance(intent_out, BlockOutlet)
        control = _ControlFollower(f"{self.name}-control", self.control_poll_s)
        first = self.first_index
        if self.wait_consumer:
            while not data_out.wait_for_consumers(0.01):
                if self._stop.is_set():
                    return
        t0 = self.start_time = now()
        last_v: tuple[float, float] | None = None
        k = 0
        while not self._stop.is_set():
            m = n_chunk if self.n_total is None else min(n_chunk, self.n_total - self.n_pushed)
            if m <= 0:
                break
            if self.listen_control:
                cmd = control.poll()
                if cmd is not None:
                    self.set_velocity(*cmd)
                self.control_connected = control.connected
            v = self.velocity
            start = sim.n_generated
            if v != last_v:
                self.velocity_changes.append((start, v[0], v[1]))
                last_v = v
            data, truth = sim.step(m, v)
            ts = t0 + (start - first + np.arange(m)) / fs
            if sleep_until(float(ts[-1]), stop=self._stop):  # on time to a few µs
                break
            data_out.push(data, ts)
            lag = now() - ts[-1]
            self.max_lag = max(self.max_lag, lag)
            self.n_late += lag > n_chunk / fs
            if k % self.intent_every == 0:
                intent_out.push(np.array([v], dtype=np.float32), ts[:1])
            if truth_out is not None and truth.size:
                rows = np.column_stack([truth[f] for f in _TRUTH_CHANNELS]).astype(np.float64)
                stamps = t0 + (truth["sample_index"] - first) / fs
                truth_out.push_chunk(rows, stamps.tolist())
            self.n_pushed += m
            k += 1


class _ControlFollower:
    """Finds a 2-channel control stream by name without blocking and reads its newest sample."""

    def __init__(self, name: str, poll_s: float):
        self.name = name
        self.poll_s = poll_s
        self._resolver: pylsl.ContinuousResolver | None = None
        self._inlet: pylsl.StreamInlet | None = None
        self._next_poll = 0.0

    @property
    def connected(self) -> bool:
        return self._inlet is not None

    def poll(self) -> tuple[float, float] | None:
        """Return the newest velocity command, or None when none arrived."""
        if self._inlet is None:
            t = now()
            if t < self._next_poll:
                return None
            self._next_poll = t + self.poll_s
            if self._resolver is None:
                self._resolver = pylsl.ContinuousResolver(prop="name", value=self.name)
            found = self._resolver.results()
            if not found:
                return None
            info = found[0]
            if info.channel_count() != 2:
                raise StreamMismatchError(
                    f"control stream {self.name!r} has {info.channel_count()} channels, "
                    "expected 2 (vx, vy)"
                )
            self._inlet = pylsl.StreamInlet(info, max_buflen=1, processing_flags=0)
            self._resolver = None
        samples, _ = self._inlet.pull_chunk(timeout=0.0)
        if not samples:
            return None
        vx, vy = (float(x) for x in samples[-1])
        return vx, vy
