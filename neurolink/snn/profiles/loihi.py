"""Loihi profile: CUBA LIF neurons fed by dense/sparse synapses, bit for bit (DESIGN §3).

This mirrors the public fixed-point model of Intel's Lava 0.10 (``PyLifModelBitAcc`` fed by
``PyDenseModelBitAcc``). All of the chip's arithmetic is in this file: ranges, state widths,
weight truncation, the integer kernels and the same dynamics in float64. Every integer
intermediate is int64; every shift says why it is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from numba import njit

from neurolink.snn.enums import SignMode
from neurolink.snn.profiles.base import Overflow, Profile, Resources, StateWidth
from neurolink.snn.synapses import DST, EXP, accumulate

__all__ = ["LOIHI", "LoihiProfile"]

# --- bit widths and fixed constants -----------------------------------------------------------
DECAY_BITS = 12  # du, dv are 12-bit fractions: decay factor = (4096 − d) / 4096
DECAY_UNITY = 1 << DECAY_BITS  # 4096 = "1.0" in the decay arithmetic
DS_OFFSET = 1  # current decays by (du + 1)/4096, so du = 0 still decays by 1/4096
DM_OFFSET = 0  # voltage decays by dv/4096 exactly
ACT_SHIFT = 6  # synaptic input enters u shifted left by 6 (MSB alignment in the 24-bit u)
VTH_SHIFT = 6  # the 17-bit threshold mantissa is compared with v shifted left by 6
WEIGHT_BITS = 8  # synapse memory holds 8 magnitude bits (one of them is the sign when mixed)
U_WIDTH = StateWidth(24, Overflow.WRAP_ONCE)  # u: 24-bit signed, one wrap step (2**23 is kept)
V_WIDTH = StateWidth(24, Overflow.SATURATE)  # v: 24-bit signed, clipped to ±(2**23 − 1)
U_BITS, U_OVERFLOW = U_WIDTH.bits, int(U_WIDTH.overflow)  # plain ints for the numba kernels
V_BITS, V_OVERFLOW = V_WIDTH.bits, int(V_WIDTH.overflow)
WRAP_ONCE, SATURATE = int(Overflow.WRAP_ONCE), int(Overflow.SATURATE)

# Rows of the per-neuron constant array handed to the kernels.
P_U_KEEP, P_V_KEEP, P_BIAS, P_VTH = range(4)
# Rows of the state array.
S_U, S_V, S_A = range(3)


# --- the one width helper ---------------------------------------------------------------------
@njit(nogil=True, cache=True, inline="always")
def _fit(x, bits, overflow):  # pragma: no cover - njit
    """Bring ``x`` back into a signed ``bits``-wide state by the state's overflow rule.

    Branch-free (selects, not jumps) so that the neuron loop vectorizes.
    """
    half = np.int64(1) << (bits - 1)  # 2**(bits−1)
    if overflow == WRAP_ONCE:  # one wrap step, not a modulo: ±2**bits at most once
        # x > 2**(b−1) → x − 2**b;  x ≤ −2**(b−1) → x + 2**b;  2**(b−1) itself is kept
        return x - (np.int64(x > half) << bits) + (np.int64(x <= -half) << bits)
    return min(max(x, 1 - half), half - 1)  # SATURATE, symmetric: ±(2**(b−1) − 1)


@njit(nogil=True, cache=True, inline="always")
def _decay(x, keep):  # pragma: no cover - njit
    """``x · keep / 4096`` rounded toward zero, i.e. sign(y)·(|y| >> 12) with y = x · keep.

    int64 product: |x| < 2**25 and keep ≤ 2**12. Adding 4095 to a negative product before the
    arithmetic shift (which floors) turns the floor into truncation toward zero, without a branch.
    """
    y = x * keep
    return (y + ((y >> 63) & (DECAY_UNITY - 1))) >> DECAY_BITS  # y >> 63: −1 if y < 0 else 0


@njit(nogil=True, cache=True)
def _lif(state, params, src, n_in):  # pragma: no cover - njit
    """Update every neuron once; write its spike into ``src[n_in + i]``."""
    u, v, a = state[S_U], state[S_V], state[S_A]
    u_keep, v_keep = params[P_U_KEEP], params[P_V_KEEP]
    bias, vth = params[P_BIAS], params[P_VTH]
    spikes = src[n_in:]
    for i in range(u.shape[0]):
        x = _decay(u[i], u_keep[i])
        x += a[i] << ACT_SHIFT  # activation shift 6: a is aligned with u's MSBs
        x = _fit(x, U_BITS, U_OVERFLOW)
        u[i] = x
        y = _decay(v[i], v_keep[i]) + x + bias[i]
        y = _fit(y, V_BITS, V_OVERFLOW)
        spike = y > vth[i]  # strict: v == vth << 6 does not spike
        spikes[i] = spike
        v[i] = 0 if spike else y  # v resets; u does not; no refractory period


@njit(nogil=True, cache=True)
def _synapses(src, a, conn, w_dense, indptr, post, w_sparse, acc):  # pragma: no cover - njit
    """Compute next step's input ``a`` from this step's spikes (one step of delay)."""
    a[:] = 0
    for c in range(conn.shape[0]):
        n_post = accumulate(c, src, conn, w_dense, indptr, post, w_sparse, acc)
        dst, e = conn[c, DST], conn[c, EXP]
        target = a[dst : dst + n_post]
        if e > 0:
            for j in range(n_post):
                target[j] += acc[j] << e  # weight_exp > 0 scales the sum up
        else:
            for j in range(n_post):
                target[j] += acc[j] >> -e  # arithmetic shift: floor; no saturation of a


@njit(nogil=True, cache=True)
def _step(src, n_in, state, params, conn, w_dense, indptr, post, w_sparse, acc):  # pragma: no cover
    """One chip step: neurons consume the buffered ``a``, then synapses fill it from spikes."""
    _lif(state, params, src, n_in)
    _synapses(src, state[S_A], conn, w_dense, indptr, post, w_sparse, acc)


@njit(nogil=True, cache=True)
def _run(
    raster,
    src,
    state,
    params,
    conn,
    w_dense,
    indptr,
    post,
    w_sparse,
    acc,
    spk_idx,
    rec_row,
    rec_idx,
    out_spk,
    out_rec,
):  # pragma: no cover - njit
    """``raster.shape[0]`` steps; record spikes of ``spk_idx`` and ``state[rec_row, rec_idx]``."""
    n_in = raster.shape[1]
    for t in range(raster.shape[0]):
        for k in range(n_in):
            src[k] = raster[t, k]
        _step(src, n_in, state, params, conn, w_dense, indptr, post, w_sparse, acc)
        for k in range(spk_idx.shape[0]):
            out_spk[t, k] = src[n_in + spk_idx[k]]
        for k in range(rec_idx.shape[0]):
            out_rec[t, k] = state[rec_row[k], rec_idx[k]]


class LoihiProfile(Profile):
    """Loihi CUBA LIF (Lava 0.10 bit-accurate model); see DESIGN §3."""

    name = "loihi"
    neuron_ranges = MappingProxyType(
        {
            "du": (0, DECAY_UNITY - 1),  # 12-bit decay code
            "dv": (0, DECAY_UNITY - 1),
            "vth": (0, (1 << 17) - 1),  # 17-bit threshold mantissa (compared << 6)
            "bias_mant": (-(1 << 12), (1 << 12) - 1),  # 13-bit signed mantissa
            "bias_exp": (0, 7),  # 3-bit exponent
            "u0": (U_WIDTH.lo, U_WIDTH.hi),
            "v0": (V_WIDTH.lo, V_WIDTH.hi),
            "du2": (0, 0),  # one synapse per neuron: no second current
            "alias": (-1, -1),  # no aliases
            "max_spikes": (1, 1),  # binary spikes
        }
    )
    connection_ranges = MappingProxyType(
        {
            "weights": (-(1 << WEIGHT_BITS), (1 << WEIGHT_BITS) - 1),  # −256..255
            "weight_exp": (-8, 7),
            "num_weight_bits": (1, WEIGHT_BITS),
        }
    )
    # An ideal decay may lie between codes; du's real code reaches −1 because of DS_OFFSET.
    real_ranges = MappingProxyType(
        {"du": (-DS_OFFSET, DECAY_UNITY - DS_OFFSET), "dv": (-DM_OFFSET, DECAY_UNITY - DM_OFFSET)}
    )
    shift_params = frozenset(
        {"bias_exp", "weight_exp", "num_weight_bits", "du2", "alias", "max_spikes"}
    )
    state_vars = ("u", "v", "a")
    float_rows = MappingProxyType(
        {"keep_u": P_U_KEEP, "keep_v": P_V_KEEP, "bias": P_BIAS, "vth": P_VTH}
    )
    state_limit = V_WIDTH.hi  # 2**23 − 1: u wraps past it, v saturates at it
    weight_dtype = np.int16  # truncated weights lie in −256..255
    activation_gain = 1 << ACT_SHIFT
    threshold_gain = 1 << VTH_SHIFT
    resources = Resources(
        cores=128,
        neurons_per_core=1024,
        synapse_memory_bits_per_core=128 * 1024 * 8,  # 128 KiB per core
        source="Davies et al., 'Loihi: a neuromorphic manycore processor with on-chip "
        "learning', IEEE Micro 38(1), 2018",
    )
    energy_pj = MappingProxyType(
        {
            "synaptic_spike_op": 23.6,
            "synaptic_update": 120.0,
            "neuron_update_active": 81.0,
            "neuron_update_inactive": 52.0,
            "spike_within_tile": 1.7,
            "spike_per_tile_hop": 3.5,
        }
    )
    energy_source = (
        "Davies et al., IEEE Micro 38(1), 2018, chip characterization table (as widely cited; "
        "check against the paper before quoting)"
    )

    fixed_step = staticmethod(_step)
    fixed_run = staticmethod(_run)

    # --- weights --------------------------------------------------------------------------------
    def truncate_weights(
        self, weights: np.ndarray, num_weight_bits: int, sign_mode: SignMode
    ) -> np.ndarray:
        """Weights as stored: sign-mode clip, then drop ``8 − bits + mixed`` low bits.

        Parameters
        ----------
        weights : numpy.ndarray, int
            Raw weights, any shape.
        num_weight_bits : int
            1..8 bits of weight precision.
        sign_mode : SignMode
            Resolved sign mode of the connection.

        Returns
        -------
        numpy.ndarray, int64, same shape
        """
        w = np.asarray(weights, dtype=np.int64)
        mixed = 1 if sign_mode is SignMode.MIXED else 0
        inhibitory = sign_mode is SignMode.INHIBITORY
        if inhibitory:
            w = -w  # inhibitory synapses store magnitudes
        w = np.clip(w, -(1 << WEIGHT_BITS) * mixed, (1 << WEIGHT_BITS) - 1)  # 9-bit if mixed
        t = WEIGHT_BITS - num_weight_bits + mixed  # low bits the synapse memory drops
        w = (w >> t) << t  # arithmetic shift: floor toward −∞ (−3 → −4 with t = 1)
        return -w if inhibitory else w

    def weight_grid(self, num_weight_bits: int, sign_mode: SignMode) -> tuple[int, int, int]:
        """Values that ``truncate_weights`` leaves unchanged: multiples of 2**t in lo..hi."""
        mixed = 1 if sign_mode is SignMode.MIXED else 0
        quantum = 1 << (WEIGHT_BITS - num_weight_bits + mixed)  # 2**t, t = 8 − bits + mixed
        top = ((1 << WEIGHT_BITS) - 1) // quantum * quantum  # largest stored magnitude ≤ 255
        if mixed:
            return quantum, -(1 << WEIGHT_BITS), top  # −256 is a multiple of every quantum
        if sign_mode is SignMode.INHIBITORY:
            return quantum, -top, 0
        return quantum, 0, top

    def float_weight_scale(self, weight_exp: int) -> float:
        """``2**weight_exp``: the exact scale that the integer shift approximates."""
        return float(2.0**weight_exp)

    # --- neurons --------------------------------------------------------------------------------
    def fixed_params(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        """Rows ``u_keep, v_keep, bias, vth_scaled`` (int64, shape (4, n))."""
        out = np.empty((4, p["du"].shape[0]), dtype=np.int64)
        out[P_U_KEEP] = DECAY_UNITY - (p["du"].astype(np.int64) + DS_OFFSET)
        out[P_V_KEEP] = DECAY_UNITY - (p["dv"].astype(np.int64) + DM_OFFSET)
        # bias mantissa scaled by its exponent (left shift of a signed value = × 2**exp)
        out[P_BIAS] = p["bias_mant"].astype(np.int64) << p["bias_exp"].astype(np.int64)
        out[P_VTH] = p["vth"].astype(np.int64) << VTH_SHIFT  # threshold aligned with v
        return out

    def float_params(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        """Rows ``u_keep, v_keep, bias, vth_scaled`` (float64, shape (4, n)); no rounding."""
        out = np.empty((4, p["du"].shape[0]), dtype=np.float64)
        out[P_U_KEEP] = 1.0 - (p["du"] + DS_OFFSET) / DECAY_UNITY
        out[P_V_KEEP] = 1.0 - (p["dv"] + DM_OFFSET) / DECAY_UNITY
        out[P_BIAS] = p["bias_mant"] * 2.0 ** p["bias_exp"]
        out[P_VTH] = p["vth"] * float(self.threshold_gain)
        return out

    def initial_state(self, p: Mapping[str, np.ndarray], dtype: type) -> np.ndarray:
        """Rows ``u, v, a`` with ``u0``, ``v0`` and no pending input."""
        state = np.zeros((3, p["u0"].shape[0]), dtype=dtype)
        state[S_U], state[S_V] = p["u0"], p["v0"]
        return state

    def float_neuron_update(self, state: np.ndarray, params: np.ndarray) -> np.ndarray:
        """Same order as ``_lif`` in float64: no rounding of decays, no wrap, no clip."""
        u, v, a = state[S_U], state[S_V], state[S_A]
        u *= params[P_U_KEEP]
        u += a * float(self.activation_gain)
        v *= params[P_V_KEEP]
        v += u + params[P_BIAS]
        spikes = v > params[P_VTH]
        v[spikes] = 0.0
        return spikes

    def quantize_decay(self, param: str, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``d = 4096·(1 − keep) − offset``; offset 1 for ``du`` (DS_OFFSET), 0 for ``dv``."""
        offset = {"du": DS_OFFSET, "dv": DM_OFFSET}[param]
        ideal = DECAY_UNITY * (1.0 - np.asarray(keep, dtype=np.float64)) - offset
        lo, hi = self.neuron_ranges[param]
        return np.clip(np.round(ideal), lo, hi).astype(np.int64), ideal


LOIHI = LoihiProfile()
