"""Neuron dynamics: models as validated parameters + declared state + pure derivatives, and
the :class:`NeuralDynamics` simulator that integrates them and detects spikes."""

from neurolink._lazy import lazy_exports

#: Public name → its module, imported on first use (:mod:`neurolink._lazy`).
_EXPORTS = {
    "FitzHughNagumo": "neurolink.models.dynamics.fhn",
    "HodgkinHuxley": "neurolink.models.dynamics.hh",
    "IZHIKEVICH_PRESETS": "neurolink.models.dynamics.izhikevich",
    "Izhikevich": "neurolink.models.dynamics.izhikevich",
    "LIF": "neurolink.models.dynamics.lif",
    "ModelError": "neurolink.models.dynamics.params",
    "NeuralDynamics": "neurolink.models.dynamics.base",
    "NeuronModel": "neurolink.models.dynamics.model",
    "PopulationRate": "neurolink.models.dynamics.rate",
    "Sigmoid": "neurolink.models.dynamics.rate",
    "SpikeRule": "neurolink.models.dynamics.model",
    "StateVar": "neurolink.models.dynamics.model",
    "ThresholdLinear": "neurolink.models.dynamics.rate",
    "Trajectory": "neurolink.models.dynamics.trajectory",
    "hh_rates": "neurolink.models.dynamics.hh",
    "vtrap": "neurolink.models.dynamics.hh",
}

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

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
