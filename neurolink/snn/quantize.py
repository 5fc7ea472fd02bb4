"""Quantizer: a float LIF network → integer profile parameters, plus a report of what was lost.

The float network is the same discrete-time model the chip runs, in arbitrary units, on a step
of ``dt_ms`` milliseconds::

    u ← u · exp(−dt/τ_u) + Σ W · s_pre      (spikes of the previous step: one step of delay)
    v ← v · exp(−dt/τ_v) + u + bias
    spike = v > vth;  v ← 0 where it spiked

Each population p gets a scale s_p (chip state units per float unit), as large as the ranges
allow — threshold mantissa, bias mantissa/exponent, weight mantissa with weight_exp ≤ 7, and,
when example inputs are given, the 24-bit state with ``headroom`` to spare. Then, in chip units:

* weights into p: W·s_p = mant · 2**weight_exp · 64; weight_exp is per connection, the smallest
  that fits the largest weight (precision kept), and mantissas are *rounded* onto the grid that
  the profile's truncation keeps (so truncation at load changes nothing);
* vth = round(vth·s_p / 64); bias = round(bias·s_p / 2**bias_exp) << bias_exp;
* du = round(4096·(1 − exp(−dt/τ_u))) − 1 (the chip decays u by (du + 1)/4096: ds_offset = 1),
  dv = round(4096·(1 − exp(−dt/τ_v))) (dm_offset = 0), both clipped to 0..4095.

The same network with unrounded (real) parameters is kept as ``ideal`` for the float backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from neurolink.snn.backends import make_backend
from neurolink.snn.enums import BackendKind, SignMode
from neurolink.snn.errors import SpecError
from neurolink.snn.metrics import rate_error, van_rossum_distance
from neurolink.snn.profiles import Profile, get_profile
from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec, Population, Probe

__all__ = [
    "FloatConnection",
    "FloatNetwork",
    "FloatPopulation",
    "QuantizationReport",
    "Quantized",
    "quantize",
]

_SAFETY = 1.0 - 1e-9  # keeps float rounding from pushing a boundary value out of range


@dataclass(frozen=True)
class FloatPopulation:
    """LIF population in float units.

    Parameters
    ----------
    name : str
    n : int
    tau_u, tau_v : float or array_like, shape (n,)
        Time constants of current and voltage in ms (``inf``: no decay).
    vth : float or array_like, shape (n,)
        Threshold (≥ 0), float units.
    bias : float or array_like, shape (n,)
        Added to v every step, float units.
    max_spikes : int
        Spikes per neuron and step: 1 (Loihi; Xylo output neurons) or 31 (Xylo hidden neurons,
        which emit a count and subtract the threshold per spike).
    """

    name: str
    n: int
    tau_u: ArrayLike
    tau_v: ArrayLike
    vth: ArrayLike
    bias: ArrayLike = 0.0
    max_spikes: int = 1

    def arrays(self) -> dict[str, np.ndarray]:
        """Parameters broadcast to float64 arrays of shape (n,)."""
        out = {k: np.broadcast_to(np.asarray(getattr(self, k), float), (self.n,)).copy()
               for k in ("tau_u", "tau_v", "vth", "bias")}  # fmt: skip
        checks = {"tau_u": (lambda x: x > 0, "> 0 ms (inf: no decay)"),
                  "tau_v": (lambda x: x > 0, "> 0 ms (inf: no decay)"),
                  "vth": (lambda x: np.isfinite(x) & (x >= 0), "finite and ≥ 0"),
                  "bias": (np.isfinite, "finite")}  # fmt: skip
        for k, (ok, what) in checks.items():
            bad = np.flatnonzero(~ok(out[k]))  # NaN fails every test
            if bad.size:
                i = int(bad[0])
                raise SpecError(
                    f"float population {self.name!r}: {k} must be {what}, got {out[k][i]} "
                    f"(neuron {i})"
                )
        return out


@dataclass(frozen=True)
class FloatConnection:
    """Dense connection with float weights ``weights[post, pre]`` (jump of u per spike)."""

    name: str
    source: str
    target: str
    weights: ArrayLike


@dataclass(frozen=True)
class FloatNetwork:
    """A float network on a step of ``dt_ms`` milliseconds (see the module docstring)."""

    populations: Sequence[FloatPopulation]
    connections: Sequence[FloatConnection] = ()
    inputs: Sequence[InputPort] = ()
    dt_ms: float = 1.0


@dataclass(frozen=True)
class QuantizationReport:
    """What quantization cost.

    ``weights``: per connection, ``max_relative`` (max |Δw| / max |w|) and ``rms_relative``
    (rms Δw / rms w) of stored against ideal weights. ``rates``: per population, the output of
    :func:`~neurolink.snn.metrics.rate_error` (float reference vs fixed). ``van_rossum``: per
    population, the mean over neurons of the van Rossum distance (``tau_ms``).
    """

    weights: dict[str, dict[str, float]]
    rates: dict[str, dict[str, float]] = field(default_factory=dict)
    van_rossum: dict[str, float] = field(default_factory=dict)
    tau_ms: float = 0.0

    def summary(self) -> str:
        """Human-readable lines."""
        lines = [
            f"weights {k}: max rel {v['max_relative']:.2e}, rms rel {v['rms_relative']:.2e}"
            for k, v in self.weights.items()
        ]
        for pop, r in self.rates.items():
            lines.append(
                f"rates {pop}: float {r['reference_hz']:.2f} Hz, fixed {r['test_hz']:.2f} Hz "
                f"(rel {r['relative']:.3f}); van Rossum (τ={self.tau_ms} ms) "
                f"{self.van_rossum[pop]:.3f}"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class Quantized:
    """Result of :func:`quantize`.

    Attributes
    ----------
    spec : NetworkSpec
        Integer network for the ``fixed`` and ``chip`` backends (probes every population's
        spikes).
    ideal : NetworkSpec
        The same network with unrounded parameters, for the ``float`` backend.
    scale : dict of str to float
        Chip state units per float unit, per population.
    dt_ms : float
    """

    spec: NetworkSpec
    ideal: NetworkSpec
    scale: dict[str, float]
    dt_ms: float

    def weight_errors(self) -> dict[str, dict[str, float]]:
        """Stored (truncated) against ideal mantissas, per connection."""
        profile = get_profile(self.spec.profile)
        out = {}
        for c, ci in zip(self.spec.connections, self.ideal.connections, strict=True):
            assert isinstance(c, DenseConnection) and isinstance(ci, DenseConnection)
            ideal = np.asarray(ci.weights, float)
            stored = profile.truncate_weights(c.weights, c.num_weight_bits, c.resolved_sign_mode)
            d = stored - ideal
            top, rms = np.abs(ideal).max(), np.sqrt(np.mean(ideal**2))
            out[c.name] = {
                "max_relative": float(np.abs(d).max() / top) if top > 0 else 0.0,
                "rms_relative": float(np.sqrt(np.mean(d**2)) / rms) if rms > 0 else 0.0,
            }
        return out

    def report(
        self, inputs: Mapping[str, ArrayLike], T: int, tau_ms: float = 10.0
    ) -> QuantizationReport:
        """Run ``ideal`` on ``float`` and ``spec`` on ``fixed`` with the same inputs and compare.

        Parameters
        ----------
        inputs : mapping of port name to bool array, shape (T, n_axons)
        T : int
            Number of steps.
        tau_ms : float
            Time constant of the van Rossum distance.
        """
        ref = make_backend(BackendKind.FLOAT, self.ideal).run(T, inputs)
        test = make_backend(BackendKind.FIXED, self.spec).run(T, inputs)
        rates, vr = {}, {}
        for pop in self.spec.population_names:
            key = f"{pop}.spikes"
            rates[pop] = rate_error(ref[key], test[key], self.dt_ms)
            vr[pop] = float(np.mean(van_rossum_distance(ref[key], test[key], tau_ms, self.dt_ms)))
        return QuantizationReport(self.weight_errors(), rates, vr, tau_ms)


def _fit_exp(values: np.ndarray, lo: float, hi: float, e_min: int, e_max: int) -> int:
    """Smallest exponent e in e_min..e_max with lo ≤ values / 2**e ≤ hi (e_max if none)."""
    for e in range(e_min, e_max + 1):
        x = values / 2.0**e
        if np.all((x >= lo) & (x <= hi)):
            return e
    return e_max


def _limits(net: FloatNetwork, profile: Profile, bits: int) -> dict[str, float]:
    """Largest scale per population allowed by the parameter ranges."""
    bias_lo, bias_hi = profile.range_of("bias_mant")
    bias_exp_hi = int(profile.range_of("bias_exp")[1])
    e_max = int(profile.range_of("weight_exp")[1])
    vth_hi = profile.range_of("vth")[1]
    limits: dict[str, float] = {}
    for pop in net.populations:
        p = pop.arrays()
        s = np.inf
        if p["vth"].max() > 0:
            s = min(s, vth_hi * profile.threshold_gain / p["vth"].max())
        if np.abs(p["bias"]).max() > 0:
            s = min(s, min(bias_hi, -bias_lo) * 2.0**bias_exp_hi / np.abs(p["bias"]).max())

        for c in net.connections:
            if c.target != pop.name:
                continue
            w = np.asarray(c.weights, float)
            mode = _sign_mode(w)
            _q, lo, hi = profile.weight_grid(bits, mode)
            for top, room in ((w.max(), hi), (-w.min(), -lo)):
                if top > 0:
                    s = min(s, room * 2.0**e_max * profile.activation_gain / top)
        limits[pop.name] = float(s) if np.isfinite(s) else 1.0
    return limits


def _sign_mode(w: np.ndarray) -> SignMode:
    if np.all(w >= 0):
        return SignMode.EXCITATORY
    return SignMode.INHIBITORY if np.all(w <= 0) else SignMode.MIXED


def _build(
    net: FloatNetwork, scale: Mapping[str, float], profile: Profile, bits: int
) -> tuple[NetworkSpec, NetworkSpec]:
    """(integer spec, ideal spec) for the given per-population scales."""
    pops, ideal_pops = [], []
    for pop in net.populations:
        p, s = pop.arrays(), scale[pop.name] * _SAFETY
        du, du_i = profile.quantize_decay("du", np.exp(-net.dt_ms / p["tau_u"]))
        dv, dv_i = profile.quantize_decay("dv", np.exp(-net.dt_ms / p["tau_v"]))
        vth_i = p["vth"] * s / profile.threshold_gain
        vth = np.clip(np.round(vth_i), *profile.range_of("vth")).astype(np.int64)
        b = p["bias"] * s
        lo, hi = profile.range_of("bias_mant")
        e_top = int(profile.range_of("bias_exp")[1])
        bexp = np.array([_fit_exp(np.array([x]), lo, hi, 0, e_top) for x in b], dtype=np.int64)
        b_i = b / 2.0**bexp
        b_m = np.clip(np.round(b_i), lo, hi).astype(np.int64)
        spikes = int(np.clip(pop.max_spikes, *profile.range_of("max_spikes")))  # Loihi: 1
        common = {"name": pop.name, "n": pop.n, "bias_exp": bexp, "max_spikes": spikes}
        pops.append(Population(du=du, dv=dv, vth=vth, bias_mant=b_m, **common))
        ideal_pops.append(Population(du=du_i, dv=dv_i, vth=vth_i, bias_mant=b_i, **common))
    conns, ideal_conns = [], []
    e_lo, e_hi = (int(x) for x in profile.range_of("weight_exp"))
    exps = {}
    for c in net.connections:
        w_a = np.asarray(c.weights, float) * scale[c.target] * _SAFETY / profile.activation_gain
        q, lo, hi = profile.weight_grid(bits, _sign_mode(w_a))
        exps[c.name] = _fit_exp(w_a, lo, hi, e_lo, e_hi)
    if profile.name == "xylo":  # one weight_shift per matrix: the largest one needed in it
        spikes = {p.name: min(p.max_spikes, 31) for p in net.populations}
        matrix = {
            c.name: "in" if c.source not in spikes else "out" if spikes[c.target] == 1 else "rec"
            for c in net.connections
        }
        for c in net.connections:
            exps[c.name] = max(
                exps[d.name] for d in net.connections if matrix[d.name] == matrix[c.name]
            )
    for c in net.connections:
        w_a = np.asarray(c.weights, float) * scale[c.target] * _SAFETY / profile.activation_gain
        mode = _sign_mode(w_a)
        q, lo, hi = profile.weight_grid(bits, mode)
        e = exps[c.name]
        ideal = w_a / 2.0**e
        mant = np.clip(np.round(ideal / q) * q, lo, hi).astype(np.int64)
        args = (c.name, c.source, c.target)
        kw = {"weight_exp": e, "num_weight_bits": bits, "sign_mode": mode}
        conns.append(DenseConnection(*args, mant, **kw))
        ideal_conns.append(DenseConnection(*args, ideal, **kw))
    probes = [Probe(p.name, "spikes") for p in net.populations]
    make = lambda ps, cs: NetworkSpec(ps, cs, net.inputs, probes, profile=profile.name)  # noqa: E731
    return make(pops, conns), make(ideal_pops, ideal_conns)


def _check_network(net: FloatNetwork, prof: Profile, bits: int, headroom: float) -> None:
    """Refuse, in one line naming the part, what the quantizer cannot map (SpecError)."""
    if not (np.isfinite(net.dt_ms) and net.dt_ms > 0):
        raise SpecError(f"float network: dt_ms must be finite and > 0, got {net.dt_ms}")
    lo, hi = prof.range_of("num_weight_bits")
    if not lo <= bits <= hi:
        raise SpecError(
            f"quantize: num_weight_bits = {bits} is outside the range {int(lo)}..{int(hi)} of "
            f"profile {prof.name!r}"
        )
    if not 0 < headroom <= 1:
        raise SpecError(f"quantize: headroom must be in (0, 1], got {headroom}")
    pops = {p.name for p in net.populations}
    for c in net.connections:
        for end, names in (("source", pops | {p.name for p in net.inputs}), ("target", pops)):
            if getattr(c, end) not in names:
                kind = "population or input port" if end == "source" else "population"
                raise SpecError(
                    f"float connection {c.name!r}: {end} {getattr(c, end)!r} is not a {kind}"
                )


def quantize(
    net: FloatNetwork,
    inputs: Mapping[str, ArrayLike] | None = None,
    T: int | None = None,
    num_weight_bits: int = 8,
    headroom: float = 0.5,
    profile: str | Profile = "loihi",
) -> Quantized:
    """Map a float network onto a chip profile's integers.

    Parameters
    ----------
    net : FloatNetwork
    inputs : mapping of port name to bool array, shape (T, n_axons), optional
        Example inputs; if given, scales are also limited so that the float run's peak |u| and
        |v| stay within ``headroom`` × the 24-bit state range.
    T : int, optional
        Steps of the example run (default: length of the inputs).
    num_weight_bits : int
        Weight precision of every connection.
    headroom : float
        Fraction of the state range the example run may use.
    profile : str or Profile
        ``"loihi"`` or ``"xylo"`` (Xylo: decays become shifts ``d = round(−log2(1 − keep))``,
        weights int8 with one shift per matrix, thresholds and biases int16).

    Returns
    -------
    Quantized

    Raises
    ------
    ResourceError
        The network does not fit the profile's chip (the message says what overflowed).
    """
    prof = get_profile(profile)
    _check_network(net, prof, num_weight_bits, headroom)
    scale = _limits(net, prof, num_weight_bits)
    if inputs is not None:
        if T is None:
            T = len(next(iter(inputs.values()))) if inputs else 0
        _, ideal = _build(net, scale, prof, num_weight_bits)
        probes = [Probe(p.name, v) for p in net.populations for v in ("u", "v")]
        probed = NetworkSpec(ideal.populations, ideal.connections, ideal.inputs, probes, prof.name)
        out = make_backend(BackendKind.FLOAT, probed).run(T, inputs)
        u_hi = v_hi = prof.state_limit
        for p in net.populations:
            peak = max(
                np.abs(out[f"{p.name}.u"]).max(initial=0) / u_hi,
                np.abs(out[f"{p.name}.v"]).max(initial=0) / v_hi,
            )
            if peak > headroom:  # dynamics are linear in the scale: shrink it in one go
                scale[p.name] *= headroom / peak
    spec, ideal = _build(net, scale, prof, num_weight_bits)
    for p, pi in zip(spec.populations, ideal.populations, strict=True):
        lost = np.flatnonzero((np.asarray(pi.vth) > 0) & (np.asarray(p.vth) == 0))
        if lost.size:  # a threshold of 0 fires at rest on Xylo (>=), on any input on Loihi
            i = int(lost[0])
            vth = float(np.asarray(pi.vth)[i]) / scale[p.name] * prof.threshold_gain
            raise SpecError(
                f"float population {p.name!r}: vth {vth:.3g} of neuron {i} rounds to 0 on profile "
                f"{prof.name!r} (scale {scale[p.name]:.3g} chip units per float unit, set by "
                f"the population's largest threshold, bias or incoming weight)"
            )
    prof.check_fits(spec)  # ResourceError naming what overflowed
    return Quantized(spec, ideal, scale, net.dt_ms)
