"""The simulated intracortical recording: :class:`CortexSimulator`.

Signal model, per channel ``c`` (µV)::

    x_c(t) = white + pink + Σ_h hash_h(t) + Σ_i Σ_k A_i g(d_ic) w_i(t − t_ik)
             └────── background (SNR reference) ─────┘   └── tuned units ──┘

- tuned unit ``i`` fires with ``rate_i(t) = max(0, b_i + m_i · v(t)·pd_i / v_max)`` (Hz) as
  the refractory Poisson unit of :mod:`neurolink.models.point_process` (dead time compensated so
  the mean rate is the tuned rate);
- ``g`` is the distance fall-off of :mod:`neurolink.sim.geometry` and ``A_i`` is chosen so the
  peak on the unit's best channel equals ``snr_i × σ_background`` there;
- the hash of many small distant units is a compound Poisson process per channel
  (:mod:`neurolink.sim.distant`) scaled to a stated rms; white and 1/f noise are independent
  per channel too.

Generation is chunk-wise with carried state (refractory counters, pink filter state, waveform
tails, spikes whose trough lies in the next chunk) and frame-wise random draws
(:mod:`neurolink.sim.randomness`), so ``generate(n)`` and any sequence of ``step`` calls that
sum to ``n`` with the same velocity history give bit-identical data and truth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from neurolink.models.point_process import RefractoryPoisson
from neurolink.sim.background import BackgroundFrames
from neurolink.sim.config import CortexConfig
from neurolink.sim.distant import make_distant_hash
from neurolink.sim.geometry import distance_gain, distances, place_near_electrodes
from neurolink.sim.kernels import insert_waveforms, tuned_spikes
from neurolink.sim.noise import add_units, pink_unit_variance_scale
from neurolink.sim.waveforms import make_waveforms, template_length
from neurolink.streams.events import SPIKE_DTYPE

__all__ = ["CortexSimulator", "UnitTable", "Velocity"]

#: Intended velocity: a constant ``(vx, vy)``, an array ``(n_samples, 2)``, or a function of the
#: time since the stream started (s, shape ``(n,)``) returning ``(n, 2)``.
Velocity = np.ndarray | tuple[float, float] | Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True, eq=False)
class UnitTable:
    """Ground truth about the tuned units (arrays of length ``n_units`` unless stated).

    Attributes
    ----------
    position : numpy.ndarray of float64, shape (n_units, 3)
        Soma positions (µm).
    waveform : numpy.ndarray of float32, shape (n_units, length)
        Unit-free templates, −1 at sample ``pre`` (the trough).
    gain : numpy.ndarray of float32, shape (n_units, n_channels)
        Peak (trough) amplitude of each unit on each channel (µV, positive).
    best_channel : numpy.ndarray of int32
        Channel of largest amplitude.
    peak_amplitude : numpy.ndarray of float64
        Trough depth on the best channel (µV, positive).
    snr_target : numpy.ndarray of float64
        Configured SNR (peak / expected background σ on the best channel).
    baseline, modulation : numpy.ndarray of float64
        Tuning (Hz).
    preferred_direction : numpy.ndarray of float64
        Preferred direction (rad).
    pre : int
        Samples from a waveform's first sample to its trough.
    """

    position: np.ndarray
    waveform: np.ndarray
    gain: np.ndarray
    best_channel: np.ndarray
    peak_amplitude: np.ndarray
    snr_target: np.ndarray
    baseline: np.ndarray
    modulation: np.ndarray
    preferred_direction: np.ndarray
    pre: int


class CortexSimulator:
    """Raw extracellular voltage of an array in motor cortex, driven by an intended velocity.

    Parameters
    ----------
    config : CortexConfig, optional
        Parameters (defaults: 96-channel Utah array at 30 kHz, 60 units).
    seed : int
        Seed of everything random (layout, units, noise, spikes).

    Attributes
    ----------
    config : CortexConfig
    units : UnitTable
        Ground truth about the tuned units.
    distant : DistantHash
        The hash of distant units' spikes: event rate, amplitude law, template bank.
    noise_std_expected : numpy.ndarray of float64, shape (n_channels,)
        Analytic standard deviation of the background on each channel (µV).
    """

    def __init__(self, config: CortexConfig | None = None, seed: int = 0):
        self.config = cfg = CortexConfig() if config is None else config
        self.seed = int(seed)
        # Independent streams per concern, so that overriding one parameter (or changing the
        # hash) leaves every other draw unchanged.
        (units_seed, hash_seed, self._stream_seed) = np.random.SeedSequence(self.seed).spawn(3)
        self._pre, self._length = template_length(cfg.fs, cfg.waveform)
        # The hash first: it is part of the background the tuned units' SNR refers to.
        self.distant = make_distant_hash(
            np.random.default_rng(hash_seed), cfg.hash_rms_uv, cfg.fs,
            units_per_channel=cfg.hash_units_per_channel, rate=cfg.hash_rate_hz,
            shell=cfg.hash_distance_um, d0=cfg.d0_um, shape=cfg.waveform,
        )  # fmt: skip
        self.noise_std_expected = np.full(
            cfg.n_channels,
            np.sqrt(cfg.white_rms_uv**2 + cfg.pink_rms_uv**2 + self.distant.rms**2),
        )
        self.units = _make_units(cfg, units_seed, self.noise_std_expected, self._pre)
        pd, modulation = self.units.preferred_direction, self.units.modulation
        self._gain_x = modulation * np.cos(pd) / cfg.v_max
        self._gain_y = modulation * np.sin(pd) / cfg.v_max
        self._dead_samples = RefractoryPoisson(cfg.refractory_s).dead_samples(cfg.fs)
        self._pink_scale = cfg.pink_rms_uv * pink_unit_variance_scale()
        self._background: BackgroundFrames | None = None
        self.reset()

    # ------------------------------------------------------------------ properties
    @property
    def fs(self) -> float:
        """Sampling rate (Hz)."""
        return self.config.fs

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return self.config.n_channels

    @property
    def n_units(self) -> int:
        """Number of tuned units."""
        return self.config.n_units

    @property
    def channel_names(self) -> tuple[str, ...]:
        """Channel labels ``ch000, ch001, …``."""
        return tuple(f"ch{i:03d}" for i in range(self.n_channels))

    @property
    def n_generated(self) -> int:
        """Running sample index of the next sample (samples generated since start/reset)."""
        return self._n

    @property
    def min_isi_samples(self) -> int:
        """Shortest possible inter-spike interval of a tuned unit (samples)."""
        return self._dead_samples + 1

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Return to sample 0: the stream restarts exactly as after construction (a producer
        thread started by :meth:`draw_ahead` is stopped)."""
        if self._background is not None:
            self._background.stop_ahead()
        rng = np.random.default_rng(self._stream_seed)
        c, length = self.n_channels, self._length
        self._background = BackgroundFrames(
            rng, c, self.n_units, self.distant, self.fs, self.config.white_rms_uv, self._pink_scale
        )
        self._n = 0
        self._dead = np.zeros(self.n_units, dtype=np.int64)
        self._unit_tail = np.zeros((length, c), dtype=np.float32)
        self._pending = np.empty(0, dtype=SPIKE_DTYPE)
        self._bg_sum = np.zeros(c)
        self._bg_sumsq = np.zeros(c)

    # ------------------------------------------------------------------ generation
    def prefetch(self) -> None:
        """Make the next frame's background (draws, noise, hash) now (no effect on the values).

        A caller with slack calls it so that the cost of a frame falls in its idle time instead
        of delaying one chunk; nothing to do while :meth:`draw_ahead` runs.
        """
        self._bg.prefetch()

    def draw_ahead(self, depth: int = 8) -> None:
        """Make the intent-independent part of the stream in a producer thread (idempotent).

        The draws, the noise and the hash of up to ``depth`` frames (:data:`FRAME_SAMPLES`
        samples each) are made ahead on another core (the kernels release the GIL), so
        :meth:`step` only adds the tuned units, which depend on the intent. The values are
        unchanged, bit for bit. Stop it with :meth:`stop_drawing_ahead` (or :meth:`reset`).
        """
        self._bg.start_ahead(depth, name=f"sim-background-{self.seed}")

    def stop_drawing_ahead(self) -> None:
        """Stop the producer thread of :meth:`draw_ahead`; the frames it made are kept
        (idempotent).

        Raises
        ------
        neurolink.sim.draw_ahead.DrawAheadError
            The thread had failed (its exception chained).
        """
        self._bg.stop_ahead()

    @property
    def _bg(self) -> BackgroundFrames:
        assert self._background is not None
        return self._background

    def rates(self, velocity: np.ndarray) -> np.ndarray:
        """Tuned firing rates for given velocities.

        Parameters
        ----------
        velocity : array_like, shape (n, 2) or (2,)
            Intended velocity.

        Returns
        -------
        numpy.ndarray of float64, shape (n, n_units) or (n_units,)
            ``max(0, baseline + modulation · v·pd / v_max)`` (Hz).
        """
        v = np.asarray(velocity, dtype=np.float64)
        r = self.units.baseline + v[..., :1] * self._gain_x + v[..., 1:2] * self._gain_y
        return np.maximum(r, 0.0)

    def step(
        self, n_samples: int, velocity: Velocity = (0.0, 0.0)
    ) -> tuple[np.ndarray, np.ndarray]:
        """Generate the next ``n_samples`` samples.

        Parameters
        ----------
        n_samples : int
            Chunk length (samples), ≥ 0.
        velocity : Velocity
            Intended velocity over the chunk: ``(vx, vy)``, an array ``(n_samples, 2)``, or a
            callable of time since sample 0 (s).

        Returns
        -------
        data : numpy.ndarray of float32, shape (n_samples, n_channels)
            Voltage (µV), C-contiguous.
        truth : numpy.ndarray of SPIKE_DTYPE, shape (n_spikes,)
            Tuned-unit spikes whose trough lies in this chunk: ``sample_index`` (running index of
            the trough), ``channel`` (best channel), ``amplitude`` (signed trough value there,
            µV, negative), ``unit``. Sorted by sample index, then unit.
        """
        n = int(n_samples)
        if n < 0:
            raise ValueError(f"n_samples must be >= 0, got {n_samples}")
        data = np.empty((n, self.n_channels), dtype=np.float32)
        truth = self._step_into(data, _velocity_array(velocity, self._n, n, self.fs))
        return data, truth

    def _step_into(self, data: np.ndarray, vel: np.ndarray) -> np.ndarray:
        """Generate ``len(data)`` samples into ``data`` (C-contiguous rows); return the truth."""
        n, c = data.shape
        start, length, units = self._n, self._length, self.units
        unit_buf = np.zeros((n + length, c), dtype=np.float32)
        unit_buf[:length] = self._unit_tail
        onsets, unit_ids = [], []
        for off, d in self._bg.take(n):
            m = d.background.shape[0]
            cap = self.n_units * (m // (self._dead_samples + 1) + 1)
            onset = np.empty(cap, dtype=np.int64)
            unit = np.empty(cap, dtype=np.int32)
            k = tuned_spikes(
                vel[off : off + m], d.uniform, units.baseline, self._gain_x, self._gain_y,
                1.0 / self.fs, self._dead_samples, self._dead, onset, unit,
            )  # fmt: skip
            onset = onset[:k] + off
            insert_waveforms(unit_buf, onset, unit[:k], units.waveform, units.gain)
            # Rows of this piece now hold every waveform that starts at or before them.
            add_units(
                d.background, unit_buf[off : off + m], data[off : off + m], self._bg_sum,
                self._bg_sumsq,
            )  # fmt: skip
            onsets.append(onset)
            unit_ids.append(unit[:k])
        self._unit_tail = unit_buf[n : n + length].copy()
        self._n = start + n
        if not onsets:
            return self._emit_truth(np.empty(0, np.int64), np.empty(0, np.int32))
        return self._emit_truth(
            start + np.concatenate(onsets) + self._pre, np.concatenate(unit_ids)
        )

    def _emit_truth(self, trough: np.ndarray, unit: np.ndarray) -> np.ndarray:
        new = np.empty(trough.size, dtype=SPIKE_DTYPE)
        new["sample_index"] = trough
        new["unit"] = unit
        new["channel"] = self.units.best_channel[unit]
        new["amplitude"] = -self.units.gain[unit, self.units.best_channel[unit]]
        allspk = np.concatenate([self._pending, new])
        cut = int(np.searchsorted(allspk["sample_index"], self._n, side="left"))
        self._pending = allspk[cut:]
        return allspk[:cut]

    def generate(
        self, n_samples: int, velocity: Velocity = (0.0, 0.0), chunk: int = 30_000
    ) -> tuple[np.ndarray, np.ndarray]:
        """Generate ``n_samples`` samples at once (internally in chunks, same result as ``step``).

        Parameters
        ----------
        n_samples : int
            Number of samples.
        velocity : Velocity
            As for :meth:`step`; an array must have shape ``(n_samples, 2)``.
        chunk : int
            Internal chunk length (samples); it does not change the result, only peak memory.

        Returns
        -------
        data : numpy.ndarray of float32, shape (n_samples, n_channels)
            Voltage (µV).
        truth : numpy.ndarray of SPIKE_DTYPE
            Ground-truth spikes (see :meth:`step`).
        """
        n = int(n_samples)
        if n < 0 or chunk <= 0:
            raise ValueError(f"need n_samples >= 0 and chunk > 0, got {n_samples}, {chunk}")
        vel_all = None
        if not callable(velocity):
            vel_all = np.asarray(velocity, dtype=np.float64)
            if vel_all.ndim == 2 and vel_all.shape != (n, 2):
                raise ValueError(f"velocity must have shape ({n}, 2) or (2,), got {vel_all.shape}")
        data = np.empty((n, self.n_channels), dtype=np.float32)
        truths = []
        for a in range(0, n, chunk):
            b = min(n, a + chunk)
            v: Velocity = velocity
            if vel_all is not None and vel_all.ndim == 2:
                v = vel_all[a:b]
            truths.append(self._step_into(data[a:b], _velocity_array(v, self._n, b - a, self.fs)))
        truth = np.concatenate(truths) if truths else np.empty(0, dtype=SPIKE_DTYPE)
        return data, truth

    # ------------------------------------------------------------------ reports
    def noise_std(self) -> np.ndarray:
        """Realised standard deviation of the background on each channel so far (µV).

        The background is everything but the tuned units (white + pink + hash). Before any
        sample is generated the analytic value :attr:`noise_std_expected` is returned.

        Returns
        -------
        numpy.ndarray of float64, shape (n_channels,)
        """
        if self._n == 0:
            return self.noise_std_expected.copy()
        mean = self._bg_sum / self._n
        return np.sqrt(np.maximum(self._bg_sumsq / self._n - mean * mean, 0.0))

    def snr(self) -> np.ndarray:
        """Realised SNR of every tuned unit: best-channel peak / realised background σ there.

        Both are broadband (the signal as generated, no filtering). A spike-band filter changes
        both: with a causal 300–5000 Hz Butterworth the default background's MAD σ drops from
        ≈ 6.6 to ≈ 4.2 µV and the trough shrinks and shifts, so detection SNR differs.

        Returns
        -------
        numpy.ndarray of float64, shape (n_units,)
        """
        return self.units.peak_amplitude / self.noise_std()[self.units.best_channel]


def _make_units(
    cfg: CortexConfig, seed: np.random.SeedSequence, noise_std: np.ndarray, pre: int
) -> UnitTable:
    """Draw the tuned units: place them, shape them, tune them, and scale them to their SNR.

    Every draw happens whether or not the configuration overrides it, so an override changes
    nothing else.
    """
    rng_geo, rng_wav, rng_tun, rng_snr = (np.random.default_rng(s) for s in seed.spawn(4))
    elec, m = cfg.electrode_positions, cfg.n_units
    position = place_near_electrodes(rng_geo, elec, m, cfg.unit_distance_um)
    waveform = make_waveforms(rng_wav, m, cfg.fs, cfg.waveform)
    baseline = _override(rng_tun.uniform(*cfg.baseline_range, size=m), cfg.baseline)
    modulation = _override(rng_tun.uniform(*cfg.modulation_range, size=m), cfg.modulation)
    # one preferred direction per sector of 2π/m, jittered, in random order
    pd = 2.0 * np.pi * (rng_tun.permutation(m) + rng_tun.uniform(size=m)) / m
    pd = np.mod(_override(pd, cfg.preferred_direction), 2.0 * np.pi)
    lo, hi = np.log(cfg.snr_range)
    snr_target = _override(np.exp(rng_snr.uniform(lo, hi, size=m)), cfg.snr)

    g = distance_gain(distances(position, elec), cfg.d0_um)
    best = np.argmax(g, axis=1).astype(np.int32)
    rows = np.arange(m)
    source = snr_target * noise_std[best] / g[rows, best]  # amplitude at the soma (µV)
    gain = np.ascontiguousarray(source[:, None] * g, dtype=np.float32)
    return UnitTable(
        position=position,
        waveform=waveform,
        gain=gain,
        best_channel=best,
        peak_amplitude=gain[rows, best].astype(np.float64),
        snr_target=snr_target,
        baseline=baseline,
        modulation=modulation,
        preferred_direction=pd,
        pre=pre,
    )


def _override(drawn: np.ndarray, given: object) -> np.ndarray:
    return drawn if given is None else np.asarray(given, dtype=np.float64)


def _velocity_array(velocity: Velocity, start: int, n: int, fs: float) -> np.ndarray:
    """Resolve a :data:`Velocity` to a C-contiguous float64 array of shape (n, 2)."""
    if callable(velocity):
        t = (start + np.arange(n, dtype=np.int64)) / fs
        v = np.asarray(velocity(t), dtype=np.float64)
    else:
        v = np.asarray(velocity, dtype=np.float64)
    if v.shape == (2,):
        v = np.broadcast_to(v, (n, 2))
    if v.shape != (n, 2):
        raise ValueError(f"velocity must have shape ({n}, 2) or (2,), got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("velocity must be finite")
    return np.ascontiguousarray(v)
