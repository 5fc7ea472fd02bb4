"""EEG class decoding: causal band power, CSP and shrinkage LDA, and the decoder built of them.

- :mod:`~neurolink.decode.eeg.bandpower` — :class:`BandPower`, causal log band power on
  :mod:`neurolink.dsp.filters`' streaming IIR filter.
- :mod:`~neurolink.decode.eeg.csp` — :class:`CSP`, common spatial patterns.
- :mod:`~neurolink.decode.eeg.lda` — :class:`ShrinkageLDA`.
- :mod:`~neurolink.decode.eeg.covariance` — Ledoit–Wolf shrinkage shared by CSP and the LDA.
- :mod:`~neurolink.decode.eeg.decoder` — :class:`EEGClassDecoder` and :func:`cut_epochs`.
"""

from neurolink.decode.eeg.bandpower import BandPower
from neurolink.decode.eeg.csp import CSP
from neurolink.decode.eeg.decoder import EEGClassDecoder, cut_epochs
from neurolink.decode.eeg.lda import ShrinkageLDA

__all__ = ["CSP", "BandPower", "EEGClassDecoder", "ShrinkageLDA", "cut_epochs"]
