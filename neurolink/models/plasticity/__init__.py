"""Long- and short-term synaptic plasticity over a weight matrix ``W[post, pre]``."""

from neurolink.models.plasticity.bounds import HardBounds, SoftBounds
from neurolink.models.plasticity.hebbian import Hebbian, Oja
from neurolink.models.plasticity.homeostatic import SynapticScaling
from neurolink.models.plasticity.simulator import PlasticityResult, SynapticPlasticity
from neurolink.models.plasticity.stdp import STDP, Pairing, STDPTraces

__all__ = [
    "STDP",
    "HardBounds",
    "Hebbian",
    "Oja",
    "Pairing",
    "PlasticityResult",
    "STDPTraces",
    "SoftBounds",
    "SynapticPlasticity",
    "SynapticScaling",
]
