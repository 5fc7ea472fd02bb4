"""The simulated subject as its own process, and the stream that tells it what to intend.

:class:`SimulatedSubject` starts ``python -m neurolink.sim.cortex_stream`` (a simulated
Utah-array recording in motor cortex, published on LSL in real time, see
:mod:`neurolink.sim.streamer`) and gives the :class:`~neurolink.streams.LSLSource` that reads
it. :class:`ControlOutlet` publishes ``<name>-control``, the 2-channel velocity the subject
intends; the simulator follows its newest sample from its next chunk on.

The subject process is tied to this one: it is given the run's duration plus a margin, and on
Linux it receives SIGTERM when this process dies (``PR_SET_PDEATHSIG``), so no subject outlives
a killed session.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Sequence
from typing import Protocol, Self

import numpy as np
import pylsl

from neurolink.errors import SourceError
from neurolink.libc import libc
from neurolink.streams.lsl_outlet import make_stream_info
from neurolink.streams.lsl_source import LSLSource

__all__ = ["ControlOutlet", "IntentControl", "SimulatedSubject"]

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    if sys.platform.startswith("linux"):
        try:
            libc().prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except OSError:
            pass


class SimulatedSubject:
    """A simulated subject streaming on LSL from its own process.

    Parameters
    ----------
    name : str, optional
        LSL stream name (and source id); default a unique ``neurolink-subject-<hex>``.
    seed : int
        Seed of the simulated cortex.
    units : int
        Tuned units.
    channels : int, optional
        Electrodes: 96, 128, 256 or 384 lay out the arrays of :mod:`neurolink.sim.arrays`
        (Utah-like grids; a Neuropixels 1.0-like shank at 384); another count a grid at the
        Utah pitch (default: the 96-site Utah array).
    fs : float
        Sampling rate (Hz).
    chunk_ms : float
        Chunk length pushed at a time (ms).
    duration : float, optional
        Seconds to stream (default: until stopped).
    truth : bool
        Publish ground-truth spikes on ``<name>-spikes`` too.
    wait_consumer : bool
        Stream only once an inlet is connected (the reader then gets the simulator's sample 0
        first, so its sample indices are the simulator's).
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        seed: int = 0,
        units: int = 60,
        channels: int | None = None,
        fs: float = 30_000.0,
        chunk_ms: float = 1.0,
        duration: float | None = None,
        truth: bool = False,
        wait_consumer: bool = False,
    ) -> None:
        self.name = name or f"neurolink-subject-{uuid.uuid4().hex[:10]}"
        self.seed, self.units, self.fs, self.chunk_ms = int(seed), int(units), float(fs), chunk_ms
        self.channels = None if channels is None else int(channels)
        self.duration = duration
        self.truth = truth
        self.wait_consumer = wait_consumer
        self.process: subprocess.Popen[str] | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=50)

    @property
    def command(self) -> list[str]:
        """The command line of the subject process."""
        cmd = [
            sys.executable,
            "-m",
            "neurolink.sim.cortex_stream",
            "--name",
            self.name,
            "--seed",
            str(self.seed),
            "--units",
            str(self.units),
            "--fs",
            f"{self.fs:g}",
            "--chunk-ms",
            f"{self.chunk_ms:g}",
        ]
        if self.channels is not None:
            cmd += ["--channels", str(self.channels)]
        if self.duration is not None:
            cmd += ["--duration", f"{self.duration:g}"]
        if not self.truth:
            cmd.append("--no-truth")
        if self.wait_consumer:
            cmd.append("--wait-consumer")
        return cmd

    def start(self) -> Self:
        """Start the process (returns at once; :meth:`source` waits for the stream)."""
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=_die_with_parent,
        )
        assert self.process.stderr is not None
        threading.Thread(
            target=self._drain,
            args=(self.process.stderr,),
            daemon=True,
            name=f"subject {self.name} stderr",
        ).start()
        return self

    def _drain(self, stream: Sequence[str]) -> None:
        for line in stream:
            self._stderr.append(line.rstrip("\n"))

    def stderr_tail(self) -> str:
        """The last lines the subject printed."""
        return "\n".join(self._stderr)

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self.process is not None and self.process.poll() is None

    def source(
        self,
        *,
        resolve_timeout: float = 30.0,
        stall_timeout: float = 2.0,
        max_samples: int | None = None,
    ) -> LSLSource:
        """An opened source on the subject's raw stream.

        Raises
        ------
        SourceError
            The stream did not appear (the message holds the subject's stderr).
        """
        src = LSLSource(
            source_id=self.name,
            expected_rate=self.fs,
            resolve_timeout=resolve_timeout,
            stall_timeout=stall_timeout,
            max_samples=max_samples,
        )
        try:
            src.open()
        except SourceError as exc:
            raise SourceError(
                f"simulated subject {self.name!r} did not start streaming: {exc}; "
                f"its stderr: {self.stderr_tail()!r}"
            ) from exc
        return src

    def terminate(self) -> None:
        """SIGTERM, without waiting (:meth:`stop` waits): the process winds down while the
        caller does its own."""
        p = self.process
        if p is not None and p.poll() is None:
            p.terminate()

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait, then kill; the exit code."""
        p = self.process
        if p is None:
            return None
        self.terminate()
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout)
        return p.returncode

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class IntentControl(Protocol):
    """Where the loop sends the subject's intended velocity: :class:`ControlOutlet` (the subject
    on LSL) or :class:`~neurolink.sim.inprocess.InProcessSubject` (in this process)."""

    def push(self, velocity: np.ndarray | Sequence[float]) -> None:
        """Take one intended velocity ``(vx, vy)``."""


class ControlOutlet:
    """Publishes the subject's intended velocity on ``<subject>-control`` (2 float32 channels).

    Parameters
    ----------
    subject : str
        The subject's stream name.
    """

    def __init__(self, subject: str) -> None:
        name = f"{subject}-control"
        info = make_stream_info(name, "Control", ("vx", "vy"), 0.0, name, "float32")
        self.name = name
        self._outlet: pylsl.StreamOutlet | None = pylsl.StreamOutlet(info)
        self._sample = [0.0, 0.0]
        self.n_pushed = 0

    def push(self, velocity: np.ndarray | Sequence[float]) -> None:
        """Push one intended velocity ``(vx, vy)``."""
        if self._outlet is None:
            raise RuntimeError(f"control outlet {self.name!r} is closed")
        self._sample[0] = float(velocity[0])
        self._sample[1] = float(velocity[1])
        self._outlet.push_sample(self._sample)
        self.n_pushed += 1

    def have_consumers(self) -> bool:
        """True once the subject has connected."""
        return self._outlet is not None and self._outlet.have_consumers()

    def wait_for_consumers(self, timeout: float) -> bool:
        """Block until the subject connects or ``timeout`` s pass."""
        return self._outlet is not None and self._outlet.wait_for_consumers(timeout)

    def close(self) -> None:
        """Destroy the outlet (idempotent)."""
        self._outlet = None
