"""Networks of model neurons: firing-rate networks and sparse spiking networks.

- :mod:`~neurolink.models.networks.rate`: ``τ dr/dt = −r + f(W r + I)`` (feedforward,
  recurrent, winner-take-all).
- :mod:`~neurolink.models.networks.sparse`: CSR synaptic connectivity (float weights; not the
  chip's packed integer CSR of :mod:`neurolink.snn.synapses`).
- :mod:`~neurolink.models.networks.spiking`: LIF/Izhikevich populations with event-driven
  sparse synapses (numba), stepped on a fixed grid in float64 (not the chip's integer LIF of
  :mod:`neurolink.snn`).
"""

from neurolink.models.networks.rate import RateNetwork, RateTrajectory, Transfer
from neurolink.models.networks.sparse import SparseConnectivity
from neurolink.models.networks.spiking import (
    IzhikevichPopulation,
    LIFPopulation,
    SpikingNetwork,
    SpikingResult,
)

__all__ = [
    "IzhikevichPopulation",
    "LIFPopulation",
    "RateNetwork",
    "RateTrajectory",
    "SparseConnectivity",
    "SpikingNetwork",
    "SpikingResult",
    "Transfer",
]
