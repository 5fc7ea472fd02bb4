"""``SynapticPlasticity``: evolve a weight matrix under several plasticity mechanisms at once.

Two drives:

* :meth:`SynapticPlasticity.run_spikes` — spike trains (ms). STDP rules are event-driven and
  exact (traces decay exactly between events; spikes at equal times are applied together, each
  seeing the traces from before them). Rate rules (Hebbian, Oja, synaptic scaling) are applied
  every ``dt`` by forward Euler to rates estimated from the spikes by exponential traces.
  With ``short_term`` (Tsodyks–Markram), each presynaptic spike's release ``u⁺x⁻`` is computed
  and returned (the transmitted weight of that spike is ``W[:, j] · release``).
* :meth:`SynapticPlasticity.run_rates` — rates (Hz) on a grid; ``dW/dt`` summed over the rules
  and integrated by RK4 (rates held over each step). The postsynaptic rates are given, or
  computed each stage from the drive ``W (r_pre · E(r_pre))``, where ``E`` is 1, or the
  Tsodyks–Markram mean-field efficacy when ``short_term`` is set.

Bounds (hard or soft) act on every change. Weights are ``W[post, pre]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import (
    ModelError,
    as_float_array,
    as_trains,
    check_positive,
)
from neurolink.models.integrators import IntegrationError
from neurolink.models.plasticity.bounds import HardBounds, SoftBounds
from neurolink.models.plasticity.hebbian import Hebbian, Oja
from neurolink.models.plasticity.homeostatic import SynapticScaling
from neurolink.models.plasticity.stdp import STDP
from neurolink.models.synapses.tsodyks_markram import TsodyksMarkram

__all__ = ["PlasticityResult", "SynapticPlasticity"]

RateRule = Hebbian | Oja | SynapticScaling
_RATE_RULES = (Hebbian, Oja, SynapticScaling)


@dataclass(frozen=True)
class PlasticityResult:
    """Weights over time.

    Parameters
    ----------
    times : numpy.ndarray, shape (n_samples,)
        Sample times (ms).
    weights : numpy.ndarray, shape (n_samples, n_post, n_pre)
        ``W`` at each sample time.
    post_rates : numpy.ndarray or None, shape (n_samples, n_post)
        Postsynaptic rates (Hz) used at each sample (rate drive only).
    release : tuple of numpy.ndarray or None
        Per presynaptic neuron, the Tsodyks–Markram release at each of its spikes.
    """

    times: np.ndarray
    weights: np.ndarray
    post_rates: np.ndarray | None = None
    release: tuple[np.ndarray, ...] | None = None

    @property
    def final(self) -> np.ndarray:
        """``W`` at the last sample, shape (n_post, n_pre)."""
        return self.weights[-1]


class SynapticPlasticity:
    """Simulator combining plasticity mechanisms over one weight matrix.

    Parameters
    ----------
    rules : sequence
        :class:`STDP`, :class:`Hebbian`, :class:`Oja`, :class:`SynapticScaling` (any mix).
    bounds : HardBounds or SoftBounds, optional
        Weight bounds; none by default.
    short_term : TsodyksMarkram, optional
        Short-term plasticity of the presynaptic terminals.
    """

    def __init__(
        self,
        rules: Sequence[STDP | RateRule],
        bounds: HardBounds | SoftBounds | None = None,
        short_term: TsodyksMarkram | None = None,
    ) -> None:
        rules = list(rules)
        if not rules:
            raise ModelError("SynapticPlasticity: give at least one rule")
        for r in rules:
            if not isinstance(r, (STDP, *_RATE_RULES)):
                raise ModelError(f"SynapticPlasticity: unknown rule type {type(r).__name__}")
        if bounds is not None and not isinstance(bounds, (HardBounds, SoftBounds)):
            raise ModelError(
                f"SynapticPlasticity: bounds must be HardBounds or SoftBounds, "
                f"got {type(bounds).__name__}"
            )
        self.stdp = [r for r in rules if isinstance(r, STDP)]
        self.rate_rules = [r for r in rules if isinstance(r, _RATE_RULES)]
        self.bounds = bounds
        self.short_term = short_term

    def _apply(self, w: np.ndarray, dw: np.ndarray) -> np.ndarray:
        if self.bounds is None:
            return w + dw
        return self.bounds.clip(w + self.bounds.scale(w, dw))

    def _rate_derivative(self, w, r_pre, r_post) -> np.ndarray:
        total = np.zeros_like(w)
        for rule in self.rate_rules:
            total += rule.weight_derivative(w, r_pre, r_post)
        return total if self.bounds is None else self.bounds.scale(w, total)

    def run_spikes(
        self,
        w0: ArrayLike,
        pre_spikes: Sequence[ArrayLike],
        post_spikes: Sequence[ArrayLike],
        t_end: float,
        *,
        dt: float = 1.0,
        rate_tau: float = 1000.0,
        record_every: float | None = None,
    ) -> PlasticityResult:
        """Evolve ``W`` under spike trains from 0 to ``t_end`` (ms).

        Parameters
        ----------
        w0 : array_like, shape (n_post, n_pre)
            Initial weights.
        pre_spikes, post_spikes : sequence of array_like
            Spike times (ms) of each presynaptic / postsynaptic neuron.
        t_end : float
            End time (ms); spikes after it are ignored.
        dt : float
            Interval (ms) at which rate rules are applied.
        rate_tau : float
            Time constant (ms) of the exponential rate estimates used by rate rules.
        record_every : float, optional
            Sampling interval (ms) of the returned weights; start and end only by default.
        """
        w = _weights(w0)
        n_post, n_pre = w.shape
        pre = as_trains("SynapticPlasticity", pre_spikes, n_pre, "pre_spikes")
        post = as_trains("SynapticPlasticity", post_spikes, n_post, "post_spikes")
        t_end = check_positive("SynapticPlasticity", "t_end", t_end, "ms")
        dt = check_positive("SynapticPlasticity", "dt", dt, "ms")
        rate_tau = check_positive("SynapticPlasticity", "rate_tau", rate_tau, "ms")
        rec_times = (
            np.array([0.0, t_end])
            if record_every is None
            else np.arange(
                0.0,
                t_end + 1e-9,
                check_positive("SynapticPlasticity", "record_every", record_every, "ms"),
            )
        )
        times, kinds, idx = _merge(pre, post, t_end)
        state = _SpikeState(self, n_post, n_pre, rate_tau)
        samples: list[np.ndarray] = []
        next_grid = dt if self.rate_rules else np.inf
        groups = np.split(np.arange(times.size), np.flatnonzero(np.diff(times)) + 1)
        for group in groups if times.size else []:  # spikes at one instant, together
            tg = float(times[group[0]])
            w, next_grid = self._rate_steps(w, state, next_grid, tg, dt, rec_times, samples)
            _record(rec_times, samples, w, tg, strict=True)
            k, i = kinds[group], idx[group]
            w = state.spikes(w, tg, i[k == 0], i[k == 1])
        w, _ = self._rate_steps(w, state, next_grid, t_end, dt, rec_times, samples, last=True)
        _record(rec_times, samples, w, t_end, strict=False)
        release = tuple(np.array(r) for r in state.release) if self.short_term else None
        return PlasticityResult(rec_times[: len(samples)], np.array(samples), None, release)

    def _rate_steps(self, w, state, next_grid, t, dt, rec_times, samples, last=False):
        """Apply rate rules at the grid times before ``t`` (or up to it when ``last``)."""
        while next_grid < t or (last and next_grid <= t + 1e-9):
            _record(rec_times, samples, w, next_grid, strict=True)
            r_pre, r_post = state.rates(next_grid)
            w = self._apply(
                w, dt * sum(r.weight_derivative(w, r_pre, r_post) for r in self.rate_rules)
            )
            next_grid += dt
        return w, next_grid

    def run_rates(
        self,
        w0: ArrayLike,
        r_pre: ArrayLike,
        t_span: tuple[float, float],
        dt: float,
        *,
        r_post: ArrayLike | Callable[[np.ndarray], ArrayLike] | None = None,
        record_every: int = 1,
    ) -> PlasticityResult:
        """Evolve ``W`` under rates (Hz) over ``t_span`` (ms) with RK4 steps of ``dt`` (ms).

        Parameters
        ----------
        w0 : array_like, shape (n_post, n_pre)
            Initial weights.
        r_pre : array_like, shape (n_pre,) or (n_steps, n_pre)
            Presynaptic rates (Hz), constant or per step.
        t_span : (float, float)
            Start and end (ms), a multiple of ``dt`` long.
        dt : float
            Step (ms).
        r_post : array_like or callable, optional
            Postsynaptic rates (Hz): shape (n_post,) or (n_steps, n_post), or a function of the
            drive ``W (r_pre · E)`` (shape (n_post,)). Default: the drive itself (linear).
        record_every : int
            Keep every this many steps.
        """
        w = _weights(w0)
        n_post, n_pre = w.shape
        dt = check_positive("SynapticPlasticity", "dt", dt, "ms")
        n_steps = round((t_span[1] - t_span[0]) / dt)
        if n_steps < 1 or abs(n_steps * dt - (t_span[1] - t_span[0])) > 1e-6 * dt:
            raise ModelError(f"SynapticPlasticity: t_span {t_span} is not a multiple of dt={dt}")
        pre_rows = _rows("r_pre", r_pre, n_steps, n_pre)
        post_fn = self._post_rates(r_post, n_steps, n_post)
        samples, rates = [w.copy()], [post_fn(w, pre_rows[0], 0)]
        for k in range(n_steps):
            rp = pre_rows[k]

            def f(wk: np.ndarray, rp=rp, k=k) -> np.ndarray:
                return self._rate_derivative(wk, rp, post_fn(wk, rp, k))

            with np.errstate(over="ignore", invalid="ignore"):  # reported just below
                k1 = f(w)
                k2 = f(w + 0.5 * dt * k1)
                k3 = f(w + 0.5 * dt * k2)
                k4 = f(w + dt * k3)
                w = w + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
            if self.bounds is not None:
                w = self.bounds.clip(w)
            _check_weights(w, k, t_span[0] + (k + 1) * dt, dt)
            if (k + 1) % record_every == 0:
                samples.append(w.copy())
                rates.append(post_fn(w, pre_rows[min(k + 1, n_steps - 1)], k))
        times = t_span[0] + dt * np.arange(0, n_steps + 1, record_every)
        return PlasticityResult(times, np.array(samples), np.array(rates), None)

    def _post_rates(self, r_post, n_steps, n_post):
        stp = self.short_term

        def drive(w, rp):
            eff = rp if stp is None else rp * stp.mean_field_efficacy(rp)
            return w @ eff

        if r_post is None:
            return lambda w, rp, k: drive(w, rp)
        if callable(r_post):

            def fn(w, rp, k):
                out = np.asarray(r_post(drive(w, rp)), dtype=np.float64)
                if out.shape != (n_post,):
                    raise ModelError(
                        f"SynapticPlasticity: r_post(drive) must return shape "
                        f"({n_post},), got {out.shape}"
                    )
                return out

            return fn
        rows = _rows("r_post", r_post, n_steps, n_post)
        return lambda w, rp, k: rows[k]


class _SpikeState:
    """Traces, rate estimates and short-term state of :meth:`run_spikes`."""

    def __init__(self, sim: SynapticPlasticity, n_post: int, n_pre: int, rate_tau: float):
        self.sim = sim
        self.traces = [rule.traces(n_post, n_pre) for rule in sim.stdp]
        self.rate_tau = rate_tau
        self.est_pre, self.est_post, self.t_est = np.zeros(n_pre), np.zeros(n_post), 0.0
        self.u, self.x = np.zeros(n_pre), np.ones(n_pre)
        self.t_last = np.zeros(n_pre)
        self.release: list[list[float]] = [[] for _ in range(n_pre)]

    def rates(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Rate estimates (Hz) at ``t``."""
        f = np.exp(-(t - self.t_est) / self.rate_tau)
        self.est_pre *= f
        self.est_post *= f
        self.t_est = t
        return self.est_pre, self.est_post

    def spikes(
        self, w: np.ndarray, t: float, pre_idx: np.ndarray, post_idx: np.ndarray
    ) -> np.ndarray:
        sim = self.sim
        for rule, tr in zip(sim.stdp, self.traces, strict=True):
            rule.advance(tr, t)
            dep, pot = rule.changes(tr)
            if pre_idx.size:  # a neuron's spikes at one instant pair as one
                cols = np.unique(pre_idx)
                w[:, cols] = sim._apply(w[:, cols], np.repeat(dep[:, None], cols.size, 1))
            if post_idx.size:
                rows = np.unique(post_idx)
                w[rows, :] = sim._apply(w[rows, :], np.repeat(pot[None, :], rows.size, 0))
            rule.register(tr, pre_idx, post_idx)
        self.rates(t)
        np.add.at(self.est_pre, pre_idx, 1e3 / self.rate_tau)
        np.add.at(self.est_post, post_idx, 1e3 / self.rate_tau)
        if sim.short_term is not None:
            for j in pre_idx.tolist():
                u, x = sim.short_term.recover(self.u[j], self.x[j], t - self.t_last[j])
                self.u[j], self.x[j], rel = sim.short_term.spike(u, x)
                self.t_last[j] = t
                self.release[j].append(float(rel))
        return w


def _check_weights(w: np.ndarray, step: int, t: float, dt: float) -> None:
    bad = ~np.isfinite(w)
    if bad.any():
        i, j = (int(a[0]) for a in np.nonzero(bad))
        raise IntegrationError(
            f"SynapticPlasticity: weight W[{i}, {j}] became {w[i, j]} at step {step} "
            f"(t = {t:g} ms, dt = {dt:g} ms); the step is unstable: reduce dt or the learning "
            "rate",
            step=step,
            time=t,
            variable=f"W[{i}, {j}]",
            unit=i,
            value=float(w[i, j]),
        )


def _weights(w0: ArrayLike) -> np.ndarray:
    return as_float_array("SynapticPlasticity", "w0", w0, ndim=2)


def _rows(name: str, value: ArrayLike, n_steps: int, n: int) -> np.ndarray:
    arr = as_float_array("SynapticPlasticity", name, value)
    if arr.shape == (n,):
        return np.broadcast_to(arr, (n_steps, n))
    if arr.shape != (n_steps, n):
        raise ModelError(
            f"SynapticPlasticity: {name} must have shape ({n},) or ({n_steps}, {n}), "
            f"got {arr.shape}"
        )
    return arr


def _merge(pre: list[np.ndarray], post: list[np.ndarray], t_end: float):
    """All spikes up to ``t_end`` as sorted (time, kind 0=pre/1=post, neuron index)."""
    parts = [(tr[tr <= t_end], 0, i) for i, tr in enumerate(pre)]
    parts += [(tr[tr <= t_end], 1, i) for i, tr in enumerate(post)]
    times = np.concatenate([p[0] for p in parts]) if parts else np.empty(0)
    kinds = np.concatenate([np.full(p[0].size, p[1]) for p in parts]) if parts else np.empty(0)
    idx = np.concatenate([np.full(p[0].size, p[2]) for p in parts]) if parts else np.empty(0)
    order = np.argsort(times, kind="stable")
    return times[order], kinds[order].astype(np.int64), idx[order].astype(np.int64)


def _record(
    rec_times: np.ndarray, samples: list[np.ndarray], w: np.ndarray, t: float, strict: bool
) -> None:
    """Append ``w`` for every pending record time ``< t`` (``<= t`` when not strict)."""
    while len(samples) < rec_times.size and (
        rec_times[len(samples)] < t or (not strict and rec_times[len(samples)] <= t + 1e-9)
    ):
        samples.append(w.copy())
