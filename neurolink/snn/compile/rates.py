"""Steady-state firing rate of the profile's integer LIF neuron, measured on ``fixed``.

The NEF solves its decoders on the rates that the neurons actually produce. For a neuron of the
Loihi profile driven by a constant input ``J`` (state units per step, what ``v`` integrates:
``u + bias``), the rate depends on ``J``, the voltage decay ``dv`` and the threshold ``vth``
only. :func:`response_curve` measures it once per (``dv``, ``vth``) by running one population of
neurons with inputs ``J_k`` on the ``fixed`` backend (a constant ``u`` from an input axon that
spikes every step, plus the bias), so every integer effect (truncating decay, strict threshold,
reset to 0) is in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from neurolink.snn.backends import make_backend
from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec, Population, Probe

__all__ = ["ResponseCurve", "bias_code", "response_curve"]


def bias_code(j: np.ndarray, profile_name: str = "loihi") -> tuple[np.ndarray, np.ndarray]:
    """Nearest ``bias_mant << bias_exp`` to ``j`` with the smallest exponent that fits.

    Parameters
    ----------
    j : numpy.ndarray of float
        Wanted bias (state units per step).

    Returns
    -------
    mant, exp : numpy.ndarray of int64, same shape
        13-bit signed mantissa (−4096..4095) and exponent (0..7).
    """
    del profile_name  # the ranges below are Loihi's (DESIGN §3)
    j = np.asarray(j, dtype=np.float64)
    exp = np.full(j.shape, 7, dtype=np.int64)
    for e in range(7, -1, -1):  # the smallest exponent whose mantissa range holds j / 2**e
        m = np.round(j / 2.0**e)
        exp = np.where((m >= -4096) & (m <= 4095), e, exp)
    mant = np.clip(np.round(j / 2.0**exp), -4096, 4095).astype(np.int64)
    return mant, exp


@dataclass(frozen=True)
class ResponseCurve:
    """Rate (spikes per step) of the integer LIF neuron as a function of its constant input.

    Attributes
    ----------
    j : numpy.ndarray of float64, shape (n,)
        Inputs (state units per step), increasing.
    rate : numpy.ndarray of float64, shape (n,)
        Measured spikes per step, non-decreasing.
    j_threshold : float
        Smallest measured input with a non-zero rate.
    """

    j: np.ndarray
    rate: np.ndarray
    j_threshold: float

    def __call__(self, j: np.ndarray) -> np.ndarray:
        """Rate at inputs ``j`` (linear interpolation; 0 below threshold, linear beyond)."""
        j = np.asarray(j, dtype=np.float64)
        out = np.interp(j, self.j, self.rate, left=0.0)
        top = j > self.j[-1]
        if np.any(top):  # beyond the table: continue the last slope (capped at 1 spike/step)
            slope = (self.rate[-1] - self.rate[-9]) / (self.j[-1] - self.j[-9])
            out[top] = np.minimum(self.rate[-1] + slope * (j[top] - self.j[-1]), 1.0)
        return out

    def inverse(self, rate: np.ndarray) -> np.ndarray:
        """Input that gives ``rate`` (spikes per step, within the table's range)."""
        return np.interp(rate, self.rate, self.j)


@lru_cache(maxsize=16)
def response_curve(dv: int, vth: int, max_rate: float = 0.6, steps: int = 4000) -> ResponseCurve:
    """Measure the rate of one neuron per input level on the ``fixed`` backend.

    Parameters
    ----------
    dv : int
        Voltage decay code (0..4095).
    vth : int
        Threshold mantissa (spike when ``v > vth << 6``).
    max_rate : float
        Highest rate to cover (spikes per step).
    steps : int
        Steps simulated (rate resolution 1/steps).

    Returns
    -------
    ResponseCurve
    """
    theta = float(vth) * 64.0
    keep = (4096 - dv) / 4096.0
    j_lo = theta * (1.0 - keep) * 0.9  # below the leaky threshold: rate 0
    j_hi = theta * max(1.0 - keep, 1e-3) + theta * max_rate * 1.2  # beyond max_rate
    # J = u + bias: a constant u from an axon that spikes every step into du = 4095 neurons
    # (u = w · 2**e · 64 exactly, from the second step on), plus a bias for the remainder.
    target = np.linspace(j_lo, j_hi, 1024)
    e = int(np.clip(np.ceil(np.log2(j_hi / (255 * 64))), 0, 7))
    step_u = 64 * 2**e
    w = np.floor(target / step_u).astype(np.int64)
    mant, exp = bias_code(target - w * step_u)
    j = w * step_u + (mant << exp).astype(np.float64)
    pop = Population("r", j.size, du=4095, dv=dv, vth=vth, bias_mant=mant, bias_exp=exp)
    conn = DenseConnection("drive", "in", "r", weights=w[:, None], weight_exp=e)
    spec = NetworkSpec([pop], [conn], [InputPort("in", 1)], probes=[Probe("r", "spikes")])
    drive = np.ones((steps, 1), dtype=bool)
    spikes = make_backend("fixed", spec).run(steps, {"in": drive})["r.spikes"]
    rate = spikes[steps // 4 :].mean(axis=0)  # after the first spike transient
    rate = np.maximum.accumulate(rate)  # monotone (ties of the grid)
    j_unique, idx = np.unique(j, return_index=True)
    rate = rate[idx]
    first = np.flatnonzero(rate > 0)
    j_th = float(j_unique[first[0]]) if first.size else float(j_unique[-1])
    return ResponseCurve(j_unique, rate, j_th)
