"""Structured event types: markers and detected spikes (DESIGN.md §2)."""

from __future__ import annotations

import numpy as np

__all__ = ["MARKER_DTYPE", "SPIKE_DTYPE", "empty_markers", "empty_spikes", "make_markers"]

#: One marker (an event of an irregular stream): host-clock time (s), label, and the sample index
#: of the paired continuous stream at that time (-1 when not paired).
MARKER_DTYPE = np.dtype([("timestamp", np.float64), ("label", "U64"), ("sample_index", np.int64)])

#: One detected spike: running sample index, channel, amplitude (stream units), unit (-1 when
#: unsorted). Arrays of spikes are sorted by ``sample_index``.
SPIKE_DTYPE = np.dtype(
    [
        ("sample_index", np.int64),
        ("channel", np.int32),
        ("amplitude", np.float32),
        ("unit", np.int32),
    ]
)


def empty_markers() -> np.ndarray:
    """Return an empty marker array of dtype :data:`MARKER_DTYPE`."""
    return np.empty(0, dtype=MARKER_DTYPE)


def empty_spikes() -> np.ndarray:
    """Return an empty spike array of dtype :data:`SPIKE_DTYPE`."""
    return np.empty(0, dtype=SPIKE_DTYPE)


def make_markers(
    timestamps: np.ndarray | list[float],
    labels: list[str] | np.ndarray,
    sample_index: np.ndarray | list[int] | None = None,
) -> np.ndarray:
    """Build a marker array.

    Parameters
    ----------
    timestamps : array_like of float, shape (n,)
        Host-clock times (s).
    labels : sequence of str, length n
        Marker labels (truncated to 64 characters).
    sample_index : array_like of int, shape (n,), optional
        Paired sample indices; -1 where unknown.

    Returns
    -------
    numpy.ndarray of MARKER_DTYPE, shape (n,)
    """
    ts = np.asarray(timestamps, dtype=np.float64).reshape(-1)
    if len(labels) != ts.size:
        raise ValueError(f"make_markers: {ts.size} timestamps but {len(labels)} labels")
    out = np.empty(ts.size, dtype=MARKER_DTYPE)
    out["timestamp"] = ts
    out["label"] = [str(x) for x in labels]
    out["sample_index"] = -1 if sample_index is None else np.asarray(sample_index, np.int64)
    return out
