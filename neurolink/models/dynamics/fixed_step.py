"""Fixed-step integration (RK4, exponential Euler) with interpolated spikes and resets.

A unit whose watched variable crosses the threshold within a step gets a spike time
interpolated between the two samples (linear, or cubic Hermite using the derivatives at both
ends). A resetting model is reset at that time from the linearly interpolated state, held for
its refractory period, and integrated for the rest of the step, so refractory periods end
between grid points, not on them. At most one spike per unit and step is detected.

"Fixed" here is the step size of a float64 integrator; the chip's fixed-*point* arithmetic is
:mod:`neurolink.snn.backends.fixed`, which shares nothing with this module.
"""

from __future__ import annotations

import numpy as np

from neurolink.models.dynamics.drive import Drive
from neurolink.models.dynamics.model import NeuronModel
from neurolink.models.integrators import (
    Method,
    SpikeInterpolation,
    check_state,
    crossing_fraction,
    exp_euler_step,
    rk4_step,
)

__all__ = ["run_fixed"]

Columns = slice | np.ndarray


def run_fixed(
    model: NeuronModel,
    y: np.ndarray,
    drive: Drive,
    t0: float,
    dt: float,
    n_steps: int,
    method: Method,
    interp: SpikeInterpolation,
    rec_idx: np.ndarray,
    every: int,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Integrate ``n_steps`` steps of ``dt`` ms; returns (times, recorded states, spike times).

    ``recorded states`` has shape (n_recorded_vars, n_samples, n_units), sampled every
    ``every`` steps. See :meth:`NeuralDynamics.simulate` for the parameters.
    """
    run = _FixedStepRun(model, drive, method, interp, y.shape[1])
    rule = model.spike_rule
    out = np.empty((rec_idx.size, n_steps // every + 1, y.shape[1]))
    out[:, 0] = y[rec_idx]
    h_full = np.full(y.shape[1], dt)
    for k in range(n_steps):
        t, t_end = t0 + k * dt, t0 + (k + 1) * dt
        h = h_full
        if run.free_from.max() > t:  # units leaving refractoriness mid-step integrate less
            h = np.clip(t_end - np.maximum(t, run.free_from), 0.0, dt)
        y_new = run.advance(slice(None), k, t, y, h)
        run.check(y_new, k, t_end, dt)
        if rule is not None:
            iv = model.index(rule.variable)
            crossed = np.flatnonzero((y[iv] < rule.threshold) & (y_new[iv] >= rule.threshold))
            if crossed.size:
                run.on_spikes(crossed, y, y_new, h, k, t_end)
        y = y_new
        if (k + 1) % every == 0:
            out[:, (k + 1) // every] = y[rec_idx]
    times = t0 + dt * np.arange(0, n_steps + 1, every)
    return times, out, tuple(np.array(s) for s in run.spikes)


class _FixedStepRun:
    """Integrator, spikes and refractory ends of one fixed-step simulation."""

    def __init__(
        self,
        model: NeuronModel,
        drive: Drive,
        method: Method,
        interp: SpikeInterpolation,
        n_units: int,
    ) -> None:
        self.model, self.drive, self.method, self.interp = model, drive, method, interp
        self.spikes: list[list[float]] = [[] for _ in range(n_units)]
        self.free_from = np.full(n_units, -np.inf)  # end of each unit's refractory period (ms)

    def advance(self, cols: Columns, k: int, t: float, y: np.ndarray, h: np.ndarray) -> np.ndarray:
        """One step of length ``h`` (per unit) for the units ``cols`` in grid step ``k``."""
        model, drive = self.model, self.drive

        def f(tt: float, yy: np.ndarray) -> np.ndarray:
            return model.derivatives(tt, yy, drive(tt, k)[cols])

        if self.method is Method.RK4:
            return rk4_step(f, t, y, h)

        def jd(tt: float, yy: np.ndarray) -> np.ndarray:
            return model.jacobian_diagonal(tt, yy, drive(tt, k)[cols])

        return exp_euler_step(f, jd, t, y, h)

    def check(self, y: np.ndarray, k: int, t_end: float, dt: float) -> None:
        """Raise :class:`IntegrationError` if step ``k`` produced a NaN or diverging value."""
        m = self.model
        check_state(y, m.names, m.bound, step=k, time=t_end, method=self.method.value, dt=dt)

    def on_spikes(
        self,
        idx: np.ndarray,
        y: np.ndarray,
        y_new: np.ndarray,
        h: np.ndarray,
        k: int,
        t_end: float,
    ) -> None:
        """Time the crossings of units ``idx`` in step ``k``; reset them in ``y_new``."""
        model, rule = self.model, self.model.spike_rule
        iv = model.index(rule.variable)
        hs = h[idx]
        v0, v1 = y[iv, idx], y_new[iv, idx]
        if self.interp is SpikeInterpolation.HERMITE:
            u = self.drive(t_end, k)[idx]
            d0 = model.derivatives(t_end - float(hs.max()), y[:, idx], u)[iv]
            d1 = model.derivatives(t_end, y_new[:, idx], u)[iv]
            s = crossing_fraction(v0, v1, rule.threshold, self.interp, hs, d0, d1)
        else:
            s = crossing_fraction(v0, v1, rule.threshold, self.interp)
        ts = t_end - hs + s * hs
        for unit, time in zip(idx.tolist(), ts.tolist(), strict=True):
            self.spikes[unit].append(time)
        if not rule.resets:
            return
        y_reset = model.reset(y[:, idx] + s * (y_new[:, idx] - y[:, idx]))
        free = ts + rule.refractory
        self.free_from[idx] = free
        rest = t_end - free  # time left in this step once the refractory period is over
        go = rest > 0
        if go.any():
            t_go = float(free[go].min())
            y_reset[:, go] = self.advance(idx[go], k, t_go, y_reset[:, go], rest[go])
        y_new[:, idx] = y_reset
        self.check(y_new, k, t_end, float(h.max()))
