"""Parameters of the simulated cortex, with defaults taken from the literature.

Defaults and their sources
--------------------------
- ``fs`` = 30 kHz, 96 channels on a 10×10 Utah array at 400 µm pitch without the corners:
  the Blackrock Cerebus front end and the Utah array (Maynard et al. 1997; Hochberg et al. 2006,
  Nature 442:164).
- ``baseline_range`` 5–20 Hz, ``modulation_range`` 5–30 Hz, cosine tuning to the intended
  velocity with preferred directions spread over the circle: motor-cortex directional tuning
  (Georgopoulos et al. 1982, J Neurosci 2:1527; Moran & Schwartz 1999, J Neurophysiol 82:2676).
- ``refractory_s`` = 1.5 ms absolute refractory period (Hodgkin–Huxley era estimates of 1–2 ms;
  ISI histograms of cortical units are empty below ~1.5 ms, Hill et al. 2011, J Neurosci 31:8699).
- Noise: white 5 µV + pink 3 µV + distant-unit "hash" 3 µV rms ≈ 6.6 µV rms total, in the 5–10 µV
  range of chronic Utah recordings (Suner et al. 2005, IEEE TNSRE 13:524; Nason et al. 2020,
  Nat Biomed Eng 4:973). Many small distant units as the source of background "hash" follows
  Martinez et al. 2009 (J Neurosci Methods 178:168) and Pedreira et al. 2012 (J Neurosci Methods
  211:58): 300 units per electrode at 5 Hz, 150–300 µm away (a shell that holds thousands of
  neurons at ~4·10⁴ /mm³, of which a fraction is active).
- ``snr_range`` 4–25 (log-uniform): with ~6.6 µV noise, best-channel spike amplitudes of
  ~25–170 µV, the 30–200 µV range of sortable cortical units (Suner et al. 2005).
- ``d0_um`` = 50 µm in ``g(d) = 1/(1 + (d/d0)²)``, units 20–60 µm from their electrode: see
  :mod:`neurolink.sim.geometry`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from neurolink.errors import ConfigError
from neurolink.sim.geometry import as_positions, utah_array_positions
from neurolink.sim.waveforms import WaveformShape

__all__ = ["CortexConfig"]


def _check_range(name: str, r: tuple[float, float], low: float = 0.0) -> None:
    if len(r) != 2 or not (low <= r[0] <= r[1]) or not np.all(np.isfinite(r)):
        raise ConfigError(f"CortexConfig.{name} must be (lo, hi) with {low} <= lo <= hi, got {r}")


@dataclass(frozen=True, eq=False)
class CortexConfig:
    """Parameters of :class:`neurolink.sim.CortexSimulator`.

    Attributes
    ----------
    fs : float
        Sampling rate (Hz).
    positions : array_like, shape (n_channels, 2 or 3), optional
        Electrode positions (µm); default the 96-site Utah array.
    n_units : int
        Number of tuned (recorded) units.
    snr_range : (float, float)
        Bounds of the log-uniform SNR draw (best-channel peak / background σ there).
    snr : sequence of float, length n_units, optional
        Explicit SNR per unit (overrides ``snr_range``).
    baseline_range, modulation_range : (float, float)
        Uniform draws of baseline rate and modulation depth (Hz).
    baseline, modulation : sequence of float, length n_units, optional
        Explicit values (Hz).
    preferred_direction : sequence of float, length n_units, optional
        Explicit preferred directions (rad); default spread evenly over the circle (one per
        sector of ``2π / n_units``, jittered, in random order).
    v_max : float
        Speed at which the modulation reaches its full depth (velocity units).
    refractory_s : float
        Absolute refractory period (s).
    d0_um : float
        Half-amplitude distance of the fall-off (µm).
    unit_distance_um : (float, float)
        Distance of each unit from its electrode tip (µm).
    white_rms_uv, pink_rms_uv, hash_rms_uv : float
        Rms of the white, 1/f and distant-unit components (µV; ``hash_rms_uv`` is the rms over
        channels of the hash standard deviation).
    hash_units_per_channel : int
        Distant units each electrode hears (the hash; :mod:`neurolink.sim.distant`).
    hash_rate_hz : float
        Their mean firing rate (Hz).
    hash_distance_um : (float, float)
        Their distance range from the tip (µm): beyond the ~150 µm within which units are
        sortable, up to where they fade into the noise.
    waveform : WaveformShape
        Ranges of the template parameters (tuned and distant units alike).
    """

    fs: float = 30_000.0
    positions: np.ndarray | None = None
    n_units: int = 60
    snr_range: tuple[float, float] = (4.0, 25.0)
    snr: Sequence[float] | None = None
    baseline_range: tuple[float, float] = (5.0, 20.0)
    modulation_range: tuple[float, float] = (5.0, 30.0)
    baseline: Sequence[float] | None = None
    modulation: Sequence[float] | None = None
    preferred_direction: Sequence[float] | None = None
    v_max: float = 1.0
    refractory_s: float = 1.5e-3
    d0_um: float = 50.0
    unit_distance_um: tuple[float, float] = (20.0, 60.0)
    white_rms_uv: float = 5.0
    pink_rms_uv: float = 3.0
    hash_rms_uv: float = 3.0
    hash_units_per_channel: int = 300
    hash_rate_hz: float = 5.0
    hash_distance_um: tuple[float, float] = (150.0, 300.0)
    waveform: WaveformShape = field(default_factory=WaveformShape)

    def __post_init__(self) -> None:
        pos = utah_array_positions() if self.positions is None else as_positions(self.positions)
        object.__setattr__(self, "positions", pos)
        if not (np.isfinite(self.fs) and self.fs >= 1000.0):
            raise ConfigError(f"CortexConfig.fs must be >= 1000 Hz, got {self.fs}")
        if self.n_units < 1:
            raise ConfigError(f"CortexConfig.n_units must be >= 1, got {self.n_units}")
        if self.hash_units_per_channel < 0:
            raise ConfigError(
                f"CortexConfig.hash_units_per_channel must be >= 0, got "
                f"{self.hash_units_per_channel}"
            )
        _check_range("snr_range", self.snr_range, low=1e-6)
        _check_range("baseline_range", self.baseline_range)
        _check_range("modulation_range", self.modulation_range)
        _check_range("unit_distance_um", self.unit_distance_um)
        _check_range("hash_distance_um", self.hash_distance_um, low=1e-6)
        for name in ("v_max", "refractory_s", "d0_um"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"CortexConfig.{name} must be > 0, got {getattr(self, name)}")
        for name in ("white_rms_uv", "pink_rms_uv", "hash_rms_uv", "hash_rate_hz"):
            if not getattr(self, name) >= 0:
                raise ConfigError(f"CortexConfig.{name} must be >= 0, got {getattr(self, name)}")
        hash_on = self.hash_rms_uv > 0 and self.hash_units_per_channel * self.hash_rate_hz > 0
        if self.white_rms_uv + self.pink_rms_uv <= 0 and not hash_on:
            raise ConfigError("CortexConfig: the background noise cannot be zero (SNR undefined)")
        if self.refractory_s * self.fs < 1:
            raise ConfigError(
                f"CortexConfig.refractory_s = {self.refractory_s} s is below one sample at fs"
            )
        for name in ("snr", "baseline", "modulation", "preferred_direction"):
            value = getattr(self, name)
            if value is None:
                continue
            arr = np.asarray(value, dtype=np.float64)
            if arr.shape != (self.n_units,) or not np.all(np.isfinite(arr)):
                raise ConfigError(
                    f"CortexConfig.{name} must hold n_units = {self.n_units} finite values, "
                    f"got shape {arr.shape}"
                )
            if name in ("baseline", "modulation") and np.any(arr < 0):
                raise ConfigError(f"CortexConfig.{name} must be >= 0 Hz")
            if name == "snr" and np.any(arr <= 0):
                raise ConfigError("CortexConfig.snr must be > 0")
            object.__setattr__(self, name, tuple(arr.tolist()))

    @property
    def electrode_positions(self) -> np.ndarray:
        """Electrode positions (µm), shape (n_channels, 3)."""
        assert self.positions is not None
        return self.positions

    @property
    def n_channels(self) -> int:
        """Number of recording channels."""
        return int(self.electrode_positions.shape[0])
