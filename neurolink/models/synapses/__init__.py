"""Synapses: exponential conductance, NMDA with Mg²⁺ block, Tsodyks–Markram short-term
plasticity — validated parameters, declared state, exact event-driven updates."""

from neurolink.models.synapses.conductance import ConductanceSynapse
from neurolink.models.synapses.nmda import NMDASynapse, mg_block
from neurolink.models.synapses.tsodyks_markram import TsodyksMarkram

__all__ = ["ConductanceSynapse", "NMDASynapse", "TsodyksMarkram", "mg_block"]
