"""Decoders: read intent out of binned spike counts or EEG.

Every decoder follows the scikit-learn contract (``__init__`` stores, ``fit`` returns ``self``,
learned attributes end in ``_``), decodes one bin online with ``step`` (``reset`` forgets the
online state), and saves to / loads from ``.npz`` + JSON with its channel labels. The Bayesian,
Kalman and Wiener decoders and the LDA also learn online with ``partial_fit``: they keep
sufficient statistics (saved with the model), so that fitting in chunks gives the model of one
fit on all the data; CSP and the EEG class decoder do not (see their docstrings).

- :class:`BayesianDecoder` — Poisson naive Bayes over a 1-D/2-D grid (uniform, occupancy,
  continuity or recursive prior); MAP, posterior mean and the posterior.
- :class:`KalmanDecoder` — Wu et al. Kalman filter, full or steady-state gain, ReFIT refit.
- :class:`WienerFilter` — ridge regression on a causal history (the baseline).
- :class:`EEGClassDecoder` — causal log band power, CSP, shrinkage LDA; built from
  :class:`BandPower`, :class:`CSP` and :class:`ShrinkageLDA`.
"""

from neurolink.decode.base import Decoder
from neurolink.decode.bayes.decoder import BayesianDecoder, BayesResult, Estimate, Prior, Tuning
from neurolink.decode.bayes.tuning import Basis
from neurolink.decode.eeg.bandpower import BandPower
from neurolink.decode.eeg.csp import CSP
from neurolink.decode.eeg.decoder import EEGClassDecoder, cut_epochs
from neurolink.decode.eeg.lda import ShrinkageLDA
from neurolink.decode.errors import (
    CalibrationError,
    ChannelMismatchError,
    DecoderError,
    DroppedUnitsWarning,
    ModelFileError,
    NotFittedError,
)
from neurolink.decode.linear.kalman import KalmanDecoder, Kinematics, intended_velocity
from neurolink.decode.linear.wiener import WienerFilter
from neurolink.decode.registry import DECODERS, load_decoder
from neurolink.decode.validation import (
    PermutationResult,
    chance_level,
    clone,
    cross_val_accuracy,
    permutation_test,
    r2_score,
    stratified_folds,
)

__all__ = [
    "CSP",
    "DECODERS",
    "BandPower",
    "Basis",
    "BayesResult",
    "BayesianDecoder",
    "CalibrationError",
    "ChannelMismatchError",
    "Decoder",
    "DecoderError",
    "DroppedUnitsWarning",
    "EEGClassDecoder",
    "Estimate",
    "KalmanDecoder",
    "Kinematics",
    "ModelFileError",
    "NotFittedError",
    "PermutationResult",
    "Prior",
    "ShrinkageLDA",
    "Tuning",
    "WienerFilter",
    "chance_level",
    "clone",
    "cross_val_accuracy",
    "cut_epochs",
    "intended_velocity",
    "load_decoder",
    "permutation_test",
    "r2_score",
    "stratified_folds",
]
