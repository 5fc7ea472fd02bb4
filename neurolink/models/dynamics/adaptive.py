"""Adaptive integration with ``scipy.integrate`` solvers (RK45, LSODA, Radau, BDF) and events.

The solver is driven step by step (the ``OdeSolver`` classes behind ``solve_ivp``). After each
step the watched variable of every unit is checked for an upward threshold crossing, which is
located by root finding (``brentq``) on the solver's dense output — the same event location
``solve_ivp(events=...)`` performs, done per unit so that many units can share one solver. For a
resetting model the earliest crossing ends the solver segment: the state at the crossing is
reset, the unit is held (zero derivatives) for its refractory period, and a new segment starts,
with a segment boundary also at the end of every refractory period.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, optimize

from neurolink.models.dynamics.drive import Drive
from neurolink.models.dynamics.model import NeuronModel
from neurolink.models.integrators import IntegrationError, Method, check_state

__all__ = ["run_adaptive"]

_SOLVERS = {
    Method.RK45: integrate.RK45,
    Method.LSODA: integrate.LSODA,
    Method.RADAU: integrate.Radau,
    Method.BDF: integrate.BDF,
}


def run_adaptive(
    model: NeuronModel,
    y0: np.ndarray,
    drive: Drive,
    t0: float,
    dt: float,
    n_steps: int,
    method: Method,
    rec_idx: np.ndarray,
    every: int,
    *,
    rtol: float,
    atol: float,
    max_step: float,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Integrate with a ``solve_ivp`` method; returns (times, recorded states, spike times).

    ``recorded states`` has shape (n_recorded_vars, n_samples, n_units); samples are on the grid
    ``t0 + dt·every·i``. See :meth:`NeuralDynamics.simulate` for the parameters.
    """
    run = _AdaptiveRun(model, y0, drive, t0, dt, n_steps, method, rec_idx, every)
    t, y, t_end = t0, y0.copy(), t0 + n_steps * dt
    while t < t_end:
        pending = run.free_from[run.free_from > t]
        bound = min(t_end, float(pending.min())) if pending.size else t_end
        solver = _SOLVERS[method](
            run.rhs, t, y.ravel(), bound, rtol=rtol, atol=atol, max_step=max_step
        )
        t, y = run.segment(solver)
    if run.filled < run.times.size:  # the final grid point (t_end) when a segment ended there
        run.out[:, run.filled :] = y[rec_idx][:, None, :]
    return run.times, run.out, tuple(np.array(s) for s in run.spikes)


class _AdaptiveRun:
    """State of one adaptive simulation: output buffers, spikes, refractory ends."""

    def __init__(
        self,
        model: NeuronModel,
        y0: np.ndarray,
        drive: Drive,
        t0: float,
        dt: float,
        n_steps: int,
        method: Method,
        rec_idx: np.ndarray,
        every: int,
    ) -> None:
        self.model, self.drive, self.method, self.rec_idx = model, drive, method, rec_idx
        self.t0, self.dt, self.n_steps = t0, dt, n_steps
        self.n_vars, self.n_units = y0.shape
        self.times = t0 + dt * np.arange(0, n_steps + 1, every)
        self.out = np.empty((rec_idx.size, self.times.size, self.n_units))
        self.out[:, 0] = y0[rec_idx]
        self.filled = 1  # grid samples written so far
        self.spikes: list[list[float]] = [[] for _ in range(self.n_units)]
        self.free_from = np.full(self.n_units, -np.inf)  # refractory ends (ms)
        self.n_solver_steps = 0

    def rhs(self, t: float, flat: np.ndarray) -> np.ndarray:
        """Flattened derivatives; zero for units held in their refractory period."""
        y = flat.reshape(self.n_vars, self.n_units)
        k = min(max(int(np.floor((t - self.t0) / self.dt)), 0), self.n_steps - 1)
        d = self.model.derivatives(t, y, self.drive(t, k))
        held = t < self.free_from
        if held.any():
            d = d.copy()
            d[:, held] = 0.0
        return d.ravel()

    def segment(self, solver) -> tuple[float, np.ndarray]:
        """Step ``solver`` to its bound or to the first reset; the state where it stopped."""
        model, rule = self.model, self.model.spike_rule
        while solver.status == "running":
            y_prev = solver.y.reshape(self.n_vars, self.n_units).copy()
            message = solver.step()
            self.n_solver_steps += 1
            y_new = solver.y.reshape(self.n_vars, self.n_units)
            self._check(y_new, solver, message)
            dense = solver.dense_output()
            t_stop, reset = solver.t, None
            if rule is not None:
                reset = self._crossings(y_prev, y_new, dense, solver.t_old, solver.t)
                t_stop = solver.t if reset is None else reset[1]
            self._fill(dense, t_stop)
            if reset is not None:
                unit, t_s = reset
                y = dense(t_s).reshape(self.n_vars, self.n_units).copy()
                y[:, unit] = model.reset(y[:, unit : unit + 1])[:, 0]
                self.free_from[unit] = t_s + rule.refractory
                return t_s, y
        return float(solver.t), solver.y.reshape(self.n_vars, self.n_units).copy()

    def _check(self, y: np.ndarray, solver, message: str | None) -> None:
        m = self.model
        step, t = self.n_solver_steps, float(solver.t)
        check_state(y, m.names, m.bound, step=step, time=t, method=self.method.value, dt=self.dt)
        if solver.status == "failed":
            raise IntegrationError(
                f"{self.method.value} failed at solver step {step} (t = {t:.6g} ms): {message}",
                step=step,
                time=t,
                variable="",
                unit=-1,
                value=float("nan"),
            )

    def _crossings(self, y_prev, y_new, dense, t_a: float, t_b: float):
        """Record the threshold crossings of this step; for a resetting model only the
        earliest, returned as ``(unit, time)`` (None if there is nothing to reset)."""
        rule = self.model.spike_rule
        iv = self.model.index(rule.variable)
        crossed = np.flatnonzero((y_prev[iv] < rule.threshold) & (y_new[iv] >= rule.threshold))
        if not crossed.size:
            return None
        ts = _locate(dense, t_a, t_b, iv * self.n_units + crossed, rule.threshold)
        if rule.resets:
            first = int(np.argmin(ts))
            crossed, ts = crossed[first : first + 1], ts[first : first + 1]
        for unit, time in zip(crossed.tolist(), ts.tolist(), strict=True):
            self.spikes[unit].append(time)
        return (int(crossed[0]), float(ts[0])) if rule.resets else None

    def _fill(self, dense, t_stop: float) -> None:
        """Write the grid samples with ``time <= t_stop`` from the dense output."""
        stop = int(np.searchsorted(self.times, t_stop, side="right"))
        if stop > self.filled:
            vals = dense(self.times[self.filled : stop]).reshape(self.n_vars, self.n_units, -1)
            self.out[:, self.filled : stop] = np.moveaxis(vals[self.rec_idx], 2, 1)
            self.filled = stop


def _locate(dense, t_a: float, t_b: float, rows: np.ndarray, threshold: float) -> np.ndarray:
    """Times in [t_a, t_b] where the dense-output ``rows`` cross ``threshold`` (brentq)."""
    out = np.empty(rows.size)
    for i, row in enumerate(rows.tolist()):

        def g(tt: float, r: int = row) -> float:
            return float(dense(tt)[r]) - threshold

        g_a, g_b = g(t_a), g(t_b)
        if g_a >= 0 or g_b <= 0:  # the interpolant touches the threshold at an end
            out[i] = t_a if g_a >= 0 else t_b
        else:
            out[i] = optimize.brentq(g, t_a, t_b, xtol=1e-12)
    return out
