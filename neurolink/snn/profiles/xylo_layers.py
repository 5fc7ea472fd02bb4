"""Xylo's fixed layer structure and its resources, as rules on a NetworkSpec.

Xylo Audio 2 has one input layer (≤ 16 channels), one hidden layer (≤ 1000 neurons, two
synapses each, recurrent weights, aliases, up to 31 spikes per step) and one output layer
(≤ 8 neurons, one synapse, one spike per step, no aliases); each of the three weight matrices
has one ``weight_shift``. A spec says which population is which by ``max_spikes``: 31 for
hidden, 1 for output. Several hidden (or output) populations are laid side by side in spec
order, as one layer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from neurolink.snn.errors import SpecError

if TYPE_CHECKING:
    from neurolink.snn.spec import NetworkSpec

__all__ = ["XYLO_AUDIO2", "XyloResources", "check_layers", "layer_of", "layer_sizes"]

HIDDEN_SPIKES, OUTPUT_SPIKES = 31, 1


@dataclass(frozen=True)
class XyloResources:
    """Sizes of a Xylo core (data, with its source).

    Parameters
    ----------
    input_channels, hidden_neurons, output_neurons : int
        Layer sizes.
    synapses_per_neuron : int
        Synaptic currents per hidden neuron (output neurons have one).
    source : str
        Where the figures come from.
    """

    input_channels: int
    hidden_neurons: int
    output_neurons: int
    synapses_per_neuron: int
    source: str

    @property
    def fan_in(self) -> int:
        """Largest fan-in of one hidden synapse: every input channel and every hidden neuron."""
        return self.input_channels + self.hidden_neurons

    @property
    def weight_bits(self) -> int:
        """Bits of the three dense int8 matrices (input, recurrent, output)."""
        s, h = self.synapses_per_neuron, self.hidden_neurons
        return 8 * (self.input_channels * h * s + h * h * s + h * self.output_neurons)


XYLO_AUDIO2 = XyloResources(
    input_channels=16,
    hidden_neurons=1000,
    output_neurons=8,
    synapses_per_neuron=2,
    source="Rockpool 3.1 rockpool/devices/xylo/syns61201/xylo_mapper.py ('Xylo only supports "
    "up to 16 input channels', '... up to 8 output channels', max_hidden_neurons=1000) and "
    "XyloSim's default module shape (16, 1000, 8); ../shared/data/golden/xylo/README.md",
)


def layer_of(spec: NetworkSpec, name: str) -> str:
    """``"input"``, ``"hidden"`` or ``"output"`` for a port or population ``name``."""
    if name in spec.port_names:
        return "input"
    pop = next(p for p in spec.populations if p.name == name)
    return "output" if int(np.asarray(pop.max_spikes).max()) == OUTPUT_SPIKES else "hidden"


def check_layers(spec: NetworkSpec) -> None:
    """Refuse a spec that Xylo's three layers cannot hold (SpecError naming the part)."""
    for pop in spec.populations:
        m = np.asarray(pop.max_spikes)
        if not (np.all(m == HIDDEN_SPIKES) or np.all(m == OUTPUT_SPIKES)):
            raise SpecError(
                f"xylo: population {pop.name!r} has max_spikes {sorted(set(m.tolist()))}; Xylo "
                f"hidden neurons emit up to {HIDDEN_SPIKES} spikes per step (max_spikes = "
                f"{HIDDEN_SPIKES}) and output neurons one (max_spikes = {OUTPUT_SPIKES})"
            )
        if layer_of(spec, pop.name) == "output":
            if np.any(np.asarray(pop.alias) >= 0):
                raise SpecError(f"xylo: output population {pop.name!r} cannot have aliases")
            if np.any(np.asarray(pop.du2) != 0):
                raise SpecError(
                    f"xylo: output population {pop.name!r} has one synapse: du2 must be 0"
                )
    allowed = {("input", "hidden"), ("hidden", "hidden"), ("hidden", "output")}
    shifts: dict[str, dict[int, list[str]]] = {}
    for c in spec.connections:
        pair = (layer_of(spec, c.source), layer_of(spec, c.target))
        if pair not in allowed:
            raise SpecError(
                f"xylo: connection {c.name!r} goes {pair[0]} → {pair[1]}; Xylo connects "
                f"input → hidden, hidden → hidden and hidden → output only"
            )
        if pair[1] == "output" and c.synapse != 0:
            raise SpecError(f"xylo: connection {c.name!r}: output neurons have synapse 0 only")
        matrix = {"input": "input", "output": "output"}.get(pair[0], "recurrent")
        matrix = "output" if pair[1] == "output" else matrix
        shifts.setdefault(matrix, {}).setdefault(c.weight_exp, []).append(c.name)
    for matrix, by_shift in shifts.items():
        if len(by_shift) > 1:
            parts = "; ".join(f"{e}: {', '.join(names)}" for e, names in sorted(by_shift.items()))
            raise SpecError(
                f"xylo: the {matrix} weights share one weight_shift, but the connections into "
                f"it have weight_exp {parts}"
            )
    uses = Counter((c.source, c.target, c.synapse) for c in spec.connections)
    twice = [k for k, n in uses.items() if n > 1]
    if twice:
        s, t, syn = twice[0]
        raise SpecError(
            f"xylo: two connections {s!r} → {t!r} feed synapse {syn}; Xylo holds one weight per "
            f"pair and synapse: merge them"
        )


def layer_sizes(spec: NetworkSpec) -> dict[str, int]:
    """Number of input channels, hidden and output neurons of a Xylo spec."""
    sizes = {"inputs": sum(p.n for p in spec.inputs), "hidden": 0, "output": 0}
    for p in spec.populations:
        sizes[layer_of(spec, p.name)] += p.n
    return sizes
