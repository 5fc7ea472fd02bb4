"""A node's output on LSL: :class:`PortOutlet`, and the stream description of a port.

The layout of each port is in :mod:`neurolink.loop.stages.lsl_ports`. :class:`PortOutlet` sends one
message per node step, every row stamped with the step's origin time;
:func:`port_stream_info` writes the :class:`~neurolink.loop.stages.lsl_ports.PortMeta` into the
stream's ``desc`` and :func:`meta_from_info` reads it back. The reader is
:class:`~neurolink.loop.stages.inlet.PortInlet`.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, Self

import numpy as np
import pylsl

from neurolink.clock import now
from neurolink.errors import SourceError, StreamMismatchError
from neurolink.loop.core.ports import Port
from neurolink.loop.core.tick import Tick
from neurolink.loop.stages.lsl_ports import (
    ABORT,
    CODECS,
    DESC,
    EMPTY,
    END,
    HEADER,
    PortMeta,
    make_codec,
    split_index,
)
from neurolink.streams.lsl_outlet import make_stream_info

__all__ = ["PortOutlet", "UpstreamError", "meta_from_info", "port_stream_info"]

_H = len(HEADER)


class UpstreamError(SourceError):
    """The process that feeds a port stream stopped on an error (it sent ``ABORT``)."""


class PortOutlet:
    """Publishes a node's output, one message per step.

    Parameters
    ----------
    name : str
        LSL stream name (give every test stream a unique one).
    meta : PortMeta
        What the stream carries.
    source_id : str, optional
        LSL source id (default: ``name``).
    """

    def __init__(self, name: str, meta: PortMeta, source_id: str | None = None) -> None:
        self.codec = make_codec(meta)
        self.meta = meta
        self.info = port_stream_info(name, source_id or name, self.codec)
        self._width = _H + len(self.codec.labels())
        self._rows = np.zeros((64, self._width), self.codec.dtype)
        self._outlet: pylsl.StreamOutlet | None = pylsl.StreamOutlet(self.info)
        self.n_messages = 0
        self.n_rows = 0

    def wait_for_consumers(self, timeout: float) -> bool:
        """Block until an inlet connects or ``timeout`` seconds pass."""
        return self._outlet is not None and self._outlet.wait_for_consumers(timeout)

    def have_consumers(self) -> bool:
        """True while at least one inlet is connected."""
        return self._outlet is not None and self._outlet.have_consumers()

    def send(self, value: Any, tick: Tick) -> int:
        """Send what a step produced.

        Parameters
        ----------
        value : object
            The node's output for the step (its port's type).
        tick : Tick
            The step's tick; ``t_last`` is the origin time every row is stamped with.

        Returns
        -------
        int
            Payload rows sent (0 for an ``EMPTY`` row, or when nothing was sent).
        """
        n = self.codec.count(value)
        if n == 0 and self.codec.skip_empty:
            return 0
        rows = self._header(max(n, 1), tick.first_index, tick.n_samples, EMPTY if n == 0 else 0)
        if n:
            rows[:, 3] = np.arange(n - 1, -1, -1)
            self.codec.fill(value, rows[:, _H:])
        else:
            rows[:, _H:] = 0
        if self.codec.port is Port.SAMPLES:  # each sample keeps its own time
            stamps = tick.t_last - (n - 1 - np.arange(n)) / tick.rate
        else:
            stamps = np.full(rows.shape[0], tick.t_last)
        self._push(rows, stamps)
        return n

    def finish(self, stop_index: int, *, failed: bool = False, linger: float = 5.0) -> None:
        """Send ``END`` (or ``ABORT`` when ``failed``), wait until the consumers have read it
        and left (at most ``linger`` s), and close."""
        if self._outlet is None:
            return
        rows = self._header(1, stop_index, 0, ABORT if failed else END)
        rows[:, _H:] = 0
        self._push(rows, np.full(1, now()))
        t_end = now() + linger
        while self._outlet.have_consumers() and now() < t_end:
            time.sleep(0.01)
        self.close()

    def close(self) -> None:
        """Destroy the outlet (idempotent)."""
        self._outlet = None

    def _header(self, n: int, first: int, n_samples: int, rest: int) -> np.ndarray:
        if n > self._rows.shape[0]:
            self._rows = np.zeros((2 * n, self._width), self.codec.dtype)
        rows = self._rows[:n]
        rows[:, 0], rows[:, 1] = split_index(first)
        rows[:, 2], rows[:, 3] = n_samples, rest
        return rows

    def _push(self, rows: np.ndarray, stamps: np.ndarray) -> None:
        if self._outlet is None:
            raise RuntimeError(f"port outlet {self.info.name()!r} is closed")
        self._outlet.push_chunk(rows, stamps.tolist())
        self.n_messages += 1
        self.n_rows += rows.shape[0]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def port_stream_info(name: str, source_id: str, codec: Any) -> pylsl.StreamInfo:
    """The ``StreamInfo`` of a port stream: header and payload channels, ``desc`` metadata."""
    m = codec.meta
    info = make_stream_info(
        name,
        f"neurolink-{m.port.value}",
        (*HEADER, *codec.labels()),
        codec.nominal_rate(),
        source_id,
        codec.fmt,
    )
    d = info.desc().append_child(DESC)
    for key, value in (("port", m.port.value), ("node", m.node), ("origin", m.origin)):
        d.append_child_value(key, value)
    d.append_child_value("rate", repr(float(m.rate)))
    d.append_child_value("width", str(int(m.width)))
    for tag, labels in (("origin_channels", m.channels), ("labels", m.labels)):
        child = d.append_child(tag)
        for label in labels:
            child.append_child_value("label", str(label))
    return info


def _labels(node: Any) -> tuple[str, ...]:
    out, ch = [], node.child("label")
    while not ch.empty():
        out.append(ch.child_value())
        ch = ch.next_sibling("label")
    return tuple(out)


def meta_from_info(info: pylsl.StreamInfo) -> PortMeta:
    """Read a port stream's metadata (from an inlet's full ``info()``).

    Raises
    ------
    StreamMismatchError
        The stream is not a port stream written by :func:`port_stream_info`.
    """
    d = info.desc().child(DESC)
    port = d.child_value("port")
    if d.empty() or port not in {p.value for p in CODECS}:
        raise StreamMismatchError(
            f"LSL stream {info.name()!r} is not the output of a neurolink node (no "
            f"desc/{DESC}); read a raw source with the first node of the loop instead"
        )
    return PortMeta(
        port=Port(port),
        node=d.child_value("node"),
        origin=d.child_value("origin"),
        rate=float(d.child_value("rate")),
        channels=_labels(d.child("origin_channels")),
        labels=_labels(d.child("labels")),
        width=int(d.child_value("width")),
    )
