"""Real synaptic increments → the profile's stored weights (mantissa, ``weight_exp``, bits).

A compiled network is designed in *increments*: how much one presynaptic spike adds to the
target's current ``u`` (state units). On Loihi a spike adds ``w << 6`` scaled by the
connection's ``2**weight_exp`` (DESIGN §3: ``a = Σw >> −e`` or ``<< e``, then ``u += a << 6``),
so ``increment = w · 2**weight_exp · 64``. :func:`quantize_increments` picks the smallest
``weight_exp`` whose mantissas fit the stored range, then rounds each mantissa to the nearest
value that the synapse memory keeps (a multiple of ``2**(8 − bits + mixed)``), so the chip's
truncation at load leaves it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolink.snn.enums import SignMode
from neurolink.snn.profiles import get_profile

__all__ = ["QuantizedWeights", "quantize_increments"]


@dataclass(frozen=True)
class QuantizedWeights:
    """Integer weights of one connection and what they cost in accuracy.

    Attributes
    ----------
    weights : numpy.ndarray of int64, shape (n_post, n_pre)
        Mantissas, on the stored grid.
    weight_exp : int
    num_weight_bits : int
    sign_mode : SignMode
    error : float
        ``‖realised − wanted‖_F / ‖wanted‖_F`` of the increments (0 when all are 0).
    """

    weights: np.ndarray
    weight_exp: int
    num_weight_bits: int
    sign_mode: SignMode
    error: float

    @property
    def increments(self) -> np.ndarray:
        """Realised increments of ``u`` per presynaptic spike (state units), float64."""
        return self.weights * (64.0 * 2.0**self.weight_exp)


def quantize_increments(
    increments: np.ndarray, num_weight_bits: int = 8, profile: str = "loihi"
) -> QuantizedWeights:
    """Quantize wanted increments of ``u`` per spike onto the profile's weight grid.

    Parameters
    ----------
    increments : numpy.ndarray of float, shape (n_post, n_pre)
        Wanted increment of the target's ``u`` per presynaptic spike (state units).
    num_weight_bits : int
        1..8 weight bits (one of them is the sign when the weights have both signs).
    profile : str
        Chip profile (its weight grid, activation gain and ``weight_exp`` range).

    Returns
    -------
    QuantizedWeights
    """
    prof = get_profile(profile)
    inc = np.asarray(increments, dtype=np.float64)
    if np.all(inc >= 0):
        mode = SignMode.EXCITATORY
    elif np.all(inc <= 0):
        mode = SignMode.INHIBITORY
    else:
        mode = SignMode.MIXED
    quantum, lo, hi = prof.weight_grid(num_weight_bits, mode)
    e_lo, e_hi = prof.connection_ranges["weight_exp"]
    gain = float(prof.activation_gain)  # a << 6
    peak = float(np.max(np.abs(inc), initial=0.0))
    top = max(abs(lo), hi) if mode is not SignMode.MIXED else hi
    if peak == 0.0:
        e = 0
    else:  # smallest exponent with every mantissa within the grid's range
        e = int(np.clip(np.ceil(np.log2(peak / (gain * max(top, 1)))), e_lo, e_hi))
    mant = inc / (gain * 2.0**e)
    w = np.clip(np.round(mant / quantum) * quantum, lo, hi).astype(np.int64)
    realised = w * (gain * 2.0**e)
    norm = float(np.linalg.norm(inc))
    err = float(np.linalg.norm(realised - inc) / norm) if norm > 0 else 0.0
    return QuantizedWeights(w, e, int(num_weight_bits), mode, err)
