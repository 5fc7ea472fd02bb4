"""Neuromorphic-board driver: the chip behind the serial wire, also usable as an snn backend.

Loading. :meth:`NeuroboardDriver.load` turns a :class:`~neurolink.snn.spec.NetworkSpec` into
the chip's plain network dict (:func:`neurolink.snn.backends.chip.network_dict`, the one
converter), serialises it as compact JSON and sends it in NEURO_LOAD chunks of at most
:data:`~neurolink.hal.wire.MAX_LOAD_CHUNK` bytes; the device checks length and CRC-32 and maps
the network after the last chunk (given ``load_timeout`` s to answer). A network that does not
fit is refused by the device (``OUT_OF_LIMITS NETWORK_RESOURCES``) and raised as
:class:`~neurolink.snn.errors.ResourceError`. Input ports and populations are numbered by their
order in the document.

Stepping. :meth:`NeuroboardDriver.step` sends one NEURO_STEP (inputs that do not fit one frame
go ahead in frames with ``n_steps = 0``) and collects the step's NEURO_SPIKES, which the device
sends before the ACK. It returns the spikes of every population, like
:meth:`neurolink.snn.backends.base.Backend.step`; :meth:`run`, :meth:`reset`, ``kind`` and
``not_supported`` complete the backend interface (``state`` and ``real_valued`` are not
supported, as on the in-process chip). These computation calls are not commands to a physical
device and do not go through the audit log; :meth:`NeuroboardDriver.exchange` does — a
:class:`~neurolink.hal.commands.SpikeInput` through the safety layer (e-stop latch, audit,
``t_wire``) that returns a :class:`~neurolink.hal.commands.SpikeOutput`.

Batches (for 1 ms chip steps in a closed loop, :mod:`.neuroboard_batch`).
:meth:`NeuroboardDriver.step_batch` runs several steps, each with its own inputs, in
NEURO_STEP_BATCH frames: one round trip per frame instead of per step. :meth:`submit` writes a
batch and returns (:meth:`~neurolink.hal.link.Link.begin`); :meth:`collect` returns the spikes
of the oldest batch submitted, waiting only if its reply has not arrived. One batch is on the
wire at a time (the link is stop and wait): a submit first reads the reply to the one before.
No thread of the driver's own is involved, so nothing has to wake up but the link's reader.
Every other call (``step``, probes, counters, ``reset``) first reads the batch on the wire, so
the board's state is never read in the middle of one; ``reset`` and ``load`` forget the spikes
not collected. :attr:`batch_rtt` keeps each batch frame's round trip. Use one thread.

The board drives nothing physical: it needs no ARM (it ACKs ARM and DISARM), has no watchdog,
and its e-stop callback sends nothing.
"""

from __future__ import annotations

import collections
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neurolink.hal import wire
from neurolink.hal.commands import Command, SpikeInput, SpikeOutput
from neurolink.hal.device import Lifecycle, Sent, register_device
from neurolink.hal.drivers.neuroboard_batch import (
    MAX_INDICES_PER_STEP_FRAME,
    batch_frames,
    spikes_of,
    step_frames,
)
from neurolink.hal.drivers.serial_base import SerialDevice
from neurolink.hal.errors import DeviceError, DeviceLost, NackError
from neurolink.hal.link import Exchange, InFlight
from neurolink.hal.safety import SafetyLayer
from neurolink.hal.wire import CounterScope, MsgType, ProbeVariable, ResetScope
from neurolink.snn.enums import BackendKind, Feature, Variable
from neurolink.snn.errors import NotSupportedError, ResourceError
from neurolink.snn.spec import NetworkSpec

__all__ = ["MAX_INDICES_PER_STEP_FRAME", "NeuroboardDriver"]

_log = logging.getLogger(__name__)

_RESOURCE_LIMITS = {"NETWORK_RESOURCES", "NETWORK_SIZE"}


@register_device(
    "neuroboard",
    "serial neuromorphic board: the chip behind the wire (load, step, spikes, probes, counters)",
    emulator="neuroboard",
)
class NeuroboardDriver(SerialDevice):
    """A neuromorphic board on a serial port (see the module docstring).

    Parameters
    ----------
    url : str
        Port URL.
    load_timeout : float
        Seconds the device may take to answer the last NEURO_LOAD chunk (mapping).
    **kwargs
        Of :class:`~neurolink.hal.drivers.serial_base.SerialDevice`.
    """

    KIND = wire.DeviceKind.NEUROMORPHIC
    kind = BackendKind.CHIP
    not_supported = frozenset({Feature.STATE, Feature.REAL_VALUED})

    def __init__(self, url: str, *, load_timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.load_timeout = float(load_timeout)
        self.spec: NetworkSpec | None = None
        self.document: dict[str, Any] | None = None
        self._ports: dict[str, tuple[int, int]] = {}  # name → (number, size)
        self._pops: dict[str, tuple[int, int]] = {}
        self._pop_names: list[str] = []
        self._t = 0
        self._t_sent = 0  # steps handed to the board (pipelined batches included)
        self._on_wire: tuple[InFlight, wire.Message, int, int, list] | None = None
        self._landed: collections.deque[list[dict[str, np.ndarray]]] = collections.deque()
        #: Round trip (s) and steps of each NEURO_STEP_BATCH frame, newest last.
        self.batch_rtt: collections.deque[tuple[float, int]] = collections.deque(maxlen=1 << 16)

    # --- identify / load ------------------------------------------------------------------------
    def _configure(self, info: wire.Info) -> None:
        if self.layer is None:
            self.layer = SafetyLayer(
                audit=self.audit, estop=self.estop, bypass=self.bypass, clock=self.clock
            )

    @property
    def neuro_limits(self) -> wire.NeuroLimits:
        """The board's resources (after identify)."""
        limits = self._info.limits if self._info is not None else None
        if not isinstance(limits, wire.NeuroLimits):
            raise DeviceError(f"{self.url}: identify the board first")
        return limits

    def load(self, spec: NetworkSpec) -> None:
        """Send ``spec`` to the board and reset (see the module docstring).

        Raises
        ------
        NotSupportedError
            Real-valued parameters, or a profile other than the board's.
        ResourceError
            The board refused it as too large.
        NackError, DeviceLost
            Other refusals; no answer.
        """
        from neurolink.snn.backends.chip import network_dict  # the snn backends load numba

        if spec.is_real_valued():
            raise NotSupportedError(
                "neuroboard does not support real_valued parameters: quantize the network first"
            )
        spec.validate(integer=True)
        if spec.profile != self.neuro_limits.profile:
            raise NotSupportedError(
                f"{self.url}: board computes profile "
                f"{self.neuro_limits.profile!r}, spec is {spec.profile!r}"
            )
        self.load_network(network_dict(spec))
        self.spec = spec

    def load_network(self, document: Mapping[str, Any]) -> None:
        """Send a plain network dict (``firmware_sim/README.md``) in NEURO_LOAD chunks."""
        self._require(Lifecycle.IDENTIFIED, Lifecycle.ARMED, action="load a network")
        self._drop()
        doc = dict(document)
        data = json.dumps(doc, separators=(",", ":")).encode("utf-8")
        limit = self.neuro_limits.max_network_bytes
        if len(data) > limit:
            raise ResourceError(
                f"{self.url}: network document of {len(data)} bytes exceeds the "
                f"board's max_network_bytes {limit}"
            )
        self.spec, self.document = None, None
        chunks = wire.NeuroLoad.split(data)
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            ex = self._request(chunk, timeout=self.load_timeout if last else None)
            try:
                self._checked(ex)
            except NackError as e:
                if e.limit in _RESOURCE_LIMITS:
                    raise ResourceError(f"the board refused the network: {e}") from e
                raise
        self.document = doc
        self._ports = {p["name"]: (i, int(p["size"])) for i, p in enumerate(doc["inputs"])}
        self._pops = {p["name"]: (i, int(p["size"])) for i, p in enumerate(doc["populations"])}
        self._pop_names = [p["name"] for p in doc["populations"]]
        self._t = self._t_sent = 0

    def _loaded(self) -> None:
        if self.document is None:
            raise DeviceError(f"{self.url}: load a network first")

    # --- stepping -------------------------------------------------------------------------------
    def _groups(self, inputs: Mapping[str, ArrayLike] | None) -> list[wire.SpikeGroup]:
        groups: list[wire.SpikeGroup] = []
        ports = {p.name: p for p in self.spec.inputs} if self.spec is not None else {}
        for name, values in (inputs or {}).items():
            if name not in self._ports:
                raise DeviceError(f"unknown input port {name!r}; ports: {list(self._ports)}")
            number, size = self._ports[name]
            if name in ports:
                row = ports[name].spikes(values).astype(bool)
            else:
                row = np.asarray(values, dtype=bool)
                if row.shape != (size,):
                    raise DeviceError(
                        f"input port {name!r}: expected shape ({size},), got {row.shape}"
                    )
            idx = tuple(int(i) for i in np.flatnonzero(row))
            if idx:
                groups.append((number, idx))
        return groups

    def _spikes_of(
        self, collected: tuple[wire.Frame, ...], first: int, n: int
    ) -> list[dict[str, np.ndarray]]:
        """The spikes of steps ``first … first + n − 1`` (:func:`.neuroboard_batch.spikes_of`)."""
        sizes = [self._pops[name][1] for name in self._pop_names]
        return spikes_of(collected, first, n, self._pop_names, sizes, self.url)

    def step(self, inputs: Mapping[str, ArrayLike] | None = None) -> dict[str, np.ndarray]:
        """Run one step with these input spikes; the spikes of every population.

        Parameters
        ----------
        inputs : mapping of port name to bool array, shape (n_axons,), optional
            Spikes sent at this step; missing ports send none.

        Returns
        -------
        dict of population name to bool array, shape (n_neurons,)
        """
        self._loaded()
        self._land()
        frames = [(f, f.n_steps) for f in step_frames(self._groups(inputs), 1)]
        return self._run_frames(frames, self._next(1))[0]

    def step_batch(
        self, inputs: Sequence[Mapping[str, ArrayLike] | None]
    ) -> list[dict[str, np.ndarray]]:
        """Run ``len(inputs)`` steps, step ``i`` with ``inputs[i]``, in NEURO_STEP_BATCH frames
        (one round trip per frame); the spikes of every population at each step.

        Returns
        -------
        list of dict of population name to bool array, shape (n_neurons,)
        """
        self._loaded()
        frames, n = self._batch(inputs)
        self._land()
        return self._run_frames(frames, self._next(n))

    def submit(self, inputs: Sequence[Mapping[str, ArrayLike] | None]) -> None:
        """Write a batch of ``len(inputs)`` steps and return without waiting for its reply
        (:meth:`collect` returns its spikes). One batch is on the wire at a time: the reply to
        the one before is read first (waiting only if it has not arrived). The inputs are read
        before this returns: the caller may reuse its arrays.

        Raises
        ------
        DeviceError, NackError, DeviceLost
            Bad inputs; the batch before was refused or got no reply.
        """
        self._loaded()
        frames, n = self._batch(inputs)
        self._land()
        first = self._next(n)
        *head, (message, k) = frames
        spikes = self._run_frames(head, first)  # a batch too wide for one frame: rare
        try:
            flight = self.link.begin(message, collect=(MsgType.NEURO_SPIKES,))
        except DeviceLost as e:
            self._on_lost(e)
            raise
        self._on_wire = (flight, message, first + n - k, k, spikes)

    def collect(self) -> list[dict[str, np.ndarray]]:
        """The spikes of each step of the oldest batch :meth:`submit` ted and not collected,
        waiting for its reply if it has not arrived.

        Raises
        ------
        DeviceError, NackError, DeviceLost
            No batch to collect; the batch was refused or got no reply.
        """
        if not self._landed:
            self._land()
        if not self._landed:
            raise DeviceError(f"{self.url}: no batch in flight to collect")
        return self._landed.popleft()

    def _land(self) -> None:
        """Read the reply to the batch on the wire, if any (its spikes kept for collect)."""
        if self._on_wire is None:
            return
        flight, message, first, n, spikes = self._on_wire
        self._on_wire = None
        try:
            ex = self._checked(self.link.finish(flight))
        except DeviceLost as e:
            self._on_lost(e)
            raise
        self._landed.append(spikes + self._read(ex, message, first, n))

    def _drop(self) -> None:
        """Read the batch on the wire and forget every batch not collected."""
        self._land()
        self._landed.clear()

    def _batch(
        self, inputs: Sequence[Mapping[str, ArrayLike] | None]
    ) -> tuple[list[tuple[wire.Message, int]], int]:
        rows = [self._groups(i) for i in inputs]
        if not rows:
            raise DeviceError("a batch needs at least one step")
        return batch_frames(rows, self.neuro_limits.max_steps), len(rows)

    def _next(self, n: int) -> int:
        """Number the next ``n`` steps sent; the first one's."""
        first = self._t_sent + 1
        self._t_sent += n
        return first

    def _run_frames(
        self, frames: Sequence[tuple[wire.Message, int]], first: int
    ) -> list[dict[str, np.ndarray]]:
        """Send frames in turn, each after the previous one's reply; the spikes of their steps."""
        out: list[dict[str, np.ndarray]] = []
        for message, n in frames:
            if n == 0:  # queues inputs only
                self._checked(self._request(message))
                continue
            ex = self._checked(self._request(message, collect=(MsgType.NEURO_SPIKES,)))
            out += self._read(ex, message, first, n)
            first += n
        return out

    def _read(
        self, ex: Exchange, message: wire.Message, first: int, n: int
    ) -> list[dict[str, np.ndarray]]:
        if isinstance(message, wire.NeuroStepBatch):
            self.batch_rtt.append((ex.rtt_s, n))
        out = self._spikes_of(ex.collected, first, n)
        self._t = first + n - 1
        return out

    def run(
        self, T: int, inputs: Mapping[str, ArrayLike] | ArrayLike | None = None
    ) -> dict[str, np.ndarray]:
        """``T`` steps; the spec's probes, row k = after step k + 1 (as ``Backend.run``)."""
        self._loaded()
        if self.spec is None:
            raise DeviceError("run() needs a network loaded from a NetworkSpec (for its probes)")
        if inputs is not None and not isinstance(inputs, Mapping):
            if len(self._ports) != 1:
                raise DeviceError("run: a plain input array needs exactly one input port")
            inputs = {next(iter(self._ports)): inputs}
        ports = {p.name: p for p in self.spec.inputs}
        rasters = {
            k: ports[k].spikes(v, int(T)) if k in ports else np.asarray(v)
            for k, v in (inputs or {}).items()
        }
        out = {
            p.key: np.zeros(
                (T, self._pops[p.target][1]),
                dtype=bool if p.variable is Variable.SPIKES else np.int64,
            )
            for p in self.spec.probes
        }
        for t in range(int(T)):
            spikes = self.step({k: r[t] for k, r in rasters.items()})
            for p in self.spec.probes:
                if p.variable is Variable.SPIKES:
                    out[p.key][t] = spikes[p.target]
                else:
                    out[p.key][t] = self.read_probe(p.target, str(p.variable))
        return out

    def exchange(
        self, cmd: SpikeInput, port: str | None = None, population: str | None = None
    ) -> SpikeOutput:
        """One step as a command: ``cmd.neurons`` into ``port`` (default the first), the spikes
        of ``population`` (default the last) back; checked, audited, ``t_wire`` recorded.

        Raises
        ------
        EStopError
            While the session's e-stop is latched (the loop is stopped).
        DeviceError, NackError, DeviceLost
            Unknown port or population, a refusal, no answer.
        """
        return self._exchange(cmd, port, population)[1]

    def _exchange(
        self, cmd: SpikeInput, port: str | None, population: str | None
    ) -> tuple[Sent, SpikeOutput]:
        self._loaded()
        port = port or next(iter(self._ports))
        population = population or self._pop_names[-1]
        if population not in self._pops:
            raise DeviceError(f"unknown population {population!r}; {self._pop_names}")
        number, size = self._ports[port]
        if cmd.neurons and cmd.neurons[-1] >= size:
            raise DeviceError(f"SpikeInput neuron {cmd.neurons[-1]} >= port {port!r} size {size}")
        self._land()
        frames = step_frames([(number, cmd.neurons)] if cmd.neurons else [], 1)
        for f in frames[:-1]:
            self._checked(self._request(f))
        sent, ex = self._send_command(cmd, lambda _: frames[-1], collect=(MsgType.NEURO_SPIKES,))
        assert ex is not None
        self._t += 1
        self._t_sent = self._t
        spikes = self._spikes_of(ex.collected, self._t, 1)[0][population]
        out = SpikeOutput(cmd.step, tuple(int(i) for i in np.flatnonzero(spikes)), cmd.origin)
        return sent, out

    def send(self, cmd: Command) -> Sent:
        """:meth:`exchange` a :class:`SpikeInput`; the :class:`Sent` record."""
        if not isinstance(cmd, SpikeInput):
            raise TypeError(f"a neuroboard takes SpikeInput, got {type(cmd).__name__}")
        return self._exchange(cmd, None, None)[0]

    # --- state, counters, reset ----------------------------------------------------------------
    @property
    def t(self) -> int:
        """Steps run since load or the last reset."""
        return self._t

    def read_probe(
        self, population: str, variable: str = "v", first: int = 0, count: int | None = None
    ) -> np.ndarray:
        """Current ``u`` or ``v`` of neurons ``first …`` of ``population`` (int64)."""
        self._loaded()
        self._land()
        if population not in self._pops:
            raise DeviceError(f"no population named {population!r}; {self._pop_names}")
        number, size = self._pops[population]
        count = size - first if count is None else count
        var = ProbeVariable[variable.upper()]
        values: list[int] = []
        while len(values) < count:
            n = min(wire.MAX_PROBE_VALUES, count - len(values))
            msg = wire.NeuroReadProbe(number, var, first + len(values), n)
            reply = self._checked(self._request(msg)).reply
            assert isinstance(reply, wire.NeuroProbeData)
            if len(reply.values) != n:
                raise DeviceError(f"{self.url}: probe returned {len(reply.values)} of {n} values")
            values.extend(reply.values)
        return np.asarray(values, dtype=np.int64)

    def read_state(self, population: str) -> dict[str, np.ndarray]:
        """Current ``u`` and ``v`` of ``population`` (int64, shape (n,) each)."""
        return {"u": self.read_probe(population, "u"), "v": self.read_probe(population, "v")}

    def counters(self, scope: CounterScope = CounterScope.RUN) -> wire.NeuroCounters:
        """NEURO_READ_COUNTERS: activity counts and the chip's energy/time estimates."""
        self._land()
        reply = self._checked(self._request(wire.NeuroReadCounters(scope))).reply
        assert isinstance(reply, wire.NeuroCounters)
        return reply

    def reset(self) -> None:
        """Initial state, step counter 0; the network stays loaded. The batch on the wire is
        read first; the spikes of batches not collected are forgotten."""
        self._drop()
        self._checked(self._request(wire.NeuroReset(ResetScope.STATE)))
        self._t = self._t_sent = 0

    def unload(self) -> None:
        """Reset and unload the network."""
        self._drop()
        self._checked(self._request(wire.NeuroReset(ResetScope.UNLOAD)))
        self.spec, self.document, self._t, self._t_sent = None, None, 0, 0

    def close(self) -> None:
        """Read the batch on the wire (a lost board is only logged), then close the port."""
        try:
            self._land()
        except DeviceError as e:
            _log.warning("%s: the last batch got no reply before closing: %s", self.url, e)
        finally:
            self._on_wire = None
            super().close()

    def get_state(self) -> dict[str, np.ndarray]:
        """Not supported (the chip cannot save its pending synaptic input)."""
        raise NotSupportedError("neuroboard backend does not support: state")

    def set_state(self, state: Mapping[str, ArrayLike]) -> None:
        """Not supported (the chip cannot write its state)."""
        raise NotSupportedError("neuroboard backend does not support: state")

    def _stop_output(self) -> None:
        """E-stop callback: the board drives nothing physical; nothing to send."""
