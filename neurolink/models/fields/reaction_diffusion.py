"""Two-species reaction–diffusion pattern formation (Turing patterns) on periodic 1-D/2-D grids.

``∂u/∂t = D_u ∇²u + F(u, v)``, ``∂v/∂t = D_v ∇²v + G(u, v)`` with the kinetics of
:class:`GrayScott` or :class:`Brusselator`. Integration is first-order exponential time
differencing in Fourier space (ETD1): diffusion is exact, the reaction is frozen over a step,
``û ← e^{−D k² dt} û + (1 − e^{−D k² dt}) / (D k²) · F̂``.

:func:`turing_analysis` gives the linear stability of the homogeneous steady state:
the growth rate ``σ(k)`` = largest real part of the eigenvalues of ``J − k² diag(D_u, D_v)``,
whether a band of wavenumbers ``k > 0`` is unstable while ``k = 0`` is stable (Turing), and
the fastest-growing wavelength ``2π / k_max``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import (
    ModelError,
    as_float_array,
    check_nonnegative,
    check_positive,
)
from neurolink.models.integrators import IntegrationError

__all__ = [
    "Brusselator",
    "GrayScott",
    "RDTrajectory",
    "ReactionDiffusion",
    "TuringAnalysis",
    "dominant_wavelength",
    "turing_analysis",
]


@dataclass(frozen=True)
class GrayScott:
    """Gray–Scott kinetics ``F = −u v² + feed (1 − u)``, ``G = u v² − (feed + kill) v``.

    ``u`` is the substrate, ``v`` the autocatalyst; the trivial steady state is ``(1, 0)``.
    Diffusion coefficients ``d_u``, ``d_v`` (length²/time), rates ``feed``, ``kill`` (1/time).
    """

    feed: float = 0.037
    kill: float = 0.06
    d_u: float = 2e-5
    d_v: float = 1e-5

    def __post_init__(self) -> None:
        for name in ("feed", "kill", "d_u", "d_v"):
            check_nonnegative("GrayScott", name, getattr(self, name))

    def reaction(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(F, G)`` at concentrations ``u``, ``v`` (same shape)."""
        uvv = u * v * v
        return -uvv + self.feed * (1.0 - u), uvv - (self.feed + self.kill) * v

    def steady_state(self) -> tuple[float, float]:
        """The trivial homogeneous steady state ``(1, 0)``."""
        return 1.0, 0.0

    def jacobian(self, u: float, v: float) -> np.ndarray:
        """``∂(F, G)/∂(u, v)``, shape (2, 2)."""
        return np.array(
            [[-v * v - self.feed, -2 * u * v], [v * v, 2 * u * v - (self.feed + self.kill)]]
        )


@dataclass(frozen=True)
class Brusselator:
    """Brusselator kinetics ``F = a − (b + 1) u + u² v``, ``G = b u − u² v``.

    Homogeneous steady state ``(a, b/a)``; Hopf at ``b = 1 + a²``; Turing instability for
    ``b > (1 + a √(d_u/d_v))²`` with critical wavenumber ``k_c² = a / √(d_u d_v)``.
    """

    a: float = 2.0
    b: float = 3.2
    d_u: float = 1.0
    d_v: float = 8.0

    def __post_init__(self) -> None:
        check_positive("Brusselator", "a", self.a)
        for name in ("b", "d_u", "d_v"):
            check_nonnegative("Brusselator", name, getattr(self, name))

    def reaction(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(F, G)`` at concentrations ``u``, ``v`` (same shape)."""
        uuv = u * u * v
        return self.a - (self.b + 1.0) * u + uuv, self.b * u - uuv

    def steady_state(self) -> tuple[float, float]:
        """The homogeneous steady state ``(a, b / a)``."""
        return self.a, self.b / self.a

    def jacobian(self, u: float, v: float) -> np.ndarray:
        """``∂(F, G)/∂(u, v)``, shape (2, 2)."""
        return np.array([[-(self.b + 1.0) + 2 * u * v, u * u], [self.b - 2 * u * v, -u * u]])


Kinetics = GrayScott | Brusselator


@dataclass(frozen=True)
class TuringAnalysis:
    """Linear stability of the homogeneous steady state.

    Parameters
    ----------
    steady_state : tuple of float
        ``(u*, v*)``.
    wavenumbers : numpy.ndarray, shape (n_k,)
        ``k`` (rad per unit length), starting at 0.
    growth : numpy.ndarray, shape (n_k,)
        ``σ(k)``: largest real part of the eigenvalues of ``J − k² D`` (1/time).
    turing_unstable : bool
        ``σ(0) < 0`` and ``σ(k) > 0`` for some ``k > 0``.
    k_max : float
        Wavenumber of the largest growth rate.
    """

    steady_state: tuple[float, float]
    wavenumbers: np.ndarray
    growth: np.ndarray
    turing_unstable: bool
    k_max: float

    @property
    def wavelength(self) -> float:
        """Fastest-growing wavelength ``2π / k_max`` (inf when ``k_max = 0``)."""
        return float(2 * np.pi / self.k_max) if self.k_max > 0 else float("inf")


def turing_analysis(kinetics: Kinetics, k_max: float = 10.0, n_k: int = 4001) -> TuringAnalysis:
    """Dispersion relation of ``kinetics`` about its homogeneous steady state.

    Parameters
    ----------
    kinetics : GrayScott or Brusselator
        The model.
    k_max : float
        Largest wavenumber examined (rad per unit length).
    n_k : int
        Number of wavenumbers in ``[0, k_max]``.
    """
    check_positive("turing_analysis", "k_max", k_max)
    u0, v0 = kinetics.steady_state()
    jac = kinetics.jacobian(u0, v0)
    ks = np.linspace(0.0, k_max, n_k)
    mats = jac[None] - (ks**2)[:, None, None] * np.diag([kinetics.d_u, kinetics.d_v])[None]
    growth = np.linalg.eigvals(mats).real.max(axis=1)
    unstable = bool(growth[0] < 0 and np.any(growth[1:] > 0))
    return TuringAnalysis((u0, v0), ks, growth, unstable, float(ks[int(np.argmax(growth))]))


@dataclass(frozen=True)
class RDTrajectory:
    """Snapshots of both species: ``u``, ``v`` of shape (n_samples, n[, n]) at ``times``."""

    times: np.ndarray
    u: np.ndarray
    v: np.ndarray


@dataclass(frozen=True, eq=False)
class ReactionDiffusion:
    """A two-species reaction–diffusion system on a periodic grid of side ``length``.

    Parameters
    ----------
    kinetics : GrayScott or Brusselator
        Reaction terms and diffusion coefficients.
    length : float
        Side of the periodic domain.
    n_points : int
        Grid points per dimension.
    ndim : int
        1 or 2.
    bound : float
        ``|u|`` or ``|v|`` above this is reported as divergence.
    """

    kinetics: Kinetics
    length: float
    n_points: int
    ndim: int = 1
    bound: float = 1e6

    def __post_init__(self) -> None:
        check_positive("ReactionDiffusion", "length", self.length)
        if self.ndim not in (1, 2):
            raise ModelError(f"ReactionDiffusion: ndim must be 1 or 2, got {self.ndim}")
        if not isinstance(self.n_points, int | np.integer) or self.n_points < 4:
            raise ModelError(
                f"ReactionDiffusion: n_points must be an integer >= 4, got {self.n_points!r}"
            )

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one species' field."""
        return (self.n_points,) * self.ndim

    def _k2(self) -> np.ndarray:
        k = 2 * np.pi * np.fft.fftfreq(self.n_points, d=self.length / self.n_points)
        kr = 2 * np.pi * np.fft.rfftfreq(self.n_points, d=self.length / self.n_points)
        axes = [k] * (self.ndim - 1) + [kr]
        grids = np.meshgrid(*axes, indexing="ij", sparse=True)
        return sum(g * g for g in grids)

    def simulate(
        self, u0: ArrayLike, v0: ArrayLike, t_span: float, dt: float, record_every: int = 1
    ) -> RDTrajectory:
        """Integrate from ``(u0, v0)`` for ``t_span`` in steps ``dt`` (the kinetics' time unit).

        Raises
        ------
        IntegrationError
            A concentration became NaN or exceeded ``bound`` (the step is too large for the
            reaction): names the step, time, species and grid point.
        """
        owner = "ReactionDiffusion.simulate"
        u, v = self._field("u0", u0), self._field("v0", v0)
        check_positive(owner, "t_span", t_span)
        check_positive(owner, "dt", dt)
        if record_every < 1:
            raise ModelError(f"{owner}: record_every must be >= 1, got {record_every}")
        n_steps = round(t_span / dt)
        if n_steps < 1:
            raise ModelError(f"{owner}: t_span {t_span} is shorter than dt {dt}")
        k2 = self._k2()
        props = []
        for d in (self.kinetics.d_u, self.kinetics.d_v):
            z = d * k2 * dt
            e = np.exp(-z)
            with np.errstate(divide="ignore", invalid="ignore"):
                phi = np.where(z > 1e-12, (1.0 - e) / np.where(z > 1e-12, z, 1.0), 1.0 - 0.5 * z)
            props.append((e, phi * dt))
        times, us, vs = [0.0], [u.copy()], [v.copy()]
        for step in range(n_steps):
            f, g = self.kinetics.reaction(u, v)
            new = []
            for c, r, (e, p) in ((u, f, props[0]), (v, g, props[1])):
                spec = e * np.fft.rfftn(c) + p * np.fft.rfftn(r)
                new.append(np.fft.irfftn(spec, s=self.shape, axes=tuple(range(self.ndim))))
            u, v = new
            for name, c in (("u", u), ("v", v)):
                self._check(c, name, step, (step + 1) * dt, dt)
            if (step + 1) % record_every == 0 or step == n_steps - 1:
                times.append((step + 1) * dt)
                us.append(u.copy())
                vs.append(v.copy())
        return RDTrajectory(np.array(times), np.array(us), np.array(vs))

    def _field(self, name: str, value: ArrayLike) -> np.ndarray:
        arr = as_float_array("ReactionDiffusion", name, value)
        if arr.ndim == 0:
            return np.full(self.shape, float(arr))
        if arr.shape != self.shape:
            raise ModelError(
                f"ReactionDiffusion: {name} must have shape {self.shape}, got {arr.shape}"
            )
        return arr

    def _check(self, y: np.ndarray, name: str, step: int, time: float, dt: float) -> None:
        bad = ~(np.abs(y) <= self.bound)
        if not bad.any():
            return
        flat = int(np.flatnonzero(bad)[0])
        where = tuple(int(i) for i in np.unravel_index(flat, self.shape))
        value = float(y[where])
        raise IntegrationError(
            f"ReactionDiffusion: {name} at grid point {where} became {value:.6g} (bound "
            f"±{self.bound:g}) at step {step} (t = {time:.6g}, dt = {dt:g}); reduce dt",
            step=step,
            time=time,
            variable=name,
            unit=flat,
            value=value,
        )


def dominant_wavelength(field: ArrayLike, length: float) -> float:
    """Wavelength ``L / m`` of the strongest non-constant Fourier mode of a periodic 1-D field.

    Parameters
    ----------
    field : array_like, shape (n,)
        One snapshot.
    length : float
        Domain length ``L``.

    Returns
    -------
    float
        The wavelength (same unit as ``length``); inf for a constant field.
    """
    arr = as_float_array("dominant_wavelength", "field", field, ndim=1)
    check_positive("dominant_wavelength", "length", length)
    power = np.abs(np.fft.rfft(arr - arr.mean())) ** 2
    if power[1:].max() <= 1e-24 * arr.size:
        return float("inf")
    return float(length / (1 + int(np.argmax(power[1:]))))
