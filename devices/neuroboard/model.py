"""The emulated neuromorphic board: a :class:`firmware_sim.Chip` behind the wire.

- NEURO_LOAD: chunks reassembled (:mod:`devices.neuroboard.loader`), the JSON document parsed
  and loaded on a fresh chip; only a successful load replaces the loaded network. Refusals
  come with a LOG line that explains them: ``BAD_PAYLOAD`` (bad JSON, length or CRC-32
  mismatch, a malformed network: firmware_sim's message naming the key), ``OUT_OF_LIMITS``
  ``NETWORK_RESOURCES`` (does not fit the chip: firmware_sim's mapping message),
  ``OUT_OF_LIMITS`` ``NETWORK_SIZE`` (document too long, or more than 255 populations / input
  ports or more than 65,536 neurons / axons in one, which the wire cannot address).
- Before the chip sees a document (:mod:`devices.neuroboard.validate`): nesting deeper than 16
  levels is ``BAD_PAYLOAD``, sizes beyond the wire or the chip ``OUT_OF_LIMITS`` — refused
  from the numbers, before anything is allocated.
- NEURO_STEP: ``OUT_OF_LIMITS`` ``STEP_COUNT`` for more steps than INFO's ``max_steps`` (the
  board answers other commands between bounded steps); ``BAD_STATE`` with no network;
  ``OUT_OF_LIMITS`` ``PORT`` (index = port) for an unknown port, ``NEURON_INDEX`` (index =
  port) for an axon beyond its size, ``BAD_PAYLOAD`` for indices not strictly increasing —
  all checked before anything runs. Inputs are queued for the next step (merged with those of
  earlier ``n_steps = 0`` commands); each step run sends NEURO_SPIKES (split with flag MORE
  when one frame cannot hold them), then the ACK.
- NEURO_READ_PROBE → NEURO_PROBE_DATA (the state now, after step ``step``): ``BAD_STATE``,
  ``OUT_OF_LIMITS`` ``POPULATION`` / ``NEURON_INDEX`` (index = population), ``BAD_PAYLOAD`` for
  more than 253 values.
- NEURO_READ_COUNTERS → NEURO_COUNTERS (``BAD_STATE`` with no network).
- NEURO_RESET: ``STATE`` resets the chip (network kept) and drops queued inputs; ``UNLOAD``
  also unloads the network. Always ACKed.

The board drives nothing physical: neuro commands need no ARM, and stopping output is a no-op.
"""

from __future__ import annotations

from itertools import pairwise
from typing import ClassVar

import numpy as np

from devices.core.model import Context, DeviceModel
from devices.neuroboard.loader import ChunkAssembler, LoadRefused
from devices.neuroboard.profile import BoardProfile
from devices.neuroboard.validate import check_document, parse_document
from firmware_sim import Chip, MappingError
from neurolink.hal import wire

__all__ = ["NeuroBoard", "spike_frames"]

_MT = wire.MsgType
_SPIKES_HEAD = 6  # step u32, flags u8, n_pops u8
_GROUP_HEAD = 3  # number u8, count u16
_WIRE_MAX_GROUPS = 255
_WIRE_MAX_INDEX = 0xFFFF


def spike_frames(step: int, groups: list[tuple[int, list[int]]]) -> list[wire.NeuroSpikes]:
    """The NEURO_SPIKES frames of one step: as few as hold the groups, flag MORE on all but
    the last; one empty frame when nothing spiked.

    Parameters
    ----------
    step : int
        Step number (from 1 since load or reset).
    groups : list of (population, neuron indices)
        Populations with spikes, indices increasing.
    """
    frames: list[list[tuple[int, list[int]]]] = [[]]
    used = _SPIKES_HEAD
    for pop, indices in groups:
        rest = list(indices)
        while rest:
            room = (wire.MAX_PAYLOAD - used - _GROUP_HEAD) // 2
            if room <= 0 or len(frames[-1]) == _WIRE_MAX_GROUPS:
                frames.append([])
                used = _SPIKES_HEAD
                continue
            take, rest = rest[:room], rest[room:]
            frames[-1].append((pop, take))
            used += _GROUP_HEAD + 2 * len(take)
    more, last = wire.SpikesFlags.MORE, wire.SpikesFlags.NONE
    return [
        wire.NeuroSpikes(
            step, tuple((p, tuple(i)) for p, i in f), more if k < len(frames) - 1 else last
        )
        for k, f in enumerate(frames)
    ]


def _wire_size_problem(network: dict) -> str | None:
    """Why the wire cannot address this (loaded) network, or None."""
    for key, what in (("populations", "population"), ("inputs", "input port")):
        items = network.get(key, [])
        if len(items) > _WIRE_MAX_GROUPS:
            return f"{len(items)} {what}s; the wire addresses at most {_WIRE_MAX_GROUPS}"
        for item in items:
            if int(item["size"]) > _WIRE_MAX_INDEX + 1:
                return (
                    f"{what} {item['name']!r} has {item['size']} neurons/axons; the wire "
                    f"addresses at most {_WIRE_MAX_INDEX + 1}"
                )
    return None


class NeuroBoard(DeviceModel):
    """A board with one emulated chip.

    Parameters
    ----------
    profile : BoardProfile
        The chip and the board's limits.
    """

    KIND: ClassVar = wire.DeviceKind.NEUROMORPHIC
    HANDLES: ClassVar = frozenset(
        {
            _MT.NEURO_LOAD,
            _MT.NEURO_STEP,
            _MT.NEURO_STEP_BATCH,
            _MT.NEURO_READ_PROBE,
            _MT.NEURO_READ_COUNTERS,
            _MT.NEURO_RESET,
        }
    )
    QUERIES: ClassVar = frozenset({_MT.NEURO_READ_PROBE, _MT.NEURO_READ_COUNTERS})

    def __init__(self, profile: BoardProfile) -> None:
        self.profile = profile
        self.chip: Chip | None = None
        self.populations: list[tuple[str, int]] = []
        self.inputs: list[tuple[str, int]] = []
        self.pending: dict[int, set[int]] = {}
        self._assembler = ChunkAssembler(profile.max_network_bytes)
        self.steps_run = 0

    @property
    def capabilities(self) -> wire.Capability:
        return wire.Capability.PROBES | wire.Capability.COUNTERS

    def limits_block(self) -> wire.NeuroLimits:
        return self.profile.limits_block()

    def summary(self) -> str:
        return f"{self.steps_run} step(s) run"

    # ------------------------------------------------------------------ commands

    def handle(
        self, message: wire.Message, ack_seq: int, now_us: int, ctx: Context
    ) -> wire.Message:
        try:
            if isinstance(message, wire.NeuroLoad):
                return self._load(message, ack_seq, now_us, ctx)
            if isinstance(message, wire.NeuroReset):
                if message.scope is wire.ResetScope.UNLOAD:
                    self.chip, self.populations, self.inputs = None, [], []
                elif self.chip is not None:
                    self.chip.reset()
                self.pending.clear()
                return wire.Ack(ack_seq)
            if self.chip is None:
                raise LoadRefused(wire.Status.BAD_STATE, "no network loaded: send NEURO_LOAD")
            if isinstance(message, wire.NeuroStep):
                return self._step(self.chip, message, ack_seq, ctx)
            if isinstance(message, wire.NeuroStepBatch):
                return self._step_batch(self.chip, message, ack_seq, ctx)
            if isinstance(message, wire.NeuroReadProbe):
                return self._probe(self.chip, message, ack_seq)
            if isinstance(message, wire.NeuroReadCounters):
                c = (
                    self.chip.last_step_counters
                    if message.scope is wire.CounterScope.LAST_STEP
                    else self.chip.counters
                )
                return wire.NeuroCounters(ack_seq, message.scope, **c.as_dict())
        except LoadRefused as r:
            ctx.log(wire.LogLevel.WARNING, f"{message.TYPE.name} refused: {r}", now_us)
            return wire.Nack(ack_seq, r.status, r.detail)
        raise TypeError(f"neuromorphic board cannot handle {type(message).__name__}")

    def _load(self, m: wire.NeuroLoad, ack_seq: int, now_us: int, ctx: Context) -> wire.Message:
        document = self._assembler.add(m)
        if document is None:
            return wire.Ack(ack_seq)
        network = parse_document(document)
        check_document(network, self.profile.limits_block())  # before anything is allocated
        chip = Chip(self.profile.chip)
        try:
            placement = chip.load(network)
        except MappingError as e:
            raise LoadRefused(
                wire.Status.OUT_OF_LIMITS,
                f"network does not fit: {e}",
                wire.limit_detail(wire.Limit.NETWORK_RESOURCES),
            ) from None
        except (ValueError, TypeError, KeyError) as e:  # NetworkError and malformed values
            raise LoadRefused(wire.Status.BAD_PAYLOAD, f"bad network: {e}") from None
        problem = _wire_size_problem(network)
        if problem is not None:
            raise LoadRefused(
                wire.Status.OUT_OF_LIMITS,
                f"network too large: {problem}",
                wire.limit_detail(wire.Limit.NETWORK_SIZE),
            )
        self.chip = chip
        self.populations = [(p["name"], int(p["size"])) for p in network["populations"]]
        self.inputs = [(p["name"], int(p["size"])) for p in network.get("inputs", [])]
        self.pending.clear()
        n = sum(s for _, s in self.populations)
        ctx.log(
            wire.LogLevel.INFO,
            f"network loaded: {len(self.populations)} population(s), "
            f"{n} neurons, {len(self.inputs)} input port(s), {placement.cores_used} core(s)",
            now_us,
        )
        return wire.Ack(ack_seq)

    def _check_steps(self, n_steps: int) -> None:
        if n_steps > self.profile.max_steps:
            raise LoadRefused(
                wire.Status.OUT_OF_LIMITS,
                f"{n_steps} steps in one command; at most {self.profile.max_steps} per command "
                f"(send several)",
                wire.limit_detail(wire.Limit.STEP_COUNT),
            )

    def _check_inputs(self, inputs: tuple[wire.SpikeGroup, ...]) -> None:
        for port, indices in inputs:
            if port >= len(self.inputs):
                raise LoadRefused(
                    wire.Status.OUT_OF_LIMITS,
                    f"input port {port} does not exist ({len(self.inputs)} ports)",
                    wire.limit_detail(wire.Limit.PORT, port),
                )
            if any(b <= a for a, b in pairwise(indices)):
                raise LoadRefused(
                    wire.Status.BAD_PAYLOAD,
                    f"axon indices of port {port} are not strictly increasing",
                )
            name, size = self.inputs[port]
            if indices and indices[-1] >= size:
                raise LoadRefused(
                    wire.Status.OUT_OF_LIMITS,
                    f"axon {indices[-1]} of port {port} ({name!r}): it has {size}",
                    wire.limit_detail(wire.Limit.NEURON_INDEX, port),
                )

    def _step(self, chip: Chip, m: wire.NeuroStep, ack_seq: int, ctx: Context) -> wire.Message:
        self._check_steps(m.n_steps)
        self._check_inputs(m.inputs)
        self._queue(m.inputs)
        for k in range(m.n_steps):
            self._run_one(chip, ctx, with_inputs=k == 0)
        return wire.Ack(ack_seq)

    def _step_batch(
        self, chip: Chip, m: wire.NeuroStepBatch, ack_seq: int, ctx: Context
    ) -> wire.Message:
        """Every record checked first; then step i with the inputs of record i."""
        self._check_steps(m.n_steps)
        for inputs in m.steps:
            self._check_inputs(inputs)
        for inputs in m.steps:
            self._queue(inputs)
            self._run_one(chip, ctx, with_inputs=True)
        return wire.Ack(ack_seq)

    def _queue(self, inputs: tuple[wire.SpikeGroup, ...]) -> None:
        for port, indices in inputs:
            self.pending.setdefault(port, set()).update(indices)

    def _run_one(self, chip: Chip, ctx: Context, *, with_inputs: bool) -> None:
        """One step (the queued inputs go in when ``with_inputs``); its NEURO_SPIKES sent."""
        if with_inputs:
            for port, axons in self.pending.items():
                name, size = self.inputs[port]
                row = np.zeros(size, dtype=np.uint8)
                row[sorted(axons)] = 1
                chip.set_inputs(name, row)
            self.pending.clear()
        rasters = chip.step(1)
        groups = [
            (i, np.flatnonzero(rasters[name][0]).tolist())
            for i, (name, _) in enumerate(self.populations)
        ]
        for frame in spike_frames(chip.time_step, [g for g in groups if g[1]]):
            ctx.emit(frame)
        self.steps_run += 1

    def _probe(self, chip: Chip, m: wire.NeuroReadProbe, ack_seq: int) -> wire.Message:
        if m.population >= len(self.populations):
            raise LoadRefused(
                wire.Status.OUT_OF_LIMITS,
                f"population {m.population} does not exist",
                wire.limit_detail(wire.Limit.POPULATION, m.population),
            )
        if m.count > wire.MAX_PROBE_VALUES:
            raise LoadRefused(
                wire.Status.BAD_PAYLOAD,
                f"probe of {m.count} values; at most {wire.MAX_PROBE_VALUES}",
            )
        name, size = self.populations[m.population]
        if m.first_neuron + m.count > size:
            raise LoadRefused(
                wire.Status.OUT_OF_LIMITS,
                f"neurons {m.first_neuron}..{m.first_neuron + m.count - 1} of "
                f"population {m.population} ({name!r}): it has {size}",
                wire.limit_detail(wire.Limit.NEURON_INDEX, m.population),
            )
        var = "u" if m.variable is wire.ProbeVariable.U else "v"
        values = chip.read_state(name)[var][m.first_neuron : m.first_neuron + m.count]
        return wire.NeuroProbeData(
            ack_seq,
            chip.time_step,
            m.population,
            m.variable,
            m.first_neuron,
            tuple(int(v) for v in values),
        )
