"""The simulated subject as source kinds of the config: ``[source.simulated]`` (its own process,
on LSL) and ``[source.simulated_inprocess]`` (in the loop's process, no LSL).

Registered into :data:`neurolink.streams.config.SOURCE_KINDS` on import; the top-level config
(:mod:`neurolink.loop.session.config`) imports this module so the kinds are always known. Both
share the subject's keys (:class:`SubjectConfig`) and, for one seed, give the same samples.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING, ClassVar

from neurolink.config.tables import setting
from neurolink.streams.config import SOURCE_KINDS, SourceConfig

if TYPE_CHECKING:
    from neurolink.sim.config import CortexConfig
    from neurolink.sim.inprocess import InProcessSubject
    from neurolink.sim.subject import SimulatedSubject

__all__ = ["InProcessConfig", "SimulatedConfig", "SubjectConfig"]

#: Channel counts of the subject's arrays (:data:`neurolink.sim.arrays.SUPPORTED_CHANNELS`,
#: repeated here so that reading a config does not import the simulator; a test checks both).
CHANNEL_CHOICES = (96, 128, 256, 384)


@dataclasses.dataclass(frozen=True)
class SubjectConfig(SourceConfig):
    """The simulated subject's keys, shared by its source kinds (not a kind itself).

    Attributes
    ----------
    name : str or None
        Stream name; default a unique one per run.
    seed : int
        Seed of the simulated cortex.
    units : int
        Tuned units.
    channels : int
        Electrodes: 96, 128 or 256 on a Utah-like 400 µm grid, 384 on a Neuropixels 1.0-like
        shank (:mod:`neurolink.sim.arrays`).
    fs : float
        Sampling rate (Hz).
    chunk_ms : float
        Milliseconds of data per chunk.
    """

    name: str | None = None
    seed: int = setting(0, ge=0)
    units: int = setting(60, ge=1)
    channels: int = setting(96, choices=CHANNEL_CHOICES)
    fs: float = setting(30_000.0, ge=1000)
    chunk_ms: float = setting(1.0, gt=0)

    @property
    def chunk_samples(self) -> int:
        """Samples per chunk."""
        return max(1, round(self.chunk_ms * 1e-3 * self.fs))

    def cortex_config(self) -> CortexConfig:
        """The simulated cortex (its array by :attr:`channels`)."""
        from neurolink.sim.arrays import subject_cortex_config

        return subject_cortex_config(self.fs, self.units, self.channels)

    def channel_names(self) -> tuple[str, ...]:
        """The channel labels the subject streams (known before it starts)."""
        return tuple(f"ch{i:03d}" for i in range(self.channels))


@SOURCE_KINDS.register
@dataclasses.dataclass(frozen=True)
class SimulatedConfig(SubjectConfig):
    """``[source.simulated]``: the simulated subject in its own process, streaming on LSL.

    Attributes
    ----------
    name, seed, units, channels, fs, chunk_ms
        As :class:`SubjectConfig` (``name``: the LSL stream name).
    resolve_timeout, stall_timeout : float
        Seconds to wait for the stream; seconds without samples before a stall.
    """

    kind: ClassVar[str] = "simulated"

    resolve_timeout: float = setting(30.0, gt=0)
    stall_timeout: float = setting(2.0, gt=0)

    def make_subject(self, duration: float | None) -> SimulatedSubject:
        """The subject process (not started), streaming from the reader's first sample.

        Parameters
        ----------
        duration : float or None
            Seconds it streams at most (None: until stopped).
        """
        from neurolink.sim.subject import SimulatedSubject

        return SimulatedSubject(
            self.name,
            seed=self.seed,
            units=self.units,
            channels=self.channels,
            fs=self.fs,
            chunk_ms=self.chunk_ms,
            duration=duration,
            wait_consumer=True,
        )


@SOURCE_KINDS.register
@dataclasses.dataclass(frozen=True)
class InProcessConfig(SubjectConfig):
    """``[source.simulated_inprocess]``: the simulated subject in the loop's process, no LSL.

    The same generator and host-clock pacing as ``simulated``, its blocks handed to the loop
    directly (:class:`~neurolink.sim.inprocess.InProcessSubject`): the pipeline's own latency
    floor. The center-out task drives it as it drives the subject on LSL.

    Attributes
    ----------
    name, seed, units, channels, fs, chunk_ms
        As :class:`SubjectConfig`.
    """

    kind: ClassVar[str] = "simulated_inprocess"

    def make_source(self) -> InProcessSubject:
        """The source (not opened)."""
        from neurolink.sim.cortex import CortexSimulator
        from neurolink.sim.inprocess import InProcessSubject

        sim = CortexSimulator(self.cortex_config(), seed=self.seed)
        name = self.name or f"neurolink-subject-{uuid.uuid4().hex[:10]}"
        return InProcessSubject(sim, name, chunk_samples=self.chunk_samples)
