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

It also keeps what the summary says of the decoder on the chip: the time of every chip step and
the pairs (chip value, host value) at the end of each host bin in the closed loop.
"""

from __future__ import annotations

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
    """

    def __init__(self, compiled: object, backend: StepBackend, fs: float, max_samples: int) -> None:
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

    def warm_up(self, steps: int = 4) -> None:
        """Step the network on no input (compiling what the backend compiles), then reset."""
        for _ in range(steps):
            self._one(np.zeros(self.n_channels, np.int64))
        self.reset()
        self.n_steps = 0

    def reset(self) -> None:
        """Network, backlog and read-out back to rest; figures kept."""
        self.backend.reset()
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
            Chip steps run (0 when the block crosses no step boundary; its spikes then wait).
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
        for k in range(n):
            self._one(c[k])
        return n

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
        """Time of each chip step kept (s)."""
        return self._step_s[: min(self.n_steps, _STEP_TIMES)]


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
