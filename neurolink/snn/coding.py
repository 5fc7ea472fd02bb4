"""Spike encoders and decoders: nodes with explicit state and ``step()`` (no I/O).

Encoders turn values into boolean spikes for a network's input port; decoders turn spikes back
into values. Every node declares its ports (``inputs``/``outputs``), has ``reset()`` and a
``step()`` that a test can drive directly.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["ExponentialDecoder", "RateEncoder", "RateWindowDecoder", "SigmaDeltaEncoder"]

_U64 = np.uint64


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64 output function on uint64 arrays (wraps modulo 2**64 by design)."""
    z = z + _U64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
    return z ^ (z >> _U64(31))


def _vector(x: ArrayLike, n: int, who: str) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(x, dtype=np.float64), (n,))
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{who}: input must be finite")
    return arr


class RateEncoder:
    """Bernoulli rate encoder, reproducible from its seed with integer arithmetic only.

    The spike of channel i at step t is ``draw(seed, t, i) < round(p_i · 2**32)`` with
    ``p_i = rate_i · dt_ms / 1000`` and ``draw`` the top 32 bits of a counter-based hash
    (SplitMix64 of seed, step and channel). The same (seed, t, i) always gives the same spike,
    whatever was asked before, on every platform.

    Parameters
    ----------
    n : int
        Number of channels (axons).
    dt_ms : float
        Step in milliseconds.
    seed : int
        Seed, 0..2**64 − 1.
    """

    inputs: ClassVar[tuple[str, ...]] = ("rates",)  # Hz, shape (n,)
    outputs: ClassVar[tuple[str, ...]] = ("spikes",)  # bool, shape (n,)

    def __init__(self, n: int, dt_ms: float = 1.0, seed: int = 0) -> None:
        if n < 1 or dt_ms <= 0:
            raise ValueError(f"RateEncoder needs n ≥ 1 and dt_ms > 0, got {n}, {dt_ms}")
        self.n, self.dt_ms, self.seed = int(n), float(dt_ms), int(seed)
        self._key = _splitmix64(np.array([self.seed % 2**64], dtype=_U64))[0]
        self._channels = np.arange(self.n, dtype=_U64)
        self.t = 0

    def reset(self) -> None:
        """Back to step 0 (the same spikes again)."""
        self.t = 0

    def thresholds(self, rates_hz: ArrayLike) -> np.ndarray:
        """Integer thresholds ``round(p · 2**32)`` (uint64, shape (n,)), p clipped to 0..1."""
        p = np.clip(_vector(rates_hz, self.n, "RateEncoder") * self.dt_ms * 1e-3, 0.0, 1.0)
        return np.round(p * 2.0**32).astype(_U64)

    def _draws(self, steps: np.ndarray) -> np.ndarray:
        """32-bit draws, uint64, shape (len(steps), n)."""
        z = _splitmix64(self._key + steps.astype(_U64)[:, None] * _U64(self.n) + self._channels)
        return _splitmix64(z) >> _U64(32)

    def step(self, rates_hz: ArrayLike) -> np.ndarray:
        """Spikes of this step, bool (n,), for rates in Hz (scalar or shape (n,))."""
        out = self._draws(np.array([self.t]))[0] < self.thresholds(rates_hz)
        self.t += 1
        return out

    def encode(self, rates_hz: ArrayLike, T: int) -> np.ndarray:
        """``T`` steps at constant rates: the same spikes as ``step`` called T times.

        Returns
        -------
        numpy.ndarray, bool, shape (T, n)
        """
        steps = np.arange(self.t, self.t + int(T))
        self.t += int(T)
        return self._draws(steps) < self.thresholds(rates_hz)[None, :]


class SigmaDeltaEncoder:
    """Deterministic first-order sigma-delta encoder (integrate and fire with subtraction).

    Each value is taken as a fraction of ``threshold`` in Q16 fixed point,
    ``level = round(x / threshold · 2**16)``, clipped to ±2**16 (at most one spike per step).
    An integer accumulator adds ``level`` each step; when it reaches +2**16 a positive spike is
    sent and 2**16 subtracted (symmetrically for negative values). From reset, a constant
    level gives exactly ``floor(K · level / 2**16)`` spikes in K steps.

    Parameters
    ----------
    n : int
        Number of values.
    threshold : float
        Value that gives one spike per step.
    signed : bool
        If True, outputs 2n channels: positive spikes of each value, then negative ones.
    """

    inputs: ClassVar[tuple[str, ...]] = ("x",)  # shape (n,)
    outputs: ClassVar[tuple[str, ...]] = ("spikes",)  # bool, shape (n,) or (2n,) if signed
    ONE = 1 << 16  # Q16 unit: the accumulator value of one spike

    def __init__(self, n: int, threshold: float = 1.0, signed: bool = False) -> None:
        if n < 1 or threshold <= 0:
            raise ValueError(f"SigmaDeltaEncoder needs n ≥ 1, threshold > 0; got {n}, {threshold}")
        self.n, self.threshold, self.signed = int(n), float(threshold), bool(signed)
        self.acc = np.zeros(self.n, dtype=np.int64)

    def reset(self) -> None:
        self.acc[:] = 0

    def level(self, x: ArrayLike) -> np.ndarray:
        """Q16 levels (int64, shape (n,)) of values ``x``."""
        q = np.round(_vector(x, self.n, "SigmaDeltaEncoder") / self.threshold * self.ONE)
        lo = -self.ONE if self.signed else 0
        return np.clip(q, lo, self.ONE).astype(np.int64)

    def step(self, x: ArrayLike) -> np.ndarray:
        """Spikes of this step: bool, shape (n,) or (2n,) when signed."""
        self.acc += self.level(x)
        pos = self.acc >= self.ONE
        neg = self.acc <= -self.ONE
        self.acc -= pos * self.ONE
        self.acc += neg * self.ONE
        return np.concatenate([pos, neg]) if self.signed else pos


class RateWindowDecoder:
    """Mean spike count over the last ``window`` steps, times ``gain``.

    ``gain = 1000 / dt_ms`` gives Hz; ``gain = threshold`` recovers a sigma-delta value.
    Before ``window`` steps have passed, the mean is over the steps seen so far.

    Parameters
    ----------
    n : int
    window : int
        Steps in the window.
    gain : float
    """

    inputs: ClassVar[tuple[str, ...]] = ("spikes",)  # bool, shape (n,)
    outputs: ClassVar[tuple[str, ...]] = ("value",)  # float64, shape (n,)

    def __init__(self, n: int, window: int, gain: float = 1.0) -> None:
        if n < 1 or window < 1:
            raise ValueError(f"RateWindowDecoder needs n ≥ 1 and window ≥ 1, got {n}, {window}")
        self.n, self.window, self.gain = int(n), int(window), float(gain)
        self._ring = np.zeros((self.window, self.n), dtype=np.int64)
        self._sum = np.zeros(self.n, dtype=np.int64)
        self.t = 0

    def reset(self) -> None:
        self._ring[:] = 0
        self._sum[:] = 0
        self.t = 0

    def step(self, spikes: ArrayLike) -> np.ndarray:
        """Decoded value after this step's spikes (bool (n,)); float64 (n,)."""
        s = np.asarray(spikes).astype(np.int64).reshape(self.n)
        slot = self.t % self.window
        self._sum += s - self._ring[slot]
        self._ring[slot] = s
        self.t += 1
        return self._sum * (self.gain / min(self.t, self.window))


class ExponentialDecoder:
    """Exponentially filtered spike train: ``y ← k·y + (1 − k)·gain·s``, ``k = exp(−dt/τ)``.

    Unbiased for a constant rate: y → gain × spikes per step (``gain = 1000/dt_ms``: Hz).

    Parameters
    ----------
    n : int
    tau_ms, dt_ms : float
        Filter time constant and step, in milliseconds.
    gain : float
    """

    inputs: ClassVar[tuple[str, ...]] = ("spikes",)  # bool, shape (n,)
    outputs: ClassVar[tuple[str, ...]] = ("value",)  # float64, shape (n,)

    def __init__(self, n: int, tau_ms: float, dt_ms: float = 1.0, gain: float = 1.0) -> None:
        if n < 1 or tau_ms <= 0 or dt_ms <= 0:
            raise ValueError("ExponentialDecoder needs n ≥ 1, tau_ms > 0 and dt_ms > 0")
        self.n, self.gain = int(n), float(gain)
        self.keep = float(np.exp(-dt_ms / tau_ms))
        self.y = np.zeros(self.n, dtype=np.float64)

    def reset(self) -> None:
        self.y[:] = 0.0

    def step(self, spikes: ArrayLike) -> np.ndarray:
        """Decoded value after this step's spikes (bool (n,)); float64 (n,), a copy."""
        s = np.asarray(spikes, dtype=np.float64).reshape(self.n)
        self.y *= self.keep
        self.y += (1.0 - self.keep) * self.gain * s
        return self.y.copy()
