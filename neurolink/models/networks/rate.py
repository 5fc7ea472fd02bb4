"""Firing-rate networks ``τ dr/dt = −r + f(W r + I)``: feedforward, recurrent, winner-take-all.

Each unit ``i`` has a rate ``r_i`` (Hz, or dimensionless), a time constant ``τ_i`` (ms) and
receives ``Σ_j W[i, j] r_j`` from the others plus an external input ``I_i``, passed through a
transfer function ``f`` (:class:`Transfer`). Integration is exponential Euler with the input to
``f`` frozen over a step, ``r ← f + (r − f) e^{−dt/τ}``, which is exact for a constant input and
stable for any ``dt``; a network that blows up (a recurrent gain above one with a linear ``f``)
is reported at the step and unit where it left the bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import ModelError, as_float_array, check_positive
from neurolink.models.integrators import IntegrationError

__all__ = ["RateNetwork", "RateTrajectory", "Transfer"]


class Transfer(Enum):
    """Transfer function ``f(x)`` of a rate unit (``g`` = gain, ``θ`` = threshold).

    ``LINEAR``: ``g (x − θ)``; ``RELU``: ``g [x − θ]₊``; ``SIGMOID``: ``1 / (1 + e^{−g(x−θ)})``;
    ``TANH``: ``tanh(g (x − θ))``.
    """

    LINEAR = "linear"
    RELU = "relu"
    SIGMOID = "sigmoid"
    TANH = "tanh"

    def __call__(self, x: np.ndarray, gain: float = 1.0, threshold: float = 0.0) -> np.ndarray:
        """Apply the function elementwise to ``x`` (any shape)."""
        z = gain * (np.asarray(x, dtype=np.float64) - threshold)
        if self is Transfer.LINEAR:
            return z
        if self is Transfer.RELU:
            return np.maximum(z, 0.0)
        if self is Transfer.SIGMOID:
            return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1/(1+e^{-z}) without overflow
        return np.tanh(z)

    def derivative(self, x: np.ndarray, gain: float = 1.0, threshold: float = 0.0) -> np.ndarray:
        """``f'(x)`` elementwise (the Heaviside step for ``RELU``, 0 at the kink)."""
        z = gain * (np.asarray(x, dtype=np.float64) - threshold)
        if self is Transfer.LINEAR:
            return np.full_like(z, gain)
        if self is Transfer.RELU:
            return np.where(z > 0, gain, 0.0)
        if self is Transfer.SIGMOID:
            s = 0.5 * (1.0 + np.tanh(0.5 * z))
            return gain * s * (1.0 - s)
        return gain * (1.0 - np.tanh(z) ** 2)


@dataclass(frozen=True)
class RateTrajectory:
    """Sampled rates of a :class:`RateNetwork`.

    Parameters
    ----------
    times : numpy.ndarray, shape (n_samples,)
        Sample times (ms); ``times[0]`` is the initial state.
    rates : numpy.ndarray, shape (n_samples, n_units)
        Rates at those times.
    """

    times: np.ndarray
    rates: np.ndarray

    @property
    def final(self) -> np.ndarray:
        """The last sampled rates, shape (n_units,)."""
        return self.rates[-1]


@dataclass(frozen=True, eq=False)
class RateNetwork:
    """A network of rate units ``τ dr/dt = −r + f(W r + I)``.

    Parameters
    ----------
    weights : array_like, shape (n_units, n_units)
        ``weights[post, pre]``: effect of the presynaptic rate on the postsynaptic input.
    tau : float or array_like, shape (n_units,)
        Time constants (ms), > 0.
    transfer : Transfer or str
        Transfer function (default linear).
    gain, threshold : float
        Parameters of the transfer function (see :class:`Transfer`).
    bound : float
        A rate with ``|r| > bound`` is reported as divergence.
    """

    weights: np.ndarray
    tau: np.ndarray | float = 10.0
    transfer: Transfer | str = Transfer.LINEAR
    gain: float = 1.0
    threshold: float = 0.0
    bound: float = 1e9

    def __post_init__(self) -> None:
        w = as_float_array("RateNetwork", "weights", self.weights, ndim=2)
        if w.shape[0] != w.shape[1]:
            raise ModelError(f"RateNetwork: weights must be square (post, pre), got {w.shape}")
        tau = as_float_array("RateNetwork", "tau", self.tau)
        if tau.ndim == 0:
            tau = np.full(w.shape[0], float(tau))
        if tau.shape != (w.shape[0],):
            raise ModelError(
                f"RateNetwork: tau must be a scalar or shape ({w.shape[0]},), got {tau.shape}"
            )
        if np.any(tau <= 0):
            bad = int(np.flatnonzero(tau <= 0)[0])
            raise ModelError(f"RateNetwork: tau must be > 0 ms, got {tau[bad]} for unit {bad}")
        try:
            transfer = Transfer(self.transfer)
        except ValueError:
            names = [t.value for t in Transfer]
            raise ModelError(
                f"RateNetwork: unknown transfer {self.transfer!r} (expected one of {names})"
            ) from None
        check_positive("RateNetwork", "bound", self.bound)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "tau", tau)
        object.__setattr__(self, "transfer", transfer)

    @property
    def n_units(self) -> int:
        """Number of units."""
        return self.weights.shape[0]

    # --- constructors -----------------------------------------------------------------------
    @classmethod
    def feedforward(
        cls, layer_weights: Sequence[ArrayLike], tau: float = 10.0, **kwargs: object
    ) -> RateNetwork:
        """A layered network: layer ``k+1`` receives ``layer_weights[k] @ r_k``.

        Parameters
        ----------
        layer_weights : sequence of array_like, shapes (n_{k+1}, n_k)
            Weights between consecutive layers. Units are numbered layer by layer.
        tau : float
            Time constant of every unit (ms).
        **kwargs
            ``transfer``, ``gain``, ``threshold``, ``bound`` as for :class:`RateNetwork`.
        """
        mats = [
            as_float_array("feedforward", f"layer_weights[{k}]", w, ndim=2)
            for k, w in enumerate(layer_weights)
        ]
        if not mats:
            raise ModelError("feedforward: need at least one weight matrix")
        for k in range(1, len(mats)):
            if mats[k].shape[1] != mats[k - 1].shape[0]:
                raise ModelError(
                    f"feedforward: layer_weights[{k}] has {mats[k].shape[1]} inputs but layer "
                    f"{k} has {mats[k - 1].shape[0]} units"
                )
        sizes = [mats[0].shape[1]] + [m.shape[0] for m in mats]
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        w = np.zeros((offsets[-1], offsets[-1]))
        for k, m in enumerate(mats):
            w[offsets[k + 1] : offsets[k + 2], offsets[k] : offsets[k + 1]] = m
        return cls(w, tau, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def winner_take_all(
        cls,
        n_units: int,
        self_excitation: float = 0.5,
        inhibition: float = 2.0,
        tau: float = 10.0,
    ) -> RateNetwork:
        """Rectified-linear units with self-excitation ``α`` and global inhibition ``β``.

        ``W = α I − β (1 − I)``. With ``α < 1`` and ``β (1 − α)⁻¹ I_max > I_j`` for every loser
        ``j``, the only stable state has the unit with the largest input at
        ``I_max / (1 − α)`` and all others at 0.
        """
        if n_units < 2:
            raise ModelError(f"winner_take_all: need at least 2 units, got {n_units}")
        if not 0 <= self_excitation < 1:
            raise ModelError(
                f"winner_take_all: self_excitation must be in [0, 1), got {self_excitation}"
            )
        if inhibition <= 0:
            raise ModelError(f"winner_take_all: inhibition must be > 0, got {inhibition}")
        w = np.full((n_units, n_units), -float(inhibition))
        np.fill_diagonal(w, float(self_excitation))
        return cls(w, tau, transfer=Transfer.RELU)

    # --- maths ------------------------------------------------------------------------------
    def derivatives(self, r: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """``dr/dt`` (rate per ms) at rates ``r`` (n_units,) and inputs (n_units,)."""
        return (self._f(self.weights @ r + inputs) - r) / self.tau

    def jacobian(self, r: ArrayLike, inputs: ArrayLike) -> np.ndarray:
        """``∂(dr/dt)/∂r``, shape (n_units, n_units) (1/ms), at rates ``r`` and ``inputs``."""
        r = self._vector("r", r)
        x = self.weights @ r + self._vector("inputs", inputs)
        fp = self.transfer.derivative(x, self.gain, self.threshold)
        return (fp[:, None] * self.weights - np.eye(self.n_units)) / self.tau[:, None]

    def linear_steady_state(self, inputs: ArrayLike) -> np.ndarray:
        """Fixed point of the linear network, ``r* = (1 − g W)⁻¹ g (I − θ)``.

        Raises :class:`ModelError` for a non-linear transfer, or when the fixed point is unstable
        (an eigenvalue of ``g W`` with real part ≥ 1), since the dynamics never reach it then.
        """
        if self.transfer is not Transfer.LINEAR:
            raise ModelError(f"linear_steady_state needs a linear transfer, got {self.transfer}")
        inp = self._vector("inputs", inputs)
        gw = self.gain * self.weights
        top = float(np.max(np.linalg.eigvals(gw).real))
        if top >= 1.0:
            raise ModelError(
                f"linear_steady_state: the fixed point is unstable (largest real part of the "
                f"eigenvalues of gain·W is {top:.4g} >= 1)"
            )
        return np.linalg.solve(np.eye(self.n_units) - gw, self.gain * (inp - self.threshold))

    def simulate(
        self, r0: ArrayLike, inputs: ArrayLike, t_span: float, dt: float, record_every: int = 1
    ) -> RateTrajectory:
        """Integrate from ``r0`` for ``t_span`` ms in steps of ``dt`` ms.

        Parameters
        ----------
        r0 : array_like, shape (n_units,)
            Initial rates.
        inputs : array_like, shape (n_units,) or (n_steps, n_units)
            External input, constant or one row per step (``n_steps = round(t_span / dt)``).
        t_span, dt : float
            Duration and step (ms), > 0.
        record_every : int
            Keep every ``record_every``-th step (the initial state is always kept).

        Returns
        -------
        RateTrajectory

        Raises
        ------
        IntegrationError
            A rate became NaN or exceeded ``bound``: names the step, the time and the unit.
        """
        r = self._vector("r0", r0)
        check_positive("RateNetwork.simulate", "t_span", t_span, "ms")
        check_positive("RateNetwork.simulate", "dt", dt, "ms")
        if record_every < 1:
            raise ModelError(f"RateNetwork.simulate: record_every must be >= 1, got {record_every}")
        n_steps = round(t_span / dt)
        if n_steps < 1:
            raise ModelError(f"RateNetwork.simulate: t_span {t_span} ms is shorter than dt {dt}")
        inp = as_float_array("RateNetwork.simulate", "inputs", inputs)
        if inp.shape not in ((self.n_units,), (n_steps, self.n_units)):
            raise ModelError(
                f"RateNetwork.simulate: inputs must have shape ({self.n_units},) or "
                f"({n_steps}, {self.n_units}), got {inp.shape}"
            )
        decay = np.exp(-dt / self.tau)
        times, rows = [0.0], [r.copy()]
        for step in range(n_steps):
            i_now = inp if inp.ndim == 1 else inp[step]
            target = self._f(self.weights @ r + i_now)
            r = target + (r - target) * decay
            bad = ~(np.abs(r) <= self.bound)
            if bad.any():
                self._diverged(step, (step + 1) * dt, int(np.flatnonzero(bad)[0]), r, dt)
            if (step + 1) % record_every == 0 or step == n_steps - 1:
                times.append((step + 1) * dt)
                rows.append(r.copy())
        return RateTrajectory(np.array(times), np.array(rows))

    # --- helpers ----------------------------------------------------------------------------
    def _f(self, x: np.ndarray) -> np.ndarray:
        return self.transfer(x, self.gain, self.threshold)

    def _vector(self, name: str, value: ArrayLike) -> np.ndarray:
        arr = as_float_array("RateNetwork", name, value)
        if arr.shape != (self.n_units,):
            raise ModelError(
                f"RateNetwork: {name} must have shape ({self.n_units},), got {arr.shape}"
            )
        return arr

    def _diverged(self, step: int, time: float, unit: int, r: np.ndarray, dt: float) -> None:
        value = float(r[unit])
        what = "became NaN" if np.isnan(value) else f"diverged to {value:.6g}"
        raise IntegrationError(
            f"RateNetwork: rate r[{unit}] {what} at step {step} (t = {time:.6g} ms, dt = {dt:g} "
            f"ms); the network is unstable (recurrent gain too high for a {self.transfer.value} "
            f"transfer, bound ±{self.bound:g})",
            step=step,
            time=time,
            variable="r",
            unit=unit,
            value=value,
        )
