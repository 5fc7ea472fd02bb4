"""Linear decoders of continuous kinematics from binned counts.

- :mod:`~neurolink.decode.linear.kalman` — :class:`KalmanDecoder` (Wu et al., full or
  steady-state gain, ReFIT refit), with its numba kernels (``_kalman_kernels``), its running
  least-squares sums (``_kalman_ls``) and its steady-state gain (``_kalman_steady``).
- :mod:`~neurolink.decode.linear.wiener` — :class:`WienerFilter`, ridge regression on a causal
  history of bins.
"""

from neurolink.decode.linear.kalman import KalmanDecoder, Kinematics, intended_velocity
from neurolink.decode.linear.wiener import WienerFilter

__all__ = ["KalmanDecoder", "Kinematics", "WienerFilter", "intended_velocity"]
