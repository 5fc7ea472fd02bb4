"""Neuroscience models: neuron dynamics and integrators, synapses, dendrites, plasticity.

- :mod:`~neurolink.models.dynamics`: point-neuron and population models (Hodgkin–Huxley,
  FitzHugh–Nagumo, LIF, Izhikevich, population rate) and the :class:`NeuralDynamics` simulator.
- :mod:`~neurolink.models.point_process`: the refractory Poisson unit (rate in, spikes out) that
  the simulated cortex of :mod:`neurolink.sim` fires its tuned units with.
- :mod:`~neurolink.models.integrators`: RK4, exponential Euler, ``solve_ivp`` methods, spike
  interpolation, divergence errors.
- :mod:`~neurolink.models.synapses`: conductance, NMDA (Mg²⁺ block), Tsodyks–Markram.
- :mod:`~neurolink.models.dendrite`: passive cable on branched morphologies.
- :mod:`~neurolink.models.plasticity`: STDP, Hebbian/Oja, synaptic scaling, weight bounds and
  the :class:`SynapticPlasticity` simulator.
- :mod:`~neurolink.models.networks`: rate networks (feedforward, recurrent, winner-take-all) and
  sparse spiking networks (LIF, Izhikevich).
- :mod:`~neurolink.models.fields`: Amari neural fields and reaction-diffusion patterns.
- :mod:`~neurolink.models.analysis`: connectivity and motifs, activity statistics, spike-train
  distances, information theory, transfer entropy, fixed points, bifurcations, Lyapunov
  exponents, and the :class:`NeuralCircuit` analyser.

These are float models of neuroscience. The neuromorphic chip's arithmetic (integer LIF, packed
CSR synapses, fixed-point backend) is :mod:`neurolink.snn`'s and shares no code with them: see
:mod:`~neurolink.models.dynamics.lif` for the three LIFs and
:mod:`~neurolink.models.networks.sparse` for the two CSRs.

Research software: the models are validated against published and analytic results (see
``tests/models``), not against any particular experimental preparation.
"""

from neurolink.models.analysis import NeuralCircuit
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
from neurolink.models.fields import AmariField, ReactionDiffusion
from neurolink.models.integrators import IntegrationError, Method, SpikeInterpolation
from neurolink.models.networks import RateNetwork, SpikingNetwork
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
from neurolink.models.point_process import RefractoryPoisson
from neurolink.models.synapses import ConductanceSynapse, NMDASynapse, TsodyksMarkram, mg_block

__all__ = [
    "IZHIKEVICH_PRESETS",
    "LIF",
    "STDP",
    "AmariField",
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
    "NeuralCircuit",
    "NeuralDynamics",
    "NeuronModel",
    "Oja",
    "Pairing",
    "PassiveDendrite",
    "PlasticityResult",
    "PopulationRate",
    "RateNetwork",
    "ReactionDiffusion",
    "RefractoryPoisson",
    "Sigmoid",
    "SoftBounds",
    "SpikeInterpolation",
    "SpikeRule",
    "SpikingNetwork",
    "StateVar",
    "SynapticPlasticity",
    "SynapticScaling",
    "ThresholdLinear",
    "Trajectory",
    "TsodyksMarkram",
    "mg_block",
]
