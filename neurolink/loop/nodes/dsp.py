"""Signal-processing nodes of a loop graph: thin adapters around :mod:`neurolink.dsp`.

Each node holds explicit state, preallocates its output for blocks of up to ``max_samples``
samples, and has ``step(x, tick) -> output`` with no I/O, so a test drives it without the engine
(set the input, call, compare). The output buffers are reused: a caller that keeps an output
past the next ``step`` copies it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit

from neurolink.dsp import (
    CommonAverageReference,
    CommonMedianReference,
    StreamingFilter,
    design_sos,
    make_detector,
)
from neurolink.dsp.detect import PeakDetector
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.tick import Tick

__all__ = ["BinNode", "Bins", "DetectNode", "Events", "FilterNode", "RerefNode"]


class FilterNode:
    """Causal IIR filter (:class:`~neurolink.dsp.StreamingFilter`) into a preallocated buffer.

    Parameters
    ----------
    name : str
        Node name.
    n_channels : int
        Channels of every block.
    fs : float
        Sampling rate (Hz).
    kind : {"bandpass", "highpass", "lowpass", "notch"}
        Filter family (:func:`~neurolink.dsp.design_sos`).
    band : tuple of float, optional
        Band-pass edges (Hz).
    cutoff : float, optional
        High/low-pass cutoff (Hz).
    freq : float, optional
        Notch frequency (Hz).
    order : int
        Butterworth order.
    init : {"zeros", "step"}
        Initial filter state.
    max_samples : int
        Largest block (samples) the node is given.
    """

    kind: ClassVar[str] = "filter"
    inputs: ClassVar[tuple[Port, ...]] = (Port.SAMPLES,)
    output: ClassVar[Port] = Port.SAMPLES
    stage: ClassVar[Stage] = Stage.FILTER_DETECT

    def __init__(
        self,
        name: str,
        n_channels: int,
        fs: float,
        *,
        kind: str = "bandpass",
        band: tuple[float, float] | None = (300.0, 6000.0),
        cutoff: float | None = None,
        freq: float | None = None,
        order: int = 2,
        init: str = "zeros",
        max_samples: int = 2048,
    ) -> None:
        self.name = name
        sos = design_sos(kind, fs, band=band, cutoff=cutoff, freq=freq, order=order)
        self.filter = StreamingFilter(sos, n_channels, init=init)  # type: ignore[arg-type]
        self._out = np.zeros((max_samples, n_channels), np.float32)

    def reset(self) -> None:
        """Back to the filter's initial state."""
        self.filter.reset()

    def step(self, x: np.ndarray, tick: Tick) -> np.ndarray:
        """Filter one block.

        Parameters
        ----------
        x : numpy.ndarray of float32, shape (n_samples, n_channels)
        tick : Tick
            Where the block lies (unused: the filter runs on across gaps).

        Returns
        -------
        numpy.ndarray of float32, shape (n_samples, n_channels)
            A view of the node's buffer.
        """
        out = self._out[: x.shape[0]]
        self.filter.step(x, out)
        return out


class RerefNode:
    """Common average or common median reference into a preallocated buffer.

    Parameters
    ----------
    name : str
        Node name.
    n_channels : int
        Channels of every block.
    method : {"car", "cmr"}
        Mean or median of the reference channels.
    exclude : sequence of int
        Channels left out of the reference (known-bad ones).
    max_samples : int
        Largest block (samples).
    """

    kind: ClassVar[str] = "reref"
    inputs: ClassVar[tuple[Port, ...]] = (Port.SAMPLES,)
    output: ClassVar[Port] = Port.SAMPLES
    stage: ClassVar[Stage] = Stage.FILTER_DETECT

    def __init__(
        self,
        name: str,
        n_channels: int,
        *,
        method: str = "car",
        exclude: Sequence[int] = (),
        max_samples: int = 2048,
    ) -> None:
        self.name = name
        ref = [c for c in range(n_channels) if c not in set(exclude)]
        cls = {"car": CommonAverageReference, "cmr": CommonMedianReference}[method]
        self.reference = cls(n_channels, ref)
        self._out = np.zeros((max_samples, n_channels), np.float32)

    def reset(self) -> None:
        """Nothing is carried between blocks."""

    def step(self, x: np.ndarray, tick: Tick) -> np.ndarray:
        """Re-reference one block; returns a view of the node's buffer."""
        out = self._out[: x.shape[0]]
        self.reference.step(x, out)
        return out


@dataclass(slots=True)
class Events:
    """Spikes decided by one block.

    Attributes
    ----------
    spikes : numpy.ndarray of SPIKE_DTYPE
        The spikes (sorted by sample index).
    complete_until : int
        Every spike before this sample index has been emitted (the detector's delay edge).
    n_channels : int
        Channels of the detector.
    """

    spikes: np.ndarray
    complete_until: int
    n_channels: int


class DetectNode:
    """Threshold spike detection (:mod:`neurolink.dsp.detect`) with its completion edge.

    Parameters
    ----------
    name : str
        Node name.
    n_channels : int
    fs : float
        Sampling rate (Hz).
    method : {"by_channel", "locally_exclusive"}
    **params
        Detector parameters (threshold, sign, dead_time_ms, refractory_ms, calibration_s,
        noise_tau_s), see :class:`~neurolink.dsp.detect.PeakDetector`.
    """

    kind: ClassVar[str] = "detect"
    inputs: ClassVar[tuple[Port, ...]] = (Port.SAMPLES,)
    output: ClassVar[Port] = Port.EVENTS
    stage: ClassVar[Stage] = Stage.FILTER_DETECT

    def __init__(
        self,
        name: str,
        n_channels: int,
        fs: float,
        *,
        method: str = "by_channel",
        threshold: float = 4.5,
        sign: str = "neg",
        dead_time_ms: float = 1.0,
        refractory_ms: float = 1.5,
        calibration_s: float = 0.5,
        noise_tau_s: float | None = 10.0,
    ) -> None:
        self.name = name
        self.detector: PeakDetector = make_detector(
            method,
            n_channels,
            fs,
            threshold=threshold,
            sign=sign,
            dead_time_ms=dead_time_ms,
            refractory_ms=refractory_ms,
            calibration_s=calibration_s,
            noise_tau_s=noise_tau_s,
        )
        self._events = Events(np.empty(0), 0, n_channels)
        self.n_spikes = 0

    def reset(self) -> None:
        """Forget everything (the noise calibration included)."""
        self.detector.reset()
        self.n_spikes = 0

    def step(self, x: np.ndarray, tick: Tick) -> Events:
        """Detect spikes in one block (filtered samples).

        Returns
        -------
        Events
            Reused object: the spikes this block decided and the completion edge.
        """
        spikes = self.detector.step(x, tick.first_index)
        ev = self._events
        ev.spikes = spikes
        ev.complete_until = self.detector.complete_until
        self.n_spikes += spikes.shape[0]
        return ev


@njit(nogil=True, cache=True)
def _accumulate(
    index: np.ndarray,
    column: np.ndarray,
    next_edge: int,
    width: int,
    pending: np.ndarray,
    skip_negative: bool,
) -> int:  # pragma: no cover - njit
    """Count spikes into ``pending`` (row k = bin starting at ``next_edge + k·width``).

    Returns the number of spikes left out (before ``next_edge``, column < 0 when
    ``skip_negative``, or beyond the pending rows).
    """
    left_out = 0
    rows, cols = pending.shape
    for i in range(index.shape[0]):
        c = column[i]
        if c < 0 and skip_negative:
            left_out += 1
            continue
        d = index[i] - next_edge
        if d < 0 or c < 0 or c >= cols:
            left_out += 1
            continue
        b = d // width
        if b >= rows:
            left_out += 1
            continue
        pending[b, c] += 1
    return left_out


@dataclass(slots=True)
class Bins:
    """Bins completed by one block (views of preallocated buffers).

    Attributes
    ----------
    counts : numpy.ndarray of int32, shape (n, n_units)
    edges : numpy.ndarray of int64, shape (n + 1,)
        Bin edges as sample indices.
    """

    counts: np.ndarray
    edges: np.ndarray

    @property
    def n(self) -> int:
        """Number of bins."""
        return int(self.counts.shape[0])


class BinNode:
    """Count spikes in fixed bins of sample indices; emit each bin once it is complete.

    Bins are aligned to the first sample index seen; a bin is complete when the detector's
    ``complete_until`` passes its right edge (DESIGN.md §2 "Counts").

    Parameters
    ----------
    name : str
        Node name.
    n_units : int
        Columns (channels, or sorted units with ``by="unit"``).
    width : int
        Bin width (samples).
    by : {"channel", "unit"}
        Which spike field names the column.
    max_samples : int
        Largest block (samples): sets how many bins one block can complete.
    """

    kind: ClassVar[str] = "bin"
    inputs: ClassVar[tuple[Port, ...]] = (Port.EVENTS,)
    output: ClassVar[Port] = Port.COUNTS
    stage: ClassVar[Stage] = Stage.BIN_DECODE

    def __init__(
        self, name: str, n_units: int, width: int, *, by: str = "channel", max_samples: int = 2048
    ) -> None:
        if width < 1 or n_units < 1:
            raise ValueError(f"bin node {name!r}: width and n_units must be >= 1")
        self.name = name
        self.width = int(width)
        self.n_units = int(n_units)
        self.by = by
        cap = max_samples // self.width + 3
        self._pending = np.zeros((cap + 2, self.n_units), np.int32)
        self._counts = np.zeros((cap, self.n_units), np.int32)
        self._edges = np.zeros(cap + 1, np.int64)
        self._bins = Bins(self._counts[:0], self._edges[:1])
        self.reset()

    def reset(self) -> None:
        """Forget the partial bins; the next block sets the bin origin again."""
        self.next_edge: int | None = None
        self._pending[:] = 0
        self.n_left_out = 0
        self.n_bins = 0

    def step(self, ev: Events, tick: Tick) -> Bins:
        """Add the block's spikes and emit the bins completed by ``ev.complete_until``.

        Returns
        -------
        Bins
            Reused object; ``n`` may be 0.
        """
        if self.next_edge is None:
            self.next_edge = tick.first_index
        edge, w, pend = self.next_edge, self.width, self._pending
        sp = ev.spikes
        if sp.shape[0]:
            col = sp["unit"] if self.by == "unit" else sp["channel"]
            self.n_left_out += _accumulate(
                sp["sample_index"], col, edge, w, pend, self.by == "unit"
            )
        n_done = min(max(0, (ev.complete_until - edge) // w), self._counts.shape[0])
        out = self._bins
        if n_done:
            self._counts[:n_done] = pend[:n_done]
            rest = pend.shape[0] - n_done
            pend[:rest] = pend[n_done:]
            pend[rest:] = 0
            e = self._edges[: n_done + 1]
            e[0] = edge
            for k in range(1, n_done + 1):
                e[k] = edge + k * w
            self.next_edge = edge + n_done * w
            self.n_bins += n_done
        out.counts = self._counts[:n_done]
        out.edges = self._edges[: n_done + 1]
        if not n_done:
            self._edges[0] = edge
        return out
