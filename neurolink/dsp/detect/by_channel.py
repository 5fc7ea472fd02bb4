"""Detection channel by channel: a peak is the largest excursion of its channel in a window.

A sample ``t`` of channel ``c`` is a peak when its normalised value ``z = s(x) / (k * noise)``
is above 1 (beyond the threshold) and larger than every other sample of the channel within
``[t - back, t + dead]`` (dead time ``dead``, look-back ``back = max(dead, refractory)``, see
:mod:`.base`). Ties go to the earliest sample: an equal value before ``t`` suppresses it, an equal
value after does not. The rule reads the signal only, so it does not depend on the block split;
two peaks of one channel are always more than ``dead`` samples apart, and a peak less than
``back`` samples after another is the larger of the two. A window that touches a non-finite
sample gives no peak. The kernels are in :mod:`.scan` (this method has no neighbour lists).
"""

from __future__ import annotations

from neurolink.dsp.detect.base import PeakDetector

__all__ = ["ByChannelDetector"]


class ByChannelDetector(PeakDetector):
    """Threshold-and-peak detection on each channel independently (SpikeInterface ``by_channel``).

    One spike of a multichannel probe shows on every channel it reaches; use
    :class:`~neurolink.dsp.detect.locally_exclusive.LocallyExclusiveDetector` to keep one
    detection per spike. Parameters, attributes and the streaming contract are those of
    :class:`~neurolink.dsp.detect.base.PeakDetector`.
    """

    method = "by_channel"
