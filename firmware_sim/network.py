"""The network description the host loads into the chip: a plain dict, parsed and validated.

The format (ints, lists and strings only, so it goes through JSON and, later, a serial wire)::

    {
      "populations": [
        {"name": "out", "size": 4,
         "du": 1024, "dv": 256, "vth": 100,          # int, or a list of `size` ints
         "bias_mant": [0, 10, 0, -5], "bias_exp": [0, 3, 0, 2],   # optional, default 0
         "u_init": 0, "v_init": 0}                    # optional initial state, default 0
      ],
      "inputs": [{"name": "in", "size": 2}],          # host input ports (axons)
      "connections": [
        {"name": "in->out",                           # optional, default "pre->post"
         "pre": "in", "post": "out",                  # pre: a port or a population
         "weights": [[120, -40], [60, 60], [-100, 200], [255, 0]],   # dense, (post, pre)
         # or "synapses": [[pre, post, weight], ...]  # sparse: one triple per synapse
         "weight_exp": 0, "num_weight_bits": 8,       # optional, defaults 0 and 8
         "sign_mode": null}                           # "excitatory" | "inhibitory" | "mixed"
      ]                                               #   | null (inferred from the weights)
    }

Ranges (DESIGN.md §3): ``du``, ``dv`` 0..4095; ``vth`` 0..131071; ``bias_mant`` -4096..4095;
``bias_exp`` 0..7; weights -256..255; ``weight_exp`` -8..7; ``num_weight_bits`` 1..8;
``u_init`` in (-2**23, 2**23]; ``v_init`` in [-(2**23 - 1), 2**23 - 1]. Out-of-range values,
unknown keys, duplicate names and duplicate sparse synapses are refused with a message naming
the key. Weights are truncated here, once, as the synapse memory stores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from firmware_sim import profile_loihi as pl


class NetworkError(ValueError):
    """The network description is malformed; the message names the key."""


@dataclass(frozen=True)
class InputSpec:
    """A host input port: ``size`` axons that the host drives with spikes."""

    name: str
    size: int


@dataclass(frozen=True)
class PopulationSpec:
    """A population of CUBA LIF neurons; every array has shape (size,) and dtype int64."""

    name: str
    size: int
    du: np.ndarray
    dv: np.ndarray
    vth: np.ndarray
    bias_mant: np.ndarray
    bias_exp: np.ndarray
    u_init: np.ndarray
    v_init: np.ndarray


@dataclass(frozen=True)
class ConnectionSpec:
    """Synapses from ``pre`` (port or population) to population ``post``, truncated.

    Attributes
    ----------
    pre_idx, post_idx : ndarray of int64, shape (n_syn,)
        Synapse end points; a dense connection lists all ``n_post * n_pre`` pairs.
    weight : ndarray of int16, shape (n_syn,)
        Stored (truncated) weights.
    dense : bool
        Given as a matrix: stored as one row of ``n_post`` weights per pre axon.
    """

    name: str
    pre: str
    post: str
    n_pre: int
    n_post: int
    dense: bool
    pre_idx: np.ndarray
    post_idx: np.ndarray
    weight: np.ndarray
    weight_exp: int
    num_weight_bits: int
    sign_mode: pl.SignMode


@dataclass(frozen=True)
class NetworkSpec:
    """A validated network: populations, input ports and connections, in the given order."""

    populations: tuple[PopulationSpec, ...]
    inputs: tuple[InputSpec, ...]
    connections: tuple[ConnectionSpec, ...]

    def population(self, name: str) -> PopulationSpec:
        """The population called ``name`` (KeyError with the known names otherwise)."""
        for pop in self.populations:
            if pop.name == name:
                return pop
        raise KeyError(f"no population {name!r}; have {[p.name for p in self.populations]}")

    def input(self, name: str) -> InputSpec:
        """The input port called ``name`` (KeyError with the known names otherwise)."""
        for port in self.inputs:
            if port.name == name:
                return port
        raise KeyError(f"no input port {name!r}; have {[p.name for p in self.inputs]}")


_POP_KEYS = {"name", "size", "du", "dv", "vth", "bias_mant", "bias_exp", "u_init", "v_init"}
_CONN_KEYS = {"name", "pre", "post", "weights", "synapses", "weight_exp", "num_weight_bits"}
_CONN_KEYS |= {"sign_mode"}
_PER_NEURON = (
    ("du", pl.DU, None),
    ("dv", pl.DV, None),
    ("vth", pl.VTH, None),
    ("bias_mant", pl.BIAS_MANT, 0),
    ("bias_exp", pl.BIAS_EXP, 0),
    ("u_init", pl.U, 0),
    ("v_init", pl.V, 0),
)


def _keys(obj: object, allowed: set[str], required: set[str], where: str) -> Mapping:
    if not isinstance(obj, Mapping):
        raise NetworkError(f"{where}: expected an object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise NetworkError(f"{where}: unknown key(s) {unknown}; allowed {sorted(allowed)}")
    missing = sorted(required - set(obj))
    if missing:
        raise NetworkError(f"{where}: missing key(s) {missing}")
    return obj


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise NetworkError(f"{where}: expected an integer, got {value!r}")
    return int(value)


def _int_array(value: object, where: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.size and arr.dtype.kind not in "iu":
        raise NetworkError(f"{where}: expected integers, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def _name(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise NetworkError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _check(values: np.ndarray, width: pl.Width, where: str) -> None:
    try:
        pl.check_range(values, width, where)
    except ValueError as exc:
        raise NetworkError(str(exc)) from None


def _population(obj: object, where: str) -> PopulationSpec:
    d = _keys(obj, _POP_KEYS, {"name", "size", "du", "dv", "vth"}, where)
    name = _name(d["name"], f"{where}.name")
    where = f"{where} ({name!r})"
    size = _int(d["size"], f"{where}.size")
    if size < 1:
        raise NetworkError(f"{where}.size: {size} must be >= 1")
    fields: dict[str, np.ndarray] = {}
    for key, width, default in _PER_NEURON:
        arr = _int_array(d.get(key, default), f"{where}.{key}")
        if arr.ndim == 0:
            arr = np.full(size, int(arr), dtype=np.int64)
        if arr.shape != (size,):
            raise NetworkError(f"{where}.{key}: shape {arr.shape}, expected an int or ({size},)")
        _check(arr, width, f"{where}.{key}")
        fields[key] = arr
    return PopulationSpec(name=name, size=size, **fields)


def _synapse_arrays(
    d: Mapping, n_pre: int, n_post: int, where: str
) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray]:
    if ("weights" in d) == ("synapses" in d):
        raise NetworkError(f"{where}: give exactly one of 'weights' (dense) or 'synapses'")
    if "weights" in d:
        w = _int_array(d["weights"], f"{where}.weights")
        if w.shape != (n_post, n_pre):
            raise NetworkError(
                f"{where}.weights: shape {w.shape}, expected (post, pre) = ({n_post}, {n_pre})"
            )
        post_idx, pre_idx = np.indices((n_post, n_pre)).reshape(2, -1)
        return True, pre_idx.astype(np.int64), post_idx.astype(np.int64), w.ravel()
    syn = _int_array(d["synapses"], f"{where}.synapses")
    if syn.size == 0:
        syn = syn.reshape(0, 3)
    if syn.ndim != 2 or syn.shape[1] != 3:
        raise NetworkError(f"{where}.synapses: expected a list of [pre, post, weight] triples")
    pre_idx, post_idx, w = syn.T
    for arr, n, end in ((pre_idx, n_pre, "pre"), (post_idx, n_post, "post")):
        bad = (arr < 0) | (arr >= n)
        if np.any(bad):
            k = int(np.flatnonzero(bad)[0])
            raise NetworkError(f"{where}.synapses[{k}]: {end} index {arr[k]} not in 0..{n - 1}")
    key = pre_idx * n_post + post_idx
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    if np.any(counts > 1):
        k = int(first[np.flatnonzero(counts > 1)[0]])
        raise NetworkError(
            f"{where}.synapses[{k}]: duplicate synapse (pre {pre_idx[k]}, post {post_idx[k]})"
        )
    order = np.argsort(key, kind="stable")  # by pre, then post: the per-axon list order
    return False, pre_idx[order], post_idx[order], w[order]


def _sign_mode(value: object, w: np.ndarray, where: str) -> pl.SignMode:
    if value is None:
        return pl.infer_sign_mode(w)
    try:
        return pl.SignMode(value)
    except ValueError:
        modes = [m.value for m in pl.SignMode]
        raise NetworkError(f"{where}.sign_mode: {value!r} not one of {modes} or null") from None


def _connection(obj: object, where: str, sizes: dict[str, tuple[str, int]]) -> ConnectionSpec:
    d = _keys(obj, _CONN_KEYS, {"pre", "post"}, where)
    pre = _name(d["pre"], f"{where}.pre")
    post = _name(d["post"], f"{where}.post")
    name = _name(d.get("name", f"{pre}->{post}"), f"{where}.name")
    where = f"{where} ({name!r})"
    if pre not in sizes:
        raise NetworkError(f"{where}.pre: {pre!r} is neither an input port nor a population")
    if sizes.get(post, ("", 0))[0] != "population":
        raise NetworkError(f"{where}.post: {post!r} is not a population")
    n_pre, n_post = sizes[pre][1], sizes[post][1]
    dense, pre_idx, post_idx, w = _synapse_arrays(d, n_pre, n_post, where)
    _check(w, pl.WEIGHT, f"{where}.weights")
    weight_exp = _int(d.get("weight_exp", 0), f"{where}.weight_exp")
    _check(np.array(weight_exp), pl.WEIGHT_EXP, f"{where}.weight_exp")
    nwb = _int(d.get("num_weight_bits", 8), f"{where}.num_weight_bits")
    _check(np.array(nwb), pl.NUM_WEIGHT_BITS, f"{where}.num_weight_bits")
    mode = _sign_mode(d.get("sign_mode"), w, where)
    return ConnectionSpec(
        name=name,
        pre=pre,
        post=post,
        n_pre=n_pre,
        n_post=n_post,
        dense=dense,
        pre_idx=pre_idx,
        post_idx=post_idx,
        weight=pl.truncate_weights(w, mode, nwb),
        weight_exp=weight_exp,
        num_weight_bits=nwb,
        sign_mode=mode,
    )


def _list(desc: Mapping, key: str) -> Sequence:
    value = desc.get(key, [])
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise NetworkError(f"{key}: expected a list")
    return value


def parse_network(desc: Mapping) -> NetworkSpec:
    """Validate a network description (format in the module docstring).

    Parameters
    ----------
    desc : Mapping
        The plain dict (as decoded from JSON).

    Returns
    -------
    NetworkSpec
        With per-neuron fields expanded to arrays and weights truncated.

    Raises
    ------
    NetworkError
        Naming the offending key, e.g. ``populations[0] ('out').vth: 200000 outside ...``.
    """
    _keys(desc, {"populations", "inputs", "connections"}, {"populations"}, "network")
    pops = tuple(
        _population(p, f"populations[{i}]") for i, p in enumerate(_list(desc, "populations"))
    )
    if not pops:
        raise NetworkError("populations: at least one population is needed")
    ports = []
    for i, obj in enumerate(_list(desc, "inputs")):
        d = _keys(obj, {"name", "size"}, {"name", "size"}, f"inputs[{i}]")
        size = _int(d["size"], f"inputs[{i}].size")
        if size < 1:
            raise NetworkError(f"inputs[{i}].size: {size} must be >= 1")
        ports.append(InputSpec(_name(d["name"], f"inputs[{i}].name"), size))
    sizes: dict[str, tuple[str, int]] = {}
    for kind, items in (("population", pops), ("input", ports)):
        for item in items:
            if item.name in sizes:
                raise NetworkError(f"name {item.name!r} used twice (populations and inputs)")
            sizes[item.name] = (kind, item.size)
    conns = tuple(
        _connection(c, f"connections[{i}]", sizes) for i, c in enumerate(_list(desc, "connections"))
    )
    seen: set[str] = set()
    for c in conns:
        if c.name in seen:
            raise NetworkError(f"connection name {c.name!r} used twice: give each a 'name'")
        seen.add(c.name)
    return NetworkSpec(populations=pops, inputs=tuple(ports), connections=conns)
