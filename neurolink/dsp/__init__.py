"""Streaming signal processing: causal filters, re-referencing, spike detection, binning.

Every node holds explicit state and has ``step(inputs) -> outputs`` with no I/O; the output of a
chain does not depend on how the stream is cut into blocks.
"""

from neurolink.dsp.binning import BinBy, StreamingBinner, bin_spikes
from neurolink.dsp.detect import (
    DETECTION_METHODS,
    ByChannelDetector,
    LocallyExclusiveDetector,
    PeakDetector,
    PeakSign,
    make_detector,
)
from neurolink.dsp.filters import FilterKind, StreamingFilter, design_sos
from neurolink.dsp.metrics import match_pairs, match_spikes, precision, recall
from neurolink.dsp.offline import detect_spikes
from neurolink.dsp.reref import CommonAverageReference, CommonMedianReference

__all__ = [
    "DETECTION_METHODS",
    "BinBy",
    "ByChannelDetector",
    "CommonAverageReference",
    "CommonMedianReference",
    "FilterKind",
    "LocallyExclusiveDetector",
    "PeakDetector",
    "PeakSign",
    "StreamingBinner",
    "StreamingFilter",
    "bin_spikes",
    "design_sos",
    "detect_spikes",
    "make_detector",
    "match_pairs",
    "match_spikes",
    "precision",
    "recall",
]
