"""What flows between two nodes, as an LSL stream: one codec per port type.

When a stage of the loop runs in its own process (:mod:`neurolink.loop.stages.process`), the output
of its last node goes out on LSL and the next process turns it back into the same Python value, at
the same sample indices. :class:`~neurolink.loop.stages.io.PortOutlet` and
:class:`~neurolink.loop.stages.inlet.PortInlet` do the I/O; this module fixes the layout.

Layout
------
A *message* is what one node step produced: one or more rows pushed together, every row stamped
with the step's *origin time* — the host time of the newest source sample of the block that
caused it (``Tick.t_last``). Carried through every process, it lets the last one compute
``t_out − t_sample`` across processes (the receiver adds LSL's clock offset). Every row starts
with four header channels:

=========== =========================================================================
``tick_hi``  first sample index of the step = ``tick_hi · 2²⁴ + tick_lo``
``tick_lo``  (two channels so that indices stay exact in float32: up to 2⁴⁸ samples)
``tick_n``   samples the step spans (``stop_index − first_index``)
``rest``     payload rows that follow this one in the message (≥ 0); or a row with no
             payload: ``EMPTY`` (the step produced nothing), ``END`` (the producer
             finished: no more messages), ``ABORT`` (the producer failed)
=========== =========================================================================

then the port's payload:

=========== ========= ========================================================== ==========
port        format    payload channels (one row per …)                           when empty
=========== ========= ========================================================== ==========
samples     float32   the source channels (… sample)                             never
events      float32   ``idx_hi, idx_lo, channel, unit, amplitude`` (… spike), and EMPTY never
                      a last row with ``channel = −1`` whose index is
                      ``complete_until``
counts      int32     ``edge_hi, edge_lo`` (the bin's first sample), one count    not sent
                      per channel (… completed bin); nominal rate = bin rate
state,      double64  ``index``, the values (… fresh vector)                     EMPTY
posteriors
spikes      int32     0/1 per neuron (… network step)                            EMPTY
decision    int32     the class (… decision)                                     EMPTY
=========== ========= ========================================================== ==========

Steps without output still send an ``EMPTY`` row, so that the receiver steps its nodes on the
same ticks as the producer did (the spiking-network nodes advance with sample time). Counts are
the exception: a decoder does nothing between bins, so only bins are sent, at the bin rate, and
the receiver fills the span between two messages with one idle step. Commands are not a port
that travels: mappers drive devices from the process that runs them.

The stream's ``desc/neurolink_port`` holds the port, the producing node, the origin stream, its
rate and channel labels, and the bin width, so the receiver can build its nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from neurolink.errors import StreamMismatchError
from neurolink.loop.core.ports import Port, Vector
from neurolink.loop.nodes.bin import Bins
from neurolink.loop.nodes.detect import Events
from neurolink.streams.events import SPIKE_DTYPE

__all__ = [
    "ABORT",
    "CODECS",
    "DESC",
    "EMPTY",
    "END",
    "HEADER",
    "INDEX_BASE",
    "PortMeta",
    "join_index",
    "make_codec",
    "split_index",
]

#: Sample indices travel as ``hi · INDEX_BASE + lo``: both parts are exact in float32 and int32.
INDEX_BASE = 1 << 24
#: Header channels of every row.
HEADER = ("tick_hi", "tick_lo", "tick_n", "rest")
#: ``rest`` of a row without payload: the step produced nothing.
EMPTY = -1
#: ``rest`` of the last row of a stream: the producer finished normally.
END = -2
#: ``rest`` of the last row of a stream whose producer stopped on an error.
ABORT = -3
#: Child of the stream's ``desc`` that holds the :class:`PortMeta`.
DESC = "neurolink_port"


def split_index(index: int | np.ndarray) -> tuple[Any, Any]:
    """``(hi, lo)`` with ``index = hi · INDEX_BASE + lo`` and ``0 <= lo < INDEX_BASE``."""
    return index // INDEX_BASE, index % INDEX_BASE


def join_index(hi: Any, lo: Any) -> Any:
    """The sample index from its two parts (int, or int64 arrays)."""
    if isinstance(hi, np.ndarray):
        return hi.astype(np.int64) * INDEX_BASE + lo.astype(np.int64)
    return int(hi) * INDEX_BASE + int(lo)


@dataclass(frozen=True)
class PortMeta:
    """What a receiver needs to know of a port stream.

    Attributes
    ----------
    port : Port
        What the stream carries.
    node : str
        Name of the node whose output it is.
    origin : str
        Name of the source stream the sample indices count.
    rate : float
        Rate of the origin stream (Hz): the ticks' rate.
    channels : tuple of str
        Channel labels of the origin stream.
    labels : tuple of str
        Labels of a vector's values (state, posteriors) or of the neurons (spikes).
    width : int
        Bin width in samples (counts), else 0.
    """

    port: Port
    node: str
    origin: str
    rate: float
    channels: tuple[str, ...]
    labels: tuple[str, ...] = ()
    width: int = 0


class _Codec:
    """Payload layout of one port (see the module table)."""

    port: ClassVar[Port]
    fmt: ClassVar[str]
    dtype: ClassVar[type]
    #: Steps without output are not sent (the receiver fills the span with an idle step).
    skip_empty: ClassVar[bool] = False

    def __init__(self, meta: PortMeta) -> None:
        self.meta = meta

    def labels(self) -> tuple[str, ...]:
        """Payload channel labels."""
        raise NotImplementedError

    def count(self, value: Any) -> int:
        """Payload rows ``value`` needs (0: nothing to send)."""
        raise NotImplementedError

    def fill(self, value: Any, out: np.ndarray) -> None:
        """Write ``value`` into ``out`` (count(value), len(labels()))."""
        raise NotImplementedError

    def decode(self, payload: np.ndarray, first: int) -> Any:
        """The value of a message's payload rows (a reused object)."""
        raise NotImplementedError

    def nothing(self, first: int) -> Any:
        """The value of a step that produced nothing (an EMPTY row, or an idle step)."""
        raise NotImplementedError

    def nominal_rate(self) -> float:
        """LSL nominal rate of the stream (0: irregular)."""
        return 0.0


class _Samples(_Codec):
    port, fmt, dtype = Port.SAMPLES, "float32", np.float32

    def __init__(self, meta: PortMeta) -> None:
        super().__init__(meta)
        self._x = np.zeros((0, len(meta.channels)), np.float32)

    def labels(self) -> tuple[str, ...]:
        return self.meta.channels

    def count(self, value: np.ndarray) -> int:
        return int(value.shape[0])

    def fill(self, value: np.ndarray, out: np.ndarray) -> None:
        out[:] = value

    def decode(self, payload: np.ndarray, first: int) -> np.ndarray:
        n = payload.shape[0]
        if n > self._x.shape[0]:
            self._x = np.zeros((n, self._x.shape[1]), np.float32)
        x = self._x[:n]
        x[:] = payload
        return x

    def nothing(self, first: int) -> np.ndarray:
        return self._x[:0]

    def nominal_rate(self) -> float:
        return self.meta.rate


class _Events(_Codec):
    port, fmt, dtype = Port.EVENTS, "float32", np.float32

    def __init__(self, meta: PortMeta) -> None:
        super().__init__(meta)
        self._events = Events(np.empty(0, SPIKE_DTYPE), 0, len(meta.channels))

    def labels(self) -> tuple[str, ...]:
        return ("idx_hi", "idx_lo", "channel", "unit", "amplitude")

    def count(self, value: Events) -> int:
        return int(value.spikes.shape[0]) + 1

    def fill(self, value: Events, out: np.ndarray) -> None:
        sp = value.spikes
        n = sp.shape[0]
        out[:n, 0], out[:n, 1] = split_index(sp["sample_index"])
        out[:n, 2], out[:n, 3], out[:n, 4] = sp["channel"], sp["unit"], sp["amplitude"]
        out[n, :2] = split_index(value.complete_until)
        out[n, 2:] = (-1, -1, 0.0)

    def decode(self, payload: np.ndarray, first: int) -> Events:
        n = payload.shape[0] - 1
        sp = np.empty(n, SPIKE_DTYPE)
        sp["sample_index"] = join_index(payload[:n, 0], payload[:n, 1])
        sp["channel"], sp["unit"], sp["amplitude"] = payload[:n, 2], payload[:n, 3], payload[:n, 4]
        ev = self._events
        ev.spikes = sp
        ev.complete_until = join_index(payload[n, 0], payload[n, 1])
        return ev

    def nothing(self, first: int) -> Events:
        raise StreamMismatchError("an events stream never sends an empty step")


class _Counts(_Codec):
    port, fmt, dtype, skip_empty = Port.COUNTS, "int32", np.int32, True

    def __init__(self, meta: PortMeta) -> None:
        super().__init__(meta)
        if meta.width < 1:
            raise StreamMismatchError(f"counts of node {meta.node!r}: no bin width")
        self._counts = np.zeros((0, len(meta.channels)), np.int32)
        self._edges = np.zeros(1, np.int64)

    def labels(self) -> tuple[str, ...]:
        return ("edge_hi", "edge_lo", *self.meta.channels)

    def count(self, value: Bins) -> int:
        return value.n

    def fill(self, value: Bins, out: np.ndarray) -> None:
        out[:, 0], out[:, 1] = split_index(value.edges[:-1])
        out[:, 2:] = value.counts

    def decode(self, payload: np.ndarray, first: int) -> Bins:
        n = payload.shape[0]
        if n + 1 > self._edges.shape[0]:
            self._counts = np.zeros((n, self._counts.shape[1]), np.int32)
            self._edges = np.zeros(n + 1, np.int64)
        counts = self._counts[:n]
        counts[:] = payload[:, 2:]
        edges = self._edges[: n + 1]
        edges[:] = join_index(payload[0, 0], payload[0, 1]) + self.meta.width * np.arange(n + 1)
        return Bins(counts, edges)

    def nothing(self, first: int) -> Bins:
        return Bins(self._counts[:0], self._edges[:1])

    def nominal_rate(self) -> float:
        return self.meta.rate / self.meta.width


class _Vector(_Codec):
    fmt, dtype = "double64", np.float64

    def __init__(self, meta: PortMeta) -> None:
        super().__init__(meta)
        self._vector = Vector.zeros(meta.labels)

    def labels(self) -> tuple[str, ...]:
        return ("index", *self.meta.labels)

    def count(self, value: Vector) -> int:
        return int(value.fresh)

    def fill(self, value: Vector, out: np.ndarray) -> None:
        out[0, 0] = value.index
        out[0, 1:] = value.value

    def decode(self, payload: np.ndarray, first: int) -> Vector:
        v = self._vector
        v.fresh, v.index = True, int(payload[-1, 0])
        v.value[:] = payload[-1, 1:]
        return v

    def nothing(self, first: int) -> Vector:
        self._vector.fresh = False
        return self._vector


class _State(_Vector):
    port = Port.STATE


class _Posteriors(_Vector):
    port = Port.POSTERIORS


class _Spikes(_Codec):
    port, fmt, dtype = Port.SPIKES, "int32", np.int32

    def __init__(self, meta: PortMeta) -> None:
        super().__init__(meta)
        self._spikes = np.zeros((0, len(meta.labels)), np.bool_)

    def labels(self) -> tuple[str, ...]:
        return self.meta.labels

    def count(self, value: np.ndarray) -> int:
        return int(value.shape[0])

    def fill(self, value: np.ndarray, out: np.ndarray) -> None:
        out[:] = value

    def decode(self, payload: np.ndarray, first: int) -> np.ndarray:
        n = payload.shape[0]
        if n > self._spikes.shape[0]:
            self._spikes = np.zeros((n, self._spikes.shape[1]), np.bool_)
        out = self._spikes[:n]
        np.not_equal(payload, 0, out=out)
        return out

    def nothing(self, first: int) -> np.ndarray:
        return self._spikes[:0]


class _Decision(_Codec):
    port, fmt, dtype = Port.DECISION, "int32", np.int32

    def labels(self) -> tuple[str, ...]:
        return ("decision",)

    def count(self, value: int) -> int:
        return int(value >= 0)

    def fill(self, value: int, out: np.ndarray) -> None:
        out[0, 0] = value

    def decode(self, payload: np.ndarray, first: int) -> int:
        return int(payload[-1, 0])

    def nothing(self, first: int) -> int:
        return -1


#: Port → codec class. ``commands`` has none (see the module docstring).
CODECS: dict[Port, type[_Codec]] = {
    c.port: c for c in (_Samples, _Events, _Counts, _State, _Posteriors, _Spikes, _Decision)
}


def make_codec(meta: PortMeta) -> _Codec:
    """The codec of ``meta.port``.

    Raises
    ------
    StreamMismatchError
        For ``commands``, which do not travel between processes.
    """
    try:
        return CODECS[meta.port](meta)
    except KeyError:
        raise StreamMismatchError(
            f"node {meta.node!r} outputs {meta.port.value}, which cannot go on a stream: "
            f"ports that can are {', '.join(p.value for p in CODECS)}; run the mappers and "
            "their devices in the process of the node before them"
        ) from None
