"""Neuroscience models: neuron dynamics and integrators, synapses, dendrites, plasticity.

- :mod:`~neurolink.models.dynamics`: point-neuron and population models (Hodgkin–Huxley,
  FitzHugh–Nagumo, LIF, Izhikevich, population rate) and the :class:`NeuralDynamics` simulator.
- :mod:`~neurolink.models.integrators`: RK4, exponential Euler, ``solve_ivp`` methods, spike
  interpolation, divergence errors.
- :mod:`~neurolink.models.synapses`: conductance, NMDA (Mg²⁺ block), Tsodyks–Markram.
- :mod:`~neurolink.models.dendrite`: passive cable on branched morphologies.
- :mod:`~neurolink.models.plasticity`: STDP, Hebbian/Oja, synaptic scaling, weight bounds and
  the :class:`SynapticPlasticity` simulator.

Research software: the models are validated against published and analytic results (see
``tests/models``), not against any particular experimental preparation.
"""

from neurolink.models.dendrite import Morphology, MorphologyError, PassiveDendrite
from neurolink.models.dynamics import (
    IZHIKEVICH_PRESETS,
    LIF,
    FitzHughNagumo,
    HodgkinHuxley,
    Izhikevich,
    ModelError,
    NeuralDynamics,
    NeuronModel,
    PopulationRate,
    Sigmoid,
    SpikeRule,
    StateVar,
    ThresholdLinear,
    Trajectory,
)
from neurolink.models.integrators import IntegrationError, Method, SpikeInterpolation
from neurolink.models.plasticity import (
    STDP,
    HardBounds,
    Hebbian,
    Oja,
    Pairing,
    PlasticityResult,
    SoftBounds,
    SynapticPlasticity,
    SynapticScaling,
)
from neurolink.models.synapses import ConductanceSynapse, NMDASynapse, TsodyksMarkram, mg_block

__all__ = [
    "IZHIKEVICH_PRESETS",
    "LIF",
    "STDP",
    "ConductanceSynapse",
    "FitzHughNagumo",
    "HardBounds",
    "Hebbian",
    "HodgkinHuxley",
    "IntegrationError",
    "Izhikevich",
    "Method",
    "ModelError",
    "Morphology",
    "MorphologyError",
    "NMDASynapse",
    "NeuralDynamics",
    "NeuronModel",
    "Oja",
    "Pairing",
    "PassiveDendrite",
    "PlasticityResult",
    "PopulationRate",
    "Sigmoid",
    "SoftBounds",
    "SpikeInterpolation",
    "SpikeRule",
    "StateVar",
    "SynapticPlasticity",
    "SynapticScaling",
    "ThresholdLinear",
    "Trajectory",
    "TsodyksMarkram",
    "mg_block",
]
