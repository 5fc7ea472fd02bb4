"""Bayesian population decoding over a grid of states.

- :mod:`~neurolink.decode.bayes.decoder` — :class:`BayesianDecoder` (Poisson naive Bayes,
  MAP / posterior mean / posterior) and its result types.
- :mod:`~neurolink.decode.bayes.grid` — the 1-D/2-D grid of decoded states.
- :mod:`~neurolink.decode.bayes.tuning` — tuning-curve estimators (histogram, Poisson GLM).
- :mod:`~neurolink.decode.bayes.filter` — the recursive (continuity) prior over the grid.
- ``_kernels`` — the numba kernels they share.
"""

from neurolink.decode.bayes.decoder import BayesianDecoder, BayesResult, Estimate, Prior
from neurolink.decode.bayes.tuning import Basis, Tuning

__all__ = ["Basis", "BayesResult", "BayesianDecoder", "Estimate", "Prior", "Tuning"]
