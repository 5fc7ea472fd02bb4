"""Network spec: populations, connections, input ports and probes — structure, no maths.

A :class:`NetworkSpec` says what to compute; backends (``float``, ``fixed``, ``chip``) say how.
Parameter ranges come from the spec's chip profile, so an out-of-range value is refused with a
message naming the population or connection, the parameter and the allowed range.

Parameters are normally integers (what the chip stores). Float arrays are accepted for the
ideal, unquantized network that the quantizer builds for the ``float`` backend; integer-only
backends refuse them (``spec.validate(integer=True)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neurolink.snn._fields import check_name, check_range, numeric, to_json
from neurolink.snn.connections import Connection, DenseConnection, SparseConnection
from neurolink.snn.enums import Variable
from neurolink.snn.errors import SpecError
from neurolink.snn.profiles import Profile, get_profile

__all__ = [
    "NEURON_PARAMS",
    "Connection",
    "DenseConnection",
    "InputPort",
    "NetworkSpec",
    "Population",
    "Probe",
    "SparseConnection",
]

#: Per-neuron parameters and initial states of a population, in order.
NEURON_PARAMS = (
    "du",
    "dv",
    "vth",
    "bias_mant",
    "bias_exp",
    "u0",
    "v0",
    "du2",
    "alias",
    "max_spikes",
)
_PROBED = {v.value for v in Variable}
#: Parameters that only some profiles use, with the value that means "not used"; ``to_dict``
#: writes them only when a neuron differs from it, so a Loihi network's dict is unchanged.
OPTIONAL_PARAMS = {"du2": 0, "alias": -1, "max_spikes": 1}


@dataclass(frozen=True, eq=False)
class Population:
    """A population of ``n`` LIF neurons with per-neuron parameters.

    Parameters
    ----------
    name : str
        Unique name (no '.').
    n : int
        Number of neurons.
    du, dv : int or array_like, shape (n,)
        Decay codes of current and voltage (Loihi: 0..4095; factor (4096 − (du+1))/4096).
    vth : int or array_like, shape (n,)
        Threshold mantissa (Loihi: 0..131071; a neuron spikes when v > vth << 6).
    bias_mant, bias_exp : int or array_like, shape (n,)
        Bias added to v each step, ``bias_mant << bias_exp``.
    u0, v0 : int or array_like, shape (n,)
        Initial current and voltage (state units).
    du2 : int or array_like, shape (n,)
        Decay code of the second synaptic current ``u2`` (profiles with two synapses per
        neuron, e.g. Xylo; connections feed it with ``synapse=1``). Default 0.
    alias : int or array_like, shape (n,)
        Index, within this population, of the neuron that also receives this neuron's spike
        count each step (Xylo's aliases); −1 = none (the default).
    max_spikes : int or array_like, shape (n,)
        Spikes a neuron may emit in one step: 1 = binary spikes (Loihi; Xylo output
        neurons), 31 = Xylo hidden neurons, which emit a count and subtract the threshold per
        spike.
    """

    name: str
    n: int
    du: ArrayLike
    dv: ArrayLike
    vth: ArrayLike
    bias_mant: ArrayLike = 0
    bias_exp: ArrayLike = 0
    u0: ArrayLike = 0
    v0: ArrayLike = 0
    du2: ArrayLike = 0
    alias: ArrayLike = -1
    max_spikes: ArrayLike = 1

    def __post_init__(self) -> None:
        check_name("population", self.name)
        if isinstance(self.n, bool) or not isinstance(self.n, int | np.integer) or self.n < 1:
            raise SpecError(f"population {self.name!r}: n must be an integer ≥ 1, got {self.n!r}")
        object.__setattr__(self, "n", int(self.n))
        for p in NEURON_PARAMS:
            arr = numeric(f"population {self.name!r}", p, getattr(self, p), (self.n,))
            object.__setattr__(self, p, arr)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Per-neuron parameter arrays by name, each of shape (n,)."""
        return {p: getattr(self, p) for p in NEURON_PARAMS}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (uniform parameters written as scalars)."""
        return {"name": self.name, "n": self.n} | {
            p: to_json(getattr(self, p))
            for p in NEURON_PARAMS
            if p not in OPTIONAL_PARAMS or np.any(getattr(self, p) != OPTIONAL_PARAMS[p])
        }


@dataclass(frozen=True)
class InputPort:
    """An input port of ``n`` axons; ``step``/``run`` inputs are keyed by its name."""

    name: str
    n: int

    def __post_init__(self) -> None:
        check_name("input port", self.name)
        if isinstance(self.n, bool) or not isinstance(self.n, int | np.integer) or self.n < 1:
            raise SpecError(f"input port {self.name!r}: n must be an integer ≥ 1, got {self.n!r}")

    def spikes(self, values: ArrayLike, T: int | None = None, max_count: int = 1) -> np.ndarray:
        """``values`` checked as spikes sent through this port.

        Every backend takes its inputs through here, so all of them refuse the same inputs:
        a wrong shape, and values other than 0 and 1 (or, on a profile that takes event
        counts, integers outside 0..``max_count``). Spikes are binary on Loihi (the emulator
        refuses anything else); a host backend would otherwise read 2 as one spike (fixed) or
        as a doubled one (float), and −1 as 255.

        Parameters
        ----------
        values : array_like of bool or numbers equal to 0 or 1 (or counts 0..max_count)
            Shape (n,) for one step, or (T, n) for a raster of T steps.
        T : int, optional
            Number of steps of a raster; None for one step.
        max_count : int
            Largest count of events per axon and step that the profile accepts
            (``Profile.max_input_count``: 1 on Loihi, 255 on Xylo).

        Returns
        -------
        numpy.ndarray of uint8, shape (n,) or (T, n)
            A fresh array of counts (0/1 when ``max_count`` is 1).

        Raises
        ------
        SpecError
            Naming the port, the expected shape or the first value out of range.
        """
        arr = np.asarray(values)
        if T is None and arr.shape != (self.n,):
            raise SpecError(
                f"input port {self.name!r}: expected shape ({self.n},), got {arr.shape}"
            )
        if T is not None and arr.shape != (T, self.n):
            raise SpecError(
                f"input port {self.name!r}: expected a raster of shape (T, n) = ({T}, {self.n}), "
                f"got {arr.shape}"
            )
        if arr.dtype != np.bool_:
            if arr.dtype.kind not in "iuf":
                raise SpecError(f"input port {self.name!r}: spikes must be bool, got {arr.dtype}")
            if max_count == 1:
                bad = (arr != 0) & (arr != 1)
                what = "spikes must be 0 or 1"
            else:
                bad = ~((arr >= 0) & (arr <= max_count) & (arr == np.round(arr)))
                what = f"input counts must be integers in 0..{max_count}"
            if bad.any():
                at = tuple(int(i) for i in np.argwhere(bad)[0])
                raise SpecError(
                    f"input port {self.name!r}: {what}, got {arr[at]} at index "
                    f"{at[0] if len(at) == 1 else at}"
                )
        return arr.astype(np.uint8)


@dataclass(frozen=True)
class Probe:
    """Record ``variable`` of every neuron of population ``target``.

    ``run`` returns it under :attr:`key`: ``name`` if given, else ``"target.variable"``.
    """

    target: str
    variable: Variable | str
    name: str | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "variable", Variable(self.variable))
        except ValueError:
            allowed = ", ".join(v.value for v in Variable)
            raise SpecError(
                f"probe of {self.target!r}: variable {self.variable!r} is not one of {allowed}"
            ) from None

    @property
    def key(self) -> str:
        """Name of the probe's array in the output of ``run``."""
        return self.name or f"{self.target}.{Variable(self.variable).value}"


@dataclass(frozen=True, eq=False)
class NetworkSpec:
    """A whole network: validated on construction against ``profile``'s ranges.

    Parameters
    ----------
    populations : sequence of Population
    connections : sequence of DenseConnection or SparseConnection
    inputs : sequence of InputPort
    probes : sequence of Probe
    profile : str
        Name of the chip profile whose ranges and arithmetic apply (default ``"loihi"``).
    """

    populations: Sequence[Population]
    connections: Sequence[Connection] = ()
    inputs: Sequence[InputPort] = ()
    probes: Sequence[Probe] = field(default=())
    profile: str = "loihi"

    def __post_init__(self) -> None:
        for f in ("populations", "connections", "inputs", "probes"):
            object.__setattr__(self, f, tuple(getattr(self, f)))
        self.validate()

    # --- lookup ---------------------------------------------------------------------------------
    def size_of(self, name: str) -> int:
        """Number of neurons or axons of population or port ``name``."""
        for item in (*self.populations, *self.inputs):
            if item.name == name:
                return item.n
        raise SpecError(f"no population or input port named {name!r}")

    @property
    def population_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.populations)

    @property
    def port_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.inputs)

    def is_real_valued(self) -> bool:
        """True if any parameter or weight is not an integer."""
        arrays = [a for p in self.populations for a in p.params.values()]
        arrays += [c.values() for c in self.connections]
        return any(a.dtype.kind == "f" and np.any(a != np.round(a)) for a in arrays)

    # --- validation -----------------------------------------------------------------------------
    def validate(self, integer: bool = False) -> None:
        """Check structure and every range of the profile.

        Parameters
        ----------
        integer : bool
            Also require every parameter to be an integer within the integer ranges (what the
            ``fixed`` and ``chip`` backends need).

        Raises
        ------
        SpecError
            Naming the population/connection, the parameter and the allowed range.
        """
        profile = get_profile(self.profile)
        if not self.populations:
            raise SpecError("a network needs at least one population")
        names = [*self.population_names, *self.port_names]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise SpecError(f"populations and input ports share names: {', '.join(dup)}")
        for pop in self.populations:
            for p, arr in pop.params.items():
                check_range(f"population {pop.name!r}", p, arr, profile, integer, "neuron")
            _check_aliases(pop)
        conn_names = [c.name for c in self.connections]
        for c in self.connections:
            if conn_names.count(c.name) > 1:
                raise SpecError(f"connection name {c.name!r} is used twice")
            self._validate_connection(c, profile, integer)
        keys = [p.key for p in self.probes]
        for p in self.probes:
            if p.target not in self.population_names:
                raise SpecError(f"probe {p.key!r}: target {p.target!r} is not a population")
            if keys.count(p.key) > 1:
                raise SpecError(f"probe key {p.key!r} is used twice")
            var = Variable(p.variable).value
            if var != Variable.SPIKES.value and var not in profile.state_vars:
                raise SpecError(
                    f"probe {p.key!r}: profile {profile.name!r} has no state {var!r} "
                    f"(states: {', '.join(v for v in profile.state_vars if v in _PROBED)})"
                )
        profile.check_structure(self)

    def _validate_connection(self, c: Connection, profile: Profile, integer: bool) -> None:
        owner = f"connection {c.name!r}"
        if c.source not in (*self.population_names, *self.port_names):
            raise SpecError(f"{owner}: source {c.source!r} is not a population or input port")
        if c.target not in self.population_names:
            raise SpecError(f"{owner}: target {c.target!r} is not a population")
        n_pre, n_post = self.size_of(c.source), self.size_of(c.target)
        if isinstance(c, DenseConnection):
            if np.shape(c.weights) != (n_post, n_pre):
                raise SpecError(
                    f"{owner}: weights have shape {np.shape(c.weights)}, expected "
                    f"(n_post, n_pre) = ({n_post}, {n_pre})"
                )
        else:
            for p, n in (("pre", n_pre), ("post", n_post)):
                idx = np.asarray(getattr(c, p))
                if idx.size and (idx.min() < 0 or idx.max() >= n):
                    raise SpecError(f"{owner}: {p} indices must lie in 0..{n - 1}")
            _check_unique_pairs(owner, np.asarray(c.pre), np.asarray(c.post), n_post)
        for p in ("weight_exp", "num_weight_bits"):
            check_range(owner, p, np.asarray([getattr(c, p)]), profile, integer, "value")
        if not 0 <= c.synapse < profile.synapses:
            raise SpecError(
                f"{owner}: synapse {c.synapse} does not exist: profile {profile.name!r} has "
                f"{profile.synapses} synapse(s) per neuron (0..{profile.synapses - 1})"
            )
        check_range(owner, "weights", c.values(), profile, integer, "synapse")

    # --- JSON -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict; :meth:`from_dict` inverts it."""
        return {
            "profile": self.profile,
            "populations": [p.to_dict() for p in self.populations],
            "inputs": [{"name": p.name, "n": p.n} for p in self.inputs],
            "connections": [c.to_dict() for c in self.connections],
            "probes": [
                {"target": p.target, "variable": Variable(p.variable).value, "name": p.name}
                for p in self.probes
            ],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NetworkSpec:
        """Build a spec from :meth:`to_dict` output (or equivalent JSON)."""
        try:
            conns: list[Connection] = []
            for c in d.get("connections", []):
                c = dict(c)
                kind = c.pop("kind", "dense")
                if kind not in ("dense", "sparse"):
                    raise SpecError(f"connection kind must be 'dense' or 'sparse', got {kind!r}")
                conns.append(DenseConnection(**c) if kind == "dense" else SparseConnection(**c))
            return cls(
                populations=[Population(**p) for p in d["populations"]],
                connections=conns,
                inputs=[InputPort(**p) for p in d.get("inputs", [])],
                probes=[Probe(**p) for p in d.get("probes", [])],
                profile=d.get("profile", "loihi"),
            )
        except (KeyError, TypeError) as e:
            raise SpecError(f"network dict is malformed: {e}") from None


def _check_aliases(pop: Population) -> None:
    """Refuse an alias that names no neuron of the population, or the neuron itself."""
    alias = np.asarray(pop.alias)
    bad = np.flatnonzero((alias >= pop.n) | ((alias >= 0) & (alias == np.arange(pop.n))))
    if bad.size:
        i = int(bad[0])
        raise SpecError(
            f"population {pop.name!r}: alias of neuron {i} is {int(alias[i])}; an alias names "
            f"another neuron of the population (0..{pop.n - 1}) or is −1 for none"
        )


def _check_unique_pairs(owner: str, pre: np.ndarray, post: np.ndarray, n_post: int) -> None:
    """Refuse a sparse connection that lists one (pre, post) pair twice.

    A synapse is identified by its (pre, post) pair, as an entry ``w[post, pre]`` of DESIGN §3
    is; the chip stores one weight per pair and refuses repeats, so every backend does. (Two
    repeated synapses cannot be merged silently either: truncating each and adding differs from
    truncating the sum.)
    """
    key = pre * n_post + post
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    if np.any(counts > 1):
        dup = key[first[np.flatnonzero(counts > 1)[0]]]
        i, j = (int(k) for k in np.flatnonzero(key == dup)[:2])
        raise SpecError(
            f"{owner}: synapse {j} repeats (pre {int(pre[j])}, post {int(post[j])}) of synapse "
            f"{i}; a sparse connection holds at most one synapse per (pre, post) pair, as the "
            f"chip does: merge their weights into one"
        )
