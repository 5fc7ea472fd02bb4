"""Place populations (and their incoming synapses) on cores, or refuse saying what overflowed.

Policy: populations are packed in the order given, neuron by neuron, onto cores 0, 1, 2, ...;
a core takes neurons while it has neurons left and their incoming synapses fit its synapse
memory, so a population may share a core with the previous one and may span several cores.
The synapses of a connection live on the cores that hold its post neurons; each (connection,
core) pair is one *slot* of synapse memory with its own input axons. After packing, the input
axons and fan-out edges of every core are checked against the profile's limits.

Synapse memory cost (a budget model, see :mod:`firmware_sim.profile_loihi`): a dense connection
costs ``num_weight_bits`` per synapse (all ``n_pre`` of every post neuron), a sparse one
``num_weight_bits + index_bits`` per listed synapse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from firmware_sim.network import ConnectionSpec, NetworkSpec
from firmware_sim.profile_loihi import CoreLimits


class MappingError(ValueError):
    """The network does not fit the chip; the message says what overflowed where."""


@dataclass(frozen=True)
class Slice:
    """Neurons ``start:stop`` of ``population`` at core-local indices ``offset:offset+n``."""

    population: str
    start: int
    stop: int
    core: int
    offset: int


@dataclass(frozen=True)
class Slot:
    """The synapses of connection ``conn`` (index in the spec) that target one core.

    Attributes
    ----------
    post_start, post_stop : int
        The post neurons (population indices) held by ``core``.
    pre_axons : ndarray of int64, shape (n_axons,)
        Pre indices with at least one synapse here, sorted; input axon ``k`` of the slot
        carries spikes of pre neuron ``pre_axons[k]``.
    synapse_bits : int
        Synapse memory this slot uses.
    """

    conn: int
    core: int
    post_start: int
    post_stop: int
    pre_axons: np.ndarray
    synapse_bits: int


@dataclass(frozen=True)
class CoreUsage:
    """Resources one core uses."""

    core: int
    neurons: int
    synapse_bits: int
    axons_in: int
    axons_out: int


@dataclass(frozen=True)
class Placement:
    """Where everything went."""

    slices: tuple[Slice, ...]
    slots: tuple[Slot, ...]
    cores: tuple[CoreUsage, ...]

    @property
    def cores_used(self) -> int:
        """Number of cores holding at least one neuron."""
        return len(self.cores)

    def summary(self) -> str:
        """One line per core: neurons, synapse bits, input axons, fan-out edges."""
        lines = [f"{self.cores_used} core(s) used"]
        for c in self.cores:
            pops = ", ".join(
                f"{s.population}[{s.start}:{s.stop}]" for s in self.slices if s.core == c.core
            )
            lines.append(
                f"core {c.core}: {c.neurons} neurons ({pops}), {c.synapse_bits} synapse bits, "
                f"{c.axons_in} input axons, {c.axons_out} fan-out edges"
            )
        return "\n".join(lines)


def synapse_bits_per_synapse(conn: ConnectionSpec, limits: CoreLimits) -> int:
    """Bits one synapse of ``conn`` takes in synapse memory (weight, plus index if sparse)."""
    return conn.num_weight_bits + (0 if conn.dense else limits.index_bits)


def _fan_in_bits(spec: NetworkSpec, limits: CoreLimits) -> dict[str, np.ndarray]:
    """Synapse bits of each post neuron's incoming synapses, per population (int64 arrays)."""
    bits = {p.name: np.zeros(p.size, dtype=np.int64) for p in spec.populations}
    for conn in spec.connections:
        per_syn = synapse_bits_per_synapse(conn, limits)
        bits[conn.post] += np.bincount(conn.post_idx, minlength=conn.n_post) * per_syn
    return bits


def _pack(
    spec: NetworkSpec, limits: CoreLimits, fan_in: dict[str, np.ndarray], cap: int | None
) -> list[Slice]:
    """Greedy packing; raises at the first population that runs past ``cap`` cores."""
    budget, per_core = limits.synapse_bits_per_core, limits.neurons_per_core
    slices: list[Slice] = []
    core, used_n, used_bits = 0, 0, 0
    for pop in spec.populations:
        bits, i = fan_in[pop.name], 0
        while i < pop.size:
            if cap is not None and core >= cap:
                raise _TooManyCores(pop.name)
            cum = used_bits + np.cumsum(bits[i : i + per_core - used_n])
            k = int(np.searchsorted(cum, budget, side="right"))  # neurons that still fit
            if k == 0:
                if used_n == 0:
                    raise MappingError(_one_neuron_message(spec, limits, pop.name, i, core))
                core, used_n, used_bits = core + 1, 0, 0
                continue
            slices.append(Slice(pop.name, i, i + k, core, used_n))
            used_n, used_bits, i = used_n + k, int(cum[k - 1]), i + k
    return slices


class _TooManyCores(Exception):
    def __init__(self, population: str) -> None:
        self.population = population


def _one_neuron_message(spec: NetworkSpec, limits: CoreLimits, pop: str, i: int, core: int) -> str:
    parts, total = [], 0
    for conn in spec.connections:
        if conn.post != pop:
            continue
        n = int(np.count_nonzero(conn.post_idx == i))
        b = synapse_bits_per_synapse(conn, limits)
        total += n * b
        parts.append(f"connection '{conn.name}' {n} synapses x {b} bits")
    return (
        f"core {core}: synapse memory {total} bits > {limits.synapse_bits_per_core} bits budget "
        f"for neuron {i} of population '{pop}' alone ({'; '.join(parts)})"
    )


def _too_many_cores_message(
    spec: NetworkSpec, limits: CoreLimits, fan_in: dict[str, np.ndarray], pop_name: str
) -> str:
    full = _pack(spec, limits, fan_in, cap=None)
    mine = [s.core for s in full if s.population == pop_name]
    needed = max(s.core for s in full) + 1
    pop = spec.population(pop_name)
    per_neuron = int(fan_in[pop_name].max())
    bound = "neurons per core"
    if per_neuron and limits.synapse_bits_per_core // per_neuron < limits.neurons_per_core:
        bound = (
            f"synapse memory: one '{pop_name}' neuron needs up to {per_neuron} bits of "
            f"incoming synapses, so about {limits.synapse_bits_per_core // per_neuron} fit a core"
        )
    return (
        f"population '{pop_name}' ({pop.size} neurons) does not fit: it needs cores "
        f"{min(mine)}-{max(mine)} ({len(set(mine))} cores of {limits.neurons_per_core} neurons "
        f"and {limits.synapse_bits_per_core} synapse bits; bound by {bound}); the network "
        f"needs {needed} cores and the chip has {limits.n_cores}"
    )


def _slots(spec: NetworkSpec, limits: CoreLimits, slices: list[Slice]) -> list[Slot]:
    slots = []
    for ci, conn in enumerate(spec.connections):
        per_syn = synapse_bits_per_synapse(conn, limits)
        for s in slices:
            if s.population != conn.post:
                continue
            here = (conn.post_idx >= s.start) & (conn.post_idx < s.stop)
            pre_axons = np.unique(conn.pre_idx[here])  # sorted
            if conn.dense:
                pre_axons = np.arange(conn.n_pre, dtype=np.int64)
            bits = int(np.count_nonzero(here)) * per_syn
            slots.append(Slot(ci, s.core, s.start, s.stop, pre_axons, bits))
    return slots


def _neuron_cores(spec: NetworkSpec, slices: list[Slice]) -> dict[str, np.ndarray]:
    """For every population, the core of each neuron (int64, shape (size,))."""
    where = {p.name: np.zeros(p.size, dtype=np.int64) for p in spec.populations}
    for s in slices:
        where[s.population][s.start : s.stop] = s.core
    return where


def map_network(spec: NetworkSpec, limits: CoreLimits) -> Placement:
    """Place ``spec`` on a chip with ``limits``.

    Parameters
    ----------
    spec : NetworkSpec
    limits : CoreLimits

    Returns
    -------
    Placement
        Slices of populations per core, synapse slots, per-core usage.

    Raises
    ------
    MappingError
        When neurons, synapse memory, input axons or fan-out edges overflow; the message
        names the population or connection and the core.
    """
    fan_in = _fan_in_bits(spec, limits)
    try:
        slices = _pack(spec, limits, fan_in, cap=limits.n_cores)
    except _TooManyCores as exc:
        raise MappingError(_too_many_cores_message(spec, limits, fan_in, exc.population)) from None
    slots = _slots(spec, limits, slices)
    cores_used = max((s.core for s in slices), default=-1) + 1
    neurons = np.zeros(cores_used, dtype=np.int64)
    for s in slices:
        neurons[s.core] += s.stop - s.start
    bits = np.zeros(cores_used, dtype=np.int64)
    axons_in = np.zeros(cores_used, dtype=np.int64)
    axons_out = np.zeros(cores_used, dtype=np.int64)
    neuron_core = _neuron_cores(spec, slices)
    for slot in slots:
        bits[slot.core] += slot.synapse_bits
        axons_in[slot.core] += slot.pre_axons.size
        pre = spec.connections[slot.conn].pre
        if pre in neuron_core:  # a population: each pre neuron sends one edge to this slot
            axons_out += np.bincount(neuron_core[pre][slot.pre_axons], minlength=cores_used)
    for core in range(cores_used):
        here = [slot for slot in slots if slot.core == core]
        if axons_in[core] > limits.axons_in_per_core:
            detail = ", ".join(
                f"'{spec.connections[s.conn].name}' {s.pre_axons.size}" for s in here
            )
            raise MappingError(
                f"core {core}: {axons_in[core]} input axons > {limits.axons_in_per_core} "
                f"axon budget (connections: {detail})"
            )
        if axons_out[core] > limits.axons_out_per_core:
            pops = ", ".join(s.population for s in slices if s.core == core)
            raise MappingError(
                f"core {core}: {axons_out[core]} fan-out edges > {limits.axons_out_per_core} "
                f"budget (neurons of {pops})"
            )
    usage = tuple(
        CoreUsage(c, int(neurons[c]), int(bits[c]), int(axons_in[c]), int(axons_out[c]))
        for c in range(cores_used)
    )
    return Placement(slices=tuple(slices), slots=tuple(slots), cores=usage)
