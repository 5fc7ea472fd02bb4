"""A compiled decoder inside the loop: detected spikes → chip steps → decoded value.

:class:`OnChip` runs a :class:`~neurolink.snn.compile.CompiledDecoder`'s network on a step
backend — the host ``fixed`` backend or the neuromorphic board over the wire — one chip step per
``dt_ms`` of sample time, fed by the detected spikes themselves (no host binning). A block of
samples ``[first, stop)`` advances the network by the step boundaries it crosses (as the other
network nodes, :mod:`.clocked`); each spike goes in at the step its sample belongs to: when that
step has already run (the detector decides a spike ``dead_time`` after it), at the first step
this block runs; when it ends in a later block, at the first step of the next block that runs
one. Several spikes of one channel in one step are counted; the compiled
decoder's backlog sends one per step and carries the rest to the next steps
(:class:`~neurolink.snn.compile.spikes.SpikeBacklog`).

Batches (the board over the wire). With ``batch = k > 1`` the steps' input rows are gathered
``k`` at a time and handed to the backend as one batch; with ``in_flight = 1`` a batch's output
is read out only when the next batch has been handed over. On a backend with
``submit(rows)`` / ``collect()`` (:class:`~neurolink.hal.drivers.NeuroboardDriver`: one
NEURO_STEP_BATCH frame written, its reply read later) the engine then does not wait for the
wire while the board keeps up: by the time batch ``j + 1`` is complete (``k`` ms of data
later) the spikes of batch ``j`` have arrived. A board that lags is waited for when the next
batch is handed over, only as long as it still needs; a late block that completes several
batches waits for each but the last in turn, while the board, several times faster than real
time, catches up. On a backend without ``submit`` (``fixed``; a replay of a board's run) the
same schedule is computed step by step, so the decoded values are the same, block by block.
The price is latency: a decoded value reflects the spikes up to ``k·(1 + in_flight)`` steps
ago at most (10 ms for ``k = 5``), and it changes once per batch.

It also keeps what the summary says of the decoder on the chip: the time of every chip step,
the time the engine waited for the board, and the pairs (chip value, host value) at the end of
each host bin in the closed loop.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from neurolink.clock import now
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.clocked import StepBackend, steps_crossed
from neurolink.snn.compile.spikes import SpikeBacklog

__all__ = ["OnChip", "agreement_r2"]

_PAIRS = 1 << 14  # (chip, host) pairs kept for r2_vs_host (≈ 5 min of 20 ms bins)
_STEP_TIMES = 1 << 16  # chip step times kept for step_us_median


class OnChip:
    """A compiled decoder's network stepped in sample time on a backend.

    Parameters
    ----------
    compiled : CompiledDecoder
        Its ``spec`` (input port ``"spikes"``, one axon per channel), ``readout`` and ``dt_ms``.
    backend : StepBackend
        Where the network runs (``fixed`` backend or neuromorphic board); the spec is loaded.
    fs : float
        Sampling rate of the stream (Hz).
    max_samples : int
        Largest block (samples).
    batch : int
        Chip steps handed to the backend at once (1: each step on its own, read at once).
    in_flight : int
        Batches handed over before the oldest is read out (0 or 1).
    """

    def __init__(
        self,
        compiled: object,
        backend: StepBackend,
        fs: float,
        max_samples: int,
        *,
        batch: int = 1,
        in_flight: int = 0,
    ) -> None:
        if batch < 1 or in_flight not in (0, 1):
            raise ValueError(f"batch = {batch} must be >= 1 and in_flight = {in_flight} 0 or 1")
        self.compiled = compiled
        spec = compiled.spec  # type: ignore[attr-defined]
        self.readout = compiled.readout  # type: ignore[attr-defined]
        self.step_samples = round(compiled.dt_ms * 1e-3 * fs)  # type: ignore[attr-defined]
        if self.step_samples < 1:
            raise ValueError(
                f"a chip step of {compiled.dt_ms:g} ms is shorter than one sample at {fs:g} Hz"  # type: ignore[attr-defined]
            )
        self.backend = backend
        backend.load(spec)
        n = spec.size_of("spikes")
        self.n_channels = n
        self.backlog = SpikeBacklog(n)
        cap = max_samples // self.step_samples + 2
        self._counts = np.zeros((cap, n), np.int64)
        self._carry = np.zeros(n, np.int64)
        self.value = np.zeros(self.readout.n_dims, np.float64)
        self.n_steps = 0
        self._step_s = np.zeros(_STEP_TIMES, np.float64)
        self._pairs = np.zeros((_PAIRS, 2, self.readout.n_dims), np.float64)
        self.n_pairs = 0
        self._input = {"spikes": np.zeros(n, np.bool_)}
        self.batch, self.in_flight = int(batch), int(in_flight)
        self._simple = self.batch == 1 and self.in_flight == 0
        self._rows = np.zeros((self.batch, n), np.bool_)
        self._n_rows = 0
        self._piped = callable(getattr(backend, "submit", None))
        #: Outputs of the batches handed over and not read out (``fixed``: computed; board:
        #: the number of steps of each, the spikes are on their way).
        self._flight: collections.deque[Any] = collections.deque()
        self._wait_s = np.zeros(_STEP_TIMES, np.float64)
        self.n_waits = 0
        self._rtt_skip = 0  # the board's batch round trips of the warm-up

    def warm_up(self, steps: int = 4) -> None:
        """Step the network on no input (compiling what the backend compiles; with batches,
        ``2 + in_flight`` batches handed over and read out), then reset."""
        zero = np.zeros(self.n_channels, np.int64)
        if self._simple:
            for _ in range(steps):
                self._one(zero)
        else:
            for _ in range(max(steps, (2 + self.in_flight) * self.batch)):
                self._push(zero)
                self._read_out(now())
        self.reset()
        self.n_steps = self.n_waits = 0
        self._rtt_skip = len(getattr(self.backend, "batch_rtt", ()))

    def reset(self) -> None:
        """Network, backlog and read-out back to rest (batches in flight dropped); figures
        kept."""
        self.backend.reset()  # a board lets its batches in flight finish and forgets them
        self._flight.clear()
        self._n_rows = 0
        self.backlog.reset()
        self.readout.reset()
        self._carry[:] = 0
        self.value[:] = 0.0

    def _one(self, counts: np.ndarray) -> None:
        t0 = now()
        self._input["spikes"][:] = self.backlog.step(counts)
        out = self.backend.step(self._input)
        self.value[:] = self.readout.step(out[self.readout.population])
        self._step_s[self.n_steps % _STEP_TIMES] = now() - t0
        self.n_steps += 1

    def step(self, spikes: np.ndarray, tick: Tick) -> int:
        """Run the chip steps this block crosses with its detected spikes.

        Parameters
        ----------
        spikes : numpy.ndarray of SPIKE_DTYPE
            Spikes decided by this block.
        tick : Tick

        Returns
        -------
        int
            Chip steps read out (0 when the block crosses no step boundary, its spikes then
            wait; with batches, 0 until a batch is read out, then its steps).
        """
        n = min(steps_crossed(tick.first_index, tick.stop_index, self.step_samples), 1 << 30)
        if n > self._counts.shape[0]:
            self._counts = np.zeros((n, self.n_channels), np.int64)
        c = self._counts[:n]
        c[:] = 0
        if n:
            c[0] += self._carry
            self._carry[:] = 0
        if spikes.shape[0]:
            j0 = tick.stop_index // self.step_samples - n
            rows = spikes["sample_index"] // self.step_samples - j0
            later = rows >= n  # their step ends in a later block: it is still open
            if later.any():
                np.add.at(self._carry, spikes["channel"][later], 1)
            now_ = ~later
            if n and now_.any():  # a step that already ran: the first step of this block
                np.add.at(c, (np.maximum(rows[now_], 0), spikes["channel"][now_]), 1)
            elif now_.any():
                np.add.at(self._carry, spikes["channel"][now_], 1)
        if self._simple:
            for k in range(n):
                self._one(c[k])
            return n
        t0 = now()
        for k in range(n):
            self._push(c[k])
        return self._read_out(t0)

    # ---- batches -------------------------------------------------------------------------------
    def _push(self, counts: np.ndarray) -> None:
        """One step's input row into the batch; the batch handed over when full."""
        self._rows[self._n_rows] = self.backlog.step(counts)
        self._n_rows += 1
        if self._n_rows < self.batch:
            return
        self._n_rows = 0
        rows = [{"spikes": r} for r in self._rows]
        if self._piped:
            self.backend.submit(rows)  # type: ignore[attr-defined]
            self._flight.append(self.batch)
        else:
            pop = self.readout.population
            self._flight.append([self.backend.step(r)[pop].copy() for r in rows])

    def _read_out(self, t0: float) -> int:
        """Read out the batches beyond ``in_flight``, oldest first; steps read out."""
        read = 0
        pop = self.readout.population
        while len(self._flight) > self.in_flight:
            item = self._flight.popleft()
            if self._piped:
                w0 = now()
                spikes = [o[pop] for o in self.backend.collect()]  # type: ignore[attr-defined]
                self._wait_s[self.n_waits % _STEP_TIMES] = now() - w0
                self.n_waits += 1
            else:
                spikes = item
            for s in spikes:
                self.value[:] = self.readout.step(s)
            read += len(spikes)
        if read:
            per_step = (now() - t0) / read
            for _ in range(read):
                self._step_s[self.n_steps % _STEP_TIMES] = per_step
                self.n_steps += 1
        return read

    def pair(self, host: np.ndarray) -> None:
        """Keep (chip value now, host value) for :func:`agreement_r2`."""
        k = self.n_pairs % _PAIRS
        self._pairs[k, 0] = self.value
        self._pairs[k, 1] = host
        self.n_pairs += 1

    @property
    def pairs(self) -> np.ndarray:
        """Kept pairs, float64 (n, 2, n_dims): [:, 0] chip, [:, 1] host."""
        return self._pairs[: min(self.n_pairs, _PAIRS)]

    @property
    def step_seconds(self) -> np.ndarray:
        """Host time of each chip step kept (s); with batches, the time the engine spent on
        the block's batches (handing over, waiting, reading out) per step read out."""
        return self._step_s[: min(self.n_steps, _STEP_TIMES)]

    @property
    def wait_seconds(self) -> np.ndarray:
        """Time the engine waited for each batch's spikes to arrive (s; board only)."""
        return self._wait_s[: min(self.n_waits, _STEP_TIMES)]

    def figures(self) -> dict[str, Any]:
        """The batching and, on the board, the waits and round trips (µs; medians, p99) of
        the closed loop, for the run's summary; empty without batches."""
        if self._simple:
            return {}
        out: dict[str, Any] = {"batch_steps": self.batch, "batches_in_flight": self.in_flight}
        waits = self.wait_seconds
        if waits.size:
            out["wait_us_median"] = round(float(np.median(waits)) * 1e6, 1)
            out["wait_us_p99"] = round(float(np.percentile(waits, 99)) * 1e6, 1)
        rtt = list(getattr(self.backend, "batch_rtt", ()))[self._rtt_skip :]
        if rtt:
            r = np.array([t for t, _ in rtt])
            out["board_rtt_us_median"] = round(float(np.median(r)) * 1e6, 1)
            out["board_rtt_us_p99"] = round(float(np.percentile(r, 99)) * 1e6, 1)
        return out


def agreement_r2(chip: np.ndarray, host: np.ndarray) -> float | None:
    """Coefficient of determination of the chip's output against the host decoder's,
    averaged over dimensions; None with fewer than 2 pairs or a constant host output.

    Parameters
    ----------
    chip, host : numpy.ndarray of float64, shape (n, n_dims)
    """
    if chip.shape[0] < 2:
        return None
    ss_tot = ((host - host.mean(axis=0)) ** 2).sum(axis=0)
    if np.any(ss_tot <= 1e-12 * max(1.0, float(np.abs(host).max()) ** 2)):
        return None
    ss_res = ((chip - host) ** 2).sum(axis=0)
    return float(np.mean(1.0 - ss_res / ss_tot))
