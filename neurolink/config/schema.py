"""The whole configuration: one field per section.

Adding a section is two steps: write a frozen dataclass for it (in its own module of this
package, fields typed and ruled with :func:`~neurolink.config.engine.setting`), then add one
field here. An optional section gets ``dataclasses.field(default_factory=TheSection)``; a
required one no default.
"""

from __future__ import annotations

import dataclasses

from neurolink.config.acquisition import SOURCE_KINDS, SessionConfig, SourceConfig
from neurolink.loop.core.config import LoopConfig

__all__ = ["Config"]


@dataclasses.dataclass(frozen=True)
class Config:
    """A validated neurolink configuration.

    Attributes
    ----------
    source : SourceConfig
        ``[source]``: where the data come from (:class:`BrainFlowConfig`, :class:`LslConfig`
        or :class:`FileConfig`, by ``kind``).
    session : SessionConfig
        ``[session]``: name, duration and status interval (all optional).
    loop : LoopConfig
        ``[loop]``: the closed loop's graph, sinks, task, recording and deadline (optional).
    """

    source: SourceConfig = dataclasses.field(metadata={"variants": SOURCE_KINDS})
    session: SessionConfig = dataclasses.field(default_factory=SessionConfig)
    loop: LoopConfig = dataclasses.field(default_factory=LoopConfig)
