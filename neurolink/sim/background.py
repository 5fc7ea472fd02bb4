"""The intent-independent part of the simulated stream, frame by frame: :class:`BackgroundFrames`.

Everything in a sample but the tuned units' spikes is independent of the intended velocity:
the random draws of :mod:`neurolink.sim.randomness`, the white and pink noise, and the hash of
distant units. This module makes it one whole frame (:data:`FRAME_SAMPLES` samples) at a time,
in the frames' fixed order, with the pink filter state and the hash tails carried from frame to
frame, and serves consecutive chunks of any size as views into the frames. The spike uniforms
are handed on untouched: whether a tuned unit fires depends on the intent in force at that
sample, which is only known when the chunk is generated.

Because it never depends on the intent, it can be made ahead of time, either on the caller's
thread (:meth:`BackgroundFrames.prefetch`) or by a producer thread
(:meth:`BackgroundFrames.start_ahead`, :mod:`neurolink.sim.draw_ahead`) on another core; the
values are the same either way, bit for bit.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from neurolink.sim.distant import DistantHash, insert_hash
from neurolink.sim.draw_ahead import DrawAhead
from neurolink.sim.noise import frame_background, pink_stationary_state
from neurolink.sim.randomness import FRAME_SAMPLES, RandomFrames

#: Nice value added to the producer thread. 0: the streaming thread waits for its frames, so a
#: lower priority is a priority inversion. At +10 (tried: 96 channels over LSL, command latency
#: median 0.63–0.81 ms against 0.79–0.88 ms at 0) a loaded machine starved the producer and the
#: 384-channel stream stalled for seconds (two busy processes beside it: 2 of 3 runs stalled at
#: +10, 0 of 3 at 0; seen once in a fresh-clone CI run).
AHEAD_NICE = 0

__all__ = ["BackgroundFrames", "Frame"]


@dataclass(frozen=True, slots=True)
class Frame:
    """The intent-independent inputs of ``n`` consecutive samples (a frame or a view into one).

    Attributes
    ----------
    background : numpy.ndarray of float32, shape (n, n_channels)
        White + pink + hash (µV).
    uniform : numpy.ndarray of float64, shape (n, n_units)
        Uniform [0, 1) draws deciding the tuned units' spikes.
    """

    background: np.ndarray
    uniform: np.ndarray


class BackgroundFrames:
    """Makes :class:`Frame` after frame and serves chunks of any size from them.

    Parameters
    ----------
    rng : numpy.random.Generator
        The stream's generator (consumed only here: first the pink filter's stationary state,
        then the frames' draws).
    n_channels, n_units : int
        Channels; tuned units.
    hash : DistantHash
        The hash process (event rate, amplitude law, template bank).
    fs : float
        Sampling rate (Hz).
    white_rms : float
        Rms of the white component (µV).
    pink_scale : float
        ``pink_rms × pink_unit_variance_scale()`` (µV).
    """

    def __init__(
        self,
        rng: np.random.Generator,
        n_channels: int,
        n_units: int,
        hash: DistantHash,
        fs: float,
        white_rms: float,
        pink_scale: float,
    ) -> None:
        self._pink = pink_stationary_state(rng, n_channels)  # drawn first: part of the contract
        self._draws = RandomFrames(rng, n_channels, n_units, hash, fs)
        self._templates = hash.templates
        self._white_rms, self._pink_scale = float(white_rms), float(pink_scale)
        # Rows past the frame hold the hash tails carried into the next frame.
        self._hash_buf = np.zeros((FRAME_SAMPLES + hash.templates.shape[1], n_channels), np.float32)
        self._ready: deque[Frame] = deque()  # frames made ahead on this thread, or handed back
        self._ahead: DrawAhead[Frame] | None = None
        self._frame: Frame | None = None
        self._pos = FRAME_SAMPLES  # read position inside the current frame

    # ---- making frames ------------------------------------------------------------------------
    def _make(self) -> Frame:
        """The next frame: draw, add the hash, run the pink filter (the only use of the state)."""
        d = self._draws.draw()
        f, buf = FRAME_SAMPLES, self._hash_buf
        insert_hash(
            buf, d.hash_onset, d.hash_channel, d.hash_amplitude, d.hash_template, self._templates
        )
        background = np.empty((f, buf.shape[1]), dtype=np.float32)
        # Rows of this frame now hold every hash waveform that starts at or before them.
        frame_background(
            d.white, d.drive, self._pink, self._white_rms, self._pink_scale, buf, background
        )
        tail = buf.shape[0] - f
        buf[:tail] = buf[f:].copy()
        buf[tail:] = 0.0
        return Frame(background, d.uniform)

    def _next(self) -> Frame:
        if self._ready:
            return self._ready.popleft()
        if self._ahead is not None:
            return self._ahead.get()
        return self._make()

    def prefetch(self) -> None:
        """Make the next frame now, on this thread, if none is ready (no effect on the values;
        nothing to do while a producer thread runs)."""
        if self._ahead is None and not self._ready:
            self._ready.append(self._make())

    def start_ahead(self, depth: int = 4, name: str = "sim-background") -> None:
        """Make frames in a producer thread from now on, up to ``depth`` ahead (idempotent).

        The thread owns the generator and the filter state until :meth:`stop_ahead`; chunks
        taken meanwhile wait for their frame if the thread is behind (values unchanged).
        """
        if self._ahead is None:
            self._ahead = DrawAhead(self._make, depth, name, nice=AHEAD_NICE)

    def stop_ahead(self) -> None:
        """Stop the producer thread, keeping the frames it made for the next chunks (idempotent).

        Raises
        ------
        DrawAheadError
            The thread had failed.
        """
        if self._ahead is not None:
            ahead, self._ahead = self._ahead, None
            self._ready.extend(ahead.stop())

    @property
    def ahead(self) -> bool:
        """True while a producer thread makes the frames."""
        return self._ahead is not None

    # ---- serving chunks -----------------------------------------------------------------------
    def take(self, n: int) -> list[tuple[int, Frame]]:
        """The inputs of the next ``n`` samples, one piece per frame they touch.

        Parameters
        ----------
        n : int
            Chunk length (samples), ≥ 0.

        Returns
        -------
        list of (int, Frame)
            ``(offset, piece)``: the inputs of samples ``offset … offset + len`` of the chunk, as
            views into the frames (no copies). Empty when ``n == 0``.
        """
        pieces: list[tuple[int, Frame]] = []
        got = 0
        while got < n:
            if self._pos >= FRAME_SAMPLES:
                self._frame = self._next()
                self._pos = 0
            fr = self._frame
            assert fr is not None
            a = self._pos
            m = min(n - got, FRAME_SAMPLES - a)
            pieces.append((got, Frame(fr.background[a : a + m], fr.uniform[a : a + m])))
            self._pos += m
            got += m
        return pieces
