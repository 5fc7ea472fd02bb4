"""Neuron dynamics: models as validated parameters + declared state + pure derivatives, and
the :class:`NeuralDynamics` simulator that integrates them and detects spikes."""

from neurolink.models.dynamics.base import NeuralDynamics
from neurolink.models.dynamics.fhn import FitzHughNagumo
from neurolink.models.dynamics.hh import HodgkinHuxley, hh_rates, vtrap
from neurolink.models.dynamics.izhikevich import IZHIKEVICH_PRESETS, Izhikevich
from neurolink.models.dynamics.lif import LIF
from neurolink.models.dynamics.model import NeuronModel, SpikeRule, StateVar
from neurolink.models.dynamics.params import ModelError
from neurolink.models.dynamics.rate import PopulationRate, Sigmoid, ThresholdLinear
from neurolink.models.dynamics.trajectory import Trajectory

__all__ = [
    "IZHIKEVICH_PRESETS",
    "LIF",
    "FitzHughNagumo",
    "HodgkinHuxley",
    "Izhikevich",
    "ModelError",
    "NeuralDynamics",
    "NeuronModel",
    "PopulationRate",
    "Sigmoid",
    "SpikeRule",
    "StateVar",
    "ThresholdLinear",
    "Trajectory",
    "hh_rates",
    "vtrap",
]
