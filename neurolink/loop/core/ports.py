"""What flows between the nodes of a loop graph, and the stages latency is broken into.

A node reads one :class:`Port` type and produces one; each node class declares which
(:mod:`neurolink.loop.core.registry`). The config loader checks that each node's input is a port
type the node accepts and reports a mismatch with the file, line and node.

========== ===================================================================================
port       value handed to the next node (per block; ``None`` or empty when nothing is new)
========== ===================================================================================
samples    ``numpy.ndarray`` float32 (n_samples, n_channels): a block's data, time-major
events     ``numpy.ndarray`` of ``SPIKE_DTYPE``: spikes decided by this block
counts     :class:`~neurolink.loop.nodes.bin.Bins`: bins completed by this block
state      :class:`Vector`: a decoded vector (velocity, position); ``fresh`` when it changed
posteriors :class:`Vector`: class posteriors
spikes     ``numpy.ndarray`` bool (n_steps, n_neurons): output spikes of a spiking network
decision   ``int``: a discrete choice (class index), -1 when none this block
commands   ``list`` of commands (:mod:`neurolink.hal.commands`) for a sink
========== ===================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

import numpy as np

__all__ = ["Port", "Stage", "Vector"]


class Port(StrEnum):
    """Type of the value on a node's output."""

    SAMPLES = "samples"
    EVENTS = "events"
    COUNTS = "counts"
    STATE = "state"
    POSTERIORS = "posteriors"
    SPIKES = "spikes"
    DECISION = "decision"
    COMMANDS = "commands"


class Stage(IntEnum):
    """Latency stages, in the order a block goes through them (DESIGN.md §2 "Latency")."""

    ACQUIRE = 0  # newest sample stamped → block in hand
    FILTER_DETECT = 1  # filtering, re-referencing, spike detection
    BIN_DECODE = 2  # binning, features, decoders
    SNN = 3  # spiking networks (host fixed backend or the neuromorphic board)
    WIRE = 4  # command mapping, safety checks and writing to the device

    @property
    def label(self) -> str:
        """Column name in summaries and the latency stream."""
        return self.name.lower()


@dataclass(slots=True)
class Vector:
    """A preallocated vector output (decoded state or posteriors) with a freshness flag.

    Attributes
    ----------
    value : numpy.ndarray of float64, shape (n,)
        The latest value (updated in place; copy it to keep it).
    fresh : bool
        True when the producing node updated it during the current block.
    index : int
        Running sample index of the newest sample that contributed to it (-1 before the first).
    labels : tuple of str
        One label per element (``vx``, ``vy``; class names).
    """

    value: np.ndarray
    fresh: bool = False
    index: int = -1
    labels: tuple[str, ...] = field(default=())

    @classmethod
    def zeros(cls, labels: tuple[str, ...]) -> Vector:
        """A zero vector with these labels."""
        return cls(np.zeros(len(labels), np.float64), labels=tuple(labels))
