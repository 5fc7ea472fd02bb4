"""Xylo profile: the SynSense Xylo Audio 2 core as XyloSim implements it, bit for bit.

The specification is ``../shared/data/golden/xylo/README.md`` (XyloSim, Rockpool 3.1.0 /
xylosim 0.1.3): int8 weights shifted left per matrix, int16 saturating states, bit-shift decay
with the at-least-one rule, two synaptic currents per hidden neuron, up to 31 spikes per step
with the threshold subtracted per spike, aliases, and input spikes that act in the same step.

How a :class:`~neurolink.snn.spec.NetworkSpec` says it
------------------------------------------------------
* ``du``, ``du2``, ``dv`` — decay shifts ``dash_syn``, ``dash_syn_2``, ``dash_mem`` (0..15);
* ``vth`` — ``threshold`` (int16; compared with ``>=``); ``bias_mant`` — ``bias`` (int16),
  ``bias_exp`` must be 0;
* ``max_spikes`` — 31 for hidden neurons, 1 for output neurons; ``alias`` — Xylo's alias target;
* a connection's ``weight_exp`` is the matrix's ``weight_shift`` (0..7, every weight is used
  as ``w << shift``), its ``synapse`` the current it feeds (0: ``u`` = ``i_syn``, 1: ``u2`` =
  ``i_syn2``); weights are int8 and stored as given (``num_weight_bits`` is 8; ``sign_mode``
  changes nothing: an int8 weight carries its own sign);
* inputs are event counts 0..255 per axon and step; only ``min(count, 15)`` is used.

Order of a step (README "Arithmetic"): deliver every source's count in source order — input
axons first, then neurons' counts of the previous step — saturating after each source, then
update neurons in index order (decay, ``dv`` clamped, multi-spike, aliases). Every integer
intermediate is int64; the int16 rules are applied by :func:`_sat` and :func:`_wrap` only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from neurolink.snn.enums import SignMode
from neurolink.snn.errors import ResourceError
from neurolink.snn.profiles.base import Overflow, Profile, Resources, StateWidth
from neurolink.snn.profiles.xylo_layers import (
    XYLO_AUDIO2,
    XyloResources,
    check_layers,
    layer_of,
    layer_sizes,
)
from neurolink.snn.synapses import DENSE, DST, EXP, KIND, N_POST, N_PRE, PTR_OFF, SRC, SYN, W_OFF

if TYPE_CHECKING:
    from neurolink.snn.spec import NetworkSpec

__all__ = ["XYLO", "XyloProfile"]

# --- bit widths -------------------------------------------------------------------------------
STATE = StateWidth(16, Overflow.SATURATE_FULL)  # i_syn, i_syn2, v_mem: int16, saturating
S16_LO, S16_HI = STATE.lo, STATE.hi  # −32768, 32767
WEIGHT_LO, WEIGHT_HI = -128, 127  # int8 weights
MAX_SHIFT = 7  # w << 7 stays in int16: −16384..16256
MAX_DASH = 15  # 4-bit decay shifts
INPUT_CLIP = 15  # only min(count, 15) input events are used per step
MAX_COUNT = 31  # a hidden neuron's count per step (own spikes + aliases)
MAX_INPUT = 255  # XyloSim refuses input counts above 255

# Rows of the per-neuron constant array handed to the kernels.
P_DSYN, P_DSYN2, P_DMEM, P_BIAS, P_VTH, P_ALIAS, P_CAP = range(7)
# Rows of the state array: the two currents, the membrane, and last step's counts.
S_U, S_U2, S_V, S_C = range(4)


# --- the int16 rules and the decay ------------------------------------------------------------
@njit(nogil=True, cache=True, inline="always")
def _sat(x):  # pragma: no cover - njit
    """Clamp to int16 [−32768, 32767] (every state update except rules 4c and 4g)."""
    return min(max(x, S16_LO), S16_HI)


@njit(nogil=True, cache=True, inline="always")
def _wrap(x):  # pragma: no cover - njit
    """int16 two's-complement wrap (rule 4c's −D and rule 4g's threshold subtraction)."""
    return ((x + 32768) & 0xFFFF) - 32768


@njit(nogil=True, cache=True, inline="always")
def _dec(x, d):  # pragma: no cover - njit
    """``D(x, d)``: ``x >> d`` (floor), but 1 when x > 0 and the shift gives 0."""
    y = x >> d
    if x > 0 and y == 0:
        return np.int64(1)  # "at least one": a positive state always moves toward 0
    return y


# --- delivery and neurons ---------------------------------------------------------------------
@njit(nogil=True, cache=True)
def _deliver(src, state, conn, order, w_dense, indptr, post, w_sparse):  # pragma: no cover
    """Add every source's count × (w << shift) to its targets, saturating after each source.

    Connections go in ``order`` (ascending first source); within one, sources ascend, so
    each target current sees its sources in the chip's order (input channels, then neurons).
    Adding c equal weights one at a time with a clamp after each equals one clamp of c·w.
    """
    for k in range(order.shape[0]):
        c = order[k]
        src0, n_pre, dst, n_post = conn[c, SRC], conn[c, N_PRE], conn[c, DST], conn[c, N_POST]
        e, row = conn[c, EXP], state[conn[c, SYN]]
        if conn[c, KIND] == DENSE:
            base = conn[c, W_OFF]
            for p in range(n_pre):
                cnt = np.int64(src[src0 + p])
                if cnt:
                    w = w_dense[base + p * n_post : base + (p + 1) * n_post]
                    for j in range(n_post):
                        if w[j] != 0:
                            row[dst + j] = _sat(row[dst + j] + cnt * (np.int64(w[j]) << e))
        else:
            ptr0 = conn[c, PTR_OFF]
            for p in range(n_pre):
                cnt = np.int64(src[src0 + p])
                if cnt:
                    for q in range(indptr[ptr0 + p], indptr[ptr0 + p + 1]):
                        j = dst + post[q]
                        row[j] = _sat(row[j] + cnt * (np.int64(w_sparse[q]) << e))


@njit(nogil=True, cache=True)
def _neurons(state, params):  # pragma: no cover - njit
    """Rule 4 for every neuron in index order; counts go to ``state[S_C]``."""
    u, u2, v, b = state[S_U], state[S_U2], state[S_V], state[S_C]
    b[:] = 0  # B: alias counts of this step arrive here before (or after) a neuron evolves
    for j in range(u.shape[0]):
        u[j] -= _dec(u[j], params[P_DSYN, j])  # 4a: never overshoots 0, never overflows
        u2[j] -= _dec(u2[j], params[P_DSYN2, j])
        isum = u[j] + u2[j]  # 4b: wide, up to ±65534
        dv = _wrap(-_dec(v[j], params[P_DMEM, j]))  # 4c: −(−32768) wraps to −32768
        dv = _sat(dv + isum)  # 4d: dv is clamped before it reaches v
        dv = _sat(dv + params[P_BIAS, j])  # 4e
        x = _sat(v[j] + dv)  # 4f
        n, thr, cap = b[j], params[P_VTH, j], params[P_CAP, j]
        while x >= thr and n < cap:  # 4g: >=; subtract per spike, at most cap − B[j]
            n += 1
            x = _wrap(x - thr)
        v[j], b[j] = x, n
        a = params[P_ALIAS, j]
        if a >= 0:  # 4h: forwarded in neuron order
            b[a] = min(b[a] + n, params[P_CAP, a])


@njit(nogil=True, cache=True)
def _step(src, n_in, state, params, conn, w_dense, indptr, post, w_sparse, acc):  # pragma: no cover
    """One Xylo step: this step's inputs and last step's counts reach the currents, then neurons.

    ``src[:n_in]`` holds this step's input counts (0..255); on return ``src[n_in:]`` holds the
    neurons' counts of this step. ``acc`` is unused (the kernel signature is the profiles').
    """
    for k in range(n_in):
        src[k] = min(src[k], INPUT_CLIP)  # only 15 events per channel and step are used
    n = state.shape[1]
    for j in range(n):
        src[n_in + j] = state[S_C, j]  # counts of step k − 1 (one step of delay)
    order = np.argsort(conn[:, SRC], kind="mergesort")  # stable: input ports first
    _deliver(src, state, conn, order, w_dense, indptr, post, w_sparse)
    _neurons(state, params)
    for j in range(n):
        src[n_in + j] = state[S_C, j]


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
    """``raster.shape[0]`` steps; record counts of ``spk_idx`` and ``state[rec_row, rec_idx]``."""
    n_in = raster.shape[1]
    for t in range(raster.shape[0]):
        for k in range(n_in):
            src[k] = raster[t, k]
        _step(src, n_in, state, params, conn, w_dense, indptr, post, w_sparse, acc)
        for k in range(spk_idx.shape[0]):
            out_spk[t, k] = src[n_in + spk_idx[k]]
        for k in range(rec_idx.shape[0]):
            out_rec[t, k] = state[rec_row[k], rec_idx[k]]


class XyloProfile(Profile):
    """Xylo Audio 2 core (XyloSim ``syns61201``); see the module docstring."""

    name = "xylo"
    neuron_ranges = MappingProxyType(
        {
            "du": (0, MAX_DASH),  # dash_syn: 4-bit decay shift
            "dv": (0, MAX_DASH),  # dash_mem
            "du2": (0, MAX_DASH),  # dash_syn_2
            "vth": (S16_LO, S16_HI),  # int16 threshold, compared with >=
            "bias_mant": (S16_LO, S16_HI),  # int16 bias, added every step
            "bias_exp": (0, 0),  # no bias exponent on Xylo
            "u0": (0, 0),  # XyloSim starts every state at 0
            "v0": (0, 0),
            "alias": (-1, XYLO_AUDIO2.hidden_neurons - 1),  # −1: none; the spec checks n
            "max_spikes": (1, MAX_COUNT),  # 1: output neurons; 31: hidden neurons
        }
    )
    connection_ranges = MappingProxyType(
        {
            "weights": (WEIGHT_LO, WEIGHT_HI),  # int8
            "weight_exp": (0, MAX_SHIFT),  # weight_shift_in / _rec / _out
            "num_weight_bits": (8, 8),  # int8, no truncation
        }
    )
    # An ideal (float) network may use decays between shifts: keep = 1 − 2**−d, d real ≥ 0.
    real_ranges = MappingProxyType(
        {"du": (0.0, float(MAX_DASH)), "du2": (0.0, float(MAX_DASH)), "dv": (0.0, float(MAX_DASH))}
    )
    shift_params = frozenset({"bias_exp", "weight_exp", "num_weight_bits", "alias", "max_spikes"})
    state_vars = ("u", "u2", "v", "c")
    float_rows = MappingProxyType(
        {"keep_u": P_DSYN, "keep_v": P_DMEM, "bias": P_BIAS, "vth": P_VTH}
    )
    state_limit = S16_HI  # int16 currents and membranes saturate at 32767
    weight_dtype = np.int8
    activation_gain = 1  # an input event adds w << shift to the current, nothing more
    threshold_gain = 1  # vth is compared with v as it is
    synapses = 2
    max_input_count = MAX_INPUT
    spike_dtype = np.uint8
    resources = Resources(
        cores=1,
        neurons_per_core=XYLO_AUDIO2.hidden_neurons + XYLO_AUDIO2.output_neurons,
        synapse_memory_bits_per_core=XYLO_AUDIO2.weight_bits,
        source=XYLO_AUDIO2.source,
    )
    chip: XyloResources = XYLO_AUDIO2
    energy_pj = MappingProxyType({})  # no per-operation energy figures are published
    energy_source = "none: SynSense publishes no per-operation energy figures for Xylo Audio 2"

    fixed_step = staticmethod(_step)
    fixed_run = staticmethod(_run)

    # --- weights --------------------------------------------------------------------------------
    def truncate_weights(
        self, weights: np.ndarray, num_weight_bits: int, sign_mode: SignMode
    ) -> np.ndarray:
        """int8 weights are stored as given (no truncation; the sign is the weight's own)."""
        return np.asarray(weights, dtype=np.int64).copy()

    def weight_grid(self, num_weight_bits: int, sign_mode: SignMode) -> tuple[int, int, int]:
        """Every int8 value: quantum 1 in −128..127 (0..127 or −128..0 when one-signed)."""
        if sign_mode is SignMode.EXCITATORY:
            return 1, 0, WEIGHT_HI
        if sign_mode is SignMode.INHIBITORY:
            return 1, WEIGHT_LO, 0
        return 1, WEIGHT_LO, WEIGHT_HI

    def float_weight_scale(self, weight_exp: int) -> float:
        """``2**shift``: each weight is used as ``w << shift``."""
        return float(2.0**weight_exp)

    # --- neurons --------------------------------------------------------------------------------
    def fixed_params(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        """Rows dash_syn, dash_syn_2, dash_mem, bias, threshold, alias, cap (int64, (7, n)).

        ``alias`` must already hold indices in the backend's neuron space (−1 = none).
        """
        rows = ("du", "du2", "dv", "bias_mant", "vth", "alias", "max_spikes")
        return np.stack([np.asarray(p[k], dtype=np.int64) for k in rows])

    def float_params(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        """Rows keep_syn, keep_syn2, keep_mem (1 − 2**−d), bias, threshold, alias, cap."""
        out = np.empty((7, p["du"].shape[0]), dtype=np.float64)
        for row, k in ((P_DSYN, "du"), (P_DSYN2, "du2"), (P_DMEM, "dv")):
            out[row] = 1.0 - 2.0 ** -np.asarray(p[k], dtype=np.float64)
        out[P_BIAS], out[P_VTH] = p["bias_mant"], p["vth"]
        out[P_ALIAS], out[P_CAP] = p["alias"], p["max_spikes"]
        return out

    def initial_state(self, p: Mapping[str, np.ndarray], dtype: type) -> np.ndarray:
        """Rows ``u, u2, v, c``: all zero (XyloSim's initial state)."""
        state = np.zeros((4, p["u0"].shape[0]), dtype=dtype)
        state[S_U], state[S_V] = p["u0"], p["v0"]
        return state

    def float_neuron_update(self, state: np.ndarray, params: np.ndarray) -> np.ndarray:
        """Rule 4 in float64: exact decays, no clamps; counts ⌊v/threshold⌋ up to the cap."""
        u, u2, v = state[S_U], state[S_U2], state[S_V]
        u *= params[P_DSYN]
        u2 *= params[P_DSYN2]
        v *= params[P_DMEM]
        v += u + u2 + params[P_BIAS]
        thr, cap = params[P_VTH], params[P_CAP]
        with np.errstate(divide="ignore", invalid="ignore"):
            n = np.where(thr > 0, np.floor(v / np.where(thr > 0, thr, 1.0)), cap)
        n = np.where(v >= thr, np.clip(n, 0, cap), 0.0)
        alias = params[P_ALIAS].astype(np.int64)
        if np.any(alias >= 0):  # forwarded in neuron order, as rule 4h
            b = np.zeros_like(n)
            for j in range(n.shape[0]):
                own = 0.0 if b[j] >= cap[j] else min(n[j], cap[j] - b[j])
                v[j] -= own * thr[j]
                b[j] += own
                if alias[j] >= 0:
                    b[alias[j]] = min(b[alias[j]] + b[j], cap[alias[j]])
            n = b
        else:
            v -= n * thr
        state[S_C] = n
        return n

    def float_step(
        self,
        state: np.ndarray,
        params: np.ndarray,
        src: np.ndarray,
        n_in: int,
        conns: Sequence[tuple[slice, slice, np.ndarray, int]],
    ) -> np.ndarray:
        """Xylo order: inputs now and last step's counts reach the currents, then neurons."""
        np.minimum(src[:n_in], INPUT_CLIP, out=src[:n_in])
        src[n_in:] = state[S_C]
        for src_sl, dst, w, syn in conns:
            state[syn, dst] += w @ src[src_sl]
        return self.float_neuron_update(state, params)

    def quantize_decay(self, param: str, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``d = −log2(1 − keep)`` (the float tier keeps ``1 − 2**−d`` per step)."""
        keep = np.clip(np.asarray(keep, dtype=np.float64), 0.0, 1.0 - 2.0**-MAX_DASH)
        ideal = -np.log2(1.0 - keep)
        return np.clip(np.round(ideal), 0, MAX_DASH).astype(np.int64), ideal

    # --- structure and resources ----------------------------------------------------------------
    def check_structure(self, spec: NetworkSpec) -> None:
        """Xylo's layers: inputs → hidden (31 spikes) ⇄ hidden → output (1 spike, 1 synapse)."""
        check_layers(spec)

    def check_fits(self, spec: NetworkSpec) -> None:
        """Refuse a network larger than the chip (inputs, hidden, outputs, fan-in).

        Raises
        ------
        ResourceError
            Naming what overflowed, what was needed and what Xylo Audio 2 has.
        """
        sizes = layer_sizes(spec)
        r = self.chip
        for layer, what, have in (
            ("input", "input channels", r.input_channels),
            ("hidden", "hidden neurons", r.hidden_neurons),
            ("output", "output neurons", r.output_neurons),
        ):
            need = sizes["inputs" if layer == "input" else layer]
            if need > have:
                parts = [(p.name, p.n) for p in (*spec.inputs, *spec.populations)
                         if layer_of(spec, p.name) == layer]  # fmt: skip
                kind = "input port" if layer == "input" else "population"
                who = ", ".join(f"{kind} {name!r} {n}" for name, n in parts)
                raise ResourceError(
                    f"xylo: {need} {what} exceed the chip's {have} ({who}; Xylo Audio 2, sizes "
                    f"from Rockpool 3.1's Xylo mapper)"
                )


XYLO = XyloProfile()
