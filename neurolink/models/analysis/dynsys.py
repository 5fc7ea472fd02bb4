"""Fixed points, their stability, and one-parameter bifurcation scans of ``dx/dt = f(x)``.

Fixed points are found by ``scipy.optimize.root`` from many starting points (random in a box
and/or given), kept when the residual is small, and merged when closer than a tolerance. Their
stability comes from the eigenvalues of the Jacobian (given, or a central-difference one).
A bifurcation scan follows one branch of fixed points over a parameter by natural continuation
and reports where an eigenvalue's real part changes sign: a complex pair (Hopf) or a real one
(fold / branch point), refined by root finding on the leading real part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from neurolink.models.dynamics.params import ModelError, as_float_array

__all__ = [
    "Bifurcation",
    "BifurcationKind",
    "BifurcationScan",
    "FixedPoint",
    "Stability",
    "bifurcation_scan",
    "classify",
    "find_fixed_points",
    "fixed_point",
    "numeric_jacobian",
]

Field = Callable[[np.ndarray], ArrayLike]
Jacobian = Callable[[np.ndarray], ArrayLike]


class Stability(Enum):
    """Linear stability type of a fixed point (from the Jacobian eigenvalues)."""

    STABLE_NODE = "stable node"
    STABLE_FOCUS = "stable focus"
    UNSTABLE_NODE = "unstable node"
    UNSTABLE_FOCUS = "unstable focus"
    SADDLE = "saddle"
    NON_HYPERBOLIC = "non-hyperbolic"


def classify(eigenvalues: ArrayLike, tol: float = 1e-9) -> Stability:
    """Stability type from eigenvalues (``|Re λ| <= tol`` counts as zero: non-hyperbolic)."""
    ev = np.asarray(eigenvalues, dtype=np.complex128)
    re = ev.real
    if np.any(np.abs(re) <= tol):
        return Stability.NON_HYPERBOLIC
    oscillates = bool(np.any(np.abs(ev.imag) > tol))
    if np.all(re < 0):
        return Stability.STABLE_FOCUS if oscillates else Stability.STABLE_NODE
    if np.all(re > 0):
        return Stability.UNSTABLE_FOCUS if oscillates else Stability.UNSTABLE_NODE
    return Stability.SADDLE


@dataclass(frozen=True)
class FixedPoint:
    """A fixed point ``x*`` with ``f(x*) = 0``.

    Parameters
    ----------
    x : numpy.ndarray, shape (n,)
        Location.
    jacobian : numpy.ndarray, shape (n, n)
        ``∂f/∂x`` at ``x``.
    eigenvalues : numpy.ndarray, complex, shape (n,)
        Eigenvalues of the Jacobian, sorted by decreasing real part.
    stability : Stability
        Type from the eigenvalues.
    """

    x: np.ndarray
    jacobian: np.ndarray
    eigenvalues: np.ndarray
    stability: Stability

    @property
    def stable(self) -> bool:
        """True when every eigenvalue has a negative real part."""
        return bool(np.all(self.eigenvalues.real < 0))


def numeric_jacobian(f: Field, x: ArrayLike, rel_step: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian ``J[i, j] = ∂f_i/∂x_j`` at ``x``, shape (n, n).

    The step for ``x_j`` is ``rel_step · max(1, |x_j|)``; the error is ``O(step²)``.
    """
    x = as_float_array("numeric_jacobian", "x", x, ndim=1)
    n = x.size
    jac = np.empty((n, n))
    for j in range(n):
        h = rel_step * max(1.0, abs(x[j]))
        xp, xm = x.copy(), x.copy()
        xp[j] += h
        xm[j] -= h
        jac[:, j] = (_call(f, xp, n) - _call(f, xm, n)) / (2 * h)
    return jac


def fixed_point(f: Field, x: ArrayLike, jac: Jacobian | None = None) -> FixedPoint:
    """Stability analysis of ``f`` at a known fixed point ``x`` (no root finding)."""
    x = as_float_array("fixed_point", "x", x, ndim=1)
    j = numeric_jacobian(f, x) if jac is None else np.asarray(jac(x), dtype=np.float64)
    if j.shape != (x.size, x.size):
        raise ModelError(f"fixed_point: jacobian must have shape {(x.size, x.size)}, got {j.shape}")
    ev = np.linalg.eigvals(j)
    ev = ev[np.lexsort((-ev.imag, -ev.real))]
    return FixedPoint(x, j, ev, classify(ev))


def find_fixed_points(
    f: Field,
    bounds: ArrayLike | None = None,
    *,
    seeds: ArrayLike | None = None,
    n_seeds: int = 64,
    jac: Jacobian | None = None,
    tol: float = 1e-9,
    merge_tol: float = 1e-6,
    rng: int | np.random.Generator | None = 0,
) -> list[FixedPoint]:
    """All fixed points reachable by root finding from many starting points.

    Parameters
    ----------
    f : callable
        ``f(x) -> dx/dt``, ``x`` of shape (n,).
    bounds : array_like, shape (n, 2), optional
        Box ``[low, high]`` per variable from which ``n_seeds`` starts are drawn uniformly.
    seeds : array_like, shape (m, n), optional
        Extra starting points. At least one of ``bounds``/``seeds`` is needed.
    n_seeds : int
        Random starts drawn from ``bounds``.
    jac : callable, optional
        ``jac(x) -> (n, n)``; a central difference when omitted.
    tol : float
        A root is kept when ``max |f(x*)| <= tol``.
    merge_tol : float
        Roots closer than ``merge_tol · max(1, |x|)`` (max-norm) are one fixed point.
    rng : int, Generator or None
        Seed of the random starts.

    Returns
    -------
    list of FixedPoint
        Sorted lexicographically by ``x``.
    """
    starts = _starts(bounds, seeds, n_seeds, rng)
    n = starts.shape[1]
    found: list[np.ndarray] = []
    for x0 in starts:
        sol = optimize.root(lambda x: _call(f, x, n), x0, jac=jac, method="hybr")
        if not np.all(np.isfinite(sol.x)):
            continue
        if np.max(np.abs(_call(f, sol.x, n))) > tol:
            continue
        scale = max(1.0, float(np.max(np.abs(sol.x))))
        if not any(np.max(np.abs(sol.x - y)) <= merge_tol * scale for y in found):
            found.append(sol.x)
    found.sort(key=tuple)
    return [fixed_point(f, x, jac) for x in found]


class BifurcationKind(Enum):
    """What changes at a detected bifurcation of a branch of fixed points."""

    HOPF = "hopf"  # a complex pair crosses the imaginary axis
    FOLD = "fold"  # a real eigenvalue crosses zero (saddle-node, transcritical, pitchfork)


@dataclass(frozen=True)
class Bifurcation:
    """A detected bifurcation: its kind, parameter value, fixed point and eigenvalues there."""

    kind: BifurcationKind
    parameter: float
    x: np.ndarray
    eigenvalues: np.ndarray


@dataclass(frozen=True)
class BifurcationScan:
    """One branch of fixed points followed over a parameter.

    Parameters
    ----------
    parameters : numpy.ndarray, shape (n_mu,)
        Scanned parameter values.
    points : numpy.ndarray, shape (n_mu, n)
        Fixed point at each value (NaN after the branch was lost).
    eigenvalues : numpy.ndarray, complex, shape (n_mu, n)
        Jacobian eigenvalues, by decreasing real part (NaN after the branch was lost).
    bifurcations : list of Bifurcation
        Sign changes of the leading real part, refined.
    """

    parameters: np.ndarray
    points: np.ndarray
    eigenvalues: np.ndarray
    bifurcations: list[Bifurcation]

    @property
    def stable(self) -> np.ndarray:
        """Whether the branch is stable at each parameter value (bool, shape (n_mu,))."""
        return np.asarray(self.eigenvalues[:, 0].real < 0)


def bifurcation_scan(
    f: Callable[[np.ndarray, float], ArrayLike],
    x0: ArrayLike,
    parameters: ArrayLike,
    jac: Callable[[np.ndarray, float], ArrayLike] | None = None,
    tol: float = 1e-9,
    refine: bool = True,
) -> BifurcationScan:
    """Follow the fixed point of ``f(x, μ)`` from ``x0`` over ``parameters`` and locate changes
    of stability.

    Parameters
    ----------
    f : callable
        ``f(x, mu) -> dx/dt``.
    x0 : array_like, shape (n,)
        Guess of the fixed point at ``parameters[0]``.
    parameters : array_like, shape (n_mu,)
        Monotonic parameter values.
    jac : callable, optional
        ``jac(x, mu) -> (n, n)``; central differences when omitted.
    tol : float
        Residual below which a root is accepted.
    refine : bool
        Locate each crossing by Brent's method on the leading real part (else linear
        interpolation between the grid values).
    """
    mus = as_float_array("bifurcation_scan", "parameters", parameters, ndim=1)
    x = as_float_array("bifurcation_scan", "x0", x0, ndim=1)
    if mus.size < 2 or not (np.all(np.diff(mus) > 0) or np.all(np.diff(mus) < 0)):
        raise ModelError("bifurcation_scan: parameters must be >= 2 strictly monotonic values")
    n = x.size
    points = np.full((mus.size, n), np.nan)
    eigs = np.full((mus.size, n), np.nan, dtype=np.complex128)

    def solve(mu: float, guess: np.ndarray) -> FixedPoint | None:
        jm = None if jac is None else (lambda y: jac(y, mu))

        def fm(y: np.ndarray) -> np.ndarray:
            return _call(lambda z: f(z, mu), y, n)

        sol = optimize.root(fm, guess, jac=jm)
        if not np.all(np.isfinite(sol.x)) or np.max(np.abs(fm(sol.x))) > tol:
            return None
        return fixed_point(fm, sol.x, jm)

    events: list[Bifurcation] = []
    prev: FixedPoint | None = None
    for k, mu in enumerate(mus):
        fp = solve(float(mu), x if prev is None else prev.x)
        if fp is None:
            break
        points[k], eigs[k] = fp.x, fp.eigenvalues
        if prev is not None and (prev.eigenvalues[0].real < 0) != (fp.eigenvalues[0].real < 0):
            events.append(_locate(solve, mus[k - 1], mu, prev, fp, refine))
        prev = fp
    if prev is None:
        raise ModelError(f"bifurcation_scan: no fixed point found near x0 = {x} at {mus[0]}")
    return BifurcationScan(mus, points, eigs, events)


def _locate(
    solve: Callable[[float, np.ndarray], FixedPoint | None],
    mu_a: float,
    mu_b: float,
    fp_a: FixedPoint,
    fp_b: FixedPoint,
    refine: bool,
) -> Bifurcation:
    """The crossing of the leading real part between ``mu_a`` and ``mu_b``."""
    ra, rb = fp_a.eigenvalues[0].real, fp_b.eigenvalues[0].real
    mu = float(mu_a + (mu_b - mu_a) * ra / (ra - rb))
    if refine:

        def lead(m: float) -> float:
            fp = solve(m, fp_a.x + (fp_b.x - fp_a.x) * (m - mu_a) / (mu_b - mu_a))
            return np.nan if fp is None else float(fp.eigenvalues[0].real)

        try:
            mu = float(optimize.brentq(lead, mu_a, mu_b, xtol=1e-12))
        except ValueError:
            pass  # the branch is not smooth enough for Brent: keep the interpolated value
    fp = solve(mu, fp_a.x) or fp_b
    ev = fp.eigenvalues
    kind = BifurcationKind.HOPF if abs(ev[0].imag) > 1e-9 else BifurcationKind.FOLD
    return Bifurcation(kind, mu, fp.x, ev)


def _starts(
    bounds: ArrayLike | None,
    seeds: ArrayLike | None,
    n_seeds: int,
    rng: int | np.random.Generator | None,
) -> np.ndarray:
    parts = []
    if seeds is not None:
        s = as_float_array("find_fixed_points", "seeds", seeds)
        parts.append(s.reshape(1, -1) if s.ndim == 1 else s)
    if bounds is not None:
        b = as_float_array("find_fixed_points", "bounds", bounds, ndim=2)
        if b.shape[1] != 2 or np.any(b[:, 1] < b[:, 0]):
            raise ModelError(f"find_fixed_points: bounds must be (n, 2) low <= high, got {b}")
        gen = np.random.default_rng(rng)
        parts.append(b[:, 0] + (b[:, 1] - b[:, 0]) * gen.random((n_seeds, b.shape[0])))
    if not parts:
        raise ModelError("find_fixed_points: give bounds and/or seeds")
    dims = {p.shape[1] for p in parts}
    if len(dims) != 1:
        raise ModelError(f"find_fixed_points: seeds and bounds disagree on the dimension {dims}")
    return np.concatenate(parts)


def _call(f: Field, x: np.ndarray, n: int) -> np.ndarray:
    out = np.asarray(f(x), dtype=np.float64)
    if out.shape != (n,):
        raise ModelError(f"the vector field must return shape ({n},), got {out.shape}")
    return out
