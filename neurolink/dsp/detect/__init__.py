"""Streaming spike detection: noise by MAD, threshold, peak within a dead time.

Methods, by name (SpikeInterface's ``sortingcomponents.peak_detection`` layout):

``"by_channel"``
    :class:`ByChannelDetector`: every channel on its own.
``"locally_exclusive"``
    :class:`LocallyExclusiveDetector`: one detection per spike among channels within a radius.
"""

from __future__ import annotations

from typing import Any

from neurolink.dsp.detect.base import PeakDetector, PeakSign
from neurolink.dsp.detect.by_channel import ByChannelDetector
from neurolink.dsp.detect.locally_exclusive import LocallyExclusiveDetector

__all__ = [
    "DETECTION_METHODS",
    "ByChannelDetector",
    "LocallyExclusiveDetector",
    "PeakDetector",
    "PeakSign",
    "make_detector",
]

#: Detection methods by name.
DETECTION_METHODS: dict[str, type[PeakDetector]] = {
    ByChannelDetector.method: ByChannelDetector,
    LocallyExclusiveDetector.method: LocallyExclusiveDetector,
}


def make_detector(method: str, n_channels: int, fs: float, **params: Any) -> PeakDetector:
    """Build a detector by method name.

    Parameters
    ----------
    method : {"by_channel", "locally_exclusive"}
    n_channels : int
    fs : float
        Sampling rate (Hz).
    **params
        Keyword arguments of the method's class (checked by its signature).

    Returns
    -------
    PeakDetector

    Raises
    ------
    ValueError
        Unknown method name.
    """
    try:
        cls = DETECTION_METHODS[method]
    except KeyError:
        known = ", ".join(sorted(DETECTION_METHODS))
        raise ValueError(f"unknown detection method {method!r}; expected one of {known}") from None
    return cls(n_channels, fs, **params)
