"""Lyapunov exponents of flows ``dx/dt = f(x, p)`` and maps ``x ← g(x, p)``.

- :func:`largest_lyapunov`: Benettin's two-trajectory method. A companion trajectory starts
  ``d0`` away; every ``renorm_every`` steps the separation ``d`` is measured, ``ln(d/d0)`` is
  accumulated and the companion is pulled back to distance ``d0`` along the same direction.
  No Jacobian is needed.
- :func:`lyapunov_spectrum`: the QR (Benettin–Shimada–Nagashima) method. ``k`` tangent vectors
  follow ``dY/dt = J(x) Y``; every ``renorm_every`` steps ``Y = QR`` (modified Gram–Schmidt),
  ``ln R_ii`` is accumulated and ``Y ← Q``. The sum of all ``n`` exponents is the mean
  divergence ``⟨tr J⟩``.
- :func:`map_lyapunov_spectrum`: the same for maps, with ``Y ← Dg(x) Y`` each iteration.

Flows are integrated with classical RK4 (step ``dt``), tangent vectors with it jointly.
When ``f`` (and ``jac``) are numba ``@njit`` functions, the whole loop runs compiled (the same
code as the Python path, compiled on first use); otherwise it runs in Python. Exponents are in
1/(time unit of ``f``) for flows and per iteration for maps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit
from numba.extending import is_jitted
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import ModelError, as_float_array, check_positive
from neurolink.models.integrators import IntegrationError

__all__ = [
    "LyapunovResult",
    "largest_lyapunov",
    "lyapunov_spectrum",
    "map_lyapunov_spectrum",
]

Flow = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class LyapunovResult:
    """Lyapunov exponents and the state reached.

    Parameters
    ----------
    exponents : numpy.ndarray, shape (k,)
        Exponents, largest first (1/time for flows, per iteration for maps).
    final_state : numpy.ndarray, shape (n,)
        State at the end of the run.
    duration : float
        Averaging time (flows) or number of iterations (maps), transient excluded.
    compiled : bool
        Whether the numba path ran.
    """

    exponents: np.ndarray
    final_state: np.ndarray
    duration: float
    compiled: bool


# --- kernels: numba-compiled; ``.py_func`` (the same code) runs plain Python callables -----------
@njit
def _flow_kernel(f, jac, x, y, p, dt, n_transient, n_steps, every):  # pragma: no cover - njit
    """RK4 of the state and, after the transient, of the tangent vectors ``y`` (n, k).

    Returns ``(Σ ln R_jj, x, bad step)``; the bad step is −1 when the state stayed finite.
    """
    sums = np.zeros(y.shape[1])
    for s in range(n_transient + n_steps):
        k1 = f(x, p)
        x2 = x + 0.5 * dt * k1
        k2 = f(x2, p)
        x3 = x + 0.5 * dt * k2
        k3 = f(x3, p)
        x4 = x + dt * k3
        k4 = f(x4, p)
        if s >= n_transient:
            l1 = jac(x, p) @ y
            l2 = jac(x2, p) @ (y + 0.5 * dt * l1)
            l3 = jac(x3, p) @ (y + 0.5 * dt * l2)
            l4 = jac(x4, p) @ (y + dt * l3)
            y = y + (dt / 6.0) * (l1 + 2.0 * l2 + 2.0 * l3 + l4)
        x = x + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        if not np.all(np.isfinite(x)):
            return sums, x, s
        done = s - n_transient + 1
        if done > 0 and (done % every == 0 or done == n_steps):
            _orthonormalise(y, sums)
    return sums, x, -1


@njit
def _benettin_kernel(f, x, u, p, dt, d0, n_transient, n_steps, every):  # pragma: no cover - njit
    """Two RK4 trajectories; returns ``(Σ ln(d/d0), x, bad step)``."""
    total = 0.0
    z = x.copy()
    for s in range(n_transient + n_steps):
        if s == n_transient:
            z = x + d0 * u
        for which in range(2):
            w = x if which == 0 else z
            k1 = f(w, p)
            k2 = f(w + 0.5 * dt * k1, p)
            k3 = f(w + 0.5 * dt * k2, p)
            k4 = f(w + dt * k3, p)
            w = w + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            if which == 0:
                x = w
            else:
                z = w
        if not np.all(np.isfinite(x)):
            return total, x, s
        done = s - n_transient + 1
        if done > 0 and (done % every == 0 or done == n_steps):
            d = np.sqrt(np.sum((z - x) ** 2))
            total += np.log(d / d0)
            z = x + (z - x) * (d0 / d)
    return total, x, -1


@njit
def _map_kernel(g, dg, x, y, p, n_transient, n_iter):  # pragma: no cover - njit
    """Iterate the map and, after the transient, the tangent vectors; re-orthonormalise each."""
    sums = np.zeros(y.shape[1])
    for s in range(n_transient + n_iter):
        if s >= n_transient:
            y = dg(x, p) @ y
        x = g(x, p)
        if not np.all(np.isfinite(x)):
            return sums, x, s
        if s >= n_transient:
            _orthonormalise(y, sums)
    return sums, x, -1


@njit(cache=True, inline="always")
def _orthonormalise(y, sums):  # pragma: no cover - njit
    """Modified Gram–Schmidt in place (``y ← Q`` of ``y = QR``), adding ``ln R_jj`` to sums."""
    for j in range(y.shape[1]):
        for i in range(j):
            proj = 0.0
            for r in range(y.shape[0]):
                proj += y[r, i] * y[r, j]
            y[:, j] -= proj * y[:, i]
        norm = np.sqrt(np.sum(y[:, j] ** 2))
        sums[j] += np.log(norm)
        y[:, j] /= norm


def _kernel(kernel: Callable, jitted: bool) -> Callable:
    """The compiled kernel for numba callables, else the same code in Python."""
    return kernel if jitted else kernel.py_func


def _fd_jacobian(f: Flow, jitted: bool) -> Flow:
    """A central-difference Jacobian of ``f`` (compiled when ``f`` is)."""

    def jac(x, p):  # pragma: no cover - also njit
        n = x.size
        out = np.empty((n, n))
        for j in range(n):
            h = 1e-6 * max(1.0, abs(x[j]))
            xp = x.copy()
            xm = x.copy()
            xp[j] += h
            xm[j] -= h
            out[:, j] = (f(xp, p) - f(xm, p)) / (2.0 * h)
        return out

    return njit(jac) if jitted else jac


# --- public API --------------------------------------------------------------------------------
def lyapunov_spectrum(
    f: Flow,
    x0: ArrayLike,
    t_total: float,
    dt: float,
    *,
    jac: Flow | None = None,
    params: ArrayLike = (),
    n_exponents: int | None = None,
    t_transient: float = 0.0,
    renorm_every: int = 10,
) -> LyapunovResult:
    """Lyapunov spectrum of a flow by the QR method.

    Parameters
    ----------
    f : callable
        ``f(x, p) -> dx/dt`` with ``x`` of shape (n,), ``p`` the float64 array ``params``.
    x0 : array_like, shape (n,)
        Initial state.
    t_total : float
        Averaging time (after the transient), in the time unit of ``f``.
    dt : float
        RK4 step.
    jac : callable, optional
        ``jac(x, p) -> (n, n)``; central differences of ``f`` when omitted.
    params : array_like
        Parameters passed to ``f`` and ``jac``.
    n_exponents : int, optional
        How many exponents (``k <= n``, default all).
    t_transient : float
        Time integrated first without averaging (reach the attractor).
    renorm_every : int
        Steps between QR re-orthonormalisations.

    Raises
    ------
    IntegrationError
        The state became NaN/infinite: names the step and the variable ``x[i]``.
    """
    x, p, n_tr, n_steps = _setup(x0, params, t_total, dt, t_transient, renorm_every)
    k = x.size if n_exponents is None else int(n_exponents)
    if not 1 <= k <= x.size:
        raise ModelError(f"lyapunov_spectrum: n_exponents must be in [1, {x.size}], got {k}")
    jitted = is_jitted(f) and (jac is None or is_jitted(jac))
    jac = _fd_jacobian(f, jitted) if jac is None else jac
    kernel = _kernel(_flow_kernel, jitted)
    y = np.eye(x.size)[:, :k].copy()
    with np.errstate(all="ignore"):  # a divergent orbit is reported below, by step
        sums, x_end, bad_step = kernel(f, jac, x, y, p, dt, n_tr, n_steps, renorm_every)
    _raise_if_bad("lyapunov_spectrum", bad_step, x_end, dt)
    return LyapunovResult(np.sort(sums)[::-1] / (n_steps * dt), x_end, n_steps * dt, jitted)


def largest_lyapunov(
    f: Flow,
    x0: ArrayLike,
    t_total: float,
    dt: float,
    *,
    params: ArrayLike = (),
    t_transient: float = 0.0,
    d0: float = 1e-8,
    renorm_every: int = 10,
    rng: int | np.random.Generator | None = 0,
) -> LyapunovResult:
    """Largest Lyapunov exponent of a flow by Benettin's two-trajectory method.

    Parameters are as for :func:`lyapunov_spectrum`, plus ``d0`` (separation kept after each
    renormalisation; small against the attractor, large against round-off) and ``rng`` (seed
    of the initial direction of the separation).
    """
    x, p, n_tr, n_steps = _setup(x0, params, t_total, dt, t_transient, renorm_every)
    check_positive("largest_lyapunov", "d0", d0)
    u = np.random.default_rng(rng).standard_normal(x.size)
    u /= np.linalg.norm(u)
    jitted = is_jitted(f)
    kernel = _kernel(_benettin_kernel, jitted)
    with np.errstate(all="ignore"):  # a divergent orbit is reported below, by step
        total, x_end, bad_step = kernel(f, x, u, p, dt, d0, n_tr, n_steps, renorm_every)
    _raise_if_bad("largest_lyapunov", bad_step, x_end, dt)
    return LyapunovResult(np.array([total / (n_steps * dt)]), x_end, n_steps * dt, jitted)


def map_lyapunov_spectrum(
    g: Flow,
    dg: Flow,
    x0: ArrayLike,
    n_iter: int,
    *,
    params: ArrayLike = (),
    n_transient: int = 0,
) -> LyapunovResult:
    """Lyapunov spectrum of a map ``x ← g(x, p)`` with Jacobian ``dg(x, p)``, by QR.

    For a 1-D map this is ``⟨ln |g'(x)|⟩`` along the orbit (pass ``x`` of shape (1,) and ``dg``
    returning shape (1, 1)).

    Parameters
    ----------
    g, dg : callable
        The map and its Jacobian, shape (n,) → (n,) and (n, n).
    x0 : array_like, shape (n,)
        Initial state.
    n_iter : int
        Iterations averaged (after ``n_transient`` discarded ones).
    params : array_like
        Parameters passed to ``g`` and ``dg``.
    """
    x = as_float_array("map_lyapunov_spectrum", "x0", x0, ndim=1)
    p = np.atleast_1d(as_float_array("map_lyapunov_spectrum", "params", params)).ravel()
    if n_iter < 1 or n_transient < 0:
        raise ModelError(
            f"map_lyapunov_spectrum: need n_iter >= 1 and n_transient >= 0, got "
            f"{n_iter}, {n_transient}"
        )
    jitted = is_jitted(g) and is_jitted(dg)
    kernel = _kernel(_map_kernel, jitted)
    with np.errstate(all="ignore"):  # a divergent orbit is reported below, by step
        sums, x_end, bad_step = kernel(g, dg, x, np.eye(x.size), p, n_transient, n_iter)
    _raise_if_bad("map_lyapunov_spectrum", bad_step, x_end, 1.0)
    return LyapunovResult(np.sort(sums)[::-1] / n_iter, x_end, float(n_iter), jitted)


def _setup(
    x0: ArrayLike,
    params: ArrayLike,
    t_total: float,
    dt: float,
    t_transient: float,
    renorm_every: int,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    x = as_float_array("lyapunov", "x0", x0, ndim=1)
    p = np.atleast_1d(as_float_array("lyapunov", "params", params)).ravel()
    check_positive("lyapunov", "t_total", t_total)
    check_positive("lyapunov", "dt", dt)
    if t_transient < 0:
        raise ModelError(f"lyapunov: t_transient must be >= 0, got {t_transient}")
    if renorm_every < 1:
        raise ModelError(f"lyapunov: renorm_every must be >= 1, got {renorm_every}")
    n_steps = round(t_total / dt)
    if n_steps < 1:
        raise ModelError(f"lyapunov: t_total {t_total} is shorter than dt {dt}")
    return x, p, round(t_transient / dt), n_steps


def _raise_if_bad(owner: str, step: int, x: np.ndarray, dt: float) -> None:
    if step < 0:
        return
    var = int(np.flatnonzero(~np.isfinite(x))[0])
    value = float(x[var])
    raise IntegrationError(
        f"{owner}: x[{var}] became {value} at step {step} (t = {(step + 1) * dt:g}); the orbit "
        "diverged: reduce dt or start on the attractor",
        step=int(step),
        time=(step + 1) * dt,
        variable=f"x[{var}]",
        unit=0,
        value=value,
    )
