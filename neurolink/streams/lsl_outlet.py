"""LSL outlets for any stream neurolink produces (continuous blocks and markers)."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Self

import numpy as np
import pylsl

from neurolink.lsl_network import current as lsl_network
from neurolink.streams.meta.channels import (
    add_channels,
    channel_descriptions,
    channel_labels,
    default_channel_type,
    default_unit,
)

__all__ = [
    "BlockOutlet",
    "MarkerOutlet",
    "channel_descriptions",
    "channel_labels",
    "make_stream_info",
]


def make_stream_info(
    name: str,
    stype: str,
    channels: Sequence[str],
    rate: float,
    source_id: str,
    fmt: str = "float32",
    unit: str | Sequence[str] | None = None,
    channel_type: str | Sequence[str] | None = None,
) -> pylsl.StreamInfo:
    """Build a ``StreamInfo`` whose ``desc/channels`` follows the XDF metadata conventions.

    Every channel gets its ``label`` and ``type``, and a ``unit`` where it has one: numeric
    voltage channels (type EEG, Extracellular …) are ``microvolts`` unless told otherwise.

    Parameters
    ----------
    name, stype, source_id : str
        LSL stream name, content type (``"EEG"``, ``"Markers"`` …) and unique source id.
    channels : sequence of str
        Channel labels; their number is the channel count.
    rate : float
        Nominal rate (Hz); 0 for irregular streams.
    fmt : str
        LSL channel format (``"float32"``, ``"double64"``, ``"string"``, ``"int32"`` …).
    unit : str or sequence of str, optional
        Unit of every channel, or one per channel (``"microvolts"``, ``"normalized"`` …).
        Default: ``microvolts`` on numeric voltage channels, none on the others.
    channel_type : str or sequence of str, optional
        Type of every channel, or one per channel. Default: ``Marker`` on string streams, the
        stream's content type otherwise.
    """
    if len(channels) == 0:
        raise ValueError(f"stream {name!r}: at least one channel is needed")
    if rate < 0:
        raise ValueError(f"stream {name!r}: nominal rate must be >= 0 Hz, got {rate}")
    n = len(channels)
    types = (
        _per_channel(name, "channel_type", channel_type, n)
        or [default_channel_type(stype, fmt)] * n
    )
    units = _per_channel(name, "unit", unit, n) or [default_unit(t, fmt) for t in types]
    info = pylsl.StreamInfo(name, stype, n, rate, fmt, source_id)
    add_channels(info, channels, units, types)
    info.desc().append_child_value("producer", "neurolink")
    return info


def _per_channel(
    name: str, what: str, value: str | Sequence[str] | None, n: int
) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value] * n
    if len(value) != n:
        raise ValueError(f"stream {name!r}: {len(value)} values of {what} for {n} channels")
    return [str(v) for v in value]


class _Outlet:
    """Lifecycle shared by the outlets: consumers, close, context manager."""

    info: pylsl.StreamInfo
    _outlet: pylsl.StreamOutlet | None

    def have_consumers(self) -> bool:
        """True once at least one inlet is connected."""
        return self._outlet is not None and self._outlet.have_consumers()

    def wait_for_consumers(self, timeout: float) -> bool:
        """Block until an inlet connects or ``timeout`` seconds pass."""
        return self._outlet is not None and self._outlet.wait_for_consumers(timeout)

    def close(self) -> None:
        """Destroy the outlet (idempotent)."""
        self._outlet = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class BlockOutlet(_Outlet):
    """Publishes ``(n_samples, n_channels)`` float32 chunks with their timestamps.

    Parameters
    ----------
    name, stype, source_id : str
        LSL identity; give every test stream a unique name and source id.
    channels : sequence of str
        Channel labels.
    rate : float
        Nominal rate (Hz).
    chunk_size : int
        LSL transmission chunk size hint (samples); 0 lets LSL decide.
    unit, channel_type : str or sequence of str, optional
        Channel units and types (see :func:`make_stream_info`; by default ``microvolts`` and
        the stream type on EEG and extracellular streams).
    """

    def __init__(
        self,
        name: str,
        stype: str,
        channels: Sequence[str],
        rate: float,
        source_id: str,
        chunk_size: int = 0,
        unit: str | Sequence[str] | None = None,
        channel_type: str | Sequence[str] | None = None,
    ):
        self.info = make_stream_info(
            name, stype, channels, rate, source_id, "float32", unit, channel_type
        )
        self.n_channels = len(channels)
        lsl_network().check()  # an invalid NEUROLINK_LSL_NETWORK publishes nothing
        self._outlet: pylsl.StreamOutlet | None = pylsl.StreamOutlet(self.info, chunk_size)

    def push(self, data: np.ndarray, timestamps: np.ndarray | float | None = None) -> None:
        """Push a chunk.

        Parameters
        ----------
        data : numpy.ndarray of float32, shape (n_samples, n_channels)
        timestamps : numpy.ndarray of float64, shape (n_samples,), or float, optional
            Host-clock time of every sample, or of the last sample (LSL back-fills the others
            from the nominal rate); ``None`` stamps with the current time.
        """
        if self._outlet is None:
            raise RuntimeError(f"outlet {self.info.name()!r} is closed")
        data = np.ascontiguousarray(data, dtype=np.float32)
        if data.ndim != 2 or data.shape[1] != self.n_channels:
            raise ValueError(
                f"outlet {self.info.name()!r}: expected (n, {self.n_channels}), got {data.shape}"
            )
        if timestamps is None:
            self._outlet.push_chunk(data)
        elif np.ndim(timestamps) == 0:
            self._outlet.push_chunk(data, float(timestamps))
        else:
            self._outlet.push_chunk(data, np.asarray(timestamps, dtype=np.float64).tolist())


class MarkerOutlet(_Outlet):
    """Publishes string markers on an irregular one-channel LSL stream."""

    def __init__(self, name: str, source_id: str, stype: str = "Markers"):
        self.info = make_stream_info(name, stype, ["marker"], 0.0, source_id, "string")
        lsl_network().check()
        self._outlet: pylsl.StreamOutlet | None = pylsl.StreamOutlet(self.info)

    def push(self, label: str, timestamp: float | None = None) -> None:
        """Push one marker, stamped ``timestamp`` (host clock, s) or now."""
        if self._outlet is None:
            raise RuntimeError(f"outlet {self.info.name()!r} is closed")
        if timestamp is None:
            self._outlet.push_sample([str(label)])
        else:
            self._outlet.push_sample([str(label)], float(timestamp))
