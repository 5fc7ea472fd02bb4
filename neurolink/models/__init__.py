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

from neurolink._lazy import lazy_exports

#: Public name → the module that defines it: imported on first use (PEP 562), so that importing
#: one model (the simulated subject imports :mod:`.point_process`) does not import them all
#: (scipy.integrate, networkx …: ~0.7 s).
_EXPORTS = {
    "AmariField": "neurolink.models.fields",
    "ConductanceSynapse": "neurolink.models.synapses",
    "FitzHughNagumo": "neurolink.models.dynamics",
    "HardBounds": "neurolink.models.plasticity",
    "Hebbian": "neurolink.models.plasticity",
    "HodgkinHuxley": "neurolink.models.dynamics",
    "IZHIKEVICH_PRESETS": "neurolink.models.dynamics",
    "IntegrationError": "neurolink.models.integrators",
    "Izhikevich": "neurolink.models.dynamics",
    "LIF": "neurolink.models.dynamics",
    "Method": "neurolink.models.integrators",
    "ModelError": "neurolink.models.dynamics",
    "Morphology": "neurolink.models.dendrite",
    "MorphologyError": "neurolink.models.dendrite",
    "NMDASynapse": "neurolink.models.synapses",
    "NeuralCircuit": "neurolink.models.analysis",
    "NeuralDynamics": "neurolink.models.dynamics",
    "NeuronModel": "neurolink.models.dynamics",
    "Oja": "neurolink.models.plasticity",
    "Pairing": "neurolink.models.plasticity",
    "PassiveDendrite": "neurolink.models.dendrite",
    "PlasticityResult": "neurolink.models.plasticity",
    "PopulationRate": "neurolink.models.dynamics",
    "RateNetwork": "neurolink.models.networks",
    "ReactionDiffusion": "neurolink.models.fields",
    "RefractoryPoisson": "neurolink.models.point_process",
    "STDP": "neurolink.models.plasticity",
    "Sigmoid": "neurolink.models.dynamics",
    "SoftBounds": "neurolink.models.plasticity",
    "SpikeInterpolation": "neurolink.models.integrators",
    "SpikeRule": "neurolink.models.dynamics",
    "SpikingNetwork": "neurolink.models.networks",
    "StateVar": "neurolink.models.dynamics",
    "SynapticPlasticity": "neurolink.models.plasticity",
    "SynapticScaling": "neurolink.models.plasticity",
    "ThresholdLinear": "neurolink.models.dynamics",
    "Trajectory": "neurolink.models.dynamics",
    "TsodyksMarkram": "neurolink.models.synapses",
    "mg_block": "neurolink.models.synapses",
}

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


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
