"""NIR in and out: the Neuromorphic Intermediate Representation (Pedersen et al. 2024).

Needs the optional ``nir`` package (``pip install neurolink[nir]``); importing this module
without it raises ImportError naming the extra.

From NIR (continuous time) to a spec (discrete steps of ``dt`` seconds), per neuron node, with
forward Euler as snnTorch and Norse step it (``neurolink/docs/snn.md``, "NIR"):

=========  =============================================================================
CubaLIF    ``I ← I·(1 − dt/τ_syn) + (dt/τ_syn)·w_in·W·x``;
           ``v ← v·(1 − dt/τ_mem) + (dt/τ_mem)·(R·I + v_leak)``
LIF        the same with no synaptic current: ``v ← v·(1 − dt/τ) + (dt/τ)·(R·W·x + v_leak)``
IF         ``v ← v + dt·R·W·x`` (no leak)
LI, I      LIF / IF without spikes (threshold at the profile's top: never reached)
=========  =============================================================================

Our float tier runs ``u ← u·keep_u + a``, ``v ← v·keep_v + u + bias`` with ``u`` the current
already scaled into membrane units, so: ``keep_u = 1 − dt/τ_syn`` (0 for LIF/IF),
``keep_v = 1 − dt/τ_mem`` (1 for IF), weights ``W·dt²·R·w_in/(τ_mem·τ_syn)`` for CubaLIF and
``W·dt·R/τ`` for LIF (``W·dt·R`` for IF), ``bias = dt·v_leak/τ_mem``, ``vth = v_threshold``;
``v_reset`` must be 0. Affine biases are constant input currents, added as ``bias`` through the
same gain. A profile then turns ``keep`` into decay codes (Loihi ``du = 4096·(1 − keep) − 1``;
Xylo ``d = round(−log2(1 − keep))``) and weights/thresholds into mantissas and shifts
(:mod:`neurolink.snn.quantize`). ``to_nir`` inverts the float mapping with ``dt`` and
``R = τ_mem/dt``, ``w_in = τ_syn/dt`` (snnTorch's convention), so the gains are 1.

Supported: Input, Output, Affine, Linear, LIF, CubaLIF, IF, LI, I (NIR's integrator). Refused
with the node's name and type: Threshold and Delay (neither profile can express a bare
threshold or a programmable synaptic delay), sub-graphs, convolutions and anything else; a
parameter no profile can take (a time constant ≤ 0, a value that is not finite, a negative
threshold), naming the parameter and the neuron; an edge into a neuron node that does not come
from a weight node. The quantizer then refuses a threshold that rounds to 0 and a graph larger
than the chip, naming the population (= the node).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

try:
    import nir
except ImportError as e:  # pragma: no cover - the extra is installed in CI
    raise ImportError(
        "neurolink.snn.nir needs the optional 'nir' extra: pip install neurolink[nir]"
    ) from e

from numpy.typing import ArrayLike

from neurolink.snn.errors import SpecError
from neurolink.snn.profiles import get_profile
from neurolink.snn.quantize import (
    FloatConnection,
    FloatNetwork,
    FloatPopulation,
    Quantized,
    _build,
    quantize,
)
from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec

__all__ = [
    "DT_S",
    "SUPPORTED",
    "float_network",
    "from_nir",
    "quantize_nir",
    "timed_import",
    "to_nir",
]

#: Default step, seconds: snnTorch's and Norse's export convention (NIR carries no dt).
DT_S = 1e-4
_NEURONS = (nir.LIF, nir.CubaLIF, nir.IF, nir.LI, nir.I)
_WEIGHTS = (nir.Affine, nir.Linear)
SUPPORTED = "Input, Output, Affine, Linear, LIF, CubaLIF, IF, LI, I"
_TINY_MS = 1e-12
#: Xylo adds input to I and decays it before v reads it, so a neuron without a synaptic
#: current (LIF, IF, LI, I) gets the shortest one Xylo has (dash 1: keep 1/2) and twice the
#: weight: an approximation (a one-step filter), stated in docs/snn.md.
XYLO_MIN_KEEP = 0.5  # a time constant that keeps nothing from one step to the next


def _read(graph_or_path: nir.NIRGraph | str | Path) -> nir.NIRGraph:
    if isinstance(graph_or_path, nir.NIRGraph):
        return graph_or_path
    path = Path(graph_or_path)
    if not path.is_file():
        raise SpecError(f"NIR file {str(path)!r} does not exist")
    return nir.read(path)


def _arr(node: nir.NIRNode, key: str, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(getattr(node, key), dtype=np.float64).ravel(), (n,)).copy()


def _size(node: nir.NIRNode) -> int:
    if isinstance(node, nir.LIF | nir.LI):
        return int(np.size(node.tau))
    if isinstance(node, nir.CubaLIF):
        return int(np.size(node.tau_mem))
    return int(np.size(node.r))


#: What each neuron parameter must be: taus > 0 s (inf: no leak), the rest finite; thresholds
#: of spiking nodes ≥ 0 (both profiles' quantizers map thresholds ≥ 0 only).
_PARAM_RULES = {
    "tau": (lambda x: x > 0, "> 0 s (inf: no leak)"),
    "tau_mem": (lambda x: x > 0, "> 0 s (inf: no leak)"),
    "tau_syn": (lambda x: x > 0, "> 0 s (inf: no decay)"),
    "r": (np.isfinite, "finite"),
    "w_in": (np.isfinite, "finite"),
    "v_leak": (np.isfinite, "finite"),
    "v_threshold": (lambda x: np.isfinite(x) & (x >= 0), "finite and ≥ 0"),
}


def _check_params(name: str, node: nir.NIRNode, n: int) -> None:
    """Refuse a neuron parameter no profile can take, naming the node, parameter and neuron."""
    for key, (ok, what) in _PARAM_RULES.items():
        if not hasattr(node, key) or (key == "v_threshold" and isinstance(node, nir.LI | nir.I)):
            continue
        x = _arr(node, key, n)
        bad = np.flatnonzero(~ok(x))  # NaN fails every rule
        if bad.size:
            i = int(bad[0])
            raise SpecError(
                f"NIR node {name!r} ({type(node).__name__}): {key} must be {what}, got {x[i]} "
                f"(neuron {i})"
            )


def _neuron(
    name: str, node: nir.NIRNode, dt: float, vth_top: float, spikes: int, xylo_current: bool
):
    """FloatPopulation, input gain (n,), bias gain (n,) of a NIR neuron node."""
    n = _size(node)
    _check_params(name, node, n)
    dt_ms = dt * 1e3
    r = _arr(node, "r", n)
    v_reset = getattr(node, "v_reset", None)
    if v_reset is not None and np.any(np.asarray(v_reset) != 0):
        raise SpecError(
            f"NIR node {name!r} ({type(node).__name__}): v_reset {np.asarray(v_reset).ravel()[0]}"
            f" is not supported: the profiles reset v to 0 (Loihi) or subtract the threshold (Xylo)"
        )
    leak = np.zeros(n)
    if isinstance(node, nir.CubaLIF):
        ts, tm = _arr(node, "tau_syn", n), _arr(node, "tau_mem", n)
        keep_u, keep_v = 1 - dt / ts, 1 - dt / tm
        gain, leak = dt * dt * r * _arr(node, "w_in", n) / (tm * ts), _arr(node, "v_leak", n)
        bias_gain = gain * ts / dt  # a constant c into I settles u at c·gain/(dt/τ_syn)
        leak_gain = dt / tm
    elif isinstance(node, nir.LIF | nir.LI):
        tm = _arr(node, "tau", n)
        keep_u, keep_v = np.zeros(n), 1 - dt / tm
        gain = bias_gain = dt * r / tm
        leak, leak_gain = _arr(node, "v_leak", n), dt / tm
    else:  # IF, I: no leak
        keep_u, keep_v = np.zeros(n), np.ones(n)
        gain = bias_gain = dt * r
        leak_gain = np.zeros(n)
    if np.any((keep_u < 0) | (keep_v < 0)):
        raise SpecError(
            f"NIR node {name!r} ({type(node).__name__}): a time constant is shorter than the "
            f"step dt = {dt} s; pass a smaller dt"
        )
    if xylo_current:  # Xylo decays I before v reads it: keep 0 would drop every input
        gain, bias_gain = gain / XYLO_MIN_KEEP, bias_gain / XYLO_MIN_KEEP
        keep_u = np.where(keep_u <= 0, XYLO_MIN_KEEP, keep_u)
    spiking = isinstance(node, nir.LIF | nir.CubaLIF | nir.IF)
    vth = _arr(node, "v_threshold", n) if spiking else np.full(n, vth_top)

    def tau(keep: np.ndarray) -> np.ndarray:  # keep = exp(−dt/τ) ⇔ τ = −dt/ln(keep)
        with np.errstate(divide="ignore"):
            return np.where(keep <= 0, _TINY_MS, np.where(keep >= 1, np.inf, -dt_ms / np.log(keep)))

    pop = FloatPopulation(name, n, tau(keep_u), tau(keep_v), vth, leak * leak_gain, spikes)
    return pop, gain, bias_gain


def float_network(graph_or_path: nir.NIRGraph | str | Path, dt: float = DT_S,
                  profile: str = "loihi") -> FloatNetwork:  # fmt: skip
    """The NIR graph as a :class:`~neurolink.snn.quantize.FloatNetwork` on steps of ``dt`` s.

    Raises
    ------
    SpecError
        Naming the node and its type for anything unsupported.
    """
    g = _read(graph_or_path)
    prof = get_profile(profile)
    vth_top = float(prof.range_of("vth")[1] * prof.threshold_gain)
    preds: dict[str, list[str]] = {k: [] for k in g.nodes}
    succs: dict[str, list[str]] = {k: [] for k in g.nodes}
    for a, b in g.edges:
        if a not in g.nodes or b not in g.nodes:
            raise SpecError(f"NIR edge ({a!r}, {b!r}) names a node the graph does not have")
        succs[a].append(b)
        preds[b].append(a)
    for name, node in g.nodes.items():
        if not isinstance(node, (*_NEURONS, *_WEIGHTS, nir.Input, nir.Output)):
            why = {nir.Delay: "neither profile has programmable synaptic delays",
                   nir.Threshold: "a bare threshold without a membrane has no chip neuron",
                   nir.NIRGraph: "nested sub-graphs are not supported: flatten it"}  # fmt: skip
            reason = why.get(type(node), f"supported: {SUPPORTED}")
            raise SpecError(
                f"NIR node {name!r} of type {type(node).__name__} is not supported ({reason})"
            )
    # hidden/output roles (Xylo): a neuron node that feeds another neuron node is hidden
    feeds = {k: any(isinstance(g.nodes[t], _NEURONS) for s in succs[k] for t in [s, *succs[s]])
             for k in g.nodes}  # fmt: skip
    inputs = [InputPort(k, int(np.prod(v.input_type["input"]))) for k, v in g.nodes.items()
              if isinstance(v, nir.Input)]  # fmt: skip
    pops, gains, bias_gains = {}, {}, {}
    for k, v in g.nodes.items():
        if isinstance(v, _NEURONS):
            spikes = 31 if (profile == "xylo" and feeds[k]) else 1
            xylo = profile == "xylo" and not isinstance(v, nir.CubaLIF)
            pops[k], gains[k], bias_gains[k] = _neuron(k, v, dt, vth_top, spikes, xylo)
    for a, b in g.edges:  # after the nodes' own checks, which say more
        if b in pops and not isinstance(g.nodes[a], _WEIGHTS):
            raise SpecError(
                f"NIR edge {a!r} → {b!r}: neuron node {b!r} ({type(g.nodes[b]).__name__}) takes "
                f"input through an Affine or Linear node, not from {type(g.nodes[a]).__name__} "
                f"{a!r} directly"
            )
    conns, extra_bias = [], {k: np.zeros(p.n) for k, p in pops.items()}
    for k, v in g.nodes.items():
        if not isinstance(v, _WEIGHTS):
            continue
        if len(preds[k]) != 1 or len(succs[k]) != 1 or succs[k][0] not in pops:
            raise SpecError(f"NIR node {k!r} ({type(v).__name__}): a weight node needs one source "
                            f"and one neuron node as target")  # fmt: skip
        src, dst = preds[k][0], succs[k][0]
        w = np.asarray(v.weight, dtype=np.float64)
        for key, arr in (("weight", w), ("bias", getattr(v, "bias", np.zeros(1)))):
            if not np.all(np.isfinite(arr)):
                raise SpecError(f"NIR node {k!r} ({type(v).__name__}): {key} must be finite")
        if w.shape != (pops[dst].n, pops[src].n if src in pops else _port_n(inputs, src, k)):
            raise SpecError(f"NIR node {k!r} ({type(v).__name__}): weight shape {w.shape} does "
                            f"not match {src!r} → {dst!r}")  # fmt: skip
        conns.append(FloatConnection(k, src, dst, w * gains[dst][:, None]))
        if isinstance(v, nir.Affine):
            extra_bias[dst] += np.asarray(v.bias, dtype=np.float64).ravel() * bias_gains[dst]
    out = []
    for k, p in pops.items():
        out.append(FloatPopulation(p.name, p.n, p.tau_u, p.tau_v, p.vth,
                                   np.asarray(p.bias) + extra_bias[k], p.max_spikes))  # fmt: skip
    return FloatNetwork(out, conns, inputs, dt_ms=dt * 1e3)


def _port_n(inputs: list[InputPort], name: str, node: str) -> int:
    for p in inputs:
        if p.name == name:
            return p.n
    raise SpecError(f"NIR node {node!r}: its source {name!r} is neither an Input nor a neuron node")


def from_nir(graph_or_path: nir.NIRGraph | str | Path, profile: str | None = None,
             dt: float = DT_S) -> NetworkSpec:  # fmt: skip
    """A NetworkSpec from a NIR graph or ``.nir`` file.

    Parameters
    ----------
    graph_or_path : nir.NIRGraph, str or Path
    profile : str, optional
        None: float parameters kept (a real-valued spec with Loihi's float semantics, in NIR's
        units, for the ``float`` backend). ``"loihi"`` or ``"xylo"``: quantized onto that chip
        (:func:`quantize_nir` gives the report too).
    dt : float
        Step in seconds (NIR is continuous time; snnTorch and Norse export with 1e-4).
    """
    if profile is None:
        net = float_network(graph_or_path, dt)
        return _build(net, {p.name: 1.0 for p in net.populations}, get_profile("loihi"), 8)[1]
    return quantize_nir(graph_or_path, profile, dt=dt).spec


def quantize_nir(graph_or_path: nir.NIRGraph | str | Path, profile: str, dt: float = DT_S,
                 inputs: Mapping[str, ArrayLike] | None = None, T: int | None = None,
                 num_weight_bits: int = 8) -> Quantized:  # fmt: skip
    """Quantize a NIR graph onto ``profile``; ``.report(inputs, T)`` compares it with float."""
    net = float_network(graph_or_path, dt, profile)
    return quantize(net, inputs, T, num_weight_bits=num_weight_bits, profile=profile)


def to_nir(spec: NetworkSpec, dt: float = DT_S) -> nir.NIRGraph:
    """The spec as a NIR graph of CubaLIF nodes and Linear weights (float semantics).

    Every population becomes a CubaLIF node (``τ = dt/(1 − keep)``, ``R = τ_mem/dt``,
    ``w_in = τ_syn/dt``, ``v_leak = bias·τ_mem/dt``, ``v_threshold = vth`` in v units), every
    connection a Linear node (weights × the profile's float scale and activation gain), every
    input port an Input node and every population an Output node ``"<name>.out"``.
    """
    prof = get_profile(spec.profile)
    nodes: dict[str, nir.NIRNode] = {}
    edges: list[tuple[str, str]] = []
    for port in spec.inputs:
        nodes[port.name] = nir.Input(input_type={"input": np.array([port.n])})
    for pop in spec.populations:
        fp = prof.float_params(pop.params)
        row = prof.float_rows
        keep_u, keep_v = fp[row["keep_u"]], fp[row["keep_v"]]
        with np.errstate(divide="ignore"):
            ts = np.where(keep_u < 1, dt / (1 - keep_u), np.inf)
            tm = np.where(keep_v < 1, dt / (1 - keep_v), np.inf)
        nodes[pop.name] = nir.CubaLIF(
            tau_syn=ts, tau_mem=tm, r=tm / dt, v_leak=fp[row["bias"]] * tm / dt,
            v_threshold=fp[row["vth"]], v_reset=np.zeros(pop.n), w_in=ts / dt,
        )  # fmt: skip
        nodes[f"{pop.name}.out"] = nir.Output(output_type={"output": np.array([pop.n])})
        edges.append((pop.name, f"{pop.name}.out"))
    for c in spec.connections:
        w = np.zeros((spec.size_of(c.target), spec.size_of(c.source)))
        if isinstance(c, DenseConnection):
            w[:] = np.asarray(c.weights, dtype=np.float64)
        else:
            w[np.asarray(c.post), np.asarray(c.pre)] = np.asarray(c.w, dtype=np.float64)
        w *= prof.float_weight_scale(c.weight_exp) * prof.activation_gain
        nodes[c.name] = nir.Linear(weight=w)
        edges += [(c.source, c.name), (c.name, c.target)]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"neurolink_profile": spec.profile})


@dataclass(frozen=True)
class ImportTiming:
    """Seconds spent reading and converting a NIR file (benchmarks)."""

    read_s: float
    convert_s: float


def timed_import(path: str | Path, profile: str | None = None, dt: float = DT_S) -> ImportTiming:
    """Time ``nir.read`` and :func:`from_nir` on one file."""
    t0 = time.perf_counter()
    g = nir.read(path)
    t1 = time.perf_counter()
    from_nir(g, profile, dt)
    return ImportTiming(t1 - t0, time.perf_counter() - t1)
