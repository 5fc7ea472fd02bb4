"""Activity counters and the energy/time estimate built from the profile's cost figures.

Definitions (per step, summed over a run):

* ``synaptic_ops`` — synapses with a non-zero stored weight reached by an incoming spike
  (a spiking pre neuron or host axon times its non-zero synapses);
* ``neuron_updates`` — neurons updated (every loaded neuron, every step); ``active_neuron_updates``
  those with any non-zero u, v, input or bias before the update (the rest are inactive);
* ``spikes`` — neuron spikes (host input spikes are not counted here);
* ``packets`` — AER packets delivered, one per (spike, fan-out edge), host inputs included;
  ``host_packets`` the part that came from the host;
* ``hops_ew``, ``hops_ns`` — tile hops travelled by those packets;
* ``energy_j`` — ``synaptic_ops * E_synop + active * E_active + inactive * E_inactive
  + packets * E_in_tile + hops_ew * E_hop_ew + hops_ns * E_hop_ns``;
* ``time_s`` — per step, the slowest core's ``synops * t_synop + active * t_active
  + inactive * t_inactive``, plus the barrier time for the tiles in use.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from firmware_sim.profile_loihi import CostFigures


@dataclass
class Counters:
    """Counts of one step or of a run (see the module docstring for definitions)."""

    steps: int = 0
    synaptic_ops: int = 0
    neuron_updates: int = 0
    active_neuron_updates: int = 0
    spikes: int = 0
    packets: int = 0
    host_packets: int = 0
    hops_ew: int = 0
    hops_ns: int = 0
    energy_j: float = 0.0
    time_s: float = 0.0

    def add(self, other: Counters) -> None:
        """Add ``other`` field by field, in place."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int | float]:
        """Plain dict (ints and floats) for the wire and for reports."""
        return asdict(self)


def energy_j(c: Counters, costs: CostFigures) -> float:
    """Energy estimate of the counted activity, joules (order of magnitude)."""
    inactive = c.neuron_updates - c.active_neuron_updates
    return (
        c.synaptic_ops * costs.synop_energy_j
        + c.active_neuron_updates * costs.neuron_active_energy_j
        + inactive * costs.neuron_inactive_energy_j
        + c.packets * costs.spike_in_tile_energy_j
        + c.hops_ew * costs.hop_ew_energy_j
        + c.hops_ns * costs.hop_ns_energy_j
    )


def core_time_s(synops: int, active: int, inactive: int, costs: CostFigures) -> float:
    """Time one core spends on one step's synaptic ops and neuron updates, seconds."""
    return (
        synops * costs.synop_time_s
        + active * costs.neuron_active_time_s
        + inactive * costs.neuron_inactive_time_s
    )
