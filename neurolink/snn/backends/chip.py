"""``chip`` backend: the chip emulator (``firmware_sim.Chip``) run in this process.

Import rule (DESIGN §1): neurolink library code never imports ``firmware_sim``; the emulator is
the independent reference that the ``fixed`` backend is checked against bit for bit. This
adapter therefore names the emulator's package as a string and loads it with importlib when a
network is loaded; a missing or broken emulator raises :class:`BackendUnavailableError`.

What the adapter does
---------------------
:func:`network_dict` turns a :class:`~neurolink.snn.spec.NetworkSpec` into the emulator's plain
network dict (``firmware_sim/README.md``): every population with its per-neuron ``du``, ``dv``,
``vth``, ``bias_mant``, ``bias_exp``, ``u_init`` (= ``u0``), ``v_init`` (= ``v0``); every input
port; every connection, dense as ``weights[post][pre]`` or sparse as ``[pre, post, w]``
triples, with ``weight_exp``, ``num_weight_bits`` and ``sign_mode`` (``None`` stays ``None`` so
the chip infers the sign mode itself, independently of the host). Weights are sent raw: the
chip truncates them at load, as the fixed backend does (DESIGN §3).

``step`` queues one row per input port and runs one chip step; ``run`` queues the raster and
reads the spikes and the probed ``u``/``v`` after every step (row k = state after step k + 1).
Both continue from the current state; ``reset`` restores the spec's initial state.

Inputs both sides refuse (the same rules, so fixed ≡ chip on everything either accepts)
-----------------------------------------------------------------------------------------
* input spikes other than 0/1 — checked by :meth:`InputPort.spikes` on every backend;
* a sparse connection that lists one (pre, post) pair twice — :meth:`NetworkSpec.validate`;
* raw weights outside −256..255 — :meth:`NetworkSpec.validate` (DESIGN §3: the sign-mode clip to
  ``[−256·mixed, 255]`` happens at load, inside that range, on both sides).

Not supported
-------------
* ``state`` — ``firmware_sim.Chip`` reads ``u`` and ``v`` (:meth:`ChipBackend.read_state`) but
  exposes neither the pending synaptic input (the one-step delay buffer) nor a way to write any
  state, so a state can be neither saved completely nor restored.
* ``real_valued`` — the chip stores integers only; quantize the network first.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neurolink.snn.backends.base import StepInputs, check_supported, features_of
from neurolink.snn.enums import BackendKind, Feature, Variable
from neurolink.snn.errors import (
    BackendUnavailableError,
    NotSupportedError,
    ResourceError,
    SpecError,
)
from neurolink.snn.profiles import LOIHI, get_profile
from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec

__all__ = ["EMULATOR_MODULE", "NOT_SUPPORTED_REASONS", "ChipBackend", "network_dict"]

#: The emulator's package, imported by name at load time (never at neurolink import time).
EMULATOR_MODULE = "firmware_sim"

#: Why each feature in ``ChipBackend.not_supported`` is missing.
NOT_SUPPORTED_REASONS: dict[Feature, str] = {
    Feature.STATE: (
        "firmware_sim.Chip reads u and v (ChipBackend.read_state) but exposes neither the "
        "pending synaptic input nor any way to write state, so get_state()/set_state() cannot "
        "save and restore a state"
    ),
    Feature.REAL_VALUED: "the chip stores integers only; quantize the network first",
}


def _ints(a: ArrayLike) -> list[Any]:
    """Plain Python ints (nested lists) of an integer-valued array, for the emulator's dict."""
    return np.asarray(a).astype(np.int64).tolist()


def network_dict(spec: NetworkSpec) -> dict[str, Any]:
    """The emulator's network dict for ``spec`` (plain ints, lists and strings).

    Parameters
    ----------
    spec : NetworkSpec
        An integer-valued spec (``spec.validate(integer=True)`` passes).

    Returns
    -------
    dict
        ``{"populations", "inputs", "connections"}`` in the format of ``firmware_sim/README.md``.
    """
    pops = []
    for p in spec.populations:
        d: dict[str, Any] = {"name": p.name, "size": p.n}
        for ours, theirs in (("du", "du"), ("dv", "dv"), ("vth", "vth"),
                             ("bias_mant", "bias_mant"), ("bias_exp", "bias_exp"),
                             ("u0", "u_init"), ("v0", "v_init")):  # fmt: skip
            d[theirs] = _ints(p.params[ours])  # one value per neuron
        pops.append(d)
    conns = []
    for c in spec.connections:
        d = {
            "name": c.name,
            "pre": c.source,
            "post": c.target,
            "weight_exp": c.weight_exp,
            "num_weight_bits": c.num_weight_bits,
            "sign_mode": None if c.sign_mode is None else str(c.sign_mode),  # None: chip infers
        }
        if isinstance(c, DenseConnection):
            d["weights"] = _ints(c.weights)  # (post, pre), raw: the chip truncates at load
        else:
            d["synapses"] = _ints(np.stack([c.pre, c.post, c.w], axis=1).reshape(-1, 3))
        conns.append(d)
    inputs = [{"name": p.name, "size": p.n} for p in spec.inputs]
    return {"populations": pops, "inputs": inputs, "connections": conns}


class ChipBackend:
    """The in-process chip emulator, ``firmware_sim.Chip``, behind the Backend interface.

    Parameters
    ----------
    spec : NetworkSpec, optional
        Loaded at once if given.

    Notes
    -----
    Not supported: ``state`` and ``real_valued`` (reasons in :data:`NOT_SUPPORTED_REASONS`).
    """

    kind = BackendKind.CHIP
    not_supported = frozenset(NOT_SUPPORTED_REASONS)

    def __init__(self, spec: NetworkSpec | None = None) -> None:
        self.spec: NetworkSpec | None = None
        self._chip: Any = None  # firmware_sim.Chip, typed loosely: it is imported by name
        self._ports: dict[str, InputPort] = {}
        if spec is not None:
            self.load(spec)

    @staticmethod
    def emulator() -> ModuleType:
        """Import the emulator package by name (never at neurolink import time).

        Raises
        ------
        BackendUnavailableError
            If it cannot be imported or lacks the ``Chip`` API.
        """
        try:
            module = importlib.import_module(EMULATOR_MODULE)
        except ImportError as e:
            raise BackendUnavailableError(
                f"chip backend: cannot import the chip emulator {EMULATOR_MODULE!r} ({e}); "
                f"install the neurolink distribution with its firmware_sim package"
            ) from e
        missing = [n for n in ("Chip", "NetworkError", "MappingError") if not hasattr(module, n)]
        if missing:
            raise BackendUnavailableError(
                f"chip backend: the emulator {EMULATOR_MODULE!r} lacks {', '.join(missing)}"
            )
        return module

    # --- loading --------------------------------------------------------------------------------
    def load(self, spec: NetworkSpec) -> None:
        """Validate ``spec``, map it onto a fresh emulated chip and reset.

        Raises
        ------
        NotSupportedError
            Real-valued parameters.
        ResourceError
            The network does not fit the chip (the emulator's mapper says what overflowed).
        BackendUnavailableError
            The emulator cannot be imported.
        """
        self._refuse(features_of(spec))
        try:
            spec.validate(integer=True)
        except SpecError as e:
            raise NotSupportedError(
                f"chip backend does not support {Feature.REAL_VALUED.value} parameters: {e}"
            ) from e
        profile = get_profile(spec.profile)
        if profile is not LOIHI:
            raise NotSupportedError(f"chip backend emulates profile 'loihi', not {profile.name!r}")
        profile.check_fits(spec)
        fw = self.emulator()
        chip = fw.Chip()
        try:
            chip.load(network_dict(spec))
        except fw.MappingError as e:
            raise ResourceError(f"chip backend: the network does not fit the chip: {e}") from e
        except fw.NetworkError as e:  # the host validation should have refused it first
            raise SpecError(f"chip backend: the emulator refused the network: {e}") from e
        self.spec, self._chip = spec, chip
        self._ports = {p.name: p for p in spec.inputs}

    def _loaded(self) -> Any:
        if self._chip is None:
            raise RuntimeError("chip backend: call load(spec) first")
        return self._chip

    def _refuse(self, features: set[Feature]) -> None:
        """check_supported, with the reason of each missing feature in the message."""
        try:
            check_supported(self, features)
        except NotSupportedError as e:
            missing = sorted(features & self.not_supported)
            why = "; ".join(f"{f.value}: {NOT_SUPPORTED_REASONS[f]}" for f in missing)
            raise NotSupportedError(f"{e} — {why}") from None

    # --- stepping -------------------------------------------------------------------------------
    def step(self, inputs: StepInputs | None = None) -> dict[str, np.ndarray]:
        chip = self._loaded()
        rows = {port: self._port(port).spikes(x) for port, x in (inputs or {}).items()}
        for port, row in rows.items():  # queued only once every port's input is valid
            chip.set_inputs(port, row)
        return {name: r[0].astype(bool) for name, r in chip.step(1).items()}

    def run(
        self, T: int, inputs: Mapping[str, ArrayLike] | ArrayLike | None = None
    ) -> dict[str, np.ndarray]:
        chip = self._loaded()
        assert self.spec is not None
        T = int(T)
        if T < 0:
            raise ValueError(f"run: T must be ≥ 0, got {T}")
        rasters = self._rasters(T, inputs)
        pops = {p.name: p.n for p in self.spec.populations}
        out = {
            name: {v: np.zeros((T, n), dtype=bool if v is Variable.SPIKES else np.int64)
                   for v in Variable}
            for name, n in pops.items()
        }  # fmt: skip
        wanted = {p.target for p in self.spec.probes if p.variable is not Variable.SPIKES}
        for port, raster in rasters.items():
            chip.set_inputs(port, raster)  # one row is consumed per step
        for t in range(T):
            for name, r in chip.step(1).items():
                out[name][Variable.SPIKES][t] = r[0]
            for name in wanted:
                state = chip.read_state(name)
                out[name][Variable.U][t], out[name][Variable.V][t] = state["u"], state["v"]
        return {p.key: out[p.target][Variable(p.variable)].copy() for p in self.spec.probes}

    def _port(self, name: str) -> InputPort:
        port = self._ports.get(name)
        if port is None:
            raise SpecError(f"unknown input port {name!r}; ports: {list(self._ports)}")
        return port

    def _rasters(
        self, T: int, inputs: Mapping[str, ArrayLike] | ArrayLike | None
    ) -> dict[str, np.ndarray]:
        if inputs is None:
            return {}
        if not isinstance(inputs, Mapping):
            if len(self._ports) != 1:
                raise SpecError("run: a plain input array needs exactly one input port")
            inputs = {next(iter(self._ports)): inputs}
        return {name: self._port(name).spikes(x, T) for name, x in inputs.items()}

    def reset(self) -> None:
        self._loaded().reset()

    # --- state ----------------------------------------------------------------------------------
    @property
    def t(self) -> int:
        """Steps run since load or the last reset."""
        return int(self._loaded().time_step)

    def read_state(self, population: str) -> dict[str, np.ndarray]:
        """Current ``u`` and ``v`` of ``population`` (int64, shape (n,) each), read-only access."""
        chip = self._loaded()
        assert self.spec is not None
        if population not in self.spec.population_names:
            raise SpecError(f"no population named {population!r}")
        return chip.read_state(population)

    def get_state(self) -> dict[str, np.ndarray]:
        self._refuse({Feature.STATE})
        raise AssertionError("unreachable")  # pragma: no cover

    def set_state(self, state: Mapping[str, ArrayLike]) -> None:
        self._refuse({Feature.STATE})
        raise AssertionError("unreachable")  # pragma: no cover
