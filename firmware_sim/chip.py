"""The chip as the host sees it: load a network, feed input spikes, step, read back.

One step, as the firmware runs it:

1. every core updates its neurons with the synaptic input summed in the previous step and
   emits the indices of the neurons that spiked;
2. the spikes of this step (neurons, and one row of host input per port) become AER packets
   ``(core, axon)`` through the router;
3. every core sums the weights its packets reach into its delay buffer for the next step;
4. barrier: counters and probes are updated, the step ends.

So a spike at step ``t`` (a neuron's or the host's) reaches ``u`` of its targets at step
``t + 1``; host input row ``k`` sent at step ``k + 1`` reaches ``u`` at step ``k + 2``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

import numpy as np

from firmware_sim import counters as cnt
from firmware_sim.loader import ChipImage, build_image
from firmware_sim.mapper import Placement, map_network
from firmware_sim.network import NetworkSpec, parse_network
from firmware_sim.profile_loihi import LOIHI, LoihiProfile

PROBE_VARIABLES = ("u", "v")


class Chip:
    """A bit-accurate emulated neuromorphic chip (Loihi profile).

    Parameters
    ----------
    profile : LoihiProfile
        Chip size, per-core limits and cost figures; ``LOIHI.resized(...)`` for other sizes.

    Examples
    --------
    >>> net = {
    ...     "populations": [{"name": "out", "size": 1, "du": 4095, "dv": 0, "vth": 1000}],
    ...     "inputs": [{"name": "in", "size": 1}],
    ...     "connections": [{"pre": "in", "post": "out", "weights": [[100]]}],
    ... }
    >>> chip = Chip()
    >>> chip.load(net).cores_used
    1
    >>> chip.set_inputs("in", [1])
    >>> chip.step(2)["out"].tolist()
    [[0], [0]]
    >>> chip.read_state("out")["u"].tolist()  # 100 << 6, two steps after the input
    [6400]
    """

    def __init__(self, profile: LoihiProfile = LOIHI) -> None:
        self.profile = profile
        self._spec: NetworkSpec | None = None
        self._placement: Placement | None = None
        self._image: ChipImage | None = None
        self._queues: dict[str, deque[np.ndarray]] = {}
        self._probes: dict[tuple[str, str], list[np.ndarray]] = {}
        self._time_step = 0
        self._last = cnt.Counters()
        self._run = cnt.Counters()

    # ---------------------------------------------------------------- loading

    def load(self, network: Mapping) -> Placement:
        """Validate, map and load a network description, replacing any loaded one.

        Parameters
        ----------
        network : Mapping
            The plain dict of :mod:`firmware_sim.network`.

        Returns
        -------
        Placement
            Where everything went (``cores_used``, ``summary()``).

        Raises
        ------
        NetworkError
            The description is malformed (the message names the key).
        MappingError
            The network does not fit (the message says what overflowed where).
        """
        spec = parse_network(network)
        placement = map_network(spec, self.profile.limits)
        self._image = build_image(spec, placement, self.profile.limits)
        self._spec, self._placement = spec, placement
        self._queues = {p.name: deque() for p in spec.inputs}
        self._probes = {}
        self.reset()
        return placement

    def info(self) -> dict[str, int | str]:
        """Identity and limits as a plain dict (what a board reports in HELLO/INFO)."""
        lim = self.profile.limits
        return {
            "profile": self.profile.name,
            "n_cores": lim.n_cores,
            "neurons_per_core": lim.neurons_per_core,
            "synapse_bits_per_core": lim.synapse_bits_per_core,
            "axons_in_per_core": lim.axons_in_per_core,
            "axons_out_per_core": lim.axons_out_per_core,
        }

    @property
    def placement(self) -> Placement:
        """The placement of the loaded network."""
        if self._placement is None:
            raise RuntimeError("no network loaded: call load() first")
        return self._placement

    @property
    def time_step(self) -> int:
        """Steps run since load or the last reset."""
        return self._time_step

    def _loaded(self) -> tuple[NetworkSpec, ChipImage]:
        if self._spec is None or self._image is None:
            raise RuntimeError("no network loaded: call load() first")
        return self._spec, self._image

    def reset(self) -> None:
        """Restore initial state, drop queued inputs, clear counters and probe records.

        Probes stay registered; the network stays loaded.
        """
        _, image = self._loaded()
        for core in image.cores:
            core.reset()
        for q in self._queues.values():
            q.clear()
        for key in self._probes:
            self._probes[key] = []
        self._time_step = 0
        self._last, self._run = cnt.Counters(), cnt.Counters()

    # ---------------------------------------------------------------- host -> chip

    def set_inputs(self, port: str, spikes: np.ndarray | list) -> None:
        """Queue input spikes for a port; each step consumes one row per port.

        Parameters
        ----------
        port : str
            Input port name.
        spikes : array-like of 0/1, shape (n_axons,) or (n_steps, n_axons)
            One row is sent per following step (a 1-D vector: the next step only). Ports with
            nothing queued send nothing.
        """
        spec, _ = self._loaded()
        size = spec.input(port).size
        arr = np.asarray(spikes)
        rows = arr.reshape(1, -1) if arr.ndim == 1 else arr
        if rows.ndim != 2 or rows.shape[1] != size:
            raise ValueError(
                f"input {port!r}: shape {arr.shape}, expected ({size},) or (T, {size})"
            )
        if rows.size and not np.isin(rows, (0, 1)).all():
            raise ValueError(f"input {port!r}: spikes must be 0 or 1")
        self._queues[port].extend(np.flatnonzero(row) for row in rows.astype(bool))

    # ---------------------------------------------------------------- stepping

    def step(self, n: int = 1) -> dict[str, np.ndarray]:
        """Run ``n`` steps.

        Returns
        -------
        dict of str to ndarray of uint8, shape (n, size)
            The spike raster of each population over these steps.
        """
        spec, image = self._loaded()
        if n < 0:
            raise ValueError(f"n = {n} must be >= 0")
        rasters = {p.name: np.zeros((n, p.size), dtype=np.uint8) for p in spec.populations}
        for t in range(n):
            self._step_once(image)
            for name, raster in rasters.items():
                raster[t] = self._gather(name, "spikes")
            for (name, var), rec in self._probes.items():
                rec.append(self._gather(name, var))
        return rasters

    def _step_once(self, image: ChipImage) -> None:
        last = cnt.Counters(steps=1)
        sources = []
        for core, ids in zip(image.cores, image.core_sources, strict=True):
            local = core.update_neurons()  # phase 1: neuron updates on every core
            last.spikes += local.size
            sources.append(ids[local])
        for port, q in self._queues.items():  # host input: one row per port, as packets
            if q:
                sources.append(image.source_base[port] + q.popleft())
        routed = image.router.route(np.concatenate(sources))  # phase 2: AER packets
        for core_index, axons in image.router.deliver(routed.packets):
            image.cores[core_index].receive(axons)  # phase 3: synaptic accumulation
        # barrier: the step's counters and its time estimate (cores run in parallel)
        costs = self.profile.costs
        slowest = 0.0
        for core in image.cores:
            inactive = core.n - core.active_updates
            last.synaptic_ops += core.synops
            last.neuron_updates += core.n
            last.active_neuron_updates += core.active_updates
            slowest = max(
                slowest, cnt.core_time_s(core.synops, core.active_updates, inactive, costs)
            )
        last.packets = int(routed.packets.size)
        last.host_packets = routed.host_packets
        last.hops_ew, last.hops_ns = routed.hops_ew, routed.hops_ns
        n_tiles = -(-len(image.cores) // self.profile.limits.cores_per_tile)  # ceil
        last.time_s = slowest + costs.barrier_time_s(n_tiles)
        last.energy_j = cnt.energy_j(last, costs)
        self._last = last
        self._run.add(last)
        self._time_step += 1

    # ---------------------------------------------------------------- chip -> host

    def _gather(self, population: str, variable: str) -> np.ndarray:
        spec, image = self._loaded()
        size = spec.population(population).size
        out = np.zeros(size, dtype=bool if variable == "spikes" else np.int64)
        for s in image.slices[population]:
            core = image.cores[s.core]
            values = core.spikes if variable == "spikes" else getattr(core, variable)
            out[s.start : s.stop] = values[s.offset : s.offset + s.stop - s.start]
        return out

    def read_spikes(self, population: str) -> np.ndarray:
        """Spikes of the last step.

        Returns
        -------
        ndarray of uint8, shape (size,)
        """
        return self._gather(population, "spikes").astype(np.uint8)

    def read_state(self, population: str) -> dict[str, np.ndarray]:
        """Current ``u`` and ``v`` of a population (int64, shape (size,) each)."""
        return {var: self._gather(population, var) for var in PROBE_VARIABLES}

    def probe(self, population: str, variable: str) -> None:
        """Record ``variable`` (``"u"`` or ``"v"``) of ``population`` after every step."""
        spec, _ = self._loaded()
        spec.population(population)
        if variable not in PROBE_VARIABLES:
            raise ValueError(f"probe variable {variable!r} not one of {PROBE_VARIABLES}")
        self._probes.setdefault((population, variable), [])

    def read_probe(self, population: str, variable: str) -> np.ndarray:
        """Values recorded since load or reset.

        Returns
        -------
        ndarray of int64, shape (n_steps, size)
            Row ``k`` = the state after step ``k + 1`` since the probe was set.
        """
        if (population, variable) not in self._probes:
            raise KeyError(f"no probe on {population!r}.{variable}: call probe() first")
        spec, _ = self._loaded()
        rec = self._probes[(population, variable)]
        size = spec.population(population).size
        return np.stack(rec) if rec else np.zeros((0, size), dtype=np.int64)

    @property
    def counters(self) -> cnt.Counters:
        """Counters summed over the run since load or reset."""
        return self._run

    @property
    def last_step_counters(self) -> cnt.Counters:
        """Counters of the last step."""
        return self._last

    def read_counters(self) -> dict[str, dict[str, int | float]]:
        """``{"step": {...}, "run": {...}}``: plain dicts of :class:`Counters` fields."""
        return {"step": self._last.as_dict(), "run": self._run.as_dict()}
