"""Amari neural fields on periodic 1-D and 2-D domains, with FFT convolution.

``τ ∂u/∂t = −u + ∫ w(x − y) f(u(y, t)) dy + h + I(x, t) − a(x, t)``, with an optional linear
adaptation ``τ_a ∂a/∂t = −a + g u`` (``g = 0`` by default: the classic field). ``f`` is the
Heaviside step ``H(u − θ)`` or a sigmoid ``1 / (1 + e^{−β(u−θ)})``.

The domain ``[−L/2, L/2)`` (per dimension) is sampled at ``n`` points with spacing
``dx = L / n``; the convolution is the circular one, ``dx^d · ifft(fft(w) · fft(f(u)))``, so the
kernel must decay within ``L/2``. Integration is exponential Euler with the convolution frozen
over a step: ``u ← S + (u − S) e^{−dt/τ}``, exact for a constant ``S``.

Typical uses: stationary bumps (Mexican-hat or lateral-inhibition ``w``, Heaviside ``f``,
``h < 0``; Amari 1977: width ``a`` solves ``W(a) + h = θ`` with ``W(a) = ∫₀ᵃ w``), travelling
fronts (purely excitatory ``w``) and travelling pulses (with adaptation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import (
    ModelError,
    as_float_array,
    check_finite,
    check_nonnegative,
    check_positive,
)
from neurolink.models.integrators import IntegrationError

__all__ = [
    "AmariField",
    "FieldTrajectory",
    "Firing",
    "active_width",
    "difference_of_gaussians",
    "exponential_kernel",
]

#: Kernel: displacement arrays (one per dimension, broadcastable) → weight density.
Kernel = Callable[..., np.ndarray]


class Firing(Enum):
    """Firing-rate function ``f`` of the field."""

    HEAVISIDE = "heaviside"  # H(u − θ): 1 where u > θ
    SIGMOID = "sigmoid"  # 1 / (1 + e^{−β (u − θ)})


def difference_of_gaussians(
    a_exc: float, s_exc: float, a_inh: float, s_inh: float, ndim: int = 1
) -> Kernel:
    """Mexican hat ``a_exc e^{−r²/2s_exc²} − a_inh e^{−r²/2s_inh²}`` (``r`` = distance)."""
    for name, s in (("s_exc", s_exc), ("s_inh", s_inh)):
        check_positive("difference_of_gaussians", name, s)

    def w(*xs: np.ndarray) -> np.ndarray:
        _check_ndim(xs, ndim)
        r2 = sum(x * x for x in xs)
        return a_exc * np.exp(-r2 / (2 * s_exc**2)) - a_inh * np.exp(-r2 / (2 * s_inh**2))

    return w


def exponential_kernel(amplitude: float, scale: float, ndim: int = 1) -> Kernel:
    """``amplitude / (2 scale) · e^{−r/scale}`` (unit integral in 1-D when amplitude = 1)."""
    check_positive("exponential_kernel", "scale", scale)

    def w(*xs: np.ndarray) -> np.ndarray:
        _check_ndim(xs, ndim)
        r = np.sqrt(sum(x * x for x in xs))
        return amplitude / (2 * scale) * np.exp(-r / scale)

    return w


@dataclass(frozen=True)
class FieldTrajectory:
    """Snapshots of a field.

    Parameters
    ----------
    times : numpy.ndarray, shape (n_samples,)
        Sample times (ms); the first is the initial state.
    u : numpy.ndarray, shape (n_samples, n) or (n_samples, n, n)
        Field activity at those times.
    x : numpy.ndarray, shape (n,)
        Grid coordinates along each dimension.
    """

    times: np.ndarray
    u: np.ndarray
    x: np.ndarray

    @property
    def final(self) -> np.ndarray:
        """The last snapshot, shape (n,) or (n, n)."""
        return self.u[-1]


@dataclass(frozen=True, eq=False)
class AmariField:
    """A neural field ``τ ∂u/∂t = −u + w ⊛ f(u) + h + I − a`` on a periodic grid.

    Parameters
    ----------
    kernel : callable
        ``kernel(dx1[, dx2]) -> w``: the connectivity as a function of displacement (one array
        per dimension, broadcast against each other), weight per unit length (area).
    length : float
        Side ``L`` of the periodic domain (same unit as the kernel's argument).
    n_points : int
        Grid points per dimension (even numbers are fastest).
    ndim : int
        1 or 2.
    tau : float
        Time constant (ms), > 0.
    h : float
        Resting level.
    firing : Firing or str
        ``"heaviside"`` (default) or ``"sigmoid"``.
    threshold, beta : float
        ``θ`` of ``f`` and the sigmoid's slope ``β`` (> 0).
    adaptation : float
        Adaptation strength ``g`` (>= 0; 0 = none).
    tau_a : float
        Adaptation time constant (ms), > 0.
    bound : float
        ``|u| > bound`` is reported as divergence.
    """

    kernel: Kernel
    length: float
    n_points: int
    ndim: int = 1
    tau: float = 1.0
    h: float = 0.0
    firing: Firing | str = Firing.HEAVISIDE
    threshold: float = 0.0
    beta: float = 10.0
    adaptation: float = 0.0
    tau_a: float = 10.0
    bound: float = 1e6

    def __post_init__(self) -> None:
        owner = "AmariField"
        check_positive(owner, "length", self.length)
        check_positive(owner, "tau", self.tau, "ms")
        check_positive(owner, "tau_a", self.tau_a, "ms")
        check_positive(owner, "beta", self.beta)
        check_nonnegative(owner, "adaptation", self.adaptation)
        check_finite(owner, "h", self.h)
        check_finite(owner, "threshold", self.threshold)
        if self.ndim not in (1, 2):
            raise ModelError(f"{owner}: ndim must be 1 or 2, got {self.ndim}")
        if not isinstance(self.n_points, int | np.integer) or self.n_points < 4:
            raise ModelError(f"{owner}: n_points must be an integer >= 4, got {self.n_points!r}")
        try:
            object.__setattr__(self, "firing", Firing(self.firing))
        except ValueError:
            raise ModelError(
                f"{owner}: firing must be one of {[f.value for f in Firing]}, got {self.firing!r}"
            ) from None
        disp = self.dx * (np.fft.fftfreq(self.n_points) * self.n_points)  # 0, dx, …, −dx
        grids = np.meshgrid(*([disp] * self.ndim), indexing="ij", sparse=True)
        w = np.broadcast_to(np.asarray(self.kernel(*grids), dtype=np.float64), self.shape)
        if not np.all(np.isfinite(w)):
            raise ModelError(f"{owner}: the kernel returned NaN or infinite values")
        object.__setattr__(self, "_w_hat", np.fft.rfftn(w) * self.dx**self.ndim)

    @property
    def dx(self) -> float:
        """Grid spacing ``L / n``."""
        return self.length / self.n_points

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of a field snapshot: ``(n,)`` or ``(n, n)``."""
        return (self.n_points,) * self.ndim

    @property
    def _axes(self) -> tuple[int, ...]:
        return tuple(range(self.ndim))

    @property
    def x(self) -> np.ndarray:
        """Grid coordinates along one dimension, ``−L/2 + k dx``, shape (n,)."""
        return -0.5 * self.length + self.dx * np.arange(self.n_points)

    def rate(self, u: np.ndarray) -> np.ndarray:
        """``f(u)`` elementwise."""
        if self.firing is Firing.HEAVISIDE:
            return (u > self.threshold).astype(np.float64)
        return 0.5 * (1.0 + np.tanh(0.5 * self.beta * (u - self.threshold)))

    def convolve(self, rate: np.ndarray) -> np.ndarray:
        """``∫ w(x − y) rate(y) dy`` on the periodic grid, same shape as ``rate``."""
        return np.fft.irfftn(self._w_hat * np.fft.rfftn(rate), s=self.shape, axes=self._axes)

    def simulate(
        self,
        u0: ArrayLike,
        t_span: float,
        dt: float,
        inputs: Callable[[float], ArrayLike] | ArrayLike | None = None,
        record_every: int = 1,
        a0: ArrayLike | None = None,
    ) -> FieldTrajectory:
        """Integrate from ``u0`` for ``t_span`` ms in steps of ``dt`` ms.

        Parameters
        ----------
        u0 : array_like, shape (n,) or (n, n)
            Initial field.
        t_span, dt : float
            Duration and step (ms), > 0.
        inputs : callable, array_like or None
            External input ``I``: a constant field, or ``inputs(t) -> field`` (t in ms).
        record_every : int
            Keep every ``record_every``-th step (the initial state is always kept).
        a0 : array_like or None
            Initial adaptation (zeros by default).

        Raises
        ------
        IntegrationError
            ``u`` or ``a`` became NaN or exceeded ``bound``: names the step, time, grid point.
        """
        owner = "AmariField.simulate"
        u = self._field("u0", u0)
        a = np.zeros(self.shape) if a0 is None else self._field("a0", a0)
        check_positive(owner, "t_span", t_span, "ms")
        check_positive(owner, "dt", dt, "ms")
        if record_every < 1:
            raise ModelError(f"{owner}: record_every must be >= 1, got {record_every}")
        n_steps = round(t_span / dt)
        if n_steps < 1:
            raise ModelError(f"{owner}: t_span {t_span} ms is shorter than dt {dt} ms")
        const_input = (
            None
            if callable(inputs)
            else (np.zeros(self.shape) if inputs is None else self._field("inputs", inputs))
        )
        decay, decay_a = np.exp(-dt / self.tau), np.exp(-dt / self.tau_a)
        times, snaps = [0.0], [u.copy()]
        for step in range(n_steps):
            t = step * dt
            ext = const_input if const_input is not None else self._field("inputs(t)", inputs(t))
            drive = self.convolve(self.rate(u)) + self.h + ext - a
            if self.adaptation > 0:
                a_target = self.adaptation * u
                a = a_target + (a - a_target) * decay_a
            u = drive + (u - drive) * decay
            self._check(u, "u", step, t + dt, dt)
            self._check(a, "a", step, t + dt, dt)
            if (step + 1) % record_every == 0 or step == n_steps - 1:
                times.append(t + dt)
                snaps.append(u.copy())
        return FieldTrajectory(np.array(times), np.array(snaps), self.x)

    def _field(self, name: str, value: ArrayLike) -> np.ndarray:
        arr = as_float_array("AmariField", name, value)
        if arr.ndim == 0:
            return np.full(self.shape, float(arr))
        if arr.shape != self.shape:
            raise ModelError(f"AmariField: {name} must have shape {self.shape}, got {arr.shape}")
        return arr

    def _check(self, y: np.ndarray, name: str, step: int, time: float, dt: float) -> None:
        bad = ~(np.abs(y) <= self.bound)
        if not bad.any():
            return
        flat = int(np.flatnonzero(bad)[0])
        where = np.unravel_index(flat, self.shape)
        value = float(y[where])
        raise IntegrationError(
            f"AmariField: {name} at grid point {tuple(int(i) for i in where)} became {value:.6g} "
            f"(bound ±{self.bound:g}) at step {step} (t = {time:.6g} ms, dt = {dt:g} ms)",
            step=step,
            time=time,
            variable=name,
            unit=flat,
            value=value,
        )


def active_width(u: ArrayLike, dx: float, threshold: float = 0.0) -> float:
    """Total length of ``{x : u(x) > threshold}`` of a periodic 1-D field.

    Each threshold crossing is located by linear interpolation between grid points, so the
    width of a smooth bump is accurate to ``O(dx²)``.

    Parameters
    ----------
    u : array_like, shape (n,)
        Field on a periodic grid of spacing ``dx``.
    dx : float
        Grid spacing (> 0).
    threshold : float
        Level defining "active".
    """
    arr = as_float_array("active_width", "u", u, ndim=1)
    check_positive("active_width", "dx", dx)
    above = arr > threshold
    if above.all() or not above.any():
        return float(above.all()) * arr.size * dx
    nxt = np.roll(arr, -1)
    width = 0.0
    # Points above contribute dx each; each crossing corrects by the interpolated fraction.
    width += above.sum() * dx
    for k in np.flatnonzero(above != np.roll(above, -1)):
        frac = (threshold - arr[k]) / (nxt[k] - arr[k])  # crossing at x_k + frac·dx
        width += (frac - 0.5) * dx if above[k] else (0.5 - frac) * dx
    return float(width)


def _check_ndim(xs: tuple[np.ndarray, ...], ndim: int) -> None:
    if len(xs) != ndim:
        raise ModelError(f"kernel built for {ndim}-D called with {len(xs)} coordinates")
