"""The one set of spike-detection defaults, shared by the offline path and the closed loop.

:func:`neurolink.dsp.detect_spikes`, the detectors of :mod:`neurolink.dsp.detect` and the loop's
``filter`` and ``detect`` nodes take their defaults from here, so that a recording analysed
offline and the same recording run through the loop find the same spikes unless a setting says
otherwise.

The values are those the closed loop has used since its first demo: SpikeInterface's default
band (300–6000 Hz) and a threshold of 4.5 × noise, the threshold-crossing convention of
intracortical BCI decoding (BrainGate's −4.5 × RMS; here with the MAD estimate of σ), which
decodes multi-unit crossings and so favours recall. Spike-sorting-style analyses that want
precision per unit usually take 5 (``tests/dsp/test_accuracy_sim.py`` and
``benchmarks/dsp_accuracy.py`` state 5 explicitly: on the simulated cortex, units with SNR >= 5
are found with precision 0.98 at 5 and 0.93 at 4.5, recall 0.99 and 0.997). The band needs a
sampling rate above 12 kHz; pass ``band`` for slower recordings.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CALIBRATION_S",
    "DEAD_TIME_MS",
    "DETECT_METHOD",
    "DETECT_THRESHOLD",
    "NOISE_TAU_S",
    "PEAK_SIGN",
    "REFRACTORY_MS",
    "SPIKE_BAND_HZ",
    "SPIKE_FILTER_ORDER",
]

#: Band-pass edges (Hz) of the causal Butterworth filter ahead of spike detection.
SPIKE_BAND_HZ: Final[tuple[float, float]] = (300.0, 6000.0)
#: Butterworth order of that filter (see :func:`neurolink.dsp.detect_spikes` for why 2).
SPIKE_FILTER_ORDER: Final[int] = 2
#: Threshold ``k`` in ``k × noise`` (noise = MAD / 0.6745 of the filtered signal).
DETECT_THRESHOLD: Final[float] = 4.5
#: Detection method name (a key of :data:`neurolink.dsp.DETECTION_METHODS`).
DETECT_METHOD: Final[str] = "by_channel"
#: Peak polarity ("neg", "pos" or "both").
PEAK_SIGN: Final[str] = "neg"
#: Dead time (ms): a peak is the largest sample of its channel within ± this.
DEAD_TIME_MS: Final[float] = 1.0
#: Refractory look-back (ms) against the second trough a causal high-pass puts after a spike.
REFRACTORY_MS: Final[float] = 1.5
#: Length (s) of the noise calibration at the start of a stream.
CALIBRATION_S: Final[float] = 0.5
#: Time constant (s) of the running noise tracker.
NOISE_TAU_S: Final[float] = 10.0
