"""``chip`` backend for the Xylo profile: the emulated Xylo core (``firmware_sim.XyloChip``).

As for Loihi (:mod:`neurolink.snn.backends.chip`), the emulator is imported by name at load
time, never at neurolink import time (DESIGN §1), so that fixed ≡ chip compares two independent
implementations.

What the adapter does
---------------------
:func:`xylo_config` lays the spec's three layers side by side, as XyloSim's configuration
(``firmware_sim/xylo_image.py``): input ports in spec order are the input channels, hidden
populations (``max_spikes`` 31) the hidden neurons, output populations (``max_spikes`` 1) the
output neurons; dense and sparse connections become entries of ``weights_in``,
``weights_rec`` (synapse = the connection's ``synapse``) and ``weights_out``, each matrix with
its one ``weight_shift`` (the spec refuses connections into one matrix that disagree).

Not supported
-------------
* ``state`` — the emulated core is written like firmware: it reads its registers
  (:meth:`XyloChipBackend.read_state`) but takes no state from the host, as XyloSim's own
  interface takes none, so a state cannot be restored.
* ``real_valued`` — the chip stores integers only; quantize the network first.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
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
from neurolink.snn.profiles import get_profile
from neurolink.snn.profiles.xylo_layers import layer_of
from neurolink.snn.spec import DenseConnection, NetworkSpec

__all__ = ["NOT_SUPPORTED_REASONS", "XyloChipBackend", "xylo_config"]

EMULATOR_MODULE = "firmware_sim"

NOT_SUPPORTED_REASONS: dict[Feature, str] = {
    Feature.STATE: (
        "firmware_sim.XyloChip reads its registers (XyloChipBackend.read_state) but takes no "
        "state from the host, so get_state()/set_state() cannot save and restore a state"
    ),
    Feature.REAL_VALUED: "the chip stores integers only; quantize the network first",
}

#: Variable of a probe → (hidden record, output record) of the emulator.
_RECORDS = {
    Variable.SPIKES: ("spikes", "spikes_out"),
    Variable.U: ("i_syn", "i_syn_out"),
    Variable.U2: ("i_syn2", None),
    Variable.V: ("v_mem", "v_mem_out"),
}


def _dense(c: Any, n_post: int, n_pre: int) -> np.ndarray:
    """(n_post, n_pre) int64 weights of a dense or sparse connection."""
    if isinstance(c, DenseConnection):
        return np.asarray(c.weights, dtype=np.int64)
    w = np.zeros((n_post, n_pre), dtype=np.int64)
    w[np.asarray(c.post), np.asarray(c.pre)] = np.asarray(c.w, dtype=np.int64)
    return w


def _offsets(names: list[tuple[str, int]]) -> dict[str, slice]:
    out, at = {}, 0
    for name, n in names:
        out[name] = slice(at, at + n)
        at += n
    return out


def xylo_config(spec: NetworkSpec) -> tuple[dict[str, Any], dict[str, tuple[str, slice]]]:
    """XyloSim's configuration for ``spec`` and where each population sits in it.

    Returns
    -------
    config : dict
        Plain ints and lists (``firmware_sim/xylo_image.py``).
    layout : dict of population name to (layer, slice)
        ``layer`` is ``"hidden"`` or ``"output"``; the slice indexes that layer's neurons.
    """
    ports = _offsets([(p.name, p.n) for p in spec.inputs])
    pops = {p.name: p for p in spec.populations}
    hidden = _offsets(
        [(p.name, p.n) for p in spec.populations if layer_of(spec, p.name) == "hidden"]
    )
    output = _offsets(
        [(p.name, p.n) for p in spec.populations if layer_of(spec, p.name) == "output"]
    )
    n_in, n_h = sum(p.n for p in spec.inputs), sum(s.stop - s.start for s in hidden.values())
    n_out = sum(s.stop - s.start for s in output.values())
    # The core has at least one input channel, hidden and output neuron, but a spec may leave a
    # layer empty (fixed runs it): an empty layer gets one idle unit (zero weights, threshold
    # 32767, bias 0), which never spikes and changes nothing that the spec can probe.
    n_in, n_h, n_out = max(n_in, 1), max(n_h, 1), max(n_out, 1)
    n_syn = 2 if any(c.synapse == 1 for c in spec.connections) else 1
    w_in = np.zeros((n_in, n_h, n_syn), dtype=np.int64)
    w_rec = np.zeros((n_h, n_h, n_syn), dtype=np.int64)
    w_out = np.zeros((n_h, n_out), dtype=np.int64)
    shifts = {"in": 0, "rec": 0, "out": 0}
    for c in spec.connections:
        post = hidden.get(c.target, output.get(c.target))
        pre = ports.get(c.source, hidden.get(c.source))
        assert pre is not None and post is not None  # the spec's layer rules hold
        w = _dense(c, post.stop - post.start, pre.stop - pre.start).T  # (pre, post)
        if c.source in ports:
            w_in[pre, post, c.synapse], shifts["in"] = w, c.weight_exp
        elif c.target in hidden:
            w_rec[pre, post, c.synapse], shifts["rec"] = w, c.weight_exp
        else:
            w_out[pre, post], shifts["out"] = w, c.weight_exp

    def layer(names: dict[str, slice], key: str) -> list[int]:
        if not names:  # the idle unit of an empty layer
            return [32767 if key == "vth" else 0]
        return np.concatenate([np.asarray(getattr(pops[n], key)) for n in names]).tolist()

    aliases: list[list[int]] = [] if hidden else [[]]
    for name, sl in hidden.items():
        aliases += [[] if a < 0 else [int(a) + sl.start] for a in np.asarray(pops[name].alias)]
    config: dict[str, Any] = {
        "weights_in": w_in.tolist(),
        "weights_rec": w_rec.tolist(),
        "weights_out": w_out.tolist(),
        "weight_shift_in": shifts["in"],
        "weight_shift_rec": shifts["rec"],
        "weight_shift_out": shifts["out"],
        "dash_syn": layer(hidden, "du"),
        "dash_mem": layer(hidden, "dv"),
        "threshold": layer(hidden, "vth"),
        "bias": layer(hidden, "bias_mant"),
        "aliases": aliases,
        "dash_syn_out": layer(output, "du"),
        "dash_mem_out": layer(output, "dv"),
        "threshold_out": layer(output, "vth"),
        "bias_out": layer(output, "bias_mant"),
    }
    if n_syn == 2:
        config["dash_syn_2"] = layer(hidden, "du2")
    layout = {n: ("hidden", s) for n, s in hidden.items()}
    layout |= {n: ("output", s) for n, s in output.items()}
    return config, layout


class XyloChipBackend:
    """The in-process Xylo emulator, ``firmware_sim.XyloChip``, behind the Backend interface.

    Parameters
    ----------
    spec : NetworkSpec, optional
        A spec of profile ``"xylo"``; loaded at once if given.
    """

    kind = BackendKind.CHIP
    not_supported = frozenset(NOT_SUPPORTED_REASONS)

    def __init__(self, spec: NetworkSpec | None = None) -> None:
        self.spec: NetworkSpec | None = None
        self._chip: Any = None
        if spec is not None:
            self.load(spec)

    def load(self, spec: NetworkSpec) -> None:
        """Validate ``spec``, check it fits Xylo, load it on a fresh emulated core, reset.

        Raises
        ------
        NotSupportedError
            Real-valued parameters, or a profile other than ``xylo``.
        ResourceError
            More inputs, hidden or output neurons than the core has.
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
        if profile.name != "xylo":
            raise NotSupportedError(
                f"XyloChipBackend emulates profile 'xylo', not {profile.name!r}"
            )
        profile.check_fits(spec)
        try:
            fw = importlib.import_module(EMULATOR_MODULE)
            chip = fw.XyloChip()
        except (ImportError, AttributeError) as e:
            raise BackendUnavailableError(
                f"chip backend: cannot load the Xylo emulator {EMULATOR_MODULE}.XyloChip ({e})"
            ) from e
        config, self._layout = xylo_config(spec)
        try:
            chip.load(config)
        except fw.MappingError as e:
            raise ResourceError(f"chip backend: the network does not fit Xylo: {e}") from e
        self.spec, self._chip = spec, chip
        self._ports = {p.name: p for p in spec.inputs}
        self._port_at = _offsets([(p.name, p.n) for p in spec.inputs])
        self._n_in = len(config["weights_in"])  # with the idle channel of a portless spec

    def _loaded(self) -> Any:
        if self._chip is None:
            raise RuntimeError("chip backend: call load(spec) first")
        return self._chip

    def _refuse(self, features: set[Feature]) -> None:
        try:
            check_supported(self, features)
        except NotSupportedError as e:
            missing = sorted(features & self.not_supported)
            why = "; ".join(f"{f.value}: {NOT_SUPPORTED_REASONS[f]}" for f in missing)
            raise NotSupportedError(f"{e} — {why}") from None

    def _inputs(self, inputs: Mapping[str, ArrayLike] | ArrayLike | None, T: int | None):
        rows = np.zeros((1 if T is None else T, self._n_in), dtype=np.int64)
        if inputs is None:
            return rows
        if not isinstance(inputs, Mapping):
            if len(self._ports) != 1:
                raise SpecError("run: a plain input array needs exactly one input port")
            inputs = {next(iter(self._ports)): inputs}
        for name, x in inputs.items():
            port = self._ports.get(name)
            if port is None:
                raise SpecError(f"unknown input port {name!r}; ports: {list(self._ports)}")
            counts = port.spikes(x, T, max_count=255)
            rows[:, self._port_at[name]] = counts if T is not None else counts[None]
        return rows

    def _pick(self, rec: Mapping[str, np.ndarray], pop: str, var: Variable) -> np.ndarray:
        layer, sl = self._layout[pop]
        key = _RECORDS[var][0 if layer == "hidden" else 1]
        if key is None:  # output neurons have no second synapse: u2 stays 0
            return np.zeros((len(rec["spikes"]), sl.stop - sl.start), dtype=np.int64)
        return rec[key][:, sl]

    def step(self, inputs: StepInputs | None = None) -> dict[str, np.ndarray]:
        chip = self._loaded()
        assert self.spec is not None
        chip.set_inputs(self._inputs(inputs, None))
        rec = chip.step(1)
        return {
            p.name: self._pick(rec, p.name, Variable.SPIKES)[0].astype(np.uint8)
            for p in self.spec.populations
        }

    def run(
        self, T: int, inputs: Mapping[str, ArrayLike] | ArrayLike | None = None
    ) -> dict[str, np.ndarray]:
        chip = self._loaded()
        assert self.spec is not None
        T = int(T)
        if T < 0:
            raise ValueError(f"run: T must be ≥ 0, got {T}")
        chip.set_inputs(self._inputs(inputs, T))
        rec = chip.step(T)
        out = {}
        for p in self.spec.probes:
            var = Variable(p.variable)
            arr = self._pick(rec, p.target, var)
            out[p.key] = arr.astype(np.uint8) if var is Variable.SPIKES else arr.copy()
        return out

    def reset(self) -> None:
        self._loaded().reset()

    @property
    def t(self) -> int:
        """Steps run since load or the last reset."""
        return int(self._loaded().time_step)

    def read_state(self, population: str) -> dict[str, np.ndarray]:
        """Current ``u``, ``u2``, ``v`` and last ``spikes`` of ``population`` (int64, (n,))."""
        chip = self._loaded()
        if population not in self._layout:
            raise SpecError(f"no population named {population!r}")
        layer, sl = self._layout[population]
        regs = chip.read_state()
        sfx = "" if layer == "hidden" else "_out"
        return {
            "u": regs["i_syn" + sfx][sl],
            "u2": regs["i_syn2"][sl] if layer == "hidden" else np.zeros(sl.stop - sl.start, int),
            "v": regs["v_mem" + sfx][sl],
        }

    def get_state(self) -> dict[str, np.ndarray]:
        self._refuse({Feature.STATE})
        raise AssertionError("unreachable")  # pragma: no cover

    def set_state(self, state: Mapping[str, ArrayLike]) -> None:
        self._refuse({Feature.STATE})
        raise AssertionError("unreachable")  # pragma: no cover
