"""The simulated subject inside the loop's process: :class:`InProcessSubject`, a source with no LSL.

The same generator as the subject on LSL (:class:`~neurolink.sim.streamer.CortexStreamer` in
``python -m neurolink.sim.cortex_stream``), paced by the host clock the same way, but its blocks
are handed to the reader directly: the loop's latency then holds no transport, which measures
the pipeline's own floor.

Pacing. The ``i``-th sample (running index ``i`` from :meth:`open`) is stamped
``t0 + i / fs`` on the host clock (``t0``: the time of :meth:`open`) and is delivered once that
time has passed, in chunks of ``chunk_samples`` (1 ms by default) as the streamer pushes them:
a chunk is due at the stamp of its last sample. :meth:`read` generates the next chunk first (with
the intent in force then) and then sleeps until it is due, so the cost of generating falls in
the loop's idle time, as the streamer's does in its own process. A reader that fell behind gets
every chunk that is due in one block (at most ``max_samples``), each chunk generated on its own
with the intent in force when it was generated, as LSL would queue them.

Cost in the loop's thread. Everything in a sample but the tuned units' spikes is independent of
the intent (the random draws, white and pink noise, the hash of distant units): from
:meth:`open` to :meth:`close` a producer thread makes it ahead, a frame of 512 samples at a
time (:meth:`CortexSimulator.draw_ahead`), on the other core where there is one (its kernels
release the GIL). The loop's thread only draws the tuned spikes with the intent in force for the
chunk and adds them to the background: no chunk pays for a whole frame, and the samples are the
same, bit for bit, as the subject on LSL gives.

Intent. :meth:`push` takes the velocity the subject intends, as
:class:`~neurolink.sim.subject.ControlOutlet` does for the subject on LSL, and it takes effect
from the next chunk generated. The value is rounded to float32 as the control stream carries it,
so for one seed and one history of intents both paths generate the same samples.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Self

import numpy as np

from neurolink.clock import now
from neurolink.errors import SourceError
from neurolink.pacing import sleep_until
from neurolink.sim.cortex import CortexSimulator
from neurolink.sim.draw_ahead import DrawAheadError
from neurolink.streams.block import Block, count_invalid
from neurolink.streams.events import empty_markers
from neurolink.streams.source import SourceStats

__all__ = ["InProcessSubject"]


class InProcessSubject:
    """A :class:`~neurolink.sim.cortex.CortexSimulator` as a real-time source in this process.

    Parameters
    ----------
    simulator : CortexSimulator
        The generator; the source owns it while open (do not call its ``step`` elsewhere).
    name : str
        Stream name of the blocks.
    chunk_samples : int, optional
        Samples per chunk (default ``round(fs / 1000)``: 1 ms).
    max_samples : int, optional
        Most samples one :meth:`read` returns (default 1 s of data, as :class:`LSLSource`).
    clock : callable returning float
        Host clock (s); :func:`neurolink.clock.now` by default.
    sleep : callable taking float, optional
        Sleeps the given seconds. By default a chunk is waited for with
        :func:`neurolink.pacing.sleep_until` (a blocking wait, then a short yielding spin: on
        time to a few µs, as an amplifier delivers), and a read that times out sleeps with
        ``time.sleep``.
    draw_ahead : bool
        Make the intent-independent background in a producer thread (default); False makes it
        on the loop's thread, a frame at a time in the slack before a chunk is due (to compare).

    Attributes
    ----------
    name, rate, channels, stats
        As every :class:`~neurolink.streams.source.Source`.
    units : tuple of str
        ``"microvolts"`` for every channel.
    start_time : float
        Host time of sample 0 (s), NaN before :meth:`open`.
    n_pushed : int
        Intents received by :meth:`push`.
    velocity_changes : list of (int, float, float)
        ``(sample_index, vx, vy)`` each time the velocity of a chunk changed (the simulator's
        running index), to regenerate the stream offline.
    """

    kind = "simulated_inprocess"

    def __init__(
        self,
        simulator: CortexSimulator,
        name: str,
        *,
        chunk_samples: int | None = None,
        max_samples: int | None = None,
        clock: Callable[[], float] = now,
        sleep: Callable[[float], None] | None = None,
        draw_ahead: bool = True,
    ) -> None:
        self.simulator = simulator
        self.name = name
        self.rate = float(simulator.fs)
        self.channels = simulator.channel_names
        self.units = ("microvolts",) * simulator.n_channels
        self.chunk_samples = int(chunk_samples or max(1, round(simulator.fs / 1000.0)))
        self.max_samples = int(max_samples or max(1024, round(simulator.fs)))
        if self.chunk_samples < 1 or self.max_samples < self.chunk_samples:
            raise ValueError(
                f"in-process subject {name!r}: need chunk_samples >= 1 and max_samples >= "
                f"chunk_samples, got {chunk_samples!r}, {max_samples!r}"
            )
        self.stats = SourceStats()
        self.start_time = float("nan")
        self.n_pushed = 0
        self.velocity_changes: list[tuple[int, float, float]] = []
        self._clock, self._sleep = clock, sleep
        self.draw_ahead = bool(draw_ahead)
        self._lock = threading.Lock()
        self._velocity = (0.0, 0.0)
        self._last_v: tuple[float, float] | None = None
        self.first_index = simulator.n_generated  #: simulator index of sample 0
        self._next = 0  # running index of the next sample to deliver
        self._pending: list[np.ndarray] = []  # generated chunks not yet delivered
        self._pending_stop = 0  # running index one past the last generated sample
        self._open = False

    # ---- intent -------------------------------------------------------------------------------
    def push(self, velocity: np.ndarray | Sequence[float]) -> None:
        """Set the intended velocity ``(vx, vy)`` from the next chunk generated (thread-safe).

        Raises
        ------
        ValueError
            A non-finite component (the subject on LSL stops with an error on one too).
        """
        v32 = np.asarray(velocity, dtype=np.float32).reshape(-1)
        if v32.shape != (2,) or not np.all(np.isfinite(v32)):
            raise ValueError(
                f"in-process subject {self.name!r}: the intended velocity must be 2 finite "
                f"values (vx, vy), got {velocity!r}"
            )
        with self._lock:
            self._velocity = (float(v32[0]), float(v32[1]))
            self.n_pushed += 1

    @property
    def velocity(self) -> tuple[float, float]:
        """The intended velocity the next chunk will use."""
        with self._lock:
            return self._velocity

    # ---- lifecycle ----------------------------------------------------------------------------
    def open(self) -> None:
        """Warm the simulator's kernels, start making the background ahead, generate the first
        chunk (with the intent pushed so far) and start the clock: sample 0 is stamped now."""
        if self._open:
            return
        sim = self.simulator
        # Compile (or load from the cache) the generator's kernels before the real-time part,
        # on a twin with the same configuration, so this stream is not advanced.
        CortexSimulator(sim.config, seed=sim.seed).step(self.chunk_samples, (0.5, -0.5))
        self.first_index = sim.n_generated
        self._next = self._pending_stop = 0
        self._pending = []
        if self.draw_ahead:
            sim.draw_ahead()  # the intent-independent part, in a producer thread until close()
        self._generate()  # the first chunk (a fresh simulator's first step is slow)
        sim.prefetch()  # without a producer: the next frame, before the clock starts
        self.start_time = self._clock()
        self._open = True

    def close(self) -> None:
        """Stop delivering and stop the producer thread (idempotent).

        Raises
        ------
        SourceError
            The producer thread had failed (its exception chained).
        """
        self._open = False
        self._pending = []
        try:
            self.simulator.stop_drawing_ahead()
        except DrawAheadError as exc:
            raise SourceError(f"in-process subject {self.name!r}: {exc}") from exc

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- reading ------------------------------------------------------------------------------
    def _due(self, stop: int) -> float:
        """Host time at which the chunk ending before running index ``stop`` is due (s)."""
        return self.start_time + (stop - 1) / self.rate

    def _generate(self) -> None:
        """Generate the next chunk with the intent in force now."""
        sim, m = self.simulator, self.chunk_samples
        v = self.velocity
        start = sim.n_generated
        if v != self._last_v:
            self.velocity_changes.append((start, v[0], v[1]))
            self._last_v = v
        try:
            data, _ = sim.step(m, v)
        except DrawAheadError as exc:  # the producer thread failed: stop loudly
            raise SourceError(f"in-process subject {self.name!r}: {exc}") from exc
        self._pending.append(data)
        self._pending_stop += m

    def read(self, timeout: float = 0.0) -> Block | None:
        """The chunks that are due, as one block; None when none is due within ``timeout``.

        Parameters
        ----------
        timeout : float
            Longest wait for the next chunk to fall due (s).

        Returns
        -------
        Block or None
            ``data`` float32 (n_samples, n_channels) in µV, host-clock ``timestamps``,
            ``first_index`` the running index (no gaps: nothing is ever dropped).

        Raises
        ------
        SourceError
            The source is not open.
        """
        if not self._open:
            raise SourceError(f"in-process subject {self.name!r} is not open")
        if not self._pending:
            self._generate()
            self.simulator.prefetch()  # without a producer: the next frame, while there is slack
        due = self._due(self._pending_stop)
        wait = due - self._clock()
        if wait > 0:
            if wait > timeout:
                if timeout > 0:
                    (self._sleep or time.sleep)(timeout)
                return None
            if self._sleep is None:
                sleep_until(due, clock=self._clock)
            else:
                self._sleep(wait)
        t = self._clock()
        m = self.chunk_samples
        while (
            self._pending_stop - self._next + m <= self.max_samples
            and self._due(self._pending_stop + m) <= t
        ):
            self._generate()
        return self._deliver()

    def _deliver(self) -> Block:
        chunks, self._pending = self._pending, []
        data = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
        first = self._next
        timestamps = self.start_time + (first + np.arange(data.shape[0])) / self.rate
        n_invalid = count_invalid(data)
        block = Block(
            data=data,
            timestamps=timestamps,
            first_index=first,
            rate=self.rate,
            channels=self.channels,
            stream=self.name,
            n_invalid=n_invalid,
        )
        self._next = block.stop_index
        s = self.stats
        s.n_samples += block.n_samples
        s.n_blocks += 1
        s.n_invalid += n_invalid
        s.last_data_age = self._clock() - float(timestamps[-1])
        return block

    def samples_available(self) -> int:
        """Samples due but not yet returned by :meth:`read` (how far the reader lags)."""
        if not self._open:
            return 0
        due = int(np.floor((self._clock() - self.start_time) * self.rate)) + 1
        return max(0, due - self._next)

    def read_markers(self) -> np.ndarray:
        """No markers: an empty ``MARKER_DTYPE`` array."""
        return empty_markers()
