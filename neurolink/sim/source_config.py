"""``[source.simulated]``: the simulated subject as a source kind of the config.

Registered into :data:`neurolink.streams.config.SOURCE_KINDS` on import; the top-level config
(:mod:`neurolink.loop.session.config`) imports this module so the kind is always known.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from neurolink.config.tables import setting
from neurolink.streams.config import SOURCE_KINDS, SourceConfig

__all__ = ["SimulatedConfig"]


@SOURCE_KINDS.register
@dataclasses.dataclass(frozen=True)
class SimulatedConfig(SourceConfig):
    """``[source.simulated]``: a simulated subject (motor-cortex Utah array) in its own process.

    Attributes
    ----------
    name : str or None
        LSL stream name; default a unique one per run.
    seed : int
        Seed of the simulated cortex.
    units : int
        Tuned units.
    fs : float
        Sampling rate (Hz).
    chunk_ms : float
        Milliseconds of data per pushed chunk.
    resolve_timeout, stall_timeout : float
        Seconds to wait for the stream; seconds without samples before a stall.
    """

    kind: ClassVar[str] = "simulated"

    name: str | None = None
    seed: int = setting(0, ge=0)
    units: int = setting(60, ge=1)
    fs: float = setting(30_000.0, ge=1000)
    chunk_ms: float = setting(1.0, gt=0)
    resolve_timeout: float = setting(30.0, gt=0)
    stall_timeout: float = setting(2.0, gt=0)
